/**
 * The probe end to end: what the report gets, the JVM budget (cache, TTLs,
 * cap, --fresh, one nodetool at a time), fallbacks for older versions, and
 * that it never throws.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { CACHE_FILE, LOCK_FILE } from "../../src/cassandra/cache.js";
import { CassandraConfigSchema, type CassandraConfig } from "../../src/cassandra/config.js";
import { probeCassandra, type CassandraProbeResult } from "../../src/cassandra/probe.js";
import { createProcessRunner } from "../../src/effects/process.js";
import { FakeClock, ScriptedRunner, fakeCommand, fixture, tempDir, type Script } from "./support.js";

const LOCAL_41 = "7f50d0ba-ca6b-4aa7-86fe-0fa1aba9b4f6"; // 10.10.1.11 in 4.1/status-multidc-down.txt
const LOCAL_311 = "76b20010-c318-4754-886c-400eff88a1e3"; // 10.10.1.11 in 3.11/status-multidc-down.txt
const infoFor = (hostId: string) => fixture("4.0/info.txt").replace("6e1f2a3b-4c5d-4e6f-8a7b-9c0d1e2f3a4b", hostId);

const cluster41: Script = {
  status: "4.1/status-multidc-down.txt",
  info: { stdout: infoFor(LOCAL_41) },
  version: "4.1/version.txt",
  tpstats: "4.1/tpstats-json-repair-validation-active.txt",
  listpendinghints: "4.1/listpendinghints-several.txt",
  repair_admin: "4.1/repair_admin-list-running.txt",
  netstats: "4.1/netstats-idle.txt",
  describecluster: "4.1/describecluster-healthy-mixed-versions.txt",
  compactionstats: "4.1/compactionstats-validation-human.txt",
};

const cluster311: Script = {
  status: "3.11/status-multidc-down.txt",
  info: { stdout: fixture("3.11/info.txt").replace("429c0ce7-01f1-423c-b655-1cf2a3ff3194", LOCAL_311) },
  version: "3.11/version.txt",
  listpendinghints: { exitCode: 1, stdout: fixture("3.11/listpendinghints-unsupported.txt") },
  repair_admin: { exitCode: 1, stdout: fixture("3.11/repair_admin-unsupported.txt") },
  tpstats: "3.11/tpstats-json-hints-pending.txt",
  netstats: "3.11/netstats-idle.txt",
  describecluster: "3.11/describecluster-schema-disagreement.txt",
  compactionstats: "3.11/compactionstats-idle.txt",
};

const PEERS = [
  { nodeId: "n2", address: "10.10.1.12" },
  { nodeId: "n3", address: "10.10.1.13" },
  { nodeId: "n4", address: "10.20.1.11" },
  { nodeId: "n5", address: "192.0.2.5", cassandraAddress: "10.20.1.12" },
];

function config(overrides: Record<string, unknown> = {}): CassandraConfig {
  return CassandraConfigSchema.parse({ nodetool: ["nodetool"], lowPriority: false, ...overrides });
}

interface Setup {
  runner: ScriptedRunner;
  clock: FakeClock;
  stateDir: string;
  probe(options?: { fresh?: boolean; deadlineMs?: number; peers?: typeof PEERS }): Promise<CassandraProbeResult>;
}

function setup(script: Script, cfg: CassandraConfig = config()): Setup {
  const runner = new ScriptedRunner(script, cfg.nodetool.length);
  const clock = new FakeClock();
  const stateDir = tempDir();
  return {
    runner,
    clock,
    stateDir,
    probe: (o = {}) =>
      probeCassandra({ runner, clock, env: {} }, { config: cfg, stateDir, fresh: o.fresh ?? false, peers: o.peers ?? PEERS, deadlineMs: o.deadlineMs ?? 60_000 }),
  };
}

describe("probe: what the report gets", () => {
  it("4.1, fresh: every fact, peers with hints and ring states, repair RUNNING, peers down → WARNING 320", async () => {
    const s = setup(cluster41);
    const r = await s.probe({ fresh: true });
    assert.deepEqual(s.runner.commands(), [
      "status", "info", "version", "tpstats -F json", "listpendinghints", "repair_admin list --all", "netstats", "describecluster", "compactionstats",
    ]);
    assert.equal(r.nodetoolRuns, 9);
    assert.equal(s.runner.maxConcurrent, 1);
    assert.equal(r.version, "4.1.6");
    assert.equal(r.localRingState, "UN");
    assert.deepEqual(r.local, { hostId: LOCAL_41, address: "10.10.1.11", dataCenter: "dc1", rack: "rack1", identifiedBy: "hostId" });
    assert.deepEqual(r.peers, [
      { nodeId: "n2", ringState: "UN", hints: 0, dataCenter: "dc1", hostId: "09570ca0-77fa-4e46-bbdd-30f57598e44a" },
      { nodeId: "n3", ringState: "UN", hints: 1, dataCenter: "dc1", hostId: "a7b1943e-4400-4d7b-a550-f07d78c7bd66" },
      { nodeId: "n4", ringState: "DN", hints: 14, dataCenter: "dc2", hostId: "f0af24ba-22df-42a6-a275-db11d13f3576" },
      { nodeId: "n5", ringState: "DN", hints: 14, dataCenter: "dc2", hostId: "a56f7570-fa42-4ebe-853d-3c4bb3b93303" },
    ]);
    assert.equal(r.totalHints, 29);
    assert.equal(r.schemaVersions, 1);
    assert.deepEqual([r.gossipActive, r.nativeTransportActive, r.mode], [true, true, "NORMAL"]);
    assert.equal(r.repairState, "RUNNING");
    assert.match(r.repairDetail, /ValidationExecutor active 1/);
    assert.match(r.repairDetail, /Validation of metrics\.samples_by_day 37\.43%/);
    assert.match(r.repairDetail, /incremental session 89ac0c00 REPAIRING/);
    assert.deepEqual([r.health.status, r.health.resultCode], ["WARNING", 320]);
    assert.match(r.health.description, /3 other ring members are down or unknown/);
    assert.deepEqual(r.ring?.dataCenters, [
      { name: "dc1", members: 3, up: 3, down: 0, unknown: 0, changing: 0 },
      { name: "dc2", members: 3, up: 0, down: 3, unknown: 0, changing: 0 },
    ]);
    assert.ok(r.facts.every((f) => f.source === "fresh"));
    assert.ok(existsSync(join(s.stateDir, CACHE_FILE)));
    assert.ok(!existsSync(join(s.stateDir, LOCK_FILE)), "the lock is released");
    for (const call of s.runner.calls) {
      assert.equal(call.options.reapGroup, true);
      assert.equal(call.options.env?.JAVA_TOOL_OPTIONS, "-Duser.language=en -Duser.country=US");
    }
  });

  it("3.11: listpendinghints and repair_admin are not asked once the version is known; hints null", async () => {
    const s = setup(cluster311);
    const r = await s.probe({ fresh: true });
    assert.deepEqual(s.runner.commands(), ["status", "info", "version", "tpstats -F json", "netstats", "describecluster", "compactionstats"]);
    assert.deepEqual(r.peers.map((p) => [p.ringState, p.hints]), [["UN", null], ["UN", null], ["DN", null], ["DN", null]]);
    assert.equal(r.totalHints, null);
    assert.deepEqual(r.facts.filter((f) => f.source === "unsupported").map((f) => f.name), ["hints", "repairSessions"]);
    assert.equal(r.repairState, "IDLE");
    assert.match(r.repairDetail, /repair_admin not available on this version/);
    assert.deepEqual([r.health.status, r.health.resultCode], ["WARNING", 320]);
    assert.match(r.health.description, /2 schema versions/);
  });

  it("3.11 without the version yet: an unsupported command is asked once, then never again", async () => {
    const s = setup(cluster311, config({ maxRunsPerCycle: 10 }));
    // Version unknown: pretend `version` fails, so listpendinghints is tried.
    s.runner.script = { ...cluster311, version: { exitCode: 2, stderr: "error: null\n-- StackTrace --\n" } };
    const first = await s.probe({ fresh: true });
    assert.ok(s.runner.commands().includes("listpendinghints"));
    assert.ok(s.runner.commands().includes("repair_admin list --all"));
    assert.equal(first.peers[0]?.hints, null);
    s.runner.calls.length = 0;
    await s.probe({ fresh: true });
    // --all unknown: the plain `repair_admin list` is the fallback; listpendinghints has none.
    assert.deepEqual(s.runner.commands().filter((c) => c.startsWith("repair_admin") || c.startsWith("listpendinghints")), ["repair_admin list"]);
    s.runner.calls.length = 0;
    await s.probe({ fresh: true });
    assert.deepEqual(s.runner.commands().filter((c) => c.startsWith("repair_admin") || c.startsWith("listpendinghints")), []);
  });

  it("FAILED when the latest incremental session failed and nothing runs", async () => {
    const s = setup({ ...cluster41, repair_admin: "4.0/repair_admin-list-all-failed.txt", tpstats: "3.11/tpstats-json-hints-pending.txt", compactionstats: "4.1/compactionstats-idle.txt" });
    const r = await s.probe({ fresh: true });
    assert.equal(r.repairState, "FAILED");
    assert.match(r.repairDetail, /1b2c3d00-2e41-11ef-8061-3f1a2b3c4d5e FAILED/);
  });

  it("this node not UN, gossip and native transport off: ERROR with every problem told", async () => {
    const s = setup({ ...cluster41, status: "4.1/status-joining-leaving-moving.txt", info: { stdout: fixture("4.1/info-gossip-native-disabled.txt").replace("421719bf-f1bd-4712-925d-eaa9e42d6346", "b27ee48d-2590-4e78-a89a-f71d4aa42237") } });
    const r = await s.probe({ fresh: true });
    assert.equal(r.localRingState, "UL");
    assert.deepEqual([r.health.status, r.health.resultCode], ["ERROR", 311]);
    assert.match(r.health.description, /This node is UL .*Gossip is disabled.*native transport \(CQL\) is disabled.*10\.42\.0\.10 \(\?N/);
    assert.deepEqual([r.gossipActive, r.nativeTransportActive], [false, false]);
  });
});

describe("probe: failures", () => {
  it("JMX refused on status: ERROR 301, one JVM, repair UNKNOWN, every peer null", async () => {
    const s = setup({ status: { exitCode: 1, stderr: fixture("3.11/connection-refused-stderr.txt") } });
    const r = await s.probe({ fresh: true });
    assert.equal(r.nodetoolRuns, 1);
    assert.deepEqual([r.health.status, r.health.resultCode], ["ERROR", 301]);
    assert.match(r.health.description, /could not connect to Cassandra JMX at 127\.0\.0\.1:7199: ConnectException .*check the Cassandra service/);
    assert.equal(r.repairState, "UNKNOWN");
    assert.deepEqual(r.peers.map((p) => [p.nodeId, p.ringState, p.hints]), [["n2", null, null], ["n3", null, null], ["n4", null, null], ["n5", null, null]]);
  });

  it("Cassandra goes away after status: ERROR 301 'during this probe', no more JVMs, peers unknown", async () => {
    const s = setup({ ...cluster41, info: { exitCode: 1, stderr: fixture("4.1/connection-refused-stderr.txt") } });
    const r = await s.probe({ fresh: true });
    assert.deepEqual(s.runner.commands(), ["status", "info"]);
    assert.deepEqual([r.health.status, r.health.resultCode], ["ERROR", 301]);
    assert.match(r.health.description, /^During this probe: /);
    assert.equal(r.repairState, "UNKNOWN");
    assert.ok(r.peers.every((p) => p.ringState === null && p.hints === null));
  });

  it("a timeout stops further runs; the status already read still counts", async () => {
    const s = setup({ ...cluster41, info: { exitCode: null, signal: "SIGKILL", timedOut: true } });
    const r = await s.probe({ fresh: true });
    assert.deepEqual(s.runner.commands(), ["status", "info"]);
    assert.deepEqual([r.health.status, r.health.resultCode], ["UNKNOWN", 313]); // host ID never read
    assert.match(r.health.description, /Not read: nodetool info did not finish within 20 s/);
    assert.equal(r.repairState, "UNKNOWN");
    assert.equal(r.peers[2]?.ringState, "DN");
  });

  it("bootstrapping (3.11 status error) is ERROR 310; not installed is NOT_INSTALLED 300", async () => {
    const boot = await setup({ status: { exitCode: 1, stdout: fixture("3.11/status-bootstrapping-error.txt") } }).probe();
    assert.deepEqual([boot.health.status, boot.health.resultCode], ["ERROR", 310]);
    assert.match(boot.health.description, /^Cassandra is still starting or bootstrapping: Error: The node does not have system_traces yet/);
    const cfg = config({ nodetool: ["/nonexistent/cassandra-nodetool.sh"] });
    const missing = await probeCassandra({ runner: createProcessRunner(), clock: new FakeClock() }, { config: cfg, stateDir: tempDir(), fresh: false, peers: PEERS, deadlineMs: 30_000 });
    assert.deepEqual([missing.health.status, missing.health.resultCode, missing.nodetoolRuns], ["NOT_INSTALLED", 300, 1]);
  });

  it("unparseable status output: UNKNOWN 305 with the reason", async () => {
    const r = await setup({ status: { stdout: "Segmentation fault?\n" } }).probe();
    assert.deepEqual([r.health.status, r.health.resultCode], ["UNKNOWN", 305]);
    assert.match(r.health.description, /nodetool status: no ring members/);
  });

  it("no time left: nothing runs, UNKNOWN 308", async () => {
    const s = setup(cluster41);
    const r = await s.probe({ deadlineMs: 1_000 });
    assert.equal(r.nodetoolRuns, 0);
    assert.deepEqual([r.health.status, r.health.resultCode], ["UNKNOWN", 308]);
  });

  it("never throws: a broken clock, a throwing runner, a damaged cache", async () => {
    const badClock = { now: () => { throw new Error("clock broke"); }, monotonic: () => 0, boot: () => null, sleep: () => Promise.resolve() };
    const r1 = await probeCassandra({ runner: new ScriptedRunner(cluster41), clock: badClock }, { config: config(), stateDir: tempDir(), fresh: false, peers: PEERS, deadlineMs: 30_000 });
    assert.deepEqual([r1.health.status, r1.health.resultCode], ["UNKNOWN", 309]);
    assert.match(r1.health.description, /clock broke/);
    assert.equal(r1.peers.length, 4);

    const throwing = { run: () => { throw new Error("spawn exploded"); }, killAll: () => undefined };
    const r2 = await probeCassandra({ runner: throwing, clock: new FakeClock() }, { config: config(), stateDir: tempDir(), fresh: false, peers: PEERS, deadlineMs: 30_000 });
    assert.deepEqual([r2.health.status, r2.health.resultCode], ["UNKNOWN", 306]);

    const s = setup(cluster41);
    writeFileSync(join(s.stateDir, CACHE_FILE), "{not json");
    const r3 = await s.probe();
    assert.equal(r3.localRingState, "UN");
    assert.ok(r3.notes.includes("nodetool cache is not valid JSON; starting empty"));
    assert.doesNotThrow(() => JSON.parse(readFileSync(join(s.stateDir, CACHE_FILE), "utf8")));
  });
});

describe("probe: JVM budget", () => {
  it("ten cycles a minute apart: at most two nodetool runs per cycle", async () => {
    const s = setup(cluster41);
    const perCycle: number[] = [];
    const commands: string[][] = [];
    for (let cycle = 0; cycle < 10; cycle++) {
      s.runner.calls.length = 0;
      const r = await s.probe();
      perCycle.push(r.nodetoolRuns);
      commands.push(s.runner.commands());
      s.clock.advance(60_000);
    }
    const total = perCycle.reduce((a, b) => a + b, 0);
    console.log(`nodetool runs per cycle, 10 cycles from a cold cache: [${perCycle.join(", ")}] = ${total / 10} per cycle`);
    assert.ok(perCycle.every((n) => n >= 1 && n <= 2));
    assert.ok(total / 10 <= 2);
    // Cold start fills the cache in priority order: this node's info first, then the version.
    assert.deepEqual(commands.slice(0, 3), [["status", "info"], ["status", "version"], ["status", "tpstats -F json"]]);
    assert.ok(commands.every((c) => c[0] === "status"));

    // Steady state: the facts stay usable (never older than maxStaleFactor × TTL).
    const maxAge = new Map<string, number>();
    const steady: number[] = [];
    for (let cycle = 0; cycle < 60; cycle++) {
      const r = await s.probe();
      steady.push(r.nodetoolRuns);
      for (const f of r.facts) {
        assert.notEqual(f.source, "none", `${f.name} fell out of the cache in cycle ${cycle}`);
        maxAge.set(f.name, Math.max(maxAge.get(f.name) ?? 0, f.ageMs ?? 0));
      }
      s.clock.advance(60_000);
    }
    const last10 = steady.slice(-10).reduce((a, b) => a + b, 0) / 10;
    console.log(`steady state (cycles 61-70): ${last10} runs per cycle; oldest value used per fact (min): ${[...maxAge].map(([k, v]) => `${k} ${Math.round(v / 60_000)}`).join(", ")}`);
    assert.ok(last10 <= 2);
  });

  it("TTL: a cached fact is reused until its TTL; --fresh reads everything again", async () => {
    const s = setup(cluster41, config({ maxRunsPerCycle: 10 }));
    await s.probe();
    assert.equal(s.runner.calls.length, 9); // cold: everything is due
    s.runner.calls.length = 0;
    s.clock.advance(60_000);
    const warm = await s.probe();
    assert.deepEqual(s.runner.commands(), ["status"]);
    assert.ok(warm.facts.every((f) => f.source === "cache" && f.ageMs === 60_000));
    assert.equal(warm.repairState, "RUNNING"); // from the cache
    assert.equal(warm.peers[1]?.hints, 1);
    s.runner.calls.length = 0;
    s.clock.advance(61_000); // info's TTL (2 min) has passed, the others' not
    await s.probe();
    assert.deepEqual(s.runner.commands(), ["status", "info"]);
    s.runner.calls.length = 0;
    s.clock.advance(10_000);
    const fresh = await s.probe({ fresh: true });
    assert.equal(s.runner.calls.length, 9);
    assert.ok(fresh.facts.every((f) => f.source === "fresh"));
  });

  it("a fact older than maxStaleFactor × TTL is no longer used; the host ID still is", async () => {
    const s = setup(cluster41);
    await s.probe({ fresh: true });
    s.clock.advance(31 * 60_000); // > 3 × 10 min (describecluster), > 3 × 2 min (info)
    s.runner.calls.length = 0;
    s.runner.script = { ...cluster41, info: { exitCode: 2, stderr: "error: null\n-- StackTrace --\n" } };
    const r = await s.probe();
    assert.deepEqual(s.runner.commands(), ["status", "info"]); // info is the most overdue
    assert.equal(r.schemaVersions, null);
    assert.equal(r.facts.find((f) => f.name === "describecluster")?.source, "none");
    assert.equal(r.gossipActive, null);
    assert.equal(r.version, "4.1.6"); // 1 h TTL: still usable
    assert.equal(r.localRingState, "UN"); // host ID from the old info
    assert.deepEqual([r.health.status, r.health.resultCode], ["WARNING", 320]);
    assert.match(r.health.description, /Not read: nodetool info failed \(exit 2\): error: null/);
  });

  it("one nodetool at a time across processes: a live holder makes the probe wait, then give up (308)", async () => {
    const s = setup(cluster41, config({ lockWaitMs: 2_000 }));
    writeFileSync(join(s.stateDir, LOCK_FILE), `${process.pid} ${s.clock.now()}\n`);
    const r = await s.probe();
    assert.equal(r.nodetoolRuns, 0);
    assert.deepEqual([r.health.status, r.health.resultCode], ["UNKNOWN", 308]);
    assert.match(r.health.description, /another nodekeeper process \(pid \d+\) is running nodetool/);
    assert.ok(existsSync(join(s.stateDir, LOCK_FILE)), "someone else's lock is left alone");
  });

  it("a lock left by a dead process or too old is taken over", async () => {
    for (const content of ["999999999 0", `${process.pid} 0`]) {
      const s = setup(cluster41);
      writeFileSync(join(s.stateDir, LOCK_FILE), `${content}\n`);
      const r = await s.probe();
      assert.equal(r.nodetoolRuns, 2, content);
      assert.ok(!existsSync(join(s.stateDir, LOCK_FILE)));
    }
  });
});

describe("probe through the fake nodetool (real processes)", () => {
  it("unknown options fall back to what the version has: tpstats without -F json, repair_admin list without --all", async () => {
    const dir = tempDir();
    const log = join(dir, "calls.log");
    const unexpected = (params: string) => ({ stdoutText: `nodetool: Found unexpected parameters: [${params}]\nSee 'nodetool help' or 'nodetool help <command>'.\n`, exit: 1 });
    const cfg = config({
      nodetool: fakeCommand({
        FAKE_NODETOOL_LOG: log,
        FAKE_NODETOOL_MAP: JSON.stringify({
          status: "4.1/status-multidc-down.txt",
          info: { stdoutText: infoFor(LOCAL_41) },
          version: "4.0/version.txt",
          "tpstats -F": unexpected("-F, json"),
          tpstats: "4.1/tpstats-repair-validation-active.txt",
          "repair_admin list --all": unexpected("--all"),
          "repair_admin list": "4.1/repair_admin-list-empty.txt",
          netstats: "4.1/netstats-idle.txt",
          describecluster: "4.1/describecluster-healthy-mixed-versions.txt",
          compactionstats: "4.1/compactionstats-idle.txt",
        }),
      }),
    });
    const run = () => probeCassandra({ runner: createProcessRunner(), clock: new FakeClock() }, { config: cfg, stateDir: dir, fresh: true, peers: PEERS, deadlineMs: 60_000 });
    const first = await run();
    const second = await run();
    const argv = readFileSync(log, "utf8").trim().split("\n").map((l) => (JSON.parse(l) as { argv: string[] }).argv.join(" "));
    assert.deepEqual(argv, [
      "status", "info", "version", "tpstats -F json", "repair_admin list --all", "netstats", "describecluster", "compactionstats",
      "status", "info", "version", "tpstats", "repair_admin list", "netstats", "describecluster", "compactionstats",
    ]);
    assert.equal(first.facts.find((f) => f.name === "tpstats")?.source, "none");
    assert.equal(second.facts.find((f) => f.name === "tpstats")?.source, "fresh");
    assert.equal(second.repairState, "RUNNING"); // Repair#7 and ValidationExecutor in the text layout
    assert.deepEqual(second.peers.map((p) => p.hints), [null, null, null, null]); // 4.0: cannot tell
    assert.equal(second.version, "4.0.14");
  });

  it("a hung status is killed in time and reported as UNKNOWN 304", async () => {
    const dir = tempDir();
    const cfg = config({ timeoutMs: 1_000, nodetool: fakeCommand({ FAKE_NODETOOL_MODE: "hang", FAKE_NODETOOL_PIDFILE: join(dir, "pids") }) });
    const started = Date.now();
    const r = await probeCassandra({ runner: createProcessRunner(), clock: new FakeClock() }, { config: cfg, stateDir: dir, fresh: false, peers: PEERS, deadlineMs: 30_000 });
    assert.ok(Date.now() - started < 4_000);
    assert.deepEqual([r.health.status, r.health.resultCode, r.nodetoolRuns], ["UNKNOWN", 304, 1]);
  });
});
