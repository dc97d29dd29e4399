/**
 * Hint debt and repair age: how close this node is to needing a repair it
 * cannot avoid. Pure.
 *
 * - Hint debt: Cassandra keeps writing hints for a down peer only within the
 *   max hint window (`getmaxhintwindow`, default 3 h; since 4.1 counted from
 *   the oldest hint held for the peer, `hint_window_persistent_enabled`).
 *   Past it the peer misses writes and only a repair brings them back. The
 *   ratio is the oldest hint's age (`listpendinghints`, 4.1+) over the window.
 * - Repair age: a tombstone older than `gc_grace_seconds` (default 10 days)
 *   can be purged; a replica that missed the delete and is not repaired by
 *   then brings the data back. The age is that of the least recently repaired
 *   table's oldest repaired range (`repair_admin summarize-repaired`, 4.0+,
 *   incremental repair only), over gc_grace_seconds.
 *
 * Both compare a wall-clock time Cassandra wrote with this host's wall clock
 * (the same machine's clock): a negative age (clock stepped back) counts as 0.
 */
import type { PendingHints } from "./parse/listpendinghints.js";
import type { RepairedSummary } from "./parse/repair-admin.js";

export interface PeerHintAge {
  /** The peer as listpendinghints names it: its address, else its host ID. */
  readonly peer: string;
  readonly status: string | null;
  readonly ageMs: number;
  readonly ratio: number;
}

export interface HintDebt {
  /** The worst peer's oldest hint age over the window (0 when no hints are held). */
  readonly ratio: number;
  readonly windowMs: number;
  /** Peers with hints, worst first. */
  readonly peers: readonly PeerHintAge[];
}

export function hintDebt(hints: PendingHints | null, windowMs: number | null, nowMs: number): HintDebt | null {
  if (hints === null || windowMs === null || !(windowMs > 0) || !Number.isFinite(nowMs)) return null;
  const peers: PeerHintAge[] = [];
  for (const e of hints.entries) {
    if (e.oldestMs === null) continue;
    const ageMs = Math.max(0, nowMs - e.oldestMs);
    peers.push({ peer: e.host ?? e.address ?? e.hostId, status: e.status, ageMs, ratio: ageMs / windowMs });
  }
  peers.sort((a, b) => b.ratio - a.ratio);
  return { ratio: peers[0]?.ratio ?? 0, windowMs, peers };
}

export interface RepairAge {
  readonly ratio: number;
  readonly ageMs: number;
  readonly gcGraceMs: number;
  /** The least recently repaired table, `keyspace.table`. */
  readonly table: string;
  /** Tables listed with no repaired range at all (never incrementally repaired). */
  readonly neverRepaired: number;
}

export function repairAge(summary: RepairedSummary | null, gcGraceSeconds: number, nowMs: number): RepairAge | null {
  if (summary === null || !(gcGraceSeconds > 0) || !Number.isFinite(nowMs)) return null;
  let oldest: { at: number; table: string } | null = null;
  let neverRepaired = 0;
  for (const t of summary.tables) {
    if (t.minRepairedMs === null) {
      if (t.maxRepairedMs === null) neverRepaired++;
      continue;
    }
    if (oldest === null || t.minRepairedMs < oldest.at) oldest = { at: t.minRepairedMs, table: `${t.keyspace}.${t.table}` };
  }
  if (oldest === null) return null;
  const gcGraceMs = gcGraceSeconds * 1000;
  const ageMs = Math.max(0, nowMs - oldest.at);
  return { ratio: ageMs / gcGraceMs, ageMs, gcGraceMs, table: oldest.table, neverRepaired };
}

/** `2 h 20 min`, `3 h`, `8 d 2 h`, `45 min`, `30 s`: a duration for people. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const min = Math.floor(s / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 48) return min % 60 === 0 ? `${h} h` : `${h} h ${min % 60} min`;
  const d = Math.floor(h / 24);
  return h % 24 === 0 ? `${d} d` : `${d} d ${h % 24} h`;
}

/** A ratio rounded for perfdata and JSON (4 decimals). */
export function roundRatio(r: number): number {
  return Math.round(r * 10_000) / 10_000;
}
