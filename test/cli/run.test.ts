import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { HealthReportSchema } from "../../src/contract/report.js";
import { BIN, writeScript } from "../helpers/cli.js";
import { makeNodeFixture } from "../helpers/node-fixture.js";
import { makeTestPki } from "../helpers/tls.js";
import { startMissionControl } from "../mission-control/server.js";
import { makeToken, writeTokenFile } from "../mission-control/support.js";
import { tempDir } from "../helpers/temp.js";

test("run: cycles on its interval; SIGTERM mid-send lets the send finish, writes the state, exits 0; systemd is notified", async (t) => {
  const pki = makeTestPki();
  const mc = await startMissionControl();
  t.after(() => mc.close());
  const node = makeNodeFixture(t);
  const notifyLog = join(node.dir, "notify.log");
  writeScript(node.binDir, "systemd-notify", `#!/bin/sh\necho "$*" >> ${notifyLog}\n`);
  const textfileDir = join(node.dir, "textfile");
  await import("node:fs/promises").then((fs) => fs.mkdir(textfileDir));
  const config = node.config({
    nodeIp: "127.0.0.1",
    directories: [{ path: node.dir }],
    missionControl: { url: mc.url, tokenFile: writeTokenFile(node.dir, makeToken()), caFile: pki.ca.certFile },
    remediation: { enabled: false },
  });
  // Every answer takes 1.5 s, so a SIGTERM can land while a report is in flight.
  mc.setFallback({ status: 204, delayMs: 1_500 });
  const child = spawn(process.execPath, [BIN, "--config", config, "run", "--interval", "2s", "--immediate", "--textfile", textfileDir], {
    env: { ...process.env, ...node.env, NOTIFY_SOCKET: "/run/fake-notify", NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  // Wait until the second report is in flight, then ask it to stop.
  const until = Date.now() + 30_000;
  while (mc.requests.length < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
  assert.equal(mc.requests.length, 2, stderr);
  child.kill("SIGTERM");
  const code = await Promise.race([exited, new Promise<"timeout">((r) => setTimeout(() => r("timeout"), 20_000))]);
  assert.equal(code, 0, stderr);
  // The report in flight was delivered, not left behind: the outbox is empty.
  const outbox = readdirSync(join(node.stateDir, "outbox")).filter((f) => /^\d{12}-.*\.json$/.test(f));
  assert.deepEqual(outbox, []);
  const last = JSON.parse(readFileSync(join(node.stateDir, "last-exchange.json"), "utf8")) as { reportId: string; exitCode: number };
  assert.equal(last.exitCode, 0);
  assert.equal(last.reportId, HealthReportSchema.parse(mc.requests[1]!.json).reportId);
  assert.equal(mc.requests.length, 2, "no cycle started after SIGTERM");
  assert.match(stderr, /stopping after the current cycle/);
  const notes = readFileSync(notifyLog, "utf8").trim().split("\n");
  assert.deepEqual(notes, ["READY=1", "WATCHDOG=1", "WATCHDOG=1", "STOPPING=1"]);
  const prom = readFileSync(join(textfileDir, "nodekeeper.prom"), "utf8");
  assert.match(prom, /^nodekeeper_build_info\{version="[^"]+"\} 1$/m);
  assert.match(prom, /^nodekeeper_last_exchange_success_timestamp_seconds [1-9]\d+/m);
  assert.match(prom, /^nodekeeper_outbox_reports 0$/m);
});

test("run: a bad --interval is a usage error (64)", async () => {
  const { runCli } = await import("../helpers/cli.js");
  const r = await runCli(["run", "--interval", "soon"]);
  assert.equal(r.code, 64);
  assert.match(r.stderr, /--interval: expected a duration/);
});

test("run: --interval is bounded to 1s-1h (a month overflowed setTimeout: cycles back to back), and must not outlast the confirmation window", async (t) => {
  const { runCli, writeConfig } = await import("../helpers/cli.js");
  const dir = tempDir(t);
  const bounded = writeConfig(dir, { stateDir: "state", components: [], directories: [] }, "bounded.json");
  for (const interval of ["720h", "2h", "500ms"]) {
    const r = await runCli(["--config", bounded, "run", "--interval", interval, "--cycles", "1"], { timeoutMs: 60_000 });
    assert.equal(r.code, 64, `${interval}: ${r.stderr}`);
    assert.match(r.stderr, /--interval: expected a duration from 1s to 1h/);
  }
  const config = writeConfig(dir, { stateDir: "state", remediation: { consecutiveAnswersWithinMs: 120_000 } });
  const r = await runCli(["--config", config, "run", "--interval", "5m", "--cycles", "1"]);
  assert.equal(r.code, 64, r.stderr);
  assert.match(r.stderr, /remediation\.consecutiveAnswersWithinMs \(120000 ms\) is shorter than --interval 5m \(300000 ms\)/);
});
