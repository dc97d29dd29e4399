/**
 * The node's repair state (contract: `cassandraRepairState`) from what
 * nodetool showed:
 *
 * - RUNNING: a Validation (or Anticompaction after repair) compaction, a
 *   `Repair` stream, an incremental session in PREPARING / PREPARED / REPAIRING /
 *   FINALIZE_PROMISED, or an active ValidationExecutor or `Repair#<n>` pool;
 * - FAILED: nothing of that, and the latest incremental session failed;
 * - IDLE: nothing of that, with at least one source read;
 * - UNKNOWN: Cassandra could not be asked, or no source has been read.
 *
 * Pure. Sources can come from the cache, so each carries its age, and the
 * detail says what was seen where and how long ago.
 */
import type { CompactionStats } from "./parse/compactionstats.js";
import type { NetStats } from "./parse/netstats.js";
import { ACTIVE_REPAIR_SESSION_STATES, timeUuidMillis, type RepairSession, type RepairSessions } from "./parse/repair-admin.js";
import type { TpStats } from "./parse/tpstats.js";

export type RepairState = "IDLE" | "RUNNING" | "FAILED" | "UNKNOWN";

/** A value and how old it is (0 when read in this probe). */
export interface Sourced<T> {
  readonly value: T;
  readonly ageMs: number;
}

export interface RepairSources {
  readonly tpstats: Sourced<TpStats> | null;
  readonly compactionstats: Sourced<CompactionStats> | null;
  readonly netstats: Sourced<NetStats> | null;
  /** "unsupported": the version has no repair_admin (3.11). */
  readonly repairSessions: Sourced<RepairSessions> | "unsupported" | null;
}

const REPAIR_COMPACTIONS = new Set(["Validation", "Anticompaction after repair"]);

export function deriveRepairState(sources: RepairSources, cassandraReachable: boolean): { state: RepairState; detail: string } {
  if (!cassandraReachable) return { state: "UNKNOWN", detail: "Cassandra could not be asked (nodetool failed)" };
  const running: string[] = [];
  const consulted: string[] = [];

  const tp = sources.tpstats;
  if (tp !== null) {
    consulted.push(`tpstats ${age(tp.ageMs)}`);
    for (const pool of tp.value.pools) {
      const active = pool.active ?? 0;
      if (active <= 0) continue;
      if (pool.name === "ValidationExecutor" || /^Repair#\d+$/.test(pool.name)) {
        running.push(`${pool.name} active ${active}${pool.pending ? `, pending ${pool.pending}` : ""} (tpstats ${age(tp.ageMs)})`);
      }
    }
  }

  const cs = sources.compactionstats;
  if (cs !== null) {
    consulted.push(`compactionstats ${age(cs.ageMs)}`);
    for (const op of cs.value.operations) {
      if (!REPAIR_COMPACTIONS.has(op.type)) continue;
      const table = op.keyspace !== null && op.table !== null ? ` of ${op.keyspace}.${op.table}` : "";
      const progress = op.progressPercent !== null ? ` ${op.progressPercent}%` : "";
      running.push(`${op.type}${table}${progress} (compactionstats ${age(cs.ageMs)})`);
    }
  }

  const ns = sources.netstats;
  if (ns !== null) {
    consulted.push(`netstats ${age(ns.ageMs)}`);
    for (const plan of ns.value.streams) {
      if (plan.description !== "Repair") continue;
      const peers = plan.peers.map((p) => p.host ?? p.address).join(", ");
      running.push(`Repair stream ${plan.planId.slice(0, 8)}${peers ? ` with ${peers}` : ""} (netstats ${age(ns.ageMs)})`);
    }
  }

  let latest: RepairSession | null = null;
  const rs = sources.repairSessions;
  if (rs !== null && rs !== "unsupported") {
    consulted.push(`repair_admin ${age(rs.ageMs)}`);
    for (const s of rs.value.sessions) {
      if (ACTIVE_REPAIR_SESSION_STATES.has(s.state)) {
        running.push(`incremental session ${s.id.slice(0, 8)} ${s.state} (repair_admin ${age(rs.ageMs)})`);
      }
    }
    latest = latestSession(rs.value.sessions);
  }

  if (running.length > 0) return { state: "RUNNING", detail: `repair activity: ${running.join("; ")}` };
  if (consulted.length === 0) {
    return { state: "UNKNOWN", detail: "no repair source read yet (tpstats, compactionstats, netstats, repair_admin)" };
  }
  if (latest !== null && latest.state === "FAILED" && rs !== null && rs !== "unsupported") {
    const when = latest.lastActivitySeconds !== null ? `, last activity ${latest.lastActivitySeconds} s before repair_admin ran` : "";
    return { state: "FAILED", detail: `latest incremental repair session ${latest.id} FAILED${when} (repair_admin ${age(rs.ageMs)}); no repair running` };
  }
  const sessions = rs === "unsupported" ? "; repair_admin not available on this version" : "";
  return { state: "IDLE", detail: `no repair activity in ${consulted.join(", ")}${sessions}` };
}

/**
 * The most recently active session: the smallest "last activity" (seconds
 * since its last update); on a tie, the one started last (time-based UUID).
 */
export function latestSession(sessions: readonly RepairSession[]): RepairSession | null {
  let best: RepairSession | null = null;
  for (const s of sessions) {
    if (best === null) {
      best = s;
      continue;
    }
    const a = s.lastActivitySeconds ?? Number.POSITIVE_INFINITY;
    const b = best.lastActivitySeconds ?? Number.POSITIVE_INFINITY;
    if (a < b || (a === b && (timeUuidMillis(s.id) ?? 0) > (timeUuidMillis(best.id) ?? 0))) best = s;
  }
  return best;
}

/** `now`, `40 s ago`, `3 min ago`: how old a source is, for people. */
export function age(ms: number): string {
  if (ms < 5_000) return "now";
  if (ms < 120_000) return `${Math.round(ms / 1000)} s ago`;
  return `${Math.round(ms / 60_000)} min ago`;
}
