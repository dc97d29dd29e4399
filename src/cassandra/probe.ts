/**
 * The Cassandra probe: what nodetool says about this node, its ring, its
 * repairs and the hints it holds for each peer.
 *
 * Freshness and the JVM budget (README, "Cassandra facts: freshness and the
 * JVM budget"). Every nodetool run starts a JVM (1–2 s of CPU), so runs are
 * strictly sequential (a lock in the state directory keeps two nodekeeper
 * processes from running nodetool at the same time), and:
 * - `status` (the ring) is read every cycle;
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
 *   describecluster and the hint window are read again at once (catch-up);
 * - after a failure that says Cassandra is not answering (unreachable,
 *   timeout, refused credentials, starting), no further JVM is started.
 *
 * Never throws: an exception becomes an UNKNOWN result with the reason.
 */
import { mkdir } from "node:fs/promises";
import type { Clock } from "../effects/clock.js";
import type { ProcessRunner } from "../effects/process.js";
import type { CacheTtls, CassandraConfig } from "../config/cassandra.js";
import { acquireNodetoolLock, emptyCache, emptyEntry, loadCache, saveCache, type CacheEntry, type NodetoolCache } from "./cache.js";
import { hintDebt, repairAge, roundRatio, type HintDebt, type RepairAge } from "./debt.js";
import { deriveHealth, failureHealth, type CassandraHealth, type ProbeFailure } from "./health.js";
import { runNodetool, type NodetoolOutcome, type NodetoolSettings } from "./nodetool.js";
import type { ParseResult } from "./parse/common.js";
import { parseCompactionStats, type CompactionStats } from "./parse/compactionstats.js";
import { parseDescribeCluster, type DescribeCluster } from "./parse/describecluster.js";
import { parseInfo, type NodeInfo } from "./parse/info.js";
import { parseListPendingHints, type PendingHints } from "./parse/listpendinghints.js";
import { parseNetStats, type NetStats } from "./parse/netstats.js";
import { parseMaxHintWindow, type MaxHintWindow } from "./parse/hint-window.js";
import { parseRepairAdminList, parseRepairAdminSummarizeRepaired, type RepairedSummary, type RepairSessions } from "./parse/repair-admin.js";
import { parseStatus, type RingStatus } from "./parse/status.js";
import { parseTpStats, type TpStats } from "./parse/tpstats.js";
import { parseVersion, versionAtLeast, type NodetoolVersion } from "./parse/version.js";
import { findLocal, matchPeers, summarizeRing, type PeerCassandra, type PeerInput, type RingSummary } from "./peers.js";
import { deriveRepairState, type RepairState, type Sourced } from "./repair.js";

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

export type FactName =
  | "version" | "info" | "tpstats" | "hints" | "maxHintWindow" | "repairSessions" | "repairedSummary"
  | "netstats" | "describecluster" | "compactionstats";

export interface FactReport {
  readonly name: FactName;
  /** fresh: read by this probe; cache: an earlier read; none: no usable value; unsupported: this version has no such command. */
  readonly source: "fresh" | "cache" | "none" | "unsupported";
  readonly ageMs: number | null;
  /** Why the last attempt failed, when it did. */
  readonly error: string | null;
}

export interface CassandraProbeResult {
  /** The Cassandra component status (contract componentStatuses). */
  readonly health: CassandraHealth;
  /** Cassandra release, e.g. `4.1.6`; null when not read. */
  readonly version: string | null;
  /** Contract `cassandraRepairState`. */
  readonly repairState: RepairState;
  /** What the repair state was derived from, for people. */
  readonly repairDetail: string;
  /** This node's ring state (UN, UJ, ...); null when unknown. */
  readonly localRingState: string | null;
  readonly local: {
    readonly hostId: string | null;
    readonly address: string | null;
    readonly dataCenter: string | null;
    readonly rack: string | null;
    /** How this node was recognised in the ring. */
    readonly identifiedBy: "hostId" | "address" | "onlyMember" | "notAPeer" | null;
  };
  readonly gossipActive: boolean | null;
  readonly nativeTransportActive: boolean | null;
  /** netstats operation mode: NORMAL, JOINING, LEAVING, DRAINED, ... */
  readonly mode: string | null;
  /** One per input peer, in input order (contract connectivityMetrics[].cassandraHints). */
  readonly peers: readonly PeerCassandra[];
  readonly ring: RingSummary | null;
  /** Schema versions among reachable nodes (1 = agreement); null when not read. */
  readonly schemaVersions: number | null;
  /** Hint files held by this node for all peers; null when this version cannot tell or it was not read. */
  readonly totalHints: number | null;
  /** The worst peer's oldest hint over the max hint window; null when unknown (before 4.1, window not read). */
  readonly hintDebtRatio: number | null;
  readonly hintDebt: HintDebt | null;
  /** The last successful repair's age over gc_grace_seconds; null when repair_admin shows none. */
  readonly repairAgeRatio: number | null;
  readonly repairAge: RepairAge | null;
  /** This probe's cycle number and whether it was a catch-up (first cycle, expired cache, process change, fresh). */
  readonly cycle: number;
  readonly catchUp: boolean;
  /** Runs of this probe that count against the 10-cycle budget (status and scheduled facts). */
  readonly budgetedRuns: number;
  readonly facts: readonly FactReport[];
  /** Non-fatal problems (cache, lock, a fact that failed). */
  readonly notes: readonly string[];
  /** nodetool runs this probe started (each one a JVM, when nodetool exists). */
  readonly nodetoolRuns: number;
  readonly durationMs: number;
}

interface FactSpec<T> {
  readonly name: FactName;
  readonly ttlKey: keyof CacheTtls;
  readonly variants: ReadonlyArray<{ readonly args: readonly string[]; readonly since?: readonly [number, number] }>;
  readonly parse: (stdout: string) => ParseResult<T>;
}

const FACTS = {
  info: { name: "info", ttlKey: "info", variants: [{ args: ["info"] }], parse: parseInfo } satisfies FactSpec<NodeInfo>,
  version: { name: "version", ttlKey: "version", variants: [{ args: ["version"] }], parse: parseVersion } satisfies FactSpec<NodetoolVersion>,
  tpstats: {
    name: "tpstats",
    ttlKey: "tpstats",
    variants: [{ args: ["tpstats", "-F", "json"] }, { args: ["tpstats"] }],
    parse: parseTpStats,
  } satisfies FactSpec<TpStats>,
  hints: { name: "hints", ttlKey: "hints", variants: [{ args: ["listpendinghints"], since: [4, 1] }], parse: parseListPendingHints } satisfies FactSpec<PendingHints>,
  // Only needed to judge pending hints, so only where listpendinghints exists (FORMATS.md section 12).
  maxHintWindow: { name: "maxHintWindow", ttlKey: "maxHintWindow", variants: [{ args: ["getmaxhintwindow"], since: [4, 1] }], parse: parseMaxHintWindow } satisfies FactSpec<MaxHintWindow>,
  repairSessions: {
    name: "repairSessions",
    ttlKey: "repairSessions",
    // --all: FAILED sessions are filtered out without it, and FAILED is a state we report.
    variants: [{ args: ["repair_admin", "list", "--all"], since: [4, 0] }, { args: ["repair_admin", "list"], since: [4, 0] }],
    parse: parseRepairAdminList,
  } satisfies FactSpec<RepairSessions>,
  repairedSummary: {
    name: "repairedSummary",
    ttlKey: "repairedSummary",
    variants: [{ args: ["repair_admin", "summarize-repaired"], since: [4, 0] }],
    parse: parseRepairAdminSummarizeRepaired,
  } satisfies FactSpec<RepairedSummary>,
  netstats: { name: "netstats", ttlKey: "netstats", variants: [{ args: ["netstats"] }], parse: parseNetStats } satisfies FactSpec<NetStats>,
  describecluster: { name: "describecluster", ttlKey: "describecluster", variants: [{ args: ["describecluster"] }], parse: parseDescribeCluster } satisfies FactSpec<DescribeCluster>,
  compactionstats: { name: "compactionstats", ttlKey: "compactionstats", variants: [{ args: ["compactionstats"] }], parse: parseCompactionStats } satisfies FactSpec<CompactionStats>,
} as const;

/** Every fact, in report order. */
const FACT_ORDER: readonly FactName[] = [
  "info", "version", "tpstats", "hints", "maxHintWindow", "repairSessions", "repairedSummary", "netstats", "describecluster", "compactionstats",
];

/** Facts of the running Cassandra process: read again at once when it changes. */
const PROCESS_FACTS: readonly FactName[] = ["version", "info", "describecluster", "maxHintWindow"];

/** The facts that show repair activity. */
const REPAIR_SOURCES: readonly FactName[] = ["tpstats", "repairSessions", "netstats", "compactionstats"];

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

/** Why a fact is read in this probe. */
type PlanReason = "catchUp" | "budget";

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
  private readonly fresh = new Map<FactName, unknown>();
  /** Cached values, parsed once per probe. */
  private readonly cachedValues = new Map<FactName, Sourced<unknown> | null>();
  private readonly errors = new Map<FactName, string>();
  private readonly settings: NodetoolSettings;
  private readonly deadlineAt: number;
  private cache: NodetoolCache = emptyCache();
  private now = 0;
  /** This probe's cycle number (fresh probes share the last regular cycle's number). */
  private cycle = 0;
  private catchUpRuns = 0;
  private budgetedRuns = 0;
  /** Budgeted runs of facts other than the repair sources read every repair interval. */
  private extraRuns = 0;
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
    this.now = this.deps.clock.now();
    this.cycle = this.input.fresh ? this.cache.cycle : this.cache.cycle + 1;
    await mkdir(this.input.stateDir, { recursive: true }).catch(() => undefined);

    const identity = typeof this.input.processIdentity === "string" && this.input.processIdentity !== "" ? this.input.processIdentity : null;
    let processChanged = identity !== null && this.cache.processIdentity !== null && identity !== this.cache.processIdentity;
    if (processChanged) this.notes.push("the Cassandra process changed (new MainPID or start time): version, info, describecluster and the hint window are read again");
    if (identity !== null) this.cache.processIdentity = identity;

    const status = await this.runCommand(["status"], parseStatus);
    if (status.kind !== "skipped") this.budgetedRuns++;
    if (status.kind !== "ok") {
      if (NOT_ANSWERING_KINDS.has(status.kind)) this.cache.cassandraFailed = true;
      await this.finishCycle();
      return failedResult(this.input.peers, failureHealth(status), this.factReports(), [...new Set(this.notes)], this.counter.runs, this.elapsed(), this.cycle);
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
    return this.assemble(status.value, lateFailure);
  }

  /** The values that belong to the previous process are no longer used, and are read again as catch-up. */
  private forgetProcessFacts(): void {
    for (const name of PROCESS_FACTS) {
      const entry = this.cache.facts[name];
      if (entry === undefined) continue;
      // stdout stays: the host ID in an old `info` still identifies this node (anyHostId).
      Object.assign(entry, { storedAt: null, attemptAt: null, attemptCycle: null, readCycle: null });
      this.cachedValues.delete(name);
    }
  }

  private async finishCycle(): Promise<void> {
    if (!this.input.fresh) {
      this.cache.cycle = this.cycle;
      // The budget's window: budgeted runs of the latest regular cycles (catch-up runs are outside it).
      this.cache.recentRuns = [...this.cache.recentRuns, this.budgetedRuns].slice(-20);
      this.cache.recentExtra = [...this.cache.recentExtra, this.extraRuns].slice(-20);
    }
    await this.save();
  }

  /**
   * Runs the planned facts one after the other; returns a failure that says
   * Cassandra went away. The plan is made again after each run: the version,
   * once read, changes which facts exist and which repair sources are primary.
   */
  private async runFacts(): Promise<ProbeFailure | null> {
    const catchUpCap = Math.max(0, this.input.config.firstCycleMaxRuns - 1); // status ran already
    const budgetCap = this.budgetAllowance();
    const extraCap = this.extraAllowance();
    const totalCap = Math.max(this.input.config.firstCycleMaxRuns, this.input.config.maxRunsPerCycle) - 1;
    const done = new Set<FactName>();
    for (;;) {
      const next = this.plan().find(({ name, reason }) => {
        if (done.has(name)) return false;
        if (this.catchUpRuns + this.budgetedRuns - 1 >= totalCap) return false;
        if (reason === "catchUp") return this.catchUpRuns < catchUpCap;
        if (this.budgetedRuns - 1 >= budgetCap) return false;
        return this.reserved(name) || this.extraRuns < extraCap;
      });
      if (next === undefined) break;
      const { name, reason } = next;
      done.add(name);
      if (reason === "catchUp") this.catchUp = true;
      const variant = this.variantFor(name);
      if (variant === null) continue; // became unsupported once the version was read
      if (name === "maxHintWindow" && !this.hintsHeld()) continue; // only needed to judge pending hints
      const spec: FactSpec<unknown> = FACTS[name];
      const outcome = await this.runCommand(variant, spec.parse);
      if (outcome.kind !== "skipped") {
        if (reason === "catchUp") this.catchUpRuns++;
        else this.budgetedRuns++;
        if (reason === "budget" && !this.reserved(name)) this.extraRuns++;
      }
      const entry = this.entry(name);
      if (outcome.kind === "ok") {
        this.fresh.set(name, outcome.value);
        this.cachedValues.delete(name);
        Object.assign(entry, {
          attemptAt: this.now, storedAt: this.now, stdout: outcome.stdout, args: [...variant], lastError: null,
          attemptCycle: this.cycle, readCycle: this.cycle, active: REPAIR_SOURCES.includes(name) && showsRepair(name, outcome.value),
        });
        continue;
      }
      if (outcome.kind === "skipped") {
        this.notes.push(outcome.reason);
        break;
      }
      this.errors.set(name, outcome.reason);
      entry.lastError = outcome.reason;
      if (outcome.kind === "unsupported") {
        // Not counted as an attempt: the next variant (or none) is used from the next cycle on.
        entry.unsupported = [...new Set([...this.validMarks(entry), variant.join(" ")])];
        entry.unsupportedOn = this.currentVersion();
        continue;
      }
      entry.attemptAt = this.now;
      entry.attemptCycle = this.cycle;
      this.notes.push(outcome.reason);
      if (GONE_KINDS.has(outcome.kind)) return outcome;
      if (STOP_KINDS.has(outcome.kind)) break;
    }
    return null;
  }

  /** Budgeted runs this cycle may still start besides `status`, within the per-cycle cap and the 10-cycle window. */
  private budgetAllowance(): number {
    const c = this.input.config;
    const window = this.cache.recentRuns.slice(-9).reduce((a, b) => a + b, 0);
    return Math.max(0, Math.min(c.maxRunsPerCycle, c.maxRunsPer10Cycles - window) - 1);
  }

  /** Facts with a share of the window reserved: the repair sources read every repair interval, and hints. */
  private reserved(name: FactName): boolean {
    return name === "hints" || this.primaries().includes(name);
  }

  /**
   * The share of the 10-cycle window left to the other facts once `status`
   * (1 per cycle), the repair sources (2 facts every 2 cycles: 1 per cycle)
   * and hints (every 5 cycles) have theirs: 25 - 10 - 10 - 2 = 3 by default.
   * Kept apart, so that the slow facts can never starve those.
   */
  private extraAllowance(): number {
    const c = this.input.config;
    const hints = this.variantFor("hints") === null ? 0 : Math.ceil(10 / c.everyCycles.hints);
    const share = c.maxRunsPer10Cycles - 10 - Math.ceil((10 * 2) / c.everyCycles.tpstats) - hints;
    const used = this.cache.recentExtra.slice(-9).reduce((a, b) => a + b, 0);
    return Math.max(0, share - used);
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
  private plan(): Array<{ name: FactName; reason: PlanReason }> {
    const applicable = FACT_ORDER.filter((n) => this.variantFor(n) !== null);
    const primaries = this.primaries();
    const catchUpOrder: FactName[] = [
      "info", "version", ...primaries, "hints", "maxHintWindow", "repairedSummary", "describecluster",
      ...(["repairSessions", "netstats", "compactionstats"] as const).filter((n) => !primaries.includes(n)),
    ];
    const catchUp = catchUpOrder.filter((n) => applicable.includes(n) && (this.input.fresh || this.needsCatchUp(n)));
    const plan: Array<{ name: FactName; reason: PlanReason }> = catchUp.map((name) => ({ name, reason: "catchUp" }));
    if (this.input.fresh) return plan;

    const c = this.input.config;
    const priority = (n: FactName): number => {
      if (primaries.includes(n)) return 0;
      if (n === "hints") return 1;
      if (!REPAIR_SOURCES.includes(n)) return 2; // the slow facts
      return this.cache.facts[n]?.active === true ? 3 : 4; // supplementary: more often while they show a repair
    };
    const due = applicable
      .filter((n) => !catchUp.includes(n))
      .map((name, order) => {
        const entry = this.cache.facts[name];
        const repairCadence = primaries.includes(name) || (REPAIR_SOURCES.includes(name) && entry?.active === true);
        const every = repairCadence ? c.everyCycles.tpstats : c.everyCycles[name];
        const cycles = entry?.attemptCycle == null ? Number.POSITIVE_INFINITY : this.cycle - entry.attemptCycle;
        const byCycles = cycles < 0 ? Number.POSITIVE_INFINITY : cycles / every;
        let overdue = byCycles;
        if (!repairCadence) {
          // The repair sources go by cycles only; the others also by age. A clock that went backwards makes a fact due.
          const at = entry?.attemptAt ?? null;
          const since = at === null ? Number.POSITIVE_INFINITY : this.now - at;
          overdue = Math.max(byCycles, since < 0 ? Number.POSITIVE_INFINITY : since / c.cacheTtlMs[FACTS[name].ttlKey]);
        }
        return { name, order, overdue, priority: priority(name) };
      })
      .filter((f) => f.overdue >= 1)
      .sort((a, b) => a.priority - b.priority || b.overdue - a.overdue || a.order - b.order);
    for (const f of due) plan.push({ name: f.name, reason: "budget" });
    return plan;
  }

  /** The repair sources read every repair interval: tpstats, and repair_admin where it exists, else netstats (3.11). */
  private primaries(): FactName[] {
    return this.variantFor("repairSessions") !== null ? ["tpstats", "repairSessions"] : ["tpstats", "netstats"];
  }

  /**
   * No usable value, and no attempt within its usable age (never read, expired
   * during downtime, or forgotten). The supplementary facts (netstats where it
   * is not a repair source, compactionstats) join a catch-up that is running
   * anyway, within its cap; otherwise they wait for the budget.
   */
  private needsCatchUp(name: FactName): boolean {
    if ((name === "netstats" || name === "compactionstats") && !this.primaries().includes(name) && !this.catchUp) return false;
    if (this.value(name) !== null) return false;
    const entry = this.cache.facts[name];
    const at = entry?.attemptAt ?? null;
    if (at === null) return true;
    const maxAge = this.input.config.cacheTtlMs[FACTS[name].ttlKey] * this.input.config.maxStaleFactor;
    return this.now - at > maxAge || this.now < at;
  }

  /** This node holds hints for some peer (listpendinghints read and not empty). */
  private hintsHeld(): boolean {
    const hints = this.value("hints");
    return hints !== null && hints.value.entries.length > 0;
  }

  /** The arguments to read a fact with on this version, or null when it has none. */
  private variantFor(name: FactName): readonly string[] | null {
    const version = this.currentVersion();
    const entry = this.cache.facts[name];
    const marks = entry === undefined ? [] : this.validMarks(entry);
    const variants: FactSpec<unknown>["variants"] = FACTS[name].variants;
    for (const v of variants) {
      if (v.since !== undefined && versionAtLeast(version, v.since[0], v.since[1]) === false) continue;
      if (marks.includes(v.args.join(" "))) continue;
      return v.args;
    }
    return null;
  }

  /** "Unsupported" marks hold only for the version they were seen on. */
  private validMarks(entry: CacheEntry): string[] {
    return entry.unsupportedOn === this.currentVersion() ? entry.unsupported : [];
  }

  private currentVersion(): string | null {
    return this.value("version")?.value.releaseVersion ?? null;
  }

  private entry(name: FactName): CacheEntry {
    const existing = this.cache.facts[name];
    if (existing !== undefined) return existing;
    const created = emptyEntry();
    this.cache.facts[name] = created;
    return created;
  }

  /** A fact's value: read now, or cached and not older than maxStaleFactor × TTL. */
  private value<N extends FactName>(name: N): Sourced<ParsedFact<N>> | null {
    if (this.fresh.has(name)) return { value: this.fresh.get(name) as ParsedFact<N>, ageMs: 0 };
    if (!this.cachedValues.has(name)) this.cachedValues.set(name, this.fromCache(name));
    return (this.cachedValues.get(name) ?? null) as Sourced<ParsedFact<N>> | null;
  }

  private fromCache(name: FactName): Sourced<unknown> | null {
    const entry = this.cache.facts[name];
    if (entry?.stdout == null || entry.storedAt === null) return null;
    const ageMs = this.now - entry.storedAt;
    const maxAge = this.input.config.cacheTtlMs[FACTS[name].ttlKey] * this.input.config.maxStaleFactor;
    if (ageMs < 0 || ageMs > maxAge) return null;
    const parse: (s: string) => ParseResult<unknown> = FACTS[name].parse;
    const parsed = parse(entry.stdout);
    return parsed.ok ? { value: parsed.value, ageMs } : null;
  }

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

  private async save(): Promise<void> {
    const note = await saveCache(this.input.stateDir, this.cache);
    if (note !== null) this.notes.push(note);
  }

  private elapsed(): number {
    return this.deps.clock.monotonic() - this.started;
  }

  private factReports(): FactReport[] {
    return FACT_ORDER.map((name) => {
      const error = this.errors.get(name) ?? null;
      if (this.variantFor(name) === null) return { name, source: "unsupported", ageMs: null, error: null };
      if (name === "maxHintWindow" && this.variantFor("hints") === null) return { name, source: "unsupported", ageMs: null, error: null };
      const v = this.value(name);
      if (v === null) return { name, source: "none", ageMs: null, error: error ?? this.cache.facts[name]?.lastError ?? null };
      return { name, source: v.ageMs === 0 && this.fresh.has(name) ? "fresh" : "cache", ageMs: v.ageMs, error };
    });
  }

  /**
   * A repair source's value, if it is recent enough to say whether a repair
   * runs now: read within the repair interval (2 cycles) plus one cycle of
   * slack for a run that failed or was skipped. An older one would keep a
   * repair that ended RUNNING (or miss one that started).
   */
  private repairSource<N extends FactName>(name: N): Sourced<ParsedFact<N>> | null {
    const v = this.value(name);
    if (v === null) return null;
    if (this.fresh.has(name)) return v;
    const readCycle = this.cache.facts[name]?.readCycle ?? null;
    if (readCycle === null) return null;
    const age = this.cycle - readCycle;
    return age >= 0 && age <= this.input.config.everyCycles.tpstats ? v : null;
  }

  private assemble(ring: RingStatus, lateFailure: ProbeFailure | null): CassandraProbeResult {
    const info = this.value("info");
    const hostId = info?.value.hostId ?? this.anyHostId();
    const hintsSupported = this.variantFor("hints") !== null;
    const hints = hintsSupported ? this.value("hints") : "unsupported";
    const peers = matchPeers(this.input.peers, ring, hints === "unsupported" ? "unsupported" : (hints?.value ?? null));
    const localAddresses = (this.input.localAddresses ?? []).filter((a): a is string => typeof a === "string" && a !== "");
    const local = findLocal(ring, hostId, peers, localAddresses);
    const summary = summarizeRing(ring, local?.member ?? null);
    const describe = this.value("describecluster");
    const version = this.currentVersion();
    const reachable = lateFailure === null;
    const repair = deriveRepairState(
      {
        tpstats: this.repairSource("tpstats"),
        compactionstats: this.repairSource("compactionstats"),
        netstats: this.repairSource("netstats"),
        repairSessions: this.variantFor("repairSessions") === null ? "unsupported" : this.repairSource("repairSessions"),
      },
      reachable,
    );
    const window = hints === "unsupported" ? null : (this.value("maxHintWindow")?.value.windowMs ?? null);
    const debt = hints === "unsupported" ? null : hintDebt(hints?.value ?? null, window, this.now);
    const summaryRepaired = this.variantFor("repairedSummary") === null ? null : (this.value("repairedSummary")?.value ?? null);
    const age = repairAge(summaryRepaired, this.input.config.repairAge.gcGraceSeconds, this.now);
    const gaps = (["info", "describecluster", "hints"] as const)
      .filter((n) => this.errors.has(n) && this.value(n) === null)
      .map((n) => this.errors.get(n) ?? n);
    const health = deriveHealth({
      version,
      ring,
      summary,
      local,
      localHostId: hostId,
      info,
      describe,
      hints,
      peers,
      thresholds: this.input.config.hints,
      lateFailure,
      gaps,
      localAddresses,
      hintDebt: debt,
      repairAge: age,
      warnWindowRatio: this.input.config.hints.warnWindowRatio,
      repairWarnRatio: this.input.config.repairAge.warnRatio,
    });
    return {
      health,
      version,
      repairState: repair.state,
      repairDetail: repair.detail,
      localRingState: local?.member.ringState ?? null,
      local: {
        hostId: hostId ?? local?.member.hostId ?? null,
        address: local?.member.host ?? local?.member.address ?? null,
        dataCenter: local?.member.dataCenter ?? info?.value.dataCenter ?? null,
        rack: local?.member.rack ?? info?.value.rack ?? null,
        identifiedBy: local?.by ?? null,
      },
      gossipActive: info?.value.gossipActive ?? null,
      nativeTransportActive: info?.value.nativeTransportActive ?? null,
      mode: this.value("netstats")?.value.mode ?? null,
      peers: reachable ? peers : peers.map(unknownPeer),
      ring: summary,
      schemaVersions: describe?.value.schemaVersions.length ?? null,
      totalHints: hints === "unsupported" || hints === null ? null : hints.value.totalFiles,
      hintDebtRatio: debt === null ? null : roundRatio(debt.ratio),
      hintDebt: debt,
      repairAgeRatio: age === null ? null : roundRatio(age.ratio),
      repairAge: age,
      cycle: this.cycle,
      catchUp: this.catchUp || this.input.fresh,
      budgetedRuns: this.budgetedRuns,
      facts: this.factReports(),
      notes: [...new Set(this.notes)],
      nodetoolRuns: this.counter.runs,
      durationMs: this.elapsed(),
    };
  }

  /** The host ID changes only when the node is replaced: an old `info` still identifies it. */
  private anyHostId(): string | null {
    const stdout = this.cache.facts.info?.stdout;
    if (typeof stdout !== "string") return null;
    const parsed = parseInfo(stdout);
    return parsed.ok ? parsed.value.hostId : null;
  }
}

type ParsedFact<N extends FactName> = (typeof FACTS)[N] extends FactSpec<infer T> ? T : never;

function unknownPeer(p: PeerCassandra): PeerCassandra {
  return { ...p, ringState: null, hints: null };
}

function failedResult(
  peers: readonly PeerInput[],
  health: CassandraHealth,
  facts: readonly FactReport[],
  notes: readonly string[],
  runs: number,
  durationMs: number,
  cycle = 0,
): CassandraProbeResult {
  return {
    health,
    version: null,
    repairState: "UNKNOWN",
    repairDetail: `Cassandra could not be asked: ${health.description}`,
    localRingState: null,
    local: { hostId: null, address: null, dataCenter: null, rack: null, identifiedBy: null },
    gossipActive: null,
    nativeTransportActive: null,
    mode: null,
    peers: peers.map((p) => ({ nodeId: String(p?.nodeId), ringState: null, hints: null, dataCenter: null, hostId: null })),
    ring: null,
    schemaVersions: null,
    totalHints: null,
    hintDebtRatio: null,
    hintDebt: null,
    repairAgeRatio: null,
    repairAge: null,
    cycle,
    catchUp: false,
    budgetedRuns: runs,
    facts,
    notes,
    nodetoolRuns: runs,
    durationMs,
  };
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
