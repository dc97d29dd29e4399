/**
 * `wait --until` through the built CLI: the derived `status --json` fields it
 * reads (cassandra.hints.total, cassandra.repair, peers.down), exit 0 when the
 * condition turns true mid-wait, 124 at the timeout, 64 on a bad expression
 * with its column, one line per change off a TTY and a rewritten line on one.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createServer } from "node:net";
import type { AddressInfo, Server } from "node:net";
import { join } from "node:path";
import { test } from "node:test";
import { BIN, ROOT, runCli } from "../helpers/cli.js";
import { FAILED, makeNodeFixture, RUNNING } from "../helpers/node-fixture.js";
import type { NodeFixture } from "../helpers/node-fixture.js";
import { FAKE_NODETOOL, SCENARIOS } from "../e2e/peers.js";

/** As on a node where the timer runs every minute: the nodetool cache holds every fact. */
async function warm(env: Record<string, string>): Promise<void> {
  const r = await runCli(["status", "--json", "--fresh"], { env, timeoutMs: 60_000 });
  assert.ok(r.stdout.includes('"statusVersion"'), r.stderr);
}

/** A node whose fake nodetool serves the 4.1 samples (29 hint files, a repair running, 3 ring members down) and `web.service` as given. */
function node(t: { after(fn: () => void): void }, web: Record<string, string>, extra: Record<string, unknown> = {}): { fixture: NodeFixture; file: string; env: Record<string, string> } {
  const fixture = makeNodeFixture(t);
  fixture.unit("web.service", web);
  const file = fixture.config({
    nodeIp: "127.0.0.1",
    server: { timeoutMs: 1_000 }, // nothing listens on the default server API: node facts fall back at once
    components: [{ name: "web", status: { type: "systemd", unit: "web.service" } }],
    directories: [],
    cassandra: { nodetool: [process.execPath, FAKE_NODETOOL] },
    peers: [],
    ...extra,
  });
  return { fixture, file, env: { ...fixture.env, NODEKEEPER_CONFIG: file, FAKE_NODETOOL_MAP: JSON.stringify(SCENARIOS["4.1"].map) } };
}

async function listen(): Promise<{ server: Server; port: number }> {
  const server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

/** A loopback port that nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const { server, port } = await listen();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

test("status --json carries the derived facts wait reads: cassandra.hints.total/byPeer, cassandra.repair, cassandra.down, peers.*", async (t) => {
  const { server, port } = await listen();
  t.after(() => server.close());
  const closed = await closedPort();
  // node-2: its host port answers, its server and Cassandra ports do not: down, not unreachable.
  const { env } = node(t, RUNNING, { peers: [{ nodeId: "node-2", address: "127.0.0.1", hostPort: port, serverPort: closed, cassandraPorts: [closed] }], connectivity: { timeoutMs: 1_000, samples: 1 } });
  const r = await runCli(["status", "--json", "--fresh"], { env, timeoutMs: 60_000 });
  const view = JSON.parse(r.stdout) as {
    cassandra: { totalHints: number | null; repairState: string; hints: { total: number | null; byPeer: Record<string, number | null> }; repair: string; down: number | null; ring: { downMembers: unknown[] } };
    peers: Record<string, number>;
  };
  assert.equal(view.cassandra.hints.total, 29, "listpendinghints-several.txt: 14 + 14 + 1 files");
  assert.equal(view.cassandra.hints.total, view.cassandra.totalHints);
  assert.deepEqual(view.cassandra.hints.byPeer, { "node-2": null }, "127.0.0.1 is no ring member of the sample");
  assert.equal(view.cassandra.repair, "RUNNING");
  assert.equal(view.cassandra.repair, view.cassandra.repairState);
  assert.equal(view.cassandra.down, 3);
  assert.equal(view.cassandra.down, view.cassandra.ring.downMembers.length);
  assert.deepEqual(view.peers, { total: 1, probed: 1, down: 1, unreachable: 0, notProbed: 0 });
});

test("wait exits 124 at the timeout, saying what it saw; 0 at once when the condition holds", async (t) => {
  const { env } = node(t, RUNNING);
  await warm(env);
  const expression = "cassandra.hints.total < 1000 and cassandra.repair == IDLE";
  let r = await runCli(["wait", "--until", expression, "--timeout", "3s", "--interval", "1s"], { env, timeoutMs: 60_000 });
  assert.equal(r.code, 124, r.stderr);
  const lines = r.stdout.trimEnd().split("\n");
  // Off a TTY: one line per change; the values never change here, so one line, then the verdict.
  assert.equal(lines.length, 2, r.stdout);
  assert.match(lines[0]!, /^\d{4}-\d\d-\d\dT\S+Z cassandra\.hints\.total = 29, cassandra\.repair = RUNNING: not yet$/);
  assert.match(lines[1]!, /^timed out after [\d.]+s, condition still false: cassandra\.hints\.total = 29, cassandra\.repair = RUNNING$/);

  r = await runCli(["wait", "--until", "peers.down == 0 and cassandra.hints.total < 1000"], { env, timeoutMs: 60_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /\ncondition true after [\d.]+s \(1 poll\): peers\.down = 0, cassandra\.hints\.total = 29\n$/);
});

test("wait exits 0 when the condition turns true mid-wait, one line per change", async (t) => {
  const { fixture, env } = node(t, FAILED);
  const child = spawn(process.execPath, [BIN, "wait", "--until", "components.web.status == OK", "--interval", "1s", "--timeout", "5m"], {
    cwd: ROOT, env: { ...process.env, NO_COLOR: "1", ...env }, stdio: ["ignore", "pipe", "pipe"],
  });
  t.after(() => child.kill("SIGKILL"));
  let stdout = "";
  let stderr = "";
  let fixed = false;
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  child.stdout.setEncoding("utf8").on("data", (d: string) => {
    stdout += d;
    // The first poll has seen the unit failed: it starts now (an event, not a sleep).
    if (!fixed && stdout.includes("not yet")) {
      fixed = true;
      fixture.unit("web.service", RUNNING);
    }
  });
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  assert.equal(code, 0, stderr);
  const lines = stdout.trimEnd().split("\n");
  assert.equal(lines.length, 3, stdout);
  assert.match(lines[0]!, /Z components\.web\.status = ERROR: not yet$/);
  assert.match(lines[1]!, /Z components\.web\.status = OK: true$/);
  const polls = Number(/\((\d+) polls\)/.exec(lines[2]!)?.[1]);
  assert.ok(polls >= 2, lines[2]);
  assert.match(lines[2]!, /^condition true after [\d.]+s \(\d+ polls\): components\.web\.status = OK$/);
});

test("wait: a bad expression or an unknown path exits 64 with the column; bad durations exit 64", async (t) => {
  const { env } = node(t, RUNNING);
  let r = await runCli(["wait", "--until", "cassandra.hints.total < and cassandra.repair == IDLE"], { env });
  assert.equal(r.code, 64);
  assert.equal(r.stderr, [
    'nodekeeper: --until: expected a value, found the keyword "and" (column 25)',
    "  cassandra.hints.total < and cassandra.repair == IDLE",
    "                          ^",
    "",
  ].join("\n"));
  assert.equal(r.stdout, "");
  // Unknown paths show at the first poll: a typo must not wait 30 minutes.
  r = await runCli(["wait", "--until", "peers.dwon == 0"], { env, timeoutMs: 60_000 });
  assert.equal(r.code, 64);
  assert.match(r.stderr, /--until: peers\.dwon: peers has no field "dwon" \(it has: total, probed, down, unreachable, notProbed\) \(column 1\)/);
  r = await runCli(["wait", "--until", "peers.down == 0", "--timeout", "soon"], { env });
  assert.equal(r.code, 64);
  assert.match(r.stderr, /--timeout: expected a duration/);
  r = await runCli(["wait", "--until", "peers.down == 0", "--interval", "10ms"], { env });
  assert.equal(r.code, 64);
  assert.match(r.stderr, /--interval: expected a duration of at least 1s/);
  r = await runCli(["wait"], { env });
  assert.equal(r.code, 64);
  assert.match(r.stderr, /--until <expr>' not specified/);
});

const SCRIPT = spawnSync("script", ["--version"], { encoding: "utf8" }).status === 0;

test("wait on a TTY rewrites one progress line", { skip: SCRIPT ? false : "util-linux script(1) is not installed" }, async (t) => {
  const { env } = node(t, RUNNING);
  await warm(env);
  const out = join(tempOut(t), "typescript");
  const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} wait --until 'cassandra.repair == IDLE' --timeout 15s --interval 1s`;
  // 15 s: the first poll (a status probe) must finish before the timeout on a loaded machine too; 2 s did not under CI's load.
  // script(1) gives the command a pseudo-terminal; -e passes its exit code on.
  const r = spawnSync("script", ["-qec", command, out], { cwd: ROOT, env: { ...process.env, NO_COLOR: "1", ...env }, encoding: "utf8", timeout: 60_000 });
  assert.equal(r.status, 124, r.stderr);
  assert.match(r.stdout, /\r\x1b\[Kwaiting [\d.]+s of 15s, poll 1: cassandra\.repair = RUNNING: not yet/);
  assert.match(r.stdout, /\r\x1b\[Ktimed out after [\d.]+s, condition still false: cassandra\.repair = RUNNING\r?\n$/);
  assert.doesNotMatch(r.stdout, /Z cassandra\.repair/, "no log lines on a TTY");
});

function tempOut(t: { after(fn: () => void): void }): string {
  const fixture = makeNodeFixture(t);
  writeFileSync(join(fixture.dir, "typescript"), "");
  return fixture.dir;
}

test("waitUntil: polls until true; a poll that outlasts the timeout is abandoned at the deadline; the wall clock stepping back changes nothing", async () => {
  const { realEffects } = await import("../../src/effects/real.js");
  const { waitUntil } = await import("../../src/commands/wait.js");
  const loaded = { config: {} as never, file: null } as never;
  let n = 0;
  const effects = realEffects();
  const docs = [{ peers: { down: 2 } }, { peers: { down: 1 } }, { peers: { down: 0 } }];
  const seen: number[] = [];
  let r = await waitUntil(effects, loaded, { expression: "peers.down == 0", timeoutMs: 60_000, intervalMs: 10, onPoll: (p) => seen.push(p.poll) }, () => Promise.resolve(docs[n++]));
  assert.equal(r.outcome, "true");
  assert.deepEqual(seen, [1, 2, 3]);
  if (r.outcome === "true") assert.deepEqual(r.last.observed, [{ path: "peers.down", value: 0 }]);

  // A hung poll (a statfs on a dead mount ignoring its deadline): the wait still ends at its timeout.
  r = await waitUntil(effects, loaded, { expression: "peers.down == 0", timeoutMs: 300, intervalMs: 10 }, () => new Promise<never>(() => undefined));
  assert.deepEqual(r, { outcome: "timeout", polls: 0, elapsedMs: r.outcome === "timeout" ? r.elapsedMs : -1, last: null });

  // The wall clock jumps back an hour at every reading: the deadline is on the monotonic clock.
  let wall = Date.now();
  const stepping = { ...effects, clock: { ...effects.clock, now: () => (wall -= 3_600_000) } };
  r = await waitUntil(stepping, loaded, { expression: "peers.down == 0", timeoutMs: 300, intervalMs: 10 }, () => Promise.resolve(docs[0]));
  assert.equal(r.outcome, "timeout");
  assert.ok(r.outcome === "timeout" && r.polls >= 1 && r.last?.value === false);
});
