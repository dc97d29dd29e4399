/**
 * The schedule's pure functions on their own: which facts a probe reads, given
 * the cache state, the time, the cycle and the process identity. No nodetool,
 * no files: a small simulator below plays the probe's loop (every read
 * succeeds) on the default configuration, a minute per cycle.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CassandraConfigSchema } from "../../src/config/cassandra.js";
import { forgetProcess, maxUsableAge } from "../../src/cassandra/fact-cache.js";
import { PROCESS_FACTS, type FactName } from "../../src/cassandra/facts.js";
import {
  budgetAllowance, closeCycle, countRun, cycleNumber, extraAllowance, needsCatchUp, nextFact, planFacts, processChange, runCaps,
  type RunTally, type ScheduleState,
} from "../../src/cassandra/schedule.js";
import { emptyEntry, type CacheEntry } from "../../src/state/nodetool-cache.js";

const config = CassandraConfigSchema.parse({});
const MINUTE = 60_000;
const T0 = Date.UTC(2026, 0, 1);

interface Sim {
  facts: Record<string, CacheEntry>;
  cycle: number;
  recentRuns: number[];
  recentExtra: number[];
  now: number;
  /** The release `version` reads. */
  release: string;
}

function sim(release = "4.1.6"): Sim {
  return { facts: {}, cycle: 0, recentRuns: [], recentExtra: [], now: T0, release };
}

/** Usable as the probe's cache policy says: stored, not in the future, not older than maxStaleFactor × TTL. */
function usable(s: Sim): Set<FactName> {
  const out = new Set<FactName>();
  for (const [name, e] of Object.entries(s.facts)) {
    const age = e.storedAt === null ? -1 : s.now - e.storedAt;
    if (age >= 0 && age <= maxUsableAge(name as FactName, config)) out.add(name as FactName);
  }
  return out;
}

function state(s: Sim, cycle: number, fresh: boolean, catchUpStarted: boolean): ScheduleState {
  const u = usable(s);
  return { config, facts: s.facts, now: s.now, cycle, fresh, catchUpStarted, version: u.has("version") ? s.release : null, usable: u };
}

/** One probe after a successful `status`, as probe.ts runs it: the facts read, in order, and the tally. */
function probe(s: Sim, fresh = false): { read: FactName[]; tally: RunTally } {
  const cycle = cycleNumber(s.cycle, fresh);
  let tally: RunTally = { catchUpRuns: 0, budgetedRuns: 1, extraRuns: 0 }; // status
  let catchUpStarted = false;
  const caps = runCaps(state(s, cycle, fresh, false), s);
  const done = new Set<FactName>();
  const read: FactName[] = [];
  for (;;) {
    const st = state(s, cycle, fresh, catchUpStarted);
    const next = nextFact(st, caps, tally, done);
    if (next === undefined) break;
    done.add(next.name);
    if (next.reason === "catchUp") catchUpStarted = true;
    tally = countRun(st, tally, next);
    read.push(next.name);
    s.facts[next.name] = { ...emptyEntry(), attemptAt: s.now, storedAt: s.now, stdout: "-", attemptCycle: cycle, readCycle: cycle };
  }
  if (!fresh) {
    s.cycle = cycle;
    Object.assign(s, closeCycle(s, tally));
  }
  return { read, tally };
}

describe("schedule: the first cycle on a fresh state folder", () => {
  it("4.1: info, version, the repair sources, hints, the hint window, the repaired summary, describecluster: 8 runs + status = 9", () => {
    const s = sim();
    const { read, tally } = probe(s);
    assert.deepEqual(read, ["info", "version", "tpstats", "repairSessions", "hints", "maxHintWindow", "repairedSummary", "describecluster"]);
    assert.deepEqual(tally, { catchUpRuns: 8, budgetedRuns: 1, extraRuns: 0 });
    assert.deepEqual([s.cycle, s.recentRuns, s.recentExtra], [1, [1], [0]]);
    // Cycle 2: the supplementary facts the first had no room for, from the budget.
    s.now += MINUTE;
    assert.deepEqual(probe(s).read, ["netstats", "compactionstats"]);
  });

  it("the supplementary facts join a catch-up once it runs; before, they wait for the budget (the total cap leaves no room)", () => {
    const plan = planFacts(state(sim(), 1, false, false));
    assert.deepEqual(plan.map((p) => `${p.reason} ${p.name}`), [
      "catchUp info", "catchUp version", "catchUp tpstats", "catchUp repairSessions", "catchUp hints", "catchUp maxHintWindow", "catchUp repairedSummary", "catchUp describecluster",
      "budget netstats", "budget compactionstats",
    ]);
    const started = planFacts(state(sim(), 1, false, true));
    assert.deepEqual(started.slice(-2), [{ name: "netstats", reason: "catchUp" }, { name: "compactionstats", reason: "catchUp" }]);
  });

  it("3.11: once the version is read, netstats is the second repair source and the 4.0+ commands drop out", () => {
    assert.deepEqual(probe(sim("3.11.17")).read, ["info", "version", "tpstats", "netstats", "describecluster", "compactionstats"]);
  });

  it("fresh reads every fact as catch-up and leaves the cycle and the window alone", () => {
    const s = sim();
    probe(s);
    s.now += 10_000;
    const plan = planFacts(state(s, cycleNumber(s.cycle, true), true, false));
    assert.equal(plan.length, 10);
    assert.ok(plan.every((p) => p.reason === "catchUp"));
    probe(s, true);
    assert.deepEqual([s.cycle, s.recentRuns], [1, [1]]);
  });
});

describe("schedule: facts come due", () => {
  it("the repair sources every 2 cycles, first in the plan", () => {
    const s = sim();
    probe(s);
    s.now += MINUTE;
    probe(s); // cycle 2
    assert.ok(!planFacts(state(s, 2, false, false)).some((p) => p.name === "tpstats" || p.name === "repairSessions"));
    s.now += MINUTE;
    assert.deepEqual(planFacts(state(s, 3, false, false)).slice(0, 2), [{ name: "tpstats", reason: "budget" }, { name: "repairSessions", reason: "budget" }]);
    assert.deepEqual(probe(s).read.slice(0, 2), ["tpstats", "repairSessions"]);
  });

  it("over 100 cycles: repair sources every 2 cycles, hints ≤ 5 min, slow facts ≤ 1 h, at most 25 runs in any 10 cycles after the first", () => {
    const s = sim();
    const runs: number[] = [];
    const lastRead = new Map<FactName, { cycle: number; at: number }>();
    const worst = new Map<FactName, { cycles: number; ms: number }>();
    for (let cycle = 1; cycle <= 100; cycle++) {
      const { read } = probe(s);
      runs.push(1 + read.length);
      for (const name of read) {
        const last = lastRead.get(name);
        if (last !== undefined) {
          const w = worst.get(name) ?? { cycles: 0, ms: 0 };
          worst.set(name, { cycles: Math.max(w.cycles, cycle - last.cycle), ms: Math.max(w.ms, s.now - last.at) });
        }
        lastRead.set(name, { cycle, at: s.now });
      }
      s.now += MINUTE;
    }
    const windows = runs.slice(1).map((_, i, rest) => rest.slice(i, i + 10)).filter((w) => w.length === 10).map((w) => w.reduce((a, b) => a + b, 0));
    assert.ok(Math.max(...windows) <= 25, `worst window ${Math.max(...windows)}`);
    assert.equal(runs[0], 9);
    assert.equal(worst.get("tpstats")?.cycles, 2);
    assert.equal(worst.get("repairSessions")?.cycles, 2);
    assert.ok((worst.get("hints")?.ms ?? Infinity) <= 5 * MINUTE, `hints ${worst.get("hints")?.ms}`);
    for (const n of ["version", "info", "describecluster", "maxHintWindow", "repairedSummary"] as const) {
      assert.ok((worst.get(n)?.ms ?? Infinity) <= 60 * MINUTE, `${n} ${worst.get(n)?.ms}`);
    }
  });

  it("a wall clock that went back makes a fact with no usable value due at once", () => {
    const s = sim();
    probe(s);
    s.now -= 3_600_000; // 1 h back: every stored time is in the future, no value is usable
    assert.equal(needsCatchUp(state(s, 2, false, false), "info"), true);
    s.now += 3_600_000 + MINUTE;
    assert.equal(needsCatchUp(state(s, 2, false, false), "info"), false);
  });
});

describe("schedule: the Cassandra process changes", () => {
  it("an identity given that differs from the stored one is a change; none given is not", () => {
    assert.deepEqual(processChange("5151 1718800400", "4242 1718800000"), { identity: "5151 1718800400", changed: true });
    assert.deepEqual(processChange("4242 1718800000", "4242 1718800000"), { identity: "4242 1718800000", changed: false });
    assert.deepEqual(processChange(null, "4242 1718800000"), { identity: "4242 1718800000", changed: false });
    assert.deepEqual(processChange("", "4242 1718800000"), { identity: "4242 1718800000", changed: false });
    assert.deepEqual(processChange("4242 1718800000", null), { identity: "4242 1718800000", changed: false });
  });

  it("its facts, forgotten, are catch-up at once; the others wait for their turn", () => {
    const s = sim();
    for (let i = 0; i < 5; i++) {
      probe(s);
      s.now += MINUTE;
    }
    const before = planFacts(state(s, 6, false, false));
    assert.ok(!before.some((p) => PROCESS_FACTS.includes(p.name)), before.map((p) => p.name).join(", "));
    for (const name of PROCESS_FACTS) forgetProcess(s.facts[name] as CacheEntry);
    const after = planFacts(state(s, 6, false, false));
    assert.deepEqual(after.filter((p) => p.reason === "catchUp").map((p) => p.name), ["info", "version", "maxHintWindow", "describecluster"]);
    assert.deepEqual(probe(s).read.slice(0, 4), ["info", "version", "maxHintWindow", "describecluster"]);
  });
});

describe("schedule: the JVM budget", () => {
  it("the 10-cycle window: what 9 earlier cycles used is taken from the 25", () => {
    assert.equal(budgetAllowance(config, []), 4); // maxRunsPerCycle 5, status included
    assert.equal(budgetAllowance(config, [2, 3, 2, 3, 2, 3, 2, 3, 2]), 2); // 22 used: 3 left, status included
    assert.equal(budgetAllowance(config, [3, 3, 3, 3, 3, 3, 3, 3, 3]), 0);
    assert.equal(budgetAllowance(config, [9, 3, 3, 3, 3, 3, 3, 3, 3, 3]), 0); // only the latest 9 count
    assert.equal(budgetAllowance(config, [9, 2, 2, 2, 2, 2, 2, 2, 2, 2]), 4);
  });

  it("the other facts' share: 25 - 10 status - 10 repair sources - 2 hints = 3, less what they used", () => {
    assert.equal(extraAllowance(config, [], true), 3);
    assert.equal(extraAllowance(config, [], false), 5); // no listpendinghints before 4.1
    assert.equal(extraAllowance(config, [1, 0, 1, 0, 0, 0, 0, 0, 0], true), 1);
    assert.equal(extraAllowance(config, [1, 1, 1, 1, 0, 0, 0, 0, 0, 0], true), 0);
  });

  it("a spent window: only catch-up runs; the due facts wait", () => {
    const s = sim();
    probe(s);
    s.now += 2 * MINUTE;
    s.cycle = 2;
    s.recentRuns = [3, 3, 3, 3, 3, 3, 3, 3, 3];
    const st = state(s, 3, false, false);
    assert.ok(planFacts(st).some((p) => p.name === "tpstats" && p.reason === "budget"));
    assert.equal(nextFact(st, runCaps(st, s), { catchUpRuns: 0, budgetedRuns: 1, extraRuns: 0 }, new Set()), undefined);
    delete s.facts.describecluster; // forgotten: catch-up, outside the window
    const st2 = state(s, 3, false, false);
    assert.deepEqual(nextFact(st2, runCaps(st2, s), { catchUpRuns: 0, budgetedRuns: 1, extraRuns: 0 }, new Set()), { name: "describecluster", reason: "catchUp" });
  });

  it("countRun: catch-up outside the window; a budget run of an unreserved fact uses the others' share", () => {
    const st = state(sim(), 1, false, false);
    const zero: RunTally = { catchUpRuns: 0, budgetedRuns: 1, extraRuns: 0 };
    assert.deepEqual(countRun(st, zero, { name: "info", reason: "catchUp" }), { catchUpRuns: 1, budgetedRuns: 1, extraRuns: 0 });
    assert.deepEqual(countRun(st, zero, { name: "tpstats", reason: "budget" }), { catchUpRuns: 0, budgetedRuns: 2, extraRuns: 0 });
    assert.deepEqual(countRun(st, zero, { name: "hints", reason: "budget" }), { catchUpRuns: 0, budgetedRuns: 2, extraRuns: 0 });
    assert.deepEqual(countRun(st, zero, { name: "describecluster", reason: "budget" }), { catchUpRuns: 0, budgetedRuns: 2, extraRuns: 1 });
    assert.deepEqual(closeCycle({ recentRuns: Array(20).fill(1), recentExtra: [] }, { catchUpRuns: 3, budgetedRuns: 2, extraRuns: 1 }), {
      recentRuns: [...Array(19).fill(1), 2], recentExtra: [1],
    });
  });
});
