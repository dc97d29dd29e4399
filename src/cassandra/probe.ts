/**
 * The Cassandra probe: what nodetool says about this node, its ring, its
 * repairs and the hints it holds for each peer.
 *
 * JVM budget. Every nodetool run starts a JVM (1–2 s of CPU), so:
 * - runs are strictly sequential, and a lock in the state directory keeps two
 *   nodekeeper processes from running nodetool at the same time;
 * - `status` is read every cycle; the other facts are cached in the state
 *   directory with a TTL each (config `cassandra.cacheTtlMs`), and a cycle runs
 *   at most `maxRunsPerCycle` JVMs (default 2: status + the most overdue fact);
 * - `fresh` (for `status --fresh`) reads everything now, ignoring cache and cap;
 * - after a failure that says Cassandra is not answering (unreachable,
 *   timeout, refused credentials, starting), no further JVM is started.
 *
 * Never throws: an exception becomes an UNKNOWN result with the reason.
 */
import { mkdir } from "node:fs/promises";
import type { Clock } from "../effects/clock.js";
import type { ProcessRunner } from "../effects/process.js";
import { acquireNodetoolLock, emptyEntry, loadCache, saveCache, type CacheEntry, type NodetoolCache } from "./cache.js";
import type { CacheTtls, CassandraConfig } from "../config/cassandra.js";
import { deriveHealth, failureHealth, type CassandraHealth, type ProbeFailure } from "./health.js";
import { runNodetool, type NodetoolOutcome, type NodetoolSettings } from "./nodetool.js";
import type { ParseResult } from "./parse/common.js";
import { parseCompactionStats, type CompactionStats } from "./parse/compactionstats.js";
import { parseDescribeCluster, type DescribeCluster } from "./parse/describecluster.js";
import { parseInfo, type NodeInfo } from "./parse/info.js";
import { parseListPendingHints, type PendingHints } from "./parse/listpendinghints.js";
import { parseNetStats, type NetStats } from "./parse/netstats.js";
import { parseRepairAdminList, type RepairSessions } from "./parse/repair-admin.js";
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
}

export type FactName = "version" | "info" | "tpstats" | "hints" | "repairSessions" | "netstats" | "describecluster" | "compactionstats";

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
    readonly identifiedBy: "hostId" | "onlyMember" | "notAPeer" | null;
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
  repairSessions: {
    name: "repairSessions",
    ttlKey: "repairSessions",
    // --all: FAILED sessions are filtered out without it, and FAILED is a state we report.
    variants: [{ args: ["repair_admin", "list", "--all"], since: [4, 0] }, { args: ["repair_admin", "list"], since: [4, 0] }],
    parse: parseRepairAdminList,
  } satisfies FactSpec<RepairSessions>,
  netstats: { name: "netstats", ttlKey: "netstats", variants: [{ args: ["netstats"] }], parse: parseNetStats } satisfies FactSpec<NetStats>,
  describecluster: { name: "describecluster", ttlKey: "describecluster", variants: [{ args: ["describecluster"] }], parse: parseDescribeCluster } satisfies FactSpec<DescribeCluster>,
  compactionstats: { name: "compactionstats", ttlKey: "compactionstats", variants: [{ args: ["compactionstats"] }], parse: parseCompactionStats } satisfies FactSpec<CompactionStats>,
} as const;

/** Order for facts never read and for `fresh`: what health needs first, then version (it gates the next two). */
const FACT_ORDER: readonly FactName[] = ["info", "version", "tpstats", "hints", "repairSessions", "netstats", "describecluster", "compactionstats"];

/** Below this, a JVM cannot start and answer: do not begin a run. */
const MIN_RUN_MS = 2_000; // 2 s
/** Kept back from the budget for writing the cache. */
const SAVE_MARGIN_MS = 250;

/** Failures after which no further JVM is started in this probe. */
const STOP_KINDS = new Set(["not_installed", "not_startable", "jmx_unreachable", "auth_failed", "timeout", "not_ready"]);
/** Failures that say Cassandra itself is not there, even if an earlier run worked. */
const GONE_KINDS = new Set(["jmx_unreachable", "not_ready"]);

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
  private readonly fresh = new Map<FactName, unknown>();
  /** Cached values, parsed once per probe. */
  private readonly cachedValues = new Map<FactName, Sourced<unknown> | null>();
  private readonly errors = new Map<FactName, string>();
  private readonly settings: NodetoolSettings;
  private readonly deadlineAt: number;
  private cache: NodetoolCache = { facts: {} };
  private now = 0;

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
    await mkdir(this.input.stateDir, { recursive: true }).catch(() => undefined);

    const status = await this.runCommand(["status"], parseStatus);
    if (status.kind !== "ok") {
      await this.save();
      return failedResult(this.input.peers, failureHealth(status), this.factReports(), [...new Set(this.notes)], this.counter.runs, this.elapsed());
    }

    const lateFailure = await this.runFacts();
    await this.save();
    return this.assemble(status.value, lateFailure);
  }

  /** Runs the planned facts one after the other; returns a failure that says Cassandra went away. */
  private async runFacts(): Promise<ProbeFailure | null> {
    const plan = this.plan();
    for (const name of plan) {
      const variant = this.variantFor(name);
      if (variant === null) continue; // became unsupported once the version was read
      const spec: FactSpec<unknown> = FACTS[name];
      const outcome = await this.runCommand(variant, spec.parse);
      const entry = this.entry(name);
      if (outcome.kind === "ok") {
        this.fresh.set(name, outcome.value);
        Object.assign(entry, { attemptAt: this.now, storedAt: this.now, stdout: outcome.stdout, args: [...variant], lastError: null });
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
      this.notes.push(outcome.reason);
      if (GONE_KINDS.has(outcome.kind)) return outcome;
      if (STOP_KINDS.has(outcome.kind)) break;
    }
    return null;
  }

  /** Which facts to read now: all applicable with `fresh`, else the due ones, most overdue first, within the cap. */
  private plan(): FactName[] {
    const applicable = FACT_ORDER.filter((n) => this.variantFor(n) !== null);
    if (this.input.fresh) return applicable;
    const ttls = this.input.config.cacheTtlMs;
    const due = applicable
      .map((name, order) => {
        const at = this.cache.facts[name]?.attemptAt ?? null;
        const ttl = ttls[FACTS[name].ttlKey];
        const since = at === null ? Number.POSITIVE_INFINITY : this.now - at;
        // A clock that went backwards makes every fact due.
        const overdue = since < 0 ? Number.POSITIVE_INFINITY : since / ttl;
        return { name, order, overdue };
      })
      .filter((f) => f.overdue >= 1)
      .sort((a, b) => b.overdue - a.overdue || a.order - b.order);
    return due.slice(0, Math.max(0, this.input.config.maxRunsPerCycle - 1)).map((f) => f.name);
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
      const v = this.value(name);
      if (v === null) return { name, source: "none", ageMs: null, error: error ?? this.cache.facts[name]?.lastError ?? null };
      return { name, source: v.ageMs === 0 && this.fresh.has(name) ? "fresh" : "cache", ageMs: v.ageMs, error };
    });
  }

  private assemble(ring: RingStatus, lateFailure: ProbeFailure | null): CassandraProbeResult {
    const info = this.value("info");
    const hostId = info?.value.hostId ?? this.anyHostId();
    const hintsSupported = this.variantFor("hints") !== null;
    const hints = hintsSupported ? this.value("hints") : "unsupported";
    const peers = matchPeers(this.input.peers, ring, hints === "unsupported" ? "unsupported" : (hints?.value ?? null));
    const local = findLocal(ring, hostId, peers);
    const summary = summarizeRing(ring, local?.member ?? null);
    const describe = this.value("describecluster");
    const version = this.currentVersion();
    const reachable = lateFailure === null;
    const repair = deriveRepairState(
      {
        tpstats: this.value("tpstats"),
        compactionstats: this.value("compactionstats"),
        netstats: this.value("netstats"),
        repairSessions: this.variantFor("repairSessions") === null ? "unsupported" : this.value("repairSessions"),
      },
      reachable,
    );
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
    facts,
    notes,
    nodetoolRuns: runs,
    durationMs,
  };
}
