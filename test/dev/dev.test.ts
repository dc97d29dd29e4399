/**
 * `nodekeeper dev` as a new user runs it: the built CLI as a real process
 * (`npm run build` first; `npm test` does it). One whole run, fast, checked
 * from its output and from what it leaves behind (nothing); and one run cut
 * short by Ctrl-C while the detached repair runs.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { connect } from "node:net";
import { describe, test } from "node:test";
import { BIN, ROOT } from "../helpers/cli.js";

interface Demo {
  readonly pid: number;
  readonly done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
  /** Resolves once stdout contains `text` (rejects when the demo ends first). */
  waitFor(text: string | RegExp): Promise<void>;
}

/** Starts the demo in a process group of its own, as a shell starts a command. */
function startDemo(args: readonly string[], timeoutMs: number, env: Record<string, string> = {}): Demo {
  const child = spawn(process.execPath, [BIN, "dev", ...args], {
    cwd: ROOT, detached: true, stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, NO_COLOR: "1", NODEKEEPER_CONFIG: "", ...env },
  });
  let stdout = "";
  let stderr = "";
  const waiters: Array<{ text: string | RegExp; resolve: () => void; reject: (e: Error) => void }> = [];
  const check = () => {
    for (const w of [...waiters]) {
      if (typeof w.text === "string" ? stdout.includes(w.text) : w.text.test(stdout)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  };
  child.stdout.setEncoding("utf8").on("data", (d: string) => { stdout += d; check(); });
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve, reject) => {
    const timer = setTimeout(() => {
      try { process.kill(-child.pid!, "SIGKILL"); } catch { /* gone */ }
      reject(new Error(`nodekeeper dev did not end within ${timeoutMs} ms\n--- stdout\n${stdout}\n--- stderr\n${stderr}`));
    }, timeoutMs);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      for (const w of waiters.splice(0)) w.reject(new Error(`the demo ended before printing ${String(w.text)}\n${stdout}\n${stderr}`));
      resolve({ code, signal, stdout, stderr });
    });
  });
  return {
    pid: child.pid!,
    done,
    waitFor: (text) => new Promise((resolve, reject) => {
      waiters.push({ text, resolve, reject });
      check();
    }),
  };
}

/** Running processes (zombies are done) whose process group is `pgid`, or whose command line mentions `text`. */
function leftovers(pgid: number, text: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (fields[0] === "Z") continue;
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").join(" ");
      if (Number(fields[2]) === pgid || cmdline.includes(text)) found.push(`${entry}: ${cmdline}`);
    } catch {
      // ended while we looked
    }
  }
  return found;
}

/** Resolves with the connection's outcome: "connected" or the error code. */
function tryConnect(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.setTimeout(2_000, () => { socket.destroy(); resolve("timeout"); });
    socket.once("connect", () => { socket.destroy(); resolve("connected"); });
    socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? "error"));
  });
}

function demoFacts(stdout: string) {
  const dir = /^ {2}files +(\/\S+)/m.exec(stdout)?.[1];
  const mc = /^ {2}Mission Control +https:\/\/(127\.0\.0\.\d+):(\d+)/m.exec(stdout);
  const api = /^ {2}node-1's server +https:\/\/(127\.0\.0\.\d+):(\d+)/m.exec(stdout);
  assert.ok(dir && mc?.[1] && mc[2] && api?.[1] && api[2], `the intro names the folder, Mission Control and the server API:\n${stdout}`);
  return { dir, listeners: [[mc[1], Number(mc[2])], [api[1], Number(api[2])]] as const };
}

async function assertNothingLeft(pid: number, stdout: string): Promise<void> {
  const { dir, listeners } = demoFacts(stdout);
  assert.equal(existsSync(dir), false, `${dir} is removed`);
  // The demo's children end with it; give a reaped child a moment to leave /proc.
  let left = leftovers(pid, dir);
  for (let i = 0; i < 20 && left.length > 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    left = leftovers(pid, dir);
  }
  assert.deepEqual(left, [], "no process of the demo's group, and none working in its folder");
  for (const [host, port] of listeners) assert.equal(await tryConnect(host, port), "ECONNREFUSED", `nothing listens on ${host}:${port}`);
}

const count = (text: string, re: RegExp) => (text.match(new RegExp(re.source, "gm")) ?? []).length;

// Two demos at once: they share nothing (ports picked by the system, folders of their own),
// and the suite waits for the slower one instead of both in turn.
describe("nodekeeper dev", { concurrency: 2 }, () => {
  test("nodekeeper dev --speed 20: health, a failover and its recovery, then exit 0 with nothing left", async (t) => {
    const demo = startDemo(["--speed", "20"], 90_000);
    const { code, stdout, stderr } = await demo.done;
    t.diagnostic(`last lines:\n${stdout.split("\n").slice(-8).join("\n")}`);
    assert.equal(code, 0, `exit code\n${stdout}\n${stderr}`);

    // Health before anything happens: the real status table (its Overall also weighs the
    // machine's own free disk space, so it is not asserted here).
    assert.match(stdout, /^cassandra +OK +4\.1\.6/m);
    assert.match(stdout, /^Peers: OK all 5 peers connected/m);
    // The failover: Mission Control turns remediation on, nodekeeper stops the server once.
    assert.match(stdout, /dc2: 2 of 3 Cassandra nodes down \(node-5, node-6\) in 2 consecutive reports: failover remediation ON/);
    assert.match(stdout, /^ {2}ring +dc1: node-2 UN {2}node-3 UN {2}node-4 UN {3}dc2: node-1 UN {2}node-5 DN {2}node-6 DN/m);
    assert.match(stdout, /failover-activated: phaFailoverRemediation in 2 consecutive valid answers/);
    assert.equal(count(stdout, /done stop-server /), 1, "the server is stopped once");
    assert.equal(count(stdout, /server-stopped: dynatrace-server stopped/), 1);
    assert.match(stdout, /cassandra-repair-required: Cassandra on this node was down/);
    // The recovery: remediation off, the server started once, the repair run once, SUCCEEDED.
    assert.match(stdout, /dc2 is back, failover remediation OFF/);
    assert.equal(count(stdout, /done start-server /), 1, "the server is started once");
    assert.equal(count(stdout, /done cassandra-repair REQUIRED → IN_PROGRESS/), 1, "the repair runs once");
    assert.equal(count(stdout, /repair-finished: exit code 0/), 1);
    assert.match(stdout, /server stopped 1×, started 1×; Cassandra repair run 1× → SUCCEEDED/);
    const cycles = stdout.split(/\n(?=\[\d+:\d\d\] cycle )/);
    assert.match(cycles[cycles.length - 1] ?? "", /PHA repair SUCCEEDED/, "the last cycle's status says SUCCEEDED");
    assert.match(stdout, /^Instructions \(cassandraPhaRepairStatus SUCCEEDED\)/m, "and so does the final `status`");
    assert.match(stdout, /result +the failover and the recovery went as scripted/);
    assert.doesNotMatch(stdout, /FAILED|NOT AS SCRIPTED|problem:/);

    await assertNothingLeft(demo.pid, stdout);
  });

  test("Ctrl-C during the detached repair: exits 130 within a few seconds, closes everything, removes its folder", async (t) => {
    const demo = startDemo(["--speed", "10"], 90_000);
    await demo.waitFor("done cassandra-repair REQUIRED → IN_PROGRESS");
    const sent = performance.now();
    process.kill(-demo.pid, "SIGINT"); // the whole foreground group, as a terminal's Ctrl-C
    const { code, stdout, stderr } = await demo.done;
    const tookMs = performance.now() - sent;
    t.diagnostic(`ended ${Math.round(tookMs)} ms after SIGINT; ${/ended \d+ leftover process\(es\)/.exec(stdout)?.[0] ?? "no leftover process to end"}`);
    assert.equal(code, 130, `exit code\n${stdout}\n${stderr}`);
    assert.ok(tookMs < 10_000, `exits within a few seconds (took ${Math.round(tookMs)} ms)`);
    assert.match(stdout, /nodekeeper dev: stopped; every server closed/);
    assert.match(stderr, /^nodekeeper: SIGINT: ending the demo \(again to stop now\)$/m, "the demo's own words, not run's");
    assert.doesNotMatch(stderr, /current cycle/);
    await assertNothingLeft(demo.pid, stdout);
  });

  test("without openssl: one line that says so, exit 69", async () => {
    const demo = startDemo(["--speed", "20"], 30_000, { PATH: "/nonexistent" });
    const { code, stdout, stderr } = await demo.done;
    assert.equal(code, 69, `${stdout}\n${stderr}`);
    assert.match(stderr, /^nodekeeper: the demo needs the `openssl` program to make its TLS certificates .*\n$/);
    assert.equal(stderr.split("\n").length, 2, "one line");
  });
});
