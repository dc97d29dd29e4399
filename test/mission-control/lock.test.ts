import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { existsSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { test } from "node:test";
import { acquireCycleLock, LOCK_FILE, readCycleLock } from "../../src/state/lock.js";
import type { LockHolder } from "../../src/state/lock.js";
import { tempDir } from "../helpers/temp.js";


const CHILD = join(import.meta.dirname, "children", "hold-lock.ts");

function holderRecord(overrides: Partial<LockHolder>): string {
  const holder: LockHolder = {
    version: 1, lockId: "someone-else", pid: process.pid, startTime: null, bootId: null,
    hostname: hostname(), command: "report", acquiredAt: new Date().toISOString(), ...overrides,
  };
  return JSON.stringify(holder);
}

/** Starts the child, resolves once it reported taking the lock (with a deadline). */
async function childHoldingLock(stateDir: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", CHILD, stateDir], { stdio: ["ignore", "pipe", "inherit"] });
  const line = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("child did not take the lock within 20 s")), 20_000);
    createInterface({ input: child.stdout }).once("line", (l) => {
      clearTimeout(timer);
      resolve(l);
    });
    child.once("exit", (code) => reject(new Error(`child exited with ${code}`)));
  });
  assert.deepEqual(JSON.parse(line), { held: true, status: "acquired" });
  return child;
}

async function killHard(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGKILL");
  await exited;
}

test("acquire, a second one is busy and told who holds it, release, acquire again", async (t) => {
  const dir = tempDir(t, "nk-lock-");
  const first = await acquireCycleLock(dir, { command: "report" }, { now: () => Date.now() });
  assert.ok(first.held);
  const record = JSON.parse(readFileSync(join(dir, LOCK_FILE), "utf8")) as LockHolder;
  assert.equal(record.pid, process.pid);
  assert.equal(record.command, "report");
  assert.equal(record.hostname, hostname());
  assert.match(record.startTime ?? "", /^\d+$/);
  assert.match(record.bootId ?? "", /^[0-9a-f-]{36}$/);

  const second = await acquireCycleLock(dir, { command: "run" }, { now: () => Date.now() });
  assert.equal(second.held, false);
  assert.equal(second.status, "busy");
  assert.ok(second.status === "busy");
  assert.equal(second.holder?.pid, process.pid);
  assert.equal(second.holder?.command, "report");
  assert.match(second.message, new RegExp(`pid ${process.pid} \\(report\\) on `));
  assert.deepEqual(await readCycleLock(dir), { state: "held", holder: record });

  await first.lock.release();
  assert.equal(existsSync(join(dir, LOCK_FILE)), false);
  const third = await acquireCycleLock(dir, { command: "report" }, { now: () => Date.now() });
  assert.ok(third.held);
  assert.equal(third.tookOverFrom, null);
  await third.lock.release();
});

test("many at once: exactly one holds it", async (t) => {
  const dir = tempDir(t, "nk-lock-");
  const attempts = await Promise.all(Array.from({ length: 8 }, () => acquireCycleLock(dir, { command: "report" }, { now: () => Date.now() })));
  assert.equal(attempts.filter((a) => a.held).length, 1);
  assert.ok(attempts.filter((a) => !a.held).every((a) => a.status === "busy"));
});

test("a holder killed with -9 does not leave the lock stuck", async (t) => {
  const dir = tempDir(t, "nk-lock-");
  const child = await childHoldingLock(dir);
  const busy = await acquireCycleLock(dir, { command: "report" }, { now: () => Date.now() });
  assert.equal(busy.status, "busy");
  assert.ok(busy.status === "busy");
  assert.equal(busy.holder?.pid, child.pid);
  await killHard(child);
  const taken = await acquireCycleLock(dir, { command: "report" }, { now: () => Date.now() });
  assert.ok(taken.held, JSON.stringify(taken));
  assert.equal(taken.tookOverFrom?.holder?.pid, child.pid);
  assert.match(taken.tookOverFrom?.why ?? "", /gone|exited/);
  await taken.lock.release();
});

test("stale: pid reused by another process (other start time)", async (t) => {
  const dir = tempDir(t, "nk-lock-");
  writeFileSync(join(dir, LOCK_FILE), holderRecord({ pid: process.pid, startTime: "1" }));
  const taken = await acquireCycleLock(dir, { command: "report" }, { now: () => Date.now() });
  assert.ok(taken.held);
  assert.match(taken.tookOverFrom?.why ?? "", /another process/);
  await taken.lock.release();
});

test("stale: taken before the last reboot (other boot id)", async (t) => {
  const dir = tempDir(t, "nk-lock-");
  writeFileSync(join(dir, LOCK_FILE), holderRecord({ bootId: "00000000-0000-0000-0000-000000000000" }));
  const taken = await acquireCycleLock(dir, { command: "report" }, { now: () => Date.now() });
  assert.ok(taken.held);
  assert.match(taken.tookOverFrom?.why ?? "", /reboot/);
  await taken.lock.release();
});

test("a corrupt lock file: busy while fresh, taken over once old", async (t) => {
  const dir = tempDir(t, "nk-lock-");
  const path = join(dir, LOCK_FILE);
  writeFileSync(path, "{\"version\":1,\"pid\":");
  const fresh = await acquireCycleLock(dir, { command: "report" }, { now: () => Date.now() });
  assert.equal(fresh.status, "busy");
  const old = new Date(Date.now() - 60_000);
  utimesSync(path, old, old);
  const taken = await acquireCycleLock(dir, { command: "report" }, { now: () => Date.now() });
  assert.ok(taken.held);
  assert.match(taken.tookOverFrom?.why ?? "", /not JSON/);
  await taken.lock.release();
});

test("release leaves a lock that is no longer ours", async (t) => {
  const dir = tempDir(t, "nk-lock-");
  const mine = await acquireCycleLock(dir, { command: "report" }, { now: () => Date.now() });
  assert.ok(mine.held);
  const theirs = holderRecord({ lockId: "theirs" });
  writeFileSync(join(dir, LOCK_FILE), theirs);
  await mine.lock.release();
  assert.equal(readFileSync(join(dir, LOCK_FILE), "utf8"), theirs);
});

test("a state directory that cannot be made is an error, not 'busy'", async (t) => {
  const dir = tempDir(t, "nk-lock-");
  writeFileSync(join(dir, "file"), "");
  const attempt = await acquireCycleLock(join(dir, "file", "state"), { command: "report" }, { now: () => Date.now() });
  assert.equal(attempt.held, false);
  assert.equal(attempt.status, "error");
});

test("a lock this very process left behind (a release that failed) is taken over, not 'busy' forever (issue 15 item 7)", async (t) => {
  const dir = tempDir(t, "nk-lock-");
  const first = await acquireCycleLock(dir, { command: "run" }, { now: () => Date.now() });
  assert.ok(first.held);
  const left = readFileSync(join(dir, LOCK_FILE), "utf8");
  assert.deepEqual(await first.lock.release(), { ok: true });
  // What a release that failed leaves: our own record, still in place.
  writeFileSync(join(dir, LOCK_FILE), left);
  const again = await acquireCycleLock(dir, { command: "run" }, { now: () => Date.now() });
  assert.ok(again.held, JSON.stringify(again));
  assert.match(again.tookOverFrom?.why ?? "", new RegExp(`left by this process \\(pid ${process.pid}\\) after a release that failed`));
  // While this process really holds it, it is busy, as before.
  const third = await acquireCycleLock(dir, { command: "run" }, { now: () => Date.now() });
  assert.equal(third.status, "busy");
  assert.deepEqual(await again.lock.release(), { ok: true });
});
