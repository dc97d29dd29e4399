import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { runCli, writeConfig } from "../helpers/cli.js";
import { tempDir } from "../helpers/temp.js";

test("a config with a typo and a wrong type exits 64 naming each key, without a stack trace", async (t) => {
  const dir = tempDir(t);
  const file = writeConfig(dir, {
    clusterID: "a",
    directories: [{ path: "/a" }, { path: "/b" }, { path: "/c", minFreePercent: "ten" }],
    missionControl: { url: "http://198.51.100.7/" },
  });
  for (const args of [["--config", file, "status"], ["--config", file, "config", "check"], ["--config", file, "report", "--dry-run"]]) {
    const r = await runCli(args);
    assert.equal(r.code, 64, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, /clusterID: unknown key/);
    assert.match(r.stderr, /directories\[2\]\.minFreePercent: expected a number, got a string/);
    assert.match(r.stderr, /missionControl\.url: plain http:\/\/ is refused unless the host is a loopback address/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
    assert.equal(r.stdout, "");
  }
});

test("NODEKEEPER_CONFIG names the file; invalid JSON and a missing file are one-line errors with exit 64", async (t) => {
  const dir = tempDir(t);
  const bad = join(dir, "bad.json");
  writeFileSync(bad, "{ \"nodeId\": ");
  let r = await runCli(["status"], { env: { NODEKEEPER_CONFIG: bad } });
  assert.equal(r.code, 64);
  assert.match(r.stderr, /not valid JSON/);
  r = await runCli(["--config", join(dir, "nope.json"), "status"]);
  assert.equal(r.code, 64);
  assert.match(r.stderr, /cannot read the configuration: no such file/);
});

test("config check prints the effective configuration, relative paths resolved, secrets redacted", async (t) => {
  const dir = tempDir(t);
  const file = writeConfig(dir, {
    clusterId: "c1",
    nodeId: "n1",
    stateDir: "state",
    missionControl: { url: "https://127.0.0.1:8443", tokenFile: "secrets/token", proxy: "http://user:hunter2@127.0.0.1:3128" },
    cassandra: { nodetool: ["./bin/nodetool", "-h", "127.0.0.1"] },
    remediation: { stopServerCommand: ["systemctl", "stop", "x"] },
  });
  const r = await runCli(["--config", file, "config", "check"]);
  assert.equal(r.code, 0, r.stderr);
  const effective = JSON.parse(r.stdout);
  assert.equal(effective.stateDir, join(dir, "state"));
  assert.equal(effective.missionControl.tokenFile, join(dir, "secrets/token"));
  assert.deepEqual(effective.cassandra.nodetool.slice(0, 2), [join(dir, "bin/nodetool"), "-h"]);
  assert.deepEqual(effective.remediation.stopServerCommand, ["systemctl", "stop", "x"], "bare program names stay for PATH");
  assert.doesNotMatch(r.stdout, /hunter2/);
  assert.match(effective.missionControl.proxy, /redacted/);
  assert.equal(effective.components.length, 7, "the embedded default units");
  assert.equal(effective.directories[0].path, "/opt/dynatrace-managed");
});

test("unknown command and bad option exit 64; --help and --version exit 0", async () => {
  assert.equal((await runCli(["frobnicate"])).code, 64);
  assert.equal((await runCli(["status", "--bogus"])).code, 64);
  const help = await runCli(["--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /status/);
  const version = await runCli(["--version"]);
  assert.equal(version.code, 0);
  assert.match(version.stdout, /^\d+\.\d+\.\d+\n$/);
});

test("config check rejects a confirmation window shorter than the cycle interval (remediation would never stop the server), naming both keys", async (t) => {
  const dir = tempDir(t);
  const short = writeConfig(dir, { remediation: { consecutiveAnswersWithinMs: 30_000 } }, "short.json");
  let r = await runCli(["--config", short, "config", "check"]);
  assert.equal(r.code, 64, r.stdout + r.stderr);
  assert.match(r.stderr, /remediation\.consecutiveAnswersWithinMs: remediation\.consecutiveAnswersWithinMs \(30000 ms\) is shorter than cycle\.intervalMs \(60000 ms\).*never stop the server/);
  const longInterval = writeConfig(dir, { cycle: { intervalMs: 900_000 } }, "long.json");
  r = await runCli(["--config", longInterval, "config", "check"]);
  assert.equal(r.code, 64);
  assert.match(r.stderr, /consecutiveAnswersWithinMs \(600000 ms\) is shorter than cycle\.intervalMs \(900000 ms\)/);
  const outOfBounds = writeConfig(dir, { cycle: { intervalMs: 2 * 86_400_000 }, remediation: { retryInitialDelayMs: 120_000, retryMaxDelayMs: 60_000 } }, "bounds.json");
  r = await runCli(["--config", outOfBounds, "config", "check"]);
  assert.equal(r.code, 64);
  assert.match(r.stderr, /cycle\.intervalMs: /);
  const retries = writeConfig(dir, { remediation: { retryInitialDelayMs: 120_000, retryMaxDelayMs: 60_000 } }, "retries.json");
  r = await runCli(["--config", retries, "config", "check"]);
  assert.equal(r.code, 64);
  assert.match(r.stderr, /remediation\.retryInitialDelayMs: .*longer than remediation\.retryMaxDelayMs/);
  const fine = writeConfig(dir, { cycle: { intervalMs: 300_000 }, remediation: { consecutiveAnswersWithinMs: 900_000 } }, "fine.json");
  r = await runCli(["--config", fine, "config", "check"]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).cycle.intervalMs, 300_000);
});
