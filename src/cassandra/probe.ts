/**
 * The Cassandra probe: what nodetool says about this node, its ring, its
 * repairs and the hints it holds for each peer.
 *
 * Freshness and the JVM budget (README, "Cassandra facts: freshness and the
 * JVM budget"): which facts exist is facts.ts, which to read in a cycle is
 * schedule.ts, when a cached value is usable is fact-cache.ts. This module
 * runs them: `status` every cycle, then the scheduled facts, strictly one
 * after the other (every run starts a JVM, 1–2 s of CPU; a lock in the state
 * directory keeps two nodekeeper processes from running nodetool at the same
 * time), and turns the results into the probe's data (result.ts). After a
 * failure that says Cassandra is not answering (unreachable, timeout, refused
 * credentials, starting), no further JVM is started.
 *
 * Never throws: an exception becomes an UNKNOWN result with the reason.
 */
import type { Clock } from "../effects/clock.js";
import type { ProcessRunner } from "../effects/process.js";
import type { CassandraConfig } from "../config/cassandra.js";
import { emptyCache, emptyEntry, ensureCacheDir, loadCache, saveCache, type CacheEntry, type NodetoolCache } from "../state/nodetool-cache.js";
import { acquireNodetoolLock } from "../state/nodetool-lock.js";
import { forgetProcess, recordFailure, recordSuccess, recordUnsupported } from "./fact-cache.js";
import { FACTS, PROCESS_FACTS, REPAIR_SOURCES, type FactName, type FactSpec } from "./facts.js";
import { failureHealth, type ProbeFailure } from "./health.js";
import { runNodetool, type NodetoolOutcome, type NodetoolSettings } from "./nodetool.js";
import type { ParseResult } from "./parse/common.js";
import { parseStatus } from "./parse/status.js";
import type { PeerInput } from "./peers.js";
import { deriveRepairState, type Sourced } from "./repair.js";
import { assembleResult, factReports, failedResult, type CassandraProbeResult } from "./result.js";
import {
  closeCycle, countRun, cycleNumber, nextFact, processChange, runCaps, type RunTally, type ScheduleState,
} from "./schedule.js";
import { FactValues } from "./values.js";

export type { FactName } from "./facts.js";
export type { CassandraProbeResult, FactReport } from "./result.js";

export interface CassandraProbeDeps {
  readonly runner: ProcessRunner;
  readonly clock: Clock;
  /** Environment JAVA_TOOL_OPTIONS is taken from (default: process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export interface CassandraProbeInput {
  readonly config: CassandraConfig;
  readonly stateDir: string;
  /** Read every fact now, ignoring the cache and the per-cycle cap (`status --fresh`). */
  readonly fresh: boolean;
  readonly peers: readonly PeerInput[];
  /** Time budget of the whole probe, in milliseconds from the call. */
  readonly deadlineMs: number;
  /**
   * This node's own addresses (`cassandra.address`, `nodeIp`): how it is found
   * in the ring when its host ID is not.
   */
  readonly localAddresses?: readonly string[];
  /**
   * An opaque identity of the running Cassandra process (its unit's MainPID
   * and start time). When it differs from the last one seen, the facts that
   * belong to the process (version, info, describecluster, hint window) are
   * read again at once. Absent or null: not known (no change is inferred).
   */
  readonly processIdentity?: string | null;
}

/** Below this, a JVM cannot start and answer: do not begin a run. */
const MIN_RUN_MS = 2_000; // 2 s
/** Kept back from the budget for writing the cache. */
const SAVE_MARGIN_MS = 250;

/** Failures after which no further JVM is started in this probe. */
const STOP_KINDS = new Set(["not_installed", "not_startable", "jmx_unreachable", "auth_failed", "timeout", "not_ready"]);
/** Failures that say Cassandra itself is not there, even if an earlier run worked. */
const GONE_KINDS = new Set(["jmx_unreachable", "not_ready"]);
/** Failures of `status` after which a later success means a new Cassandra process (not: the lock, our deadline, no nodetool). */
const NOT_ANSWERING_KINDS = new Set(["jmx_unreachable", "not_ready", "timeout", "failed", "auth_failed"]);

type RunOutcome<T> = NodetoolOutcome<T> | { readonly kind: "skipped"; readonly reason: string };

export async function probeCassandra(deps: CassandraProbeDeps, input: CassandraProbeInput): Promise<CassandraProbeResult> {
  const counter = { runs: 0 };
  let started = 0;
  try {
    started = deps.clock.monotonic();
    return await new Probe(deps, input, started, counter).run();
  } catch (error) {
    const reason = `Cassandra probe failed: ${error instanceof Error ? error.message : String(error)}`;
    let durationMs = 0;
    try {
      durationMs = deps.clock.monotonic() - started;
    } catch {
      // The clock itself failed: the duration is unknown.
    }
    const peers = Array.isArray(input?.peers) ? input.peers : [];
    return failedResult(peers, failureHealth({ kind: "internal", reason }), [], [reason], counter.runs, durationMs);
  }
}

class Probe {
  private readonly notes: string[] = [];
  private readonly errors = new Map<FactName, string>();
  private readonly settings: NodetoolSettings;
  private readonly deadlineAt: number;
  private cache: NodetoolCache = emptyCache();
  private values!: FactValues;
  private tally: RunTally = { catchUpRuns: 0, budgetedRuns: 0, extraRuns: 0 };
  private catchUp = false;

  constructor(
    private readonly deps: CassandraProbeDeps,
    private readonly input: CassandraProbeInput,
    private readonly started: number,
    private readonly counter: { runs: number },
  ) {
    const c = input.config;
    this.settings = {
      command: c.nodetool,
      timeoutMs: c.timeoutMs,
      maxOutputBytes: c.maxOutputBytes,
      forceUsLocale: c.forceUsLocale,
      lowPriority: c.lowPriority,
      ...(deps.env !== undefined ? { baseEnv: deps.env } : {}),
    };
    const budget = Number.isFinite(input.deadlineMs) ? Math.max(0, input.deadlineMs) : 0;
    this.deadlineAt = started + budget;
  }

  async run(): Promise<CassandraProbeResult> {
    const loaded = await loadCache(this.input.stateDir);
    this.cache = loaded.cache;
    if (loaded.note !== null) this.notes.push(loaded.note);
    const now = this.deps.clock.now();
    this.values = new FactValues(this.cache, now, cycleNumber(this.cache.cycle, this.input.fresh), this.input.config);
    await ensureCacheDir(this.input.stateDir);

    const identity = processChange(this.input.processIdentity, this.cache.processIdentity);
    let processChanged = identity.changed;
    if (processChanged) this.notes.push("the Cassandra process changed (new MainPID or start time): version, info, describecluster and the hint window are read again");
    this.cache.processIdentity = identity.identity;

    const status = await this.runCommand(["status"], parseStatus);
    if (status.kind !== "skipped") this.tally = { ...this.tally, budgetedRuns: this.tally.budgetedRuns + 1 };
    if (status.kind !== "ok") {
      if (NOT_ANSWERING_KINDS.has(status.kind)) this.cache.cassandraFailed = true;
      await this.finishCycle();
      const facts = factReports(this.values, this.errors, this.cache);
      return failedResult(this.input.peers, failureHealth(status), facts, [...new Set(this.notes)], this.counter.runs, this.elapsed(), this.values.cycle);
    }
    if (this.cache.cassandraFailed && !processChanged) {
      processChanged = true;
      this.notes.push("Cassandra answers again after a failure: version, info, describecluster and the hint window are read again");
    }
    this.cache.cassandraFailed = false;
    if (processChanged) this.forgetProcessFacts();

    const lateFailure = await this.runFacts();
    if (lateFailure !== null && NOT_ANSWERING_KINDS.has(lateFailure.kind)) this.cache.cassandraFailed = true;
    await this.finishCycle();
    return assembleResult(
      {
        values: this.values,
        cache: this.cache,
        errors: this.errors,
        config: this.input.config,
        peers: this.input.peers,
        localAddresses: this.input.localAddresses,
        catchUp: this.catchUp || this.input.fresh,
        budgetedRuns: this.tally.budgetedRuns,
        notes: [...new Set(this.notes)],
        nodetoolRuns: this.counter.runs,
        durationMs: this.elapsed(),
      },
      status.value,
      lateFailure,
    );
  }

  /** The values that belong to the previous process are no longer used, and are read again as catch-up. */
  private forgetProcessFacts(): void {
    for (const name of PROCESS_FACTS) {
      const entry = this.cache.facts[name];
      if (entry === undefined) continue;
      forgetProcess(entry);
      this.values.forgetCached(name);
    }
  }

  private async finishCycle(): Promise<void> {
    if (!this.input.fresh) {
      this.cache.cycle = this.values.cycle;
      Object.assign(this.cache, closeCycle(this.cache, this.tally));
    }
    const note = await saveCache(this.input.stateDir, this.cache);
    if (note !== null) this.notes.push(note);
  }

  /** What the schedule decides from, now. */
  private scheduleState(): ScheduleState {
    return {
      config: this.input.config,
      facts: this.cache.facts,
      now: this.values.now,
      cycle: this.values.cycle,
      fresh: this.input.fresh,
      catchUpStarted: this.catchUp,
      version: this.values.version(),
      usable: this.values.usable(),
    };
  }

  /**
   * Runs the scheduled facts one after the other; returns a failure that says
   * Cassandra went away. The schedule is asked again after each run: the
   * version, once read, changes which facts exist and which repair sources
   * are primary.
   */
  private async runFacts(): Promise<ProbeFailure | null> {
    const caps = runCaps(this.scheduleState(), this.cache);
    const done = new Set<FactName>();
    for (;;) {
      const state = this.scheduleState();
      const next = nextFact(state, caps, this.tally, done);
      if (next === undefined) break;
      const { name, reason } = next;
      done.add(name);
      if (reason === "catchUp") this.catchUp = true;
      const variant = this.values.variant(name);
      if (variant === null) continue; // became unsupported once the version was read
      if (name === "maxHintWindow" && !this.values.hintsHeld()) continue; // only needed to judge pending hints
      const spec: FactSpec<unknown> = FACTS[name];
      const outcome = await this.runCommand(variant, spec.parse);
      if (outcome.kind !== "skipped") this.tally = countRun(state, this.tally, next);
      const then = this.record(name, variant, outcome);
      if (then === "stop") break;
      if (then !== "next") return then;
    }
    return null;
  }

  /** Records a fact's run in its cache entry; says whether to go on, to stop, or (the failure) that Cassandra is gone. */
  private record(name: FactName, variant: readonly string[], outcome: RunOutcome<unknown>): "next" | "stop" | ProbeFailure {
    const entry = this.entry(name);
    if (outcome.kind === "ok") {
      this.values.setFresh(name, outcome.value);
      const active = REPAIR_SOURCES.includes(name) && showsRepair(name, outcome.value);
      recordSuccess(entry, { now: this.values.now, cycle: this.values.cycle, args: variant, stdout: outcome.stdout, active });
      return "next";
    }
    if (outcome.kind === "skipped") {
      this.notes.push(outcome.reason);
      return "stop";
    }
    this.errors.set(name, outcome.reason);
    if (outcome.kind === "unsupported") {
      recordUnsupported(entry, outcome.reason, variant, this.values.version());
      return "next";
    }
    recordFailure(entry, outcome.reason, this.values.now, this.values.cycle);
    this.notes.push(outcome.reason);
    if (GONE_KINDS.has(outcome.kind)) return outcome;
    return STOP_KINDS.has(outcome.kind) ? "stop" : "next";
  }

  private entry(name: FactName): CacheEntry {
    const existing = this.cache.facts[name];
    if (existing !== undefined) return existing;
    const created = emptyEntry();
    this.cache.facts[name] = created;
    return created;
  }

  /** One nodetool run under the lock, within the probe's time budget. */
  private async runCommand<T>(args: readonly string[], parse: (stdout: string) => ParseResult<T>): Promise<RunOutcome<T>> {
    const { clock } = this.deps;
    const what = `nodetool ${args.join(" ")}`;
    const room = () => this.deadlineAt - SAVE_MARGIN_MS - clock.monotonic();
    if (room() < MIN_RUN_MS) return { kind: "skipped", reason: `${what} not run: the probe's time budget is used up` };
    const lock = await acquireNodetoolLock(
      this.input.stateDir,
      clock,
      Math.min(clock.monotonic() + this.input.config.lockWaitMs, this.deadlineAt - SAVE_MARGIN_MS - MIN_RUN_MS),
      this.input.config.timeoutMs + 10_000, // a holder's run is killed by then: 10 s of slack
    );
    if (!lock.acquired && lock.busy) return { kind: "skipped", reason: `${what} not run: ${lock.reason}` };
    if (!lock.acquired) this.notes.push(lock.reason);
    try {
      const left = room();
      if (left < MIN_RUN_MS) return { kind: "skipped", reason: `${what} not run: the probe's time budget is used up` };
      const timeoutMs = Math.min(this.input.config.timeoutMs, Math.floor(left));
      this.counter.runs++;
      const outcome = await runNodetool(this.deps.runner, { ...this.settings, timeoutMs }, args, parse);
      if (outcome.kind === "timeout" && timeoutMs < this.input.config.timeoutMs) {
        return { ...outcome, reason: `${outcome.reason} (cut short by the probe's time budget)` };
      }
      return outcome;
    } finally {
      if (lock.acquired) await lock.release();
    }
  }

  private elapsed(): number {
    return this.deps.clock.monotonic() - this.started;
  }
}

/** Whether a repair source's value shows a repair at work. */
function showsRepair(name: FactName, value: unknown): boolean {
  const one = { value, ageMs: 0 } as Sourced<never>;
  const sources = {
    tpstats: name === "tpstats" ? one : null,
    compactionstats: name === "compactionstats" ? one : null,
    netstats: name === "netstats" ? one : null,
    repairSessions: name === "repairSessions" ? one : null,
  };
  return deriveRepairState(sources, true).state === "RUNNING";
}
