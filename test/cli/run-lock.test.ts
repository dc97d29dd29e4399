/**
 * Issue 15 item 7: a `run` that cannot take its cycle lock for 3 cycles in a
 * row stops feeding systemd's watchdog (so systemd restarts it) and says so.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { runCli, writeScript } from "../helpers/cli.js";
import { makeNodeFixture } from "../helpers/node-fixture.js";

test("run: three cycles in a row without the lock and the watchdog is no longer fed, said in the log", async (t) => {
  const node = makeNodeFixture(t);
  const config = node.config({ nodeIp: "127.0.0.1", directories: [{ path: node.dir }], server: { url: "https://127.0.0.1:1" } });
  // Another live process holds the lock: a sleeping child, recorded with its real start time and boot id.
  const holder = spawn("sleep", ["120"], { stdio: "ignore" });
  t.after(() => { holder.kill("SIGKILL"); });
  const stat = readFileSync(`/proc/${holder.pid}/stat`, "utf8");
  const startTime = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  const bootId = readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
  mkdirSync(node.stateDir, { recursive: true });
  writeFileSync(join(node.stateDir, "cycle.lock"), JSON.stringify({
    version: 1, lockId: "other", pid: holder.pid, startTime, bootId, hostname: hostname(), command: "report", acquiredAt: new Date().toISOString(),
  }));
  // systemd-notify as the run loop calls it (NOTIFY_SOCKET set): each state on a line of a file.
  const notified = join(node.dir, "notified");
  writeScript(node.binDir, "systemd-notify", `#!/bin/sh\necho "$@" >> '${notified}'\n`);

  const r = await runCli(["--config", config, "run", "--interval", "1s", "--immediate", "--cycles", "5"], {
    env: { ...node.env, NOTIFY_SOCKET: join(node.dir, "notify.sock") }, timeoutMs: 90_000,
  });
  assert.equal(r.code, 0, r.stderr);
  assert.equal((r.stderr.match(/"lock":"busy","msg":"another cycle holds the lock/g) ?? []).length, 5, r.stderr);
  const states = existsSync(notified) ? readFileSync(notified, "utf8").trim().split("\n") : [];
  assert.deepEqual(states, ["READY=1", "WATCHDOG=1", "WATCHDOG=1", "STOPPING=1"], "fed after the first two busy cycles, not after the third");
  assert.match(r.stderr, /the cycle lock could not be taken for 3 cycles in a row .*no longer feeding the systemd watchdog/);
});
