/**
 * Issue 17's figures for `npm run bench`: nodetool runs per cycle and the
 * maximum age of each fact in the report over 100 cycles a minute apart, next
 * to the targets, plus how many cycles a repair takes to show as RUNNING and
 * then IDLE again.
 *
 * The probe runs as in a cycle (its cache and lock in a state folder on disk),
 * with nodetool answered in process from the 4.1 samples (the tests'
 * ScriptedRunner: what is counted is runs, and a real process per run costs
 * minutes on a shared machine) and a simulated clock, a minute per cycle, so
 * the time-based freshness is measured as it would be on a node. A repair starts after cycle 50 and ends after
 * cycle 70 (the samples switch to a running validation and sessions).
 */
import { CassandraConfigSchema } from "../../src/config/cassandra.js";
import { probeCassandra, type FactName } from "../../src/cassandra/probe.js";
import { atExit, tempDir } from "../helpers/temp.js";
import { FakeClock, ScriptedRunner, fixture, type Script } from "../cassandra/support.js";
import type { BenchResult } from "./connectivity-1000.js";

const CYCLES = 100;
const MINUTE = 60_000;
const LOCAL_41 = "7f50d0ba-ca6b-4aa7-86fe-0fa1aba9b4f6"; // 10.10.1.11 in 4.1/status-multidc-down.txt

const IDLE: Script = {
  status: "4.1/status-multidc-down.txt",
  info: { stdout: fixture("4.0/info.txt").replace("6e1f2a3b-4c5d-4e6f-8a7b-9c0d1e2f3a4b", LOCAL_41) },
  version: "4.1/version.txt",
  tpstats: "4.0/tpstats-json-idle.txt",
  listpendinghints: "4.1/listpendinghints-several.txt",
  getmaxhintwindow: "4.1/getmaxhintwindow-default.txt",
  "repair_admin list": "4.1/repair_admin-list-empty.txt",
  "repair_admin summarize-repaired": "4.1/summarize_repaired-several.txt",
  netstats: "4.1/netstats-idle.txt",
  describecluster: "4.1/describecluster-healthy-mixed-versions.txt",
  compactionstats: "4.1/compactionstats-idle.txt",
};
const REPAIRING: Script = { ...IDLE, tpstats: "4.1/tpstats-json-repair-validation-active.txt", "repair_admin list": "4.1/repair_admin-list-running.txt", compactionstats: "4.1/compactionstats-validation-human.txt" };

/** Targets per fact: the oldest value the report may carry (ms). */
const TARGETS: Partial<Record<FactName | "status", { ms: number; text: string }>> = {
  status: { ms: 0, text: "every cycle" },
  tpstats: { ms: MINUTE, text: "≤ 1 cycle (every 2)" },
  repairSessions: { ms: MINUTE, text: "≤ 1 cycle (every 2)" },
  hints: { ms: 5 * MINUTE, text: "≤ 5 min" },
  version: { ms: 60 * MINUTE, text: "≤ 1 h" },
  info: { ms: 60 * MINUTE, text: "≤ 1 h" },
  describecluster: { ms: 60 * MINUTE, text: "≤ 1 h" },
  maxHintWindow: { ms: 60 * MINUTE, text: "≤ 1 h" },
  repairedSummary: { ms: 60 * MINUTE, text: "≤ 1 h" },
};

export async function run(): Promise<BenchResult[]> {
  const stateDir = tempDir(atExit, "nk-bench-cassandra-");
  const clock = new FakeClock(Date.UTC(2024, 5, 19, 12, 0, 0));
  const runner = new ScriptedRunner(IDLE);
  const config = CassandraConfigSchema.parse({ nodetool: ["nodetool"], lowPriority: false });
  const runs: number[] = [];
  const maxAge = new Map<string, number>([["status", 0]]);
  const states: string[] = [];
  for (let cycle = 1; cycle <= CYCLES; cycle++) {
    runner.script = cycle > 50 && cycle <= 70 ? REPAIRING : IDLE;
    const r = await probeCassandra({ runner, clock, env: {} }, { config, stateDir, fresh: false, peers: [], deadlineMs: 60_000 });
    runs.push(r.nodetoolRuns);
    states.push(r.repairState);
    // From the second cycle on: the first reads everything (age 0).
    for (const f of r.facts) if (f.ageMs !== null) maxAge.set(f.name, Math.max(maxAge.get(f.name) ?? 0, f.ageMs));
    clock.advance(MINUTE);
  }
  const after = runs.slice(1);
  const windows = after.map((_, i) => after.slice(i, i + 10)).filter((w) => w.length === 10).map((w) => w.reduce((a, b) => a + b, 0));
  const worst = Math.max(...windows);
  const average = after.reduce((a, b) => a + b, 0) / after.length;
  const startSeen = states.slice(50).findIndex((s) => s === "RUNNING") + 1; // cycles after the start
  const endSeen = states.slice(70).findIndex((s) => s !== "RUNNING") + 1;
  const rows: BenchResult[] = [
    { name: "cassandra: nodetool runs, first cycle (fresh state)", value: runs[0] ?? 0, unit: "runs", target: "≤ 9", ok: (runs[0] ?? 99) <= 9 },
    { name: `cassandra: nodetool runs per cycle, cycles 2-${CYCLES}`, value: Math.round(average * 100) / 100, unit: "runs", reference: `worst 10-cycle window ${worst} runs`, target: "≤ 2.5 (≤ 25 / 10)", ok: worst <= 25 },
    { name: "cassandra: repair start seen RUNNING after", value: startSeen, unit: "cycles", target: "≤ 2", ok: startSeen >= 1 && startSeen <= 2 },
    { name: "cassandra: repair end seen IDLE after", value: endSeen, unit: "cycles", target: "≤ 2", ok: endSeen >= 1 && endSeen <= 2 },
  ];
  for (const [name, ms] of maxAge) {
    const target = TARGETS[name as FactName | "status"];
    rows.push({
      name: `cassandra: max age in the report, ${name}`, value: Math.round(ms / 1000), unit: "s",
      ...(target ? { target: target.text, ok: ms <= target.ms } : { reference: "supplementary, no target" }),
    });
  }
  return rows;
}
