import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { createProcessRunner } from "../../src/effects/process.js";
import { tempDir } from "../helpers/temp.js";
import { isAlive, waitGone } from "../helpers/proc.js";

test("a timeout kills the child's whole process group, grandchild included", async (t) => {
  const dir = tempDir(t);
  const pidFile = join(dir, "pids");
  const runner = createProcessRunner();
  // The child starts a sleeping grandchild, records both pids, then hangs.
  const script = `sleep 300 & echo "$$ $!" > ${pidFile}; echo started; sleep 300`;
  const started = Date.now();
  const r = await runner.run(["sh", "-c", script], { timeoutMs: 400 });
  assert.equal(r.timedOut, true);
  assert.equal(r.exitCode, null);
  assert.equal(r.signal, "SIGKILL");
  assert.equal(r.stdout, "started\n", "output before the kill is kept");
  assert.ok(Date.now() - started < 5_000);
  const pids = readFileSync(pidFile, "utf8").trim().split(" ").map(Number);
  assert.equal(pids.length, 2);
  assert.deepEqual(await waitGone(pids, 2_000), [], "neither the child nor the grandchild is alive");
});

test("a background grandchild left by a child that exits is reaped too", async (t) => {
  const dir = tempDir(t);
  const pidFile = join(dir, "pid");
  const runner = createProcessRunner();
  const r = await runner.run(["sh", "-c", `sleep 300 >/dev/null 2>&1 & echo $! > ${pidFile}; exit 3`], { timeoutMs: 5_000 });
  assert.equal(r.exitCode, 3);
  assert.equal(r.timedOut, false);
  const pid = Number(readFileSync(pidFile, "utf8"));
  assert.deepEqual(await waitGone([pid], 2_000), [], "the grandchild was killed with the group");
});

test("reapGroup: false leaves a started daemon running (server start scripts)", async (t) => {
  const dir = tempDir(t);
  const pidFile = join(dir, "pid");
  const runner = createProcessRunner();
  const r = await runner.run(["sh", "-c", `sleep 300 >/dev/null 2>&1 & echo $! > ${pidFile}`], { timeoutMs: 5_000, reapGroup: false });
  assert.equal(r.exitCode, 0);
  const pid = Number(readFileSync(pidFile, "utf8"));
  assert.equal(isAlive(pid), true);
  process.kill(pid, "SIGKILL");
});

test("outputFile: a start command that leaves a daemon holding its output returns at its own exit; the daemon lives", async (t) => {
  const dir = tempDir(t);
  const pidFile = join(dir, "pid");
  const log = join(dir, "server-commands.log");
  const runner = createProcessRunner();
  // The daemon inherits stdout and stderr and keeps them open, as a forking server start script's does.
  const r = await runner.run(["sh", "-c", `sleep 300 & echo $! > ${pidFile}; echo started; echo warning >&2; exit 0`], {
    timeoutMs: 20_000, reapGroup: false, outputFile: log,
  });
  const pid = Number(readFileSync(pidFile, "utf8"));
  t.after(() => { try { process.kill(pid, "SIGKILL"); } catch { /* gone */ } });
  assert.equal(r.timedOut, false, "the wait ended with the command, not at the deadline");
  assert.equal(r.exitCode, 0);
  assert.equal(isAlive(pid), true, "the daemon left on purpose is not killed");
  assert.equal(readFileSync(log, "utf8"), "started\nwarning\n", "stdout and stderr went to the log file");
  const stdin = await runner.run(["sh", "-c", "cat; echo end"], { timeoutMs: 20_000, outputFile: log });
  assert.equal(stdin.exitCode, 0, "stdin is /dev/null: cat ends at once");
  assert.match(readFileSync(log, "utf8"), /warning\nend\n$/, "appended");
});

test("a timeout with reapGroup: false kills the command still running, never the daemon it started", async (t) => {
  const dir = tempDir(t);
  const pidFile = join(dir, "pids");
  const runner = createProcessRunner();
  const r = await runner.run(["sh", "-c", `sleep 300 >/dev/null 2>&1 & echo "$$ $!" > ${pidFile}; exec sleep 300`], {
    timeoutMs: 1_500, reapGroup: false, outputFile: join(dir, "out.log"),
  });
  const [leader, daemon] = readFileSync(pidFile, "utf8").trim().split(" ").map(Number) as [number, number];
  t.after(() => { try { process.kill(daemon, "SIGKILL"); } catch { /* gone */ } });
  assert.equal(r.timedOut, true);
  assert.deepEqual(await waitGone([leader], 5_000), [], "the hung command was killed");
  assert.equal(isAlive(daemon), true, "the daemon it left behind was not");
});

test("a missing command is data, not an exception; output is capped", async () => {
  const runner = createProcessRunner();
  const missing = await runner.run(["/nonexistent/nodetool", "status"], { timeoutMs: 2_000 });
  assert.equal(missing.notFound, true);
  assert.equal(missing.exitCode, null);
  assert.match(missing.spawnError ?? "", /ENOENT/);
  const big = await runner.run(["sh", "-c", "head -c 100000 /dev/zero | tr '\\0' x"], { timeoutMs: 5_000, maxOutputBytes: 1_000 });
  assert.equal(big.truncated, true);
  assert.ok(big.stdout.length <= 1_000, `kept ${big.stdout.length} bytes`);
});

test("lowPriority runs the command under nice when nice exists", async () => {
  const runner = createProcessRunner({ nice: "/usr/bin/nice", ionice: null });
  const r = await runner.run(["sh", "-c", "cut -d' ' -f19 /proc/self/stat"], { timeoutMs: 5_000, lowPriority: true });
  assert.equal(r.stdout.trim(), "10");
});
