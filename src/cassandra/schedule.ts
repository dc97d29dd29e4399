/**
 * Which nodetool facts to read in this probe, within the JVM budget (README,
 * "Cassandra facts: freshness and the JVM budget"). Pure functions: the cache
 * state, the wall-clock time, the cycle number and the process identity are
 * passed in; nothing here runs nodetool or reads a file.
 *
 * Every nodetool run starts a JVM (1–2 s of CPU), so:
 * - `status` (the ring) is read every cycle (by the probe, before these);
 * - catch-up: a fact with no usable value and no recent attempt (fresh state
 *   folder, a cache expired during downtime), or whose value belongs to a
 *   Cassandra process that is gone, is read now: every such fact once, at
 *   most `firstCycleMaxRuns` runs (status included), within the deadline.
 *   `fresh` (`status --fresh`, `report --dry-run --fresh`) reads every fact
 *   this way;
 * - then facts come due by cycles or age (config `everyCycles`, `cacheTtlMs`):
 *   the repair sources every 2 cycles, hints ≤ 5 min, the slow facts ≤ 1 h;
 *   they run in priority order within the budget: at most `maxRunsPerCycle`
 *   per cycle, and at most `maxRunsPer10Cycles` in any 10 regular cycles
 *   (catch-up runs are outside that window);
 * - the Cassandra process changed (the `processIdentity` input changed, or a
 *   nodetool failure was followed by a success): version, info,
 *   describecluster and the hint window are read again at once (catch-up).
 */
import type { CassandraConfig } from "../config/cassandra.js";
import type { CacheEntry } from "../state/nodetool-cache.js";
import { maxUsableAge } from "./fact-cache.js";
import { FACT_ORDER, FACTS, REPAIR_SOURCES, variantFor, type FactName } from "./facts.js";

export type ScheduleConfig = Pick<
  CassandraConfig,
  "cacheTtlMs" | "maxStaleFactor" | "everyCycles" | "firstCycleMaxRuns" | "maxRunsPerCycle" | "maxRunsPer10Cycles"
>;

/** What the schedule decides from; a snapshot, taken again after each run. */
export interface ScheduleState {
  readonly config: ScheduleConfig;
  /** The cache entries by fact name (src/state/nodetool-cache.ts). */
  readonly facts: Readonly<Record<string, CacheEntry>>;
  /** Wall-clock ms of this probe (a stored time after it means the clock went back). */
  readonly now: number;
  /** This probe's cycle number (cycleNumber). */
  readonly cycle: number;
  /** Read every fact now (`--fresh`). */
  readonly fresh: boolean;
  /** A catch-up read already started in this probe. */
  readonly catchUpStarted: boolean;
  /** The Cassandra release read (`version`), null when not known. */
  readonly version: string | null;
  /** The facts with a usable value now (read in this probe, or cached and young enough). */
  readonly usable: ReadonlySet<FactName>;
}

/** Why a fact is read in this probe. */
export type PlanReason = "catchUp" | "budget";

export interface PlannedFact {
  readonly name: FactName;
  readonly reason: PlanReason;
}

/** The run caps of one probe, fixed when its facts start (runCaps). Runs besides `status`. */
export interface RunCaps {
  readonly catchUp: number;
  readonly budget: number;
  readonly extra: number;
  readonly total: number;
}

/** Runs this probe has counted so far; `budgetedRuns` includes `status`. */
export interface RunTally {
  readonly catchUpRuns: number;
  readonly budgetedRuns: number;
  /** Budgeted runs of facts other than the reserved ones (isReserved). */
  readonly extraRuns: number;
}

/** A regular probe is the next cycle; a fresh one shares the last regular cycle's number. */
export function cycleNumber(lastCycle: number, fresh: boolean): number {
  return fresh ? lastCycle : lastCycle + 1;
}

/**
 * The process identity to store, and whether the process changed: an identity
 * given (non-empty) that differs from the stored one. Absent or null: not
 * known, no change is inferred.
 */
export function processChange(given: string | null | undefined, stored: string | null): { identity: string | null; changed: boolean } {
  const identity = typeof given === "string" && given !== "" ? given : null;
  return { identity: identity ?? stored, changed: identity !== null && stored !== null && identity !== stored };
}

/** The budget's window after a regular cycle: budgeted runs of the latest 20 regular cycles (catch-up runs are outside it). */
export function closeCycle(
  recent: { readonly recentRuns: readonly number[]; readonly recentExtra: readonly number[] },
  tally: RunTally,
): { recentRuns: number[]; recentExtra: number[] } {
  return {
    recentRuns: [...recent.recentRuns, tally.budgetedRuns].slice(-20),
    recentExtra: [...recent.recentExtra, tally.extraRuns].slice(-20),
  };
}

/** The arguments to read a fact with on the version known now, or null when it has none. */
export function variantNow(state: ScheduleState, name: FactName): readonly string[] | null {
  return variantFor(name, state.facts[name], state.version);
}

/** The repair sources read every repair interval: tpstats, and repair_admin where it exists, else netstats (3.11). */
export function primaries(state: ScheduleState): FactName[] {
  return variantNow(state, "repairSessions") !== null ? ["tpstats", "repairSessions"] : ["tpstats", "netstats"];
}

/** Facts with a share of the window reserved: the repair sources read every repair interval, and hints. */
export function isReserved(state: ScheduleState, name: FactName): boolean {
  return name === "hints" || primaries(state).includes(name);
}

/**
 * The caps of this probe, from the window of the latest regular cycles
 * (`recentRuns`, `recentExtra`) and whether this version has hints.
 */
export function runCaps(state: ScheduleState, recent: { readonly recentRuns: readonly number[]; readonly recentExtra: readonly number[] }): RunCaps {
  const c = state.config;
  return {
    catchUp: Math.max(0, c.firstCycleMaxRuns - 1), // status ran already
    budget: budgetAllowance(c, recent.recentRuns),
    extra: extraAllowance(c, recent.recentExtra, variantNow(state, "hints") !== null),
    total: Math.max(c.firstCycleMaxRuns, c.maxRunsPerCycle) - 1,
  };
}

/** Budgeted runs this cycle may still start besides `status`, within the per-cycle cap and the 10-cycle window. */
export function budgetAllowance(c: ScheduleConfig, recentRuns: readonly number[]): number {
  const window = recentRuns.slice(-9).reduce((a, b) => a + b, 0);
  return Math.max(0, Math.min(c.maxRunsPerCycle, c.maxRunsPer10Cycles - window) - 1);
}

/**
 * The share of the 10-cycle window left to the other facts once `status`
 * (1 per cycle), the repair sources (2 facts every 2 cycles: 1 per cycle)
 * and hints (every 5 cycles) have theirs: 25 - 10 - 10 - 2 = 3 by default.
 * Kept apart, so that the slow facts can never starve those.
 */
export function extraAllowance(c: ScheduleConfig, recentExtra: readonly number[], hintsSupported: boolean): number {
  const hints = hintsSupported ? Math.ceil(10 / c.everyCycles.hints) : 0;
  const share = c.maxRunsPer10Cycles - 10 - Math.ceil((10 * 2) / c.everyCycles.tpstats) - hints;
  const used = recentExtra.slice(-9).reduce((a, b) => a + b, 0);
  return Math.max(0, share - used);
}

/**
 * No usable value, and no attempt within its usable age (never read, expired
 * during downtime, or forgotten). The supplementary facts (netstats where it
 * is not a repair source, compactionstats) join a catch-up that is running
 * anyway, within its cap; otherwise they wait for the budget.
 */
export function needsCatchUp(state: ScheduleState, name: FactName): boolean {
  if ((name === "netstats" || name === "compactionstats") && !primaries(state).includes(name) && !state.catchUpStarted) return false;
  if (state.usable.has(name)) return false;
  const at = state.facts[name]?.attemptAt ?? null;
  if (at === null) return true;
  return state.now - at > maxUsableAge(name, state.config) || state.now < at;
}

/**
 * What to read now, in order. Catch-up first (facts with no usable value
 * and no recent attempt; every fact with `fresh`), in the order the report
 * needs them: this node's identity, the version (it gates the next ones),
 * the repair sources, hints, the slower facts. Then the due facts, by
 * priority: the repair sources, hints, the slow facts, supplementary repair
 * sources that showed activity last time, the other supplementary ones;
 * most overdue first.
 */
export function planFacts(state: ScheduleState): PlannedFact[] {
  const applicable = FACT_ORDER.filter((n) => variantNow(state, n) !== null);
  const primary = primaries(state);
  const catchUpOrder: FactName[] = [
    "info", "version", ...primary, "hints", "maxHintWindow", "repairedSummary", "describecluster",
    ...(["repairSessions", "netstats", "compactionstats"] as const).filter((n) => !primary.includes(n)),
  ];
  const catchUp = catchUpOrder.filter((n) => applicable.includes(n) && (state.fresh || needsCatchUp(state, n)));
  const plan: PlannedFact[] = catchUp.map((name) => ({ name, reason: "catchUp" }));
  if (state.fresh) return plan;
  const due = applicable
    .filter((n) => !catchUp.includes(n))
    .map((name, order) => ({ name, order, overdue: overdue(state, name, primary), priority: priority(state, name, primary) }))
    .filter((f) => f.overdue >= 1)
    .sort((a, b) => a.priority - b.priority || b.overdue - a.overdue || a.order - b.order);
  for (const f of due) plan.push({ name: f.name, reason: "budget" });
  return plan;
}

/** The repair sources, hints, the slow facts, then the supplementary repair sources: more often while they show a repair. */
function priority(state: ScheduleState, name: FactName, primary: readonly FactName[]): number {
  if (primary.includes(name)) return 0;
  if (name === "hints") return 1;
  if (!REPAIR_SOURCES.includes(name)) return 2; // the slow facts
  return state.facts[name]?.active === true ? 3 : 4;
}

/** How many times its interval a fact's last attempt is ago (≥ 1: due); never attempted: infinitely. */
function overdue(state: ScheduleState, name: FactName, primary: readonly FactName[]): number {
  const c = state.config;
  const entry = state.facts[name];
  const repairCadence = primary.includes(name) || (REPAIR_SOURCES.includes(name) && entry?.active === true);
  const every = repairCadence ? c.everyCycles.tpstats : c.everyCycles[name];
  const cycles = entry?.attemptCycle == null ? Number.POSITIVE_INFINITY : state.cycle - entry.attemptCycle;
  const byCycles = cycles < 0 ? Number.POSITIVE_INFINITY : cycles / every;
  if (repairCadence) return byCycles; // the repair sources go by cycles only
  // The others also by age. A clock that went backwards makes a fact due.
  const at = entry?.attemptAt ?? null;
  const since = at === null ? Number.POSITIVE_INFINITY : state.now - at;
  return Math.max(byCycles, since < 0 ? Number.POSITIVE_INFINITY : since / c.cacheTtlMs[FACTS[name].ttlKey]);
}

/**
 * The next fact to read: the first of the plan not read yet in this probe
 * that fits its cap (the total, then catch-up or the budget; an unreserved
 * fact also its share of the window). Undefined: nothing more this probe.
 */
export function nextFact(state: ScheduleState, caps: RunCaps, tally: RunTally, done: ReadonlySet<FactName>): PlannedFact | undefined {
  return planFacts(state).find(({ name, reason }) => {
    if (done.has(name)) return false;
    if (tally.catchUpRuns + tally.budgetedRuns - 1 >= caps.total) return false;
    if (reason === "catchUp") return tally.catchUpRuns < caps.catchUp;
    if (tally.budgetedRuns - 1 >= caps.budget) return false;
    return isReserved(state, name) || tally.extraRuns < caps.extra;
  });
}

/** The tally after a run of `fact` (one that started nodetool; a skipped one is not counted). */
export function countRun(state: ScheduleState, tally: RunTally, fact: PlannedFact): RunTally {
  if (fact.reason === "catchUp") return { ...tally, catchUpRuns: tally.catchUpRuns + 1 };
  return {
    ...tally,
    budgetedRuns: tally.budgetedRuns + 1,
    extraRuns: tally.extraRuns + (isReserved(state, fact.name) ? 0 : 1),
  };
}
