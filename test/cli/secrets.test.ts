/**
 * Issue 15 item 12: every secret file gets the same permission rule, and
 * every secret value is redacted, whatever its length.
 */
import assert from "node:assert/strict";
import { chmodSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { runCli } from "../helpers/cli.js";
import { instructionsFor } from "../mission-control/server.js";
import { writeTokenFile } from "../mission-control/support.js";
import { loopbackWorld } from "./world.js";

async function setup(t: { after: (fn: () => Promise<void> | void) => void }, tokens: { mc: string; server: string; serverMode: number }) {
  const { pki, mc, api, node } = await loopbackWorld(t);
  const tokenFile = writeTokenFile(node.dir, tokens.mc);
  const serverTokenFile = join(node.dir, "server-token");
  writeFileSync(serverTokenFile, `${tokens.server}\n`);
  chmodSync(serverTokenFile, tokens.serverMode);
  const config = node.config({
    nodeIp: "127.0.0.1",
    directories: [{ path: node.dir }],
    missionControl: { url: mc.url, tokenFile, caFile: pki.ca.certFile, retry: { baseMs: 50, maxMs: 200, maxAttempts: 2 } },
    server: { url: api.url, caFile: api.caFile, tokenFile: serverTokenFile },
    remediation: { enabled: false },
    cycle: { deadlineMs: 20_000 },
  });
  return { pki, mc, api, node, config, serverTokenFile };
}

test("server.tokenFile readable by others is refused like the Mission Control token: status says the file and chmod 600; the token is not sent", async (t) => {
  const server = "srv-token-0123456789";
  const { api, node, config, serverTokenFile } = await setup(t, { mc: "mc-token-0123456789", server, serverMode: 0o644 });
  const r = await runCli(["--config", config, "status"], { env: node.env, timeoutMs: 60_000 });
  assert.match(r.stdout, new RegExp(`server\\.tokenFile ${serverTokenFile.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} is readable by .*others .*chmod 600`), r.stdout);
  for (const req of api.requests) assert.ok(!String(req.headers["authorization"] ?? "").includes(server), "the token of a refused file is never sent");
  // Private again: used.
  chmodSync(serverTokenFile, 0o600);
  const ok = await runCli(["--config", config, "status"], { env: node.env, timeoutMs: 60_000 });
  assert.doesNotMatch(ok.stdout, /server\.tokenFile/);
  assert.ok(api.requests.some((q) => q.headers["authorization"] === `Api-Token ${server}`), "the private token is used");
});

test("short tokens (under 8 characters) and the server token are redacted from the audit and the log", async (t) => {
  const mcToken = "Zq7x#K"; // 6 characters
  const serverToken = "Sv9y%Lp"; // 7 characters
  const { mc, node, config } = await setup(t, { mc: mcToken, server: serverToken, serverMode: 0o600 });
  // An answer that echoes both tokens back.
  mc.reply((req) => ({ status: 200, body: instructionsFor(req, { clusterStatusDescription: `echo ${mcToken} and ${serverToken}` }) }));
  const r = await runCli(["--config", config, "--debug", "report"], { env: node.env, timeoutMs: 60_000 });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const audit = readFileSync(join(node.stateDir, "audit.jsonl"), "utf8");
  assert.match(audit, /echo \[REDACTED\] and \[REDACTED\]/, `the echo is in the audit, redacted: ${audit.slice(0, 3000)}`);
  for (const [what, text] of [["audit", audit], ["stdout", r.stdout], ["log", r.stderr], ...readdirSync(node.stateDir).filter((f) => f.startsWith("audit")).map((f) => [f, readFileSync(join(node.stateDir, f), "utf8")])] as const) {
    assert.ok(!text.includes(mcToken), `${what} holds the Mission Control token`);
    assert.ok(!text.includes(serverToken), `${what} holds the server token`);
  }
  for (const line of audit.trim().split("\n")) JSON.parse(line); // redaction kept every line valid JSON
});

test("missionControl.keyFile readable by others is refused: the report names the file and chmod 600", async (t) => {
  const { pki, node, mc } = await setup(t, { mc: "mc-token-0123456789", server: "srv-token-0123456789", serverMode: 0o600 });
  const keyFile = join(node.dir, "client.key");
  writeFileSync(keyFile, readFileSync(pki.client.keyFile));
  chmodSync(keyFile, 0o644);
  const config = node.config({
    nodeIp: "127.0.0.1",
    missionControl: { url: mc.url, tokenFile: writeTokenFile(node.dir, "mc-token-0123456789"), caFile: pki.ca.certFile, certFile: pki.client.certFile, keyFile },
    remediation: { enabled: false },
  });
  const r = await runCli(["--config", config, "report"], { env: node.env, timeoutMs: 60_000 });
  assert.equal(r.code, 64, r.stdout + r.stderr);
  assert.match(r.stdout + r.stderr, /missionControl\.keyFile .* is readable by .*others .*chmod 600/);
  assert.equal(mc.requests.length, 0, "nothing sent");
});
