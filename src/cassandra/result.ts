/**
 * The probe's result: the facts' values (read now or cached) and the ring
 * turned into what the report gets — health, repair state, peers, debts.
 */
import type { CassandraConfig } from "../config/cassandra.js";
import type { NodetoolCache } from "../state/nodetool-cache.js";
import { hintDebt, repairAge, roundRatio, type HintDebt, type RepairAge } from "./debt.js";
import { FACT_ORDER, type FactName } from "./facts.js";
import { deriveHealth, type CassandraHealth, type ProbeFailure } from "./health.js";
import type { RingStatus } from "./parse/status.js";
import { findLocal, matchPeers, summarizeRing, type PeerCassandra, type PeerInput, type RingSummary } from "./peers.js";
import { deriveRepairState, type RepairState } from "./repair.js";
import type { FactValues } from "./values.js";

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

/** What the result is made of, besides the ring: the probe's values and its bookkeeping. */
export interface ProbeOutcome {
  readonly values: FactValues;
  readonly cache: NodetoolCache;
  /** Why a fact's run failed in this probe. */
  readonly errors: ReadonlyMap<FactName, string>;
  readonly config: CassandraConfig;
  readonly peers: readonly PeerInput[];
  readonly localAddresses: readonly unknown[] | undefined;
  readonly catchUp: boolean;
  readonly budgetedRuns: number;
  readonly notes: readonly string[];
  readonly nodetoolRuns: number;
  readonly durationMs: number;
}

/** The result of a probe whose `status` was read; `lateFailure`: Cassandra went away during the probe. */
export function assembleResult(o: ProbeOutcome, ring: RingStatus, lateFailure: ProbeFailure | null): CassandraProbeResult {
  const { values, config } = o;
  const info = values.value("info");
  const hostId = info?.value.hostId ?? values.anyHostId();
  const hints = values.variant("hints") !== null ? values.value("hints") : "unsupported";
  const peers = matchPeers(o.peers, ring, hints === "unsupported" ? "unsupported" : (hints?.value ?? null));
  const localAddresses = (o.localAddresses ?? []).filter((a): a is string => typeof a === "string" && a !== "");
  const local = findLocal(ring, hostId, peers, localAddresses);
  const summary = summarizeRing(ring, local?.member ?? null);
  const describe = values.value("describecluster");
  const version = values.version();
  const reachable = lateFailure === null;
  const repair = deriveRepairState(
    {
      tpstats: values.repairSource("tpstats"),
      compactionstats: values.repairSource("compactionstats"),
      netstats: values.repairSource("netstats"),
      repairSessions: values.variant("repairSessions") === null ? "unsupported" : values.repairSource("repairSessions"),
    },
    reachable,
  );
  const window = hints === "unsupported" ? null : (values.value("maxHintWindow")?.value.windowMs ?? null);
  const debt = hints === "unsupported" ? null : hintDebt(hints?.value ?? null, window, values.now);
  const summaryRepaired = values.variant("repairedSummary") === null ? null : (values.value("repairedSummary")?.value ?? null);
  const age = repairAge(summaryRepaired, config.repairAge.gcGraceSeconds, values.now);
  const gaps = (["info", "describecluster", "hints"] as const)
    .filter((n) => o.errors.has(n) && values.value(n) === null)
    .map((n) => o.errors.get(n) ?? n);
  const health = deriveHealth({
    version, ring, summary, local, localHostId: hostId, info, describe, hints, peers,
    thresholds: config.hints, lateFailure, gaps, localAddresses, hintDebt: debt, repairAge: age,
    warnWindowRatio: config.hints.warnWindowRatio, repairWarnRatio: config.repairAge.warnRatio,
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
    mode: values.value("netstats")?.value.mode ?? null,
    peers: reachable ? peers : peers.map(unknownPeer),
    ring: summary,
    schemaVersions: describe?.value.schemaVersions.length ?? null,
    totalHints: hints === "unsupported" || hints === null ? null : hints.value.totalFiles,
    hintDebtRatio: debt === null ? null : roundRatio(debt.ratio),
    hintDebt: debt,
    repairAgeRatio: age === null ? null : roundRatio(age.ratio),
    repairAge: age,
    cycle: values.cycle,
    catchUp: o.catchUp,
    budgetedRuns: o.budgetedRuns,
    facts: factReports(values, o.errors, o.cache),
    notes: o.notes,
    nodetoolRuns: o.nodetoolRuns,
    durationMs: o.durationMs,
  };
}

/** Where each fact's value came from, in report order. */
export function factReports(values: FactValues, errors: ReadonlyMap<FactName, string>, cache: NodetoolCache): FactReport[] {
  return FACT_ORDER.map((name) => {
    const error = errors.get(name) ?? null;
    if (values.variant(name) === null) return { name, source: "unsupported", ageMs: null, error: null };
    if (name === "maxHintWindow" && values.variant("hints") === null) return { name, source: "unsupported", ageMs: null, error: null };
    const v = values.value(name);
    if (v === null) return { name, source: "none", ageMs: null, error: error ?? cache.facts[name]?.lastError ?? null };
    return { name, source: v.ageMs === 0 && values.isFresh(name) ? "fresh" : "cache", ageMs: v.ageMs, error };
  });
}

function unknownPeer(p: PeerCassandra): PeerCassandra {
  return { ...p, ringState: null, hints: null };
}

/** The result when Cassandra could not be asked (status failed) or the probe itself failed. */
export function failedResult(
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
