/**
 * `support-bundle` through the built CLI: one .tar.gz with what a ticket
 * needs, and not one secret in it, even where a secret was planted in the
 * audit log, the log file and the journal (decompressed, every byte searched).
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { appendFileSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { gunzipSync } from "node:zlib";
import { runCli, writeScript } from "../helpers/cli.js";
import { makeNodeFixture } from "../helpers/node-fixture.js";
import { makeTestPki } from "../helpers/tls.js";
import { makeToken, writeTokenFile } from "../mission-control/support.js";

/** The entries of an uncompressed ustar archive: name → content. */
function untar(archive: Buffer): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  let offset = 0;
  while (offset + 512 <= archive.length) {
    const header = archive.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) break;
    const name = header.subarray(0, 100).toString("utf8").replace(/\0.*$/s, "");
    const size = parseInt(header.subarray(124, 136).toString("utf8").replace(/\0.*$/s, ""), 8);
    assert.equal(header.subarray(257, 263).toString("latin1"), "ustar\0");
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i]!;
    assert.equal(parseInt(header.subarray(148, 156).toString("latin1"), 8), sum, `checksum of ${name}`);
    files.set(name, archive.subarray(offset + 512, offset + 512 + size));
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}

test("support-bundle: config, status, diagnose, audit tail, logs, versions and units in one .tar.gz (0600), with no secret anywhere in it", async (t) => {
  const pki = makeTestPki();
  const node = makeNodeFixture(t);
  mkdirSync(node.stateDir, { mode: 0o750 });
  const token = makeToken();
  const serverToken = makeToken();
  const tokenFile = writeTokenFile(node.dir, token);
  mkdirSync(join(node.dir, "server"));
  const serverTokenFile = writeTokenFile(join(node.dir, "server"), serverToken);
  const proxyPassword = "px-Secr3t/pass";
  const logFile = join(node.dir, "nodekeeper.log");
  node.unit("nodekeeper.timer", { LoadState: "loaded", ActiveState: "active", SubState: "waiting", Result: "success", ActiveEnterTimestamp: "" });
  writeFileSync(join(node.unitsDir, "nodekeeper.timer.unit"), "[Timer]\nOnCalendar=minutely\n");
  const config = node.config({
    nodeIp: "127.0.0.1",
    directories: [{ path: node.dir }],
    components: [],
    missionControl: {
      url: "https://127.0.0.1:1", tokenFile, caFile: pki.ca.certFile, certFile: pki.client.certFile, keyFile: pki.client.keyFile,
      proxy: `http://ops:${encodeURIComponent(proxyPassword)}@127.0.0.1:1`, connectTimeoutMs: 2_000,
    },
    server: { url: "https://127.0.0.1:1", tokenFile: serverTokenFile, timeoutMs: 1_000 },
    cassandra: { nodetool: [join(node.dir, "no-nodetool")] },
    log: { file: logFile },
  });
  // Secrets planted where a bug could have put them: the bundle must still not carry them.
  const keyLine = pki.client.key.split("\n").find((l) => l.length >= 40)!;
  const audit = Array.from({ length: 1_500 }, (_, i) => JSON.stringify({ n: i + 1, note: i === 1_400 ? `leak ${token} ${serverToken}` : "ok" }));
  writeFileSync(join(node.stateDir, "audit.jsonl"), audit.join("\n") + "\n");
  appendFileSync(logFile, `{"msg":"oops ${token} ${keyLine} ${proxyPassword} ${encodeURIComponent(proxyPassword)}"}\n{"msg":"cycle done"}\n`);
  writeScript(node.binDir, "journalctl", `#!/bin/sh\necho "Dec 07 nodekeeper[42]: delivered"\necho "Dec 07 nodekeeper[42]: token ${token}"\n`);

  const output = join(node.dir, "bundle.tar.gz");
  const r = await runCli(["--config", config, "support-bundle", "--output", output], { env: node.env, timeoutMs: 90_000 });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, new RegExp(`wrote ${output} \\(\\d+ bytes, mode 0600; \\d+ secret values removed\\)`));
  assert.equal(statSync(output).mode & 0o777, 0o600);

  const tarBytes = gunzipSync(readFileSync(output));
  for (const secret of [token, serverToken, keyLine, proxyPassword, encodeURIComponent(proxyPassword), pki.client.key.trim()]) {
    assert.equal(tarBytes.indexOf(secret), -1, `a secret is in the archive: ${secret.slice(0, 12)}…`);
  }
  for (const text of [r.stdout, r.stderr]) assert.ok(!text.includes(token));

  const files = untar(tarBytes);
  const text = (name: string) => files.get(`nodekeeper-support/${name}`)?.toString("utf8") ?? assert.fail(`no ${name} in ${[...files.keys()].join(", ")}`);
  assert.deepEqual([...files.keys()].sort(), [
    "README.txt", "audit-tail.jsonl", "config.json", "diagnose.json", "logs/journal.txt", "logs/nodekeeper.log", "status.json", "systemd-units.txt", "versions.json",
  ].map((n) => `nodekeeper-support/${n}`));
  const auditLines = text("audit-tail.jsonl").trimEnd().split("\n");
  assert.equal(auditLines.length, 1_000);
  assert.equal((JSON.parse(auditLines[0]!) as { n: number }).n, 501);
  assert.equal((JSON.parse(auditLines[999]!) as { n: number }).n, 1_500);
  assert.match(auditLines[900]!, /leak \[REDACTED\] \[REDACTED\]/);
  const cfg = JSON.parse(text("config.json")) as { file: string; effective: { missionControl: { proxy: string; tokenFile: string } } };
  assert.equal(cfg.file, config);
  assert.equal(cfg.effective.missionControl.tokenFile, tokenFile, "paths stay; values go");
  assert.match(cfg.effective.missionControl.proxy, /^http:\/\/ops:redacted@127\.0\.0\.1:1/);
  assert.equal((JSON.parse(text("status.json")) as { statusVersion: number }).statusVersion, 1);
  const diag = JSON.parse(text("diagnose.json")) as { findings: Array<{ check: string; verdict: string }> };
  assert.ok(diag.findings.some((f) => f.check === "mission-control.proxy"));
  const versions = JSON.parse(text("versions.json")) as { node: string; nodekeeper: string; os: { type: string } };
  assert.equal(versions.node, process.version);
  assert.match(versions.nodekeeper, /^\d+\.\d+\.\d+/);
  assert.equal(versions.os.type, "Linux");
  assert.match(text("logs/journal.txt"), /nodekeeper\[42\]: delivered\n.*token \[REDACTED\]/);
  assert.match(text("logs/nodekeeper.log"), /"cycle done"/);
  assert.match(text("systemd-units.txt"), /nodekeeper\.timer\.unit\n\[Timer\]\nOnCalendar=minutely/);
  assert.match(text("README.txt"), /secrets .* removed from every file/);

  // The system's tar reads it as well.
  const listed = execFileSync("tar", ["-tzf", output], { encoding: "utf8" }).trim().split("\n");
  assert.equal(listed.length, files.size);
});
