import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer as createHttpsServer } from "node:https";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { writeFileSync } from "node:fs";
import { test } from "node:test";
import { ComponentSchema } from "../../src/config/schema.js";
import { systemClock } from "../../src/effects/clock.js";
import { realFileSystem } from "../../src/effects/fs.js";
import { createHttpClient } from "../../src/effects/http.js";
import type { Effects } from "../../src/effects/index.js";
import { createProcessRunner } from "../../src/effects/process.js";
import { probeComponents } from "../../src/probes/components.js";
import { createProbeEngine } from "../../src/probes/engine.js";
import { parseSystemctlShow, unitStatus } from "../../src/probes/systemd.js";
import { tempDir } from "../helpers/temp.js";
import { makeTestPki } from "../helpers/tls.js";

const effects: Effects = { runner: createProcessRunner(), clock: systemClock, http: createHttpClient, fs: realFileSystem };
const engine = () => createProbeEngine({ clock: systemClock, concurrency: 8, deadlineMs: 10_000 });

async function probe(...components: unknown[]) {
  const { components: results } = await probeComponents(effects, engine(), components.map((c) => ComponentSchema.parse(c)));
  return results;
}

test("systemctl show: blocks parsed; failed, inactive, activating, masked, not-found map to statuses", () => {
  const blocks = parseSystemctlShow("Id=a.service\nLoadState=loaded\nActiveState=active\nSubState=running\n\nId=b.service\nLoadState=not-found\n");
  assert.equal(blocks.length, 2);
  const s = (p: Record<string, string>) => { const r = unitStatus("u", p); return [r.status, r.resultCode]; };
  assert.deepEqual(s({ LoadState: "loaded", ActiveState: "active", SubState: "running" }), ["OK", 0]);
  assert.deepEqual(s({ LoadState: "loaded", ActiveState: "failed", SubState: "failed", Result: "core-dump" }), ["ERROR", 102]);
  assert.match(unitStatus("u", { LoadState: "loaded", ActiveState: "failed", SubState: "failed", Result: "core-dump" }).description, /SubState=failed, Result=core-dump/);
  assert.deepEqual(s({ LoadState: "loaded", ActiveState: "inactive", SubState: "dead" }), ["ERROR", 103]);
  assert.deepEqual(s({ LoadState: "loaded", ActiveState: "activating", SubState: "start-pre" }), ["WARNING", 104]);
  assert.deepEqual(s({ LoadState: "masked", ActiveState: "inactive" }), ["ERROR", 106]);
  assert.deepEqual(s({ LoadState: "not-found", ActiveState: "inactive" }), ["NOT_INSTALLED", 101]);
});

test("tcp: a listening port is OK, a closed one ERROR 120", async (t) => {
  const server = createServer((s) => s.destroy()).listen(0, "127.0.0.1");
  t.after(() => server.close());
  await once(server, "listening");
  const port = (server.address() as AddressInfo).port;
  const closed = createServer().listen(0, "127.0.0.1");
  await once(closed, "listening");
  const closedPort = (closed.address() as AddressInfo).port;
  closed.close();
  const [up, down] = await probe(
    { name: "up", status: { type: "tcp", host: "127.0.0.1", port } },
    { name: "down", status: { type: "tcp", host: "127.0.0.1", port: closedPort } },
  );
  assert.deepEqual([up?.status, up?.resultCode], ["OK", 0]);
  assert.deepEqual([down?.status, down?.resultCode], ["ERROR", 120]);
});

test("command: exit 0 OK, non-zero ERROR 130, missing NOT_INSTALLED 131; version from output by regex and from a file", async (t) => {
  const d = tempDir(t);
  writeFileSync(join(d, "VERSION"), "1.296.0.20240101\n");
  const [ok, bad, missing] = await probe(
    { name: "ok", status: { type: "command", command: ["sh", "-c", "echo all good"] }, version: { type: "command", command: ["sh", "-c", "echo 'nginx version: nginx/1.25.3' >&2"], regex: "nginx/(\\S+)" } },
    { name: "bad", status: { type: "command", command: ["sh", "-c", "echo broken >&2; exit 4"] }, version: { type: "file", path: join(d, "VERSION") } },
    { name: "missing", status: { type: "command", command: ["/nonexistent/check"] } },
  );
  assert.deepEqual([ok?.status, ok?.description, ok?.version], ["OK", "all good", "1.25.3"]);
  assert.deepEqual([bad?.status, bad?.resultCode, bad?.version], ["ERROR", 130, "1.296.0.20240101"]);
  assert.match(bad?.description ?? "", /exit code 4: broken/);
  assert.deepEqual([missing?.status, missing?.resultCode, missing?.version], ["NOT_INSTALLED", 131, null]);
});

test("http: expected status and body, TLS verified against a CA, wrong CA refused, JSON version field", async (t) => {
  const pki = makeTestPki();
  const server = createHttpsServer({ cert: pki.server.cert, key: pki.server.key }, (req, res) => {
    if (req.url === "/version") { res.setHeader("content-type", "application/json"); res.end(JSON.stringify({ version: { number: "7.17.9" } })); return; }
    if (req.url === "/down") { res.statusCode = 503; res.end("STARTING"); return; }
    res.end("RUNNING");
  });
  t.after(() => {
    server.close();
    server.closeAllConnections();
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const [ok, wrongBody, down, wrongCa, insecure] = await probe(
    { name: "ok", status: { type: "http", url: `${base}/health`, caFile: pki.ca.certFile, expectBody: "RUNNING" }, version: { type: "http", url: `${base}/version`, caFile: pki.ca.certFile, field: "version.number" } },
    { name: "wrong-body", status: { type: "http", url: `${base}/health`, caFile: pki.ca.certFile, expectBody: "GREEN" } },
    { name: "down", status: { type: "http", url: `${base}/down`, caFile: pki.ca.certFile } },
    { name: "wrong-ca", status: { type: "http", url: `${base}/health`, caFile: pki.otherCa.certFile } },
    { name: "insecure", status: { type: "http", url: `${base}/health`, insecureSkipVerify: true } },
  );
  assert.deepEqual([ok?.status, ok?.version], ["OK", "7.17.9"]);
  assert.deepEqual([wrongBody?.status, wrongBody?.resultCode], ["ERROR", 111]);
  assert.deepEqual([down?.status, down?.resultCode], ["ERROR", 110]);
  assert.deepEqual([wrongCa?.status, wrongCa?.resultCode], ["ERROR", 113]);
  assert.equal(insecure?.status, "OK");
  assert.equal(insecure?.insecure, true);
  assert.match(insecure?.description ?? "", /TLS verification OFF/);
});
