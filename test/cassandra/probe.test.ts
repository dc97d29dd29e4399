/**
 * The probe end to end: what the report gets, the JVM budget (cache, TTLs,
 * cap, --fresh, one nodetool at a time), fallbacks for older versions, and
 * that it never throws.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { CACHE_FILE } from "../../src/state/nodetool-cache.js";
import { LOCK_FILE } from "../../src/state/nodetool-lock.js";
import { CassandraConfigSchema, type CassandraConfig } from "../../src/config/cassandra.js";
import { probeCassandra, type CassandraProbeResult } from "../../src/cassandra/probe.js";
import { createProcessRunner } from "../../src/effects/process.js";
import { FakeClock, ScriptedRunner, fakeCommand, fixture, type Script } from "./support.js";
import { suiteOwner, tempDir } from "../helpers/temp.js";

const files = suiteOwner();

const LOCAL_41 = "7f50d0ba-ca6b-4aa7-86fe-0fa1aba9b4f6"; // 10.10.1.11 in 4.1/status-multidc-down.txt
const LOCAL_311 = "76b20010-c318-4754-886c-400eff88a1e3"; // 10.10.1.11 in 3.11/status-multidc-down.txt
const infoFor = (hostId: string) => fixture("4.0/info.txt").replace("6e1f2a3b-4c5d-4e6f-8a7b-9c0d1e2f3a4b", hostId);

const cluster41: Script = {
  status: "4.1/status-multidc-down.txt",
  info: { stdout: infoFor(LOCAL_41) },
  version: "4.1/version.txt",
  tpstats: "4.1/tpstats-json-repair-validation-active.txt",
  listpendinghints: "4.1/listpendinghints-several.txt",
  getmaxhintwindow: "4.1/getmaxhintwindow-default.txt",
  repair_admin: "4.1/repair_admin-list-running.txt",
  "repair_admin summarize-repaired": "4.1/summarize_repaired-several.txt",
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
  const stateDir = tempDir(files);
  return {
    runner,
    clock,
    stateDir,
    probe: (o = {}) =>
      probeCassandra({ runner, clock, env: {} }, { config: cfg, stateDir, fresh: o.fresh ?? false, peers: o.peers ?? PEERS, deadlineMs: o.deadlineMs ?? 60_000 }),
  };
}

describe("probe: what the report gets", () => {
  it("4.1, fresh: every fact of the report in 9 runs, peers with hints and ring states, repair RUNNING, peers down → WARNING 320", async () => {
    const s = setup(cluster41);
    const r = await s.probe({ fresh: true });
    // Issue 17: at most 9 runs; netstats and compactionstats (not repair sources on 4.0+) wait for the budget.
    assert.deepEqual(s.runner.commands(), [
      "status", "info", "version", "tpstats -F json", "repair_admin list --all", "listpendinghints", "getmaxhintwindow", "repair_admin summarize-repaired", "describecluster",
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
    assert.deepEqual([r.gossipActive, r.nativeTransportActive, r.mode], [true, true, null]);
    assert.equal(r.repairState, "RUNNING");
    assert.match(r.repairDetail, /ValidationExecutor active 1/);
    assert.match(r.repairDetail, /incremental session 89ac0c00 REPAIRING/);
    // Oldest hint 1 h 25 min of a 3 h window; least repaired range 6.9 days of 10.
    assert.deepEqual([r.hintDebtRatio, r.repairAgeRatio], [0.4722, 0.6926]);
    assert.deepEqual([r.health.status, r.health.resultCode], ["WARNING", 320]);
    assert.match(r.health.description, /3 other ring members are down or unknown/);
    assert.deepEqual(r.ring?.dataCenters, [
      { name: "dc1", members: 3, up: 3, down: 0, unknown: 0, changing: 0 },
      { name: "dc2", members: 3, up: 0, down: 3, unknown: 0, changing: 0 },
    ]);
    assert.deepEqual(r.facts.filter((f) => f.source !== "fresh").map((f) => [f.name, f.source]), [["netstats", "none"], ["compactionstats", "none"]]);
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
    // netstats is a repair source where repair_admin does not exist: before describecluster.
    assert.deepEqual(s.runner.commands(), ["status", "info", "version", "tpstats -F json", "netstats", "describecluster", "compactionstats"]);
    assert.deepEqual(r.peers.map((p) => [p.ringState, p.hints]), [["UN", null], ["UN", null], ["DN", null], ["DN", null]]);
    assert.equal(r.totalHints, null);
    assert.deepEqual(r.facts.filter((f) => f.source === "unsupported").map((f) => f.name), ["hints", "maxHintWindow", "repairSessions", "repairedSummary"]);
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

  it("bootstrapping (3.11 status error) is ERROR 310; not installed is NOT_INSTALLED 300", async (t) => {
    const boot = await setup({ status: { exitCode: 1, stdout: fixture("3.11/status-bootstrapping-error.txt") } }).probe();
    assert.deepEqual([boot.health.status, boot.health.resultCode], ["ERROR", 310]);
    assert.match(boot.health.description, /^Cassandra is still starting or bootstrapping: Error: The node does not have system_traces yet/);
    const cfg = config({ nodetool: ["/nonexistent/cassandra-nodetool.sh"] });
    const missing = await probeCassandra({ runner: createProcessRunner(), clock: new FakeClock() }, { config: cfg, stateDir: tempDir(t), fresh: false, peers: PEERS, deadlineMs: 30_000 });
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

  it("never throws: a broken clock, a throwing runner, a damaged cache", async (t) => {
    const badClock = { now: () => { throw new Error("clock broke"); }, monotonic: () => 0, boot: () => null, sleep: () => Promise.resolve() };
    const r1 = await probeCassandra({ runner: new ScriptedRunner(cluster41), clock: badClock }, { config: config(), stateDir: tempDir(t), fresh: false, peers: PEERS, deadlineMs: 30_000 });
    assert.deepEqual([r1.health.status, r1.health.resultCode], ["UNKNOWN", 309]);
    assert.match(r1.health.description, /clock broke/);
    assert.equal(r1.peers.length, 4);

    const throwing = { run: () => { throw new Error("spawn exploded"); }, killAll: () => undefined };
    const r2 = await probeCassandra({ runner: throwing, clock: new FakeClock() }, { config: config(), stateDir: tempDir(t), fresh: false, peers: PEERS, deadlineMs: 30_000 });
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
  it("first cycle: every fact once (9 runs, one at a time); then at most 2.5 runs per cycle over any 10 cycles, facts within their targets", async () => {
    const s = setup(cluster41);
    const perCycle: number[] = [];
    const maxAge = new Map<string, number>();
    for (let cycle = 1; cycle <= 100; cycle++) {
      s.runner.calls.length = 0;
      const r = await s.probe();
      perCycle.push(r.nodetoolRuns);
      assert.equal(r.repairState, "RUNNING", `cycle ${cycle}: ${r.repairDetail}`);
      assert.equal(r.localRingState, "UN");
      assert.deepEqual(r.peers.map((p) => p.hints), [0, 1, 14, 14], `cycle ${cycle}`);
      for (const f of r.facts) if (f.ageMs !== null) maxAge.set(f.name, Math.max(maxAge.get(f.name) ?? 0, f.ageMs));
      if (cycle === 1) {
        assert.equal(r.nodetoolRuns, 9);
        assert.equal(r.catchUp, true);
        assert.ok(r.facts.filter((f) => f.name !== "netstats" && f.name !== "compactionstats").every((f) => f.source === "fresh"));
      }
      s.clock.advance(60_000);
    }
    assert.equal(s.runner.maxConcurrent, 1);
    const windows = perCycle.slice(1).map((_, i, rest) => rest.slice(i, i + 10)).filter((w) => w.length === 10).map((w) => w.reduce((a, b) => a + b, 0));
    console.log(`runs per cycle: first ${perCycle[0]}, then ${(perCycle.slice(1).reduce((a, b) => a + b, 0) / 99).toFixed(2)} on average, worst 10-cycle window ${Math.max(...windows)}; max age (s): ${[...maxAge].map(([k, v]) => `${k} ${v / 1000}`).join(", ")}`);
    assert.ok(Math.max(...windows) <= 25, `worst window ${Math.max(...windows)}`);
    assert.ok((maxAge.get("tpstats") ?? Infinity) <= 60_000 && (maxAge.get("repairSessions") ?? Infinity) <= 60_000, "repair sources read every 2 cycles");
    assert.ok((maxAge.get("hints") ?? Infinity) <= 300_000, "hints ≤ 5 min");
    for (const n of ["version", "info", "describecluster", "maxHintWindow", "repairedSummary"]) assert.ok((maxAge.get(n) ?? Infinity) <= 3_600_000, `${n} ≤ 1 h`);
  });

  it("a repair that starts after cycle 10 is RUNNING by cycle 12; one that ends is IDLE within 2 cycles", async () => {
    const idle: Script = { ...cluster41, tpstats: "4.0/tpstats-json-idle.txt", repair_admin: "4.1/repair_admin-list-empty.txt", compactionstats: "4.1/compactionstats-idle.txt" };
    const s = setup(idle);
    const states: string[] = [];
    for (let cycle = 1; cycle <= 20; cycle++) {
      if (cycle === 11) s.runner.script = cluster41; // validation + sessions
      if (cycle === 16) s.runner.script = idle;
      const r = await s.probe();
      states.push(r.repairState);
      s.clock.advance(60_000);
    }
    assert.deepEqual(states.slice(0, 10), Array(10).fill("IDLE"));
    assert.ok(states.slice(10, 12).includes("RUNNING"), states.join(" "));
    assert.deepEqual(states.slice(11, 15), Array(4).fill("RUNNING"), states.join(" "));
    assert.ok(states.slice(15, 17).includes("IDLE"), states.join(" "));
    assert.deepEqual(states.slice(16), Array(4).fill("IDLE"), states.join(" "));
  });

  it("the Cassandra process changes (identity input, or a failure then a success): version, info, describecluster, hint window read at once", async () => {
    const s = setup(cluster41);
    const probe = (processIdentity: string | null) =>
      probeCassandra({ runner: s.runner, clock: s.clock, env: {} }, { config: config(), stateDir: s.stateDir, fresh: false, peers: PEERS, deadlineMs: 60_000, processIdentity });
    await probe("4242 1718800000");
    for (let i = 0; i < 4; i++) {
      s.clock.advance(60_000);
      await probe("4242 1718800000");
    }
    s.runner.calls.length = 0;
    s.clock.advance(60_000);
    const same = await probe("4242 1718800000");
    assert.ok(!s.runner.commands().some((c) => c === "version" || c === "info"), s.runner.commands().join(", "));
    assert.equal(same.catchUp, false);
    s.runner.calls.length = 0;
    s.clock.advance(60_000);
    const changed = await probe("5151 1718800400");
    for (const c of ["version", "info", "describecluster", "getmaxhintwindow"]) assert.ok(s.runner.commands().includes(c), `${c} in ${s.runner.commands().join(", ")}`);
    assert.equal(changed.catchUp, true);
    assert.ok(changed.notes.some((n) => n.includes("Cassandra process changed")));

    // A refused status, then an answer: the same re-read, without any identity given.
    s.clock.advance(60_000);
    s.runner.script = { status: { exitCode: 1, stderr: fixture("4.1/connection-refused-stderr.txt") } };
    await probe(null);
    s.runner.script = cluster41;
    s.runner.calls.length = 0;
    s.clock.advance(60_000);
    const back = await probe(null);
    for (const c of ["version", "info", "describecluster"]) assert.ok(s.runner.commands().includes(c), `${c} in ${s.runner.commands().join(", ")}`);
    assert.ok(back.notes.some((n) => n.includes("answers again after a failure")));
    s.runner.calls.length = 0;
    s.clock.advance(60_000);
    await probe(null);
    assert.ok(!s.runner.commands().includes("version"), "once only");
  });

  it("--fresh reads every fact again (at most 9 runs); a cached fact is reused until due", async () => {
    const s = setup(cluster41);
    await s.probe();
    assert.equal(s.runner.calls.length, 9); // cold: the catch-up
    s.runner.calls.length = 0;
    s.clock.advance(60_000);
    const warm = await s.probe();
    // Cycle 2: the supplementary facts the first cycle had no room for; the rest from the cache.
    assert.deepEqual(s.runner.commands(), ["status", "netstats", "compactionstats"]);
    assert.equal(warm.facts.find((f) => f.name === "describecluster")?.source, "cache");
    assert.equal(warm.repairState, "RUNNING");
    assert.equal(warm.peers[1]?.hints, 1);
    s.runner.calls.length = 0;
    s.clock.advance(10_000);
    const fresh = await s.probe({ fresh: true });
    assert.equal(s.runner.calls.length, 9);
    assert.ok(fresh.facts.filter((f) => f.source === "fresh").length >= 8);
  });

  it("a fact older than maxStaleFactor × TTL is no longer used; after downtime every fact is caught up; the host ID still is", async () => {
    const s = setup(cluster41);
    await s.probe({ fresh: true });
    s.clock.advance(3 * 3_600_000); // 3 h down: every fact expired
    s.runner.calls.length = 0;
    s.runner.script = { ...cluster41, info: { exitCode: 2, stderr: "error: null\n-- StackTrace --\n" } };
    const r = await s.probe();
    assert.equal(r.catchUp, true);
    assert.deepEqual(s.runner.commands().slice(0, 3), ["status", "info", "version"]);
    assert.equal(r.gossipActive, null);
    assert.equal(r.version, "4.1.6");
    assert.equal(r.localRingState, "UN"); // host ID from the old info
    // 3 h later the oldest hint (then 1 h 25 min) is past the 3 h window.
    assert.deepEqual([r.health.status, r.health.resultCode], ["ERROR", 324]);
    assert.match(r.health.description, /Hints for 10\.20\.1\.11 are 4 h 24 min old, hints for 10\.20\.1\.12 are 4 h 24 min old, past the 3 h max hint window/);
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
      assert.equal(r.nodetoolRuns, 9, content); // the first cycle's catch-up
      assert.ok(!existsSync(join(s.stateDir, LOCK_FILE)));
    }
  });
});

describe("probe through the fake nodetool (real processes)", () => {
  it("unknown options fall back to what the version has: tpstats without -F json, repair_admin list without --all", async (t) => {
    const dir = tempDir(t);
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
      // This fake knows no summarize-repaired: asked once, then never again on this version.
      "status", "info", "version", "tpstats -F json", "repair_admin list --all", "repair_admin summarize-repaired", "describecluster", "netstats", "compactionstats",
      "status", "info", "version", "tpstats", "repair_admin list", "describecluster", "netstats", "compactionstats",
    ]);
    assert.equal(first.facts.find((f) => f.name === "tpstats")?.source, "none");
    assert.equal(second.facts.find((f) => f.name === "tpstats")?.source, "fresh");
    assert.equal(second.repairState, "RUNNING"); // Repair#7 and ValidationExecutor in the text layout
    assert.deepEqual(second.peers.map((p) => p.hints), [null, null, null, null]); // 4.0: cannot tell
    assert.equal(second.version, "4.0.14");
  });

  it("a hung status is killed in time and reported as UNKNOWN 304", async (t) => {
    const dir = tempDir(t);
    const cfg = config({ timeoutMs: 1_000, nodetool: fakeCommand({ FAKE_NODETOOL_MODE: "hang", FAKE_NODETOOL_PIDFILE: join(dir, "pids") }) });
    const started = Date.now();
    const r = await probeCassandra({ runner: createProcessRunner(), clock: new FakeClock() }, { config: cfg, stateDir: dir, fresh: false, peers: PEERS, deadlineMs: 30_000 });
    assert.ok(Date.now() - started < 4_000);
    assert.deepEqual([r.health.status, r.health.resultCode, r.nodetoolRuns], ["UNKNOWN", 304, 1]);
  });
});
