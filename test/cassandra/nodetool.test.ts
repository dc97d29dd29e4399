/**
 * The adapter through the real process runner and the fake nodetool: each
 * failure is told apart, a hung nodetool is killed with its grandchild, the
 * JVM gets a US locale, and nothing here opens a socket.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { interpretRun, javaToolOptions, runNodetool, type NodetoolOutcome, type NodetoolSettings } from "../../src/cassandra/nodetool.js";
import { parseStatus } from "../../src/cassandra/parse/status.js";
import { parseTpStats } from "../../src/cassandra/parse/tpstats.js";
import { parseListPendingHints } from "../../src/cassandra/parse/listpendinghints.js";
import { createProcessRunner } from "../../src/effects/process.js";
import { fakeCommand, fixture, runResult } from "./support.js";
import { tempDir } from "../helpers/temp.js";
import { waitGone } from "../helpers/proc.js";

const runner = createProcessRunner();

function settings(command: readonly string[], extra: Partial<NodetoolSettings> = {}): NodetoolSettings {
  return { command, timeoutMs: 10_000, maxOutputBytes: 2 * 1024 * 1024, forceUsLocale: true, lowPriority: false, baseEnv: {}, ...extra };
}

const map = (m: Record<string, unknown>) => JSON.stringify(m);
const reasonOf = (o: NodetoolOutcome<unknown>): string => ("reason" in o ? o.reason : "");


describe("nodetool adapter (real process runner, fake nodetool)", () => {
  it("serves a sample: ok, parsed, with a US locale appended to JAVA_TOOL_OPTIONS and its noise tolerated", async (t) => {
    const log = join(tempDir(t), "calls.log");
    const cmd = fakeCommand({ FAKE_NODETOOL_MAP: map({ status: "4.1/status-multidc-down.txt" }), FAKE_NODETOOL_LOG: log });
    const out = await runNodetool(runner, settings(cmd, { baseEnv: { JAVA_TOOL_OPTIONS: "-Xss1m" } }), ["status"], parseStatus);
    assert.equal(out.kind, "ok");
    assert.equal(out.kind === "ok" ? out.value.members.length : 0, 6);
    const calls = readFileSync(log, "utf8").trim().split("\n").map((l) => JSON.parse(l) as { argv: string[]; javaToolOptions: string });
    assert.deepEqual(calls.map((c) => c.argv), [["status"]]);
    assert.equal(calls[0]?.javaToolOptions, "-Xss1m -Duser.language=en -Duser.country=US");
  });

  it("not installed: a missing program, and a wrapper whose nodetool is missing (exit 127)", async () => {
    const missing = await runNodetool(runner, settings(["/nonexistent/cassandra-nodetool.sh"]), ["status"], parseStatus);
    assert.equal(missing.kind, "not_installed");
    assert.match(reasonOf(missing), /not found: \/nonexistent\/cassandra-nodetool\.sh/);
    const wrapper = await runNodetool(runner, settings(["/bin/sh", "-c", 'exec /nonexistent/nodetool "$@"', "sh"]), ["status"], parseStatus);
    assert.equal(wrapper.kind, "not_installed");
  });

  it("JMX refused, in the JDK 8 and JDK 11+ wordings", async () => {
    for (const jdk of ["8", "11"]) {
      const out = await runNodetool(runner, settings(fakeCommand({ FAKE_NODETOOL_MODE: "refuse", FAKE_NODETOOL_JDK: jdk })), ["status"], parseStatus);
      assert.equal(out.kind, "jmx_unreachable", jdk);
      assert.match(reasonOf(out), jdk === "8" ? /127\.0\.0\.1:7199: ConnectException 'Connection refused \(Connection refused\)'/ : /ConnectException 'Connection refused'$/);
    }
  });

  it("authentication failure", async () => {
    const out = await runNodetool(runner, settings(fakeCommand({ FAKE_NODETOOL_MODE: "auth" })), ["info"], parseStatus);
    assert.equal(out.kind, "auth_failed");
    assert.match(reasonOf(out), /refused nodetool's credentials: SecurityException 'Authentication failed! Invalid username or password'/);
  });

  it("a command this version does not know", async () => {
    const out = await runNodetool(runner, settings(fakeCommand({ FAKE_NODETOOL_MAP: map({ listpendinghints: { stdout: "3.11/listpendinghints-unsupported.txt", exit: 1 } }) })), ["listpendinghints"], parseListPendingHints);
    assert.equal(out.kind, "unsupported");
    assert.match(reasonOf(out), /nodetool listpendinghints is not supported by this Cassandra version/);
  });

  it("timeout: the hung nodetool and its sleeping grandchild are both killed", async (t) => {
    const pidfile = join(tempDir(t), "pids");
    const started = Date.now();
    // 3 s: room for a slow node start on a loaded CI machine before the pids are written.
    const out = await runNodetool(runner, settings(fakeCommand({ FAKE_NODETOOL_MODE: "hang", FAKE_NODETOOL_PIDFILE: pidfile }), { timeoutMs: 3_000 }), ["status"], parseStatus);
    assert.equal(out.kind, "timeout");
    assert.match(reasonOf(out), /did not finish within 3 s and was killed with its process group/);
    assert.ok(Date.now() - started < 6_000);
    const pids = readFileSync(pidfile, "utf8").trim().split(" ").map(Number);
    assert.equal(pids.length, 2);
    assert.deepEqual(await waitGone(pids, 2_000), [], "no process of the group is alive");
  });

  it("slow: answered within the deadline is ok; beyond it is a timeout", async () => {
    const cmd = fakeCommand({ FAKE_NODETOOL_MODE: "slow", FAKE_NODETOOL_DELAY_MS: "800", FAKE_NODETOOL_MAP: map({ tpstats: "4.1/tpstats-json-repair-validation-active.txt" }) });
    const ok = await runNodetool(runner, settings(cmd, { timeoutMs: 5_000 }), ["tpstats", "-F", "json"], parseTpStats);
    assert.equal(ok.kind, "ok");
    assert.ok(ok.durationMs >= 800, String(ok.durationMs));
    const late = await runNodetool(runner, settings(cmd, { timeoutMs: 400 }), ["tpstats", "-F", "json"], parseTpStats);
    assert.equal(late.kind, "timeout");
  });

  it("output over the cap is not parsed", async () => {
    const cmd = fakeCommand({ FAKE_NODETOOL_MAP: map({ tpstats: "4.1/tpstats-json-repair-validation-active.txt" }) });
    const out = await runNodetool(runner, settings(cmd, { maxOutputBytes: 4_096 }), ["tpstats", "-F", "json"], parseTpStats);
    assert.equal(out.kind, "unparseable");
    assert.match(reasonOf(out), /more than 4096 bytes/);
  });
});

describe("run interpretation (pure)", () => {
  const s = { command: ["nodetool"], timeoutMs: 20_000, maxOutputBytes: 1_000_000 };
  it("exit 2 stack trace, 3.11 status error, 5.0 not initialised, unreadable output, signals", () => {
    const stack = interpretRun(runResult({ exitCode: 2, stderr: "error: nodetool failed, check server logs\n-- StackTrace --\n" }), ["status"], s, parseStatus);
    assert.deepEqual([stack.kind, reasonOf(stack)], ["failed", "nodetool status failed (exit 2): error: nodetool failed, check server logs"]);
    const boot = interpretRun(runResult({ exitCode: 1, stdout: fixture("3.11/status-bootstrapping-error.txt") }), ["status"], s, parseStatus);
    assert.equal(boot.kind, "not_ready");
    const init = interpretRun(runResult({ exitCode: 1, stderr: fixture("5.0/not-initialized-stderr.txt") }), ["status"], s, parseStatus);
    assert.equal(init.kind, "not_ready");
    const garbage = interpretRun(runResult({ stdout: "Hello\n" }), ["status"], s, parseStatus);
    assert.deepEqual([garbage.kind, reasonOf(garbage)], ["unparseable", "nodetool status: no ring members and no `Datacenter:` line in nodetool status output"]);
    const killed = interpretRun(runResult({ exitCode: null, signal: "SIGKILL" }), ["status"], s, parseStatus);
    assert.equal(killed.kind, "failed");
    const denied = interpretRun(runResult({ exitCode: null, notFound: true, spawnError: "EACCES: permission denied" }), ["status"], s, parseStatus);
    assert.equal(denied.kind, "not_startable");
  });

  it("a wrapper that swallows the exit code still cannot hide a refused connection", () => {
    const out = interpretRun(runResult({ exitCode: 0, stderr: fixture("4.1/connection-refused-stderr.txt") }), ["status"], s, parseStatus);
    assert.equal(out.kind, "jmx_unreachable");
  });

  it("JAVA_TOOL_OPTIONS is appended to, once", () => {
    assert.equal(javaToolOptions(undefined), "-Duser.language=en -Duser.country=US");
    assert.equal(javaToolOptions(" -Xmx64m "), "-Xmx64m -Duser.language=en -Duser.country=US");
    assert.equal(javaToolOptions("-Xmx64m -Duser.language=en -Duser.country=US"), "-Xmx64m -Duser.language=en -Duser.country=US");
  });
});
