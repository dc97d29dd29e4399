/**
 * When `run` cycles: on the interval's boundary ("on the minute") plus an
 * offset derived from the node id, so a cluster's nodes spread their reports
 * over the minute instead of all hitting Mission Control at :00, and each node
 * keeps its slot across restarts.
 */
import { createHash } from "node:crypto";

/** A stable offset in [0, intervalMs) from the node id. */
export function nodeOffsetMs(nodeId: string, intervalMs: number): number {
  const digest = createHash("sha256").update(nodeId).digest();
  return digest.readUInt32BE(0) % intervalMs;
}

/** The first slot strictly after `nowMs`: k × interval + offset. */
export function nextSlot(nowMs: number, intervalMs: number, offsetMs: number): number {
  const k = Math.floor((nowMs - offsetMs) / intervalMs) + 1;
  return k * intervalMs + offsetMs;
}

/** "60s", "5m", "90" (seconds), "1500ms" → milliseconds; null when not a duration. */
export function parseInterval(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) return null;
  const value = Number(m[1]);
  const unit = m[2] ?? "s";
  const ms = unit === "ms" ? value : unit === "s" ? value * 1_000 : unit === "m" ? value * 60_000 : value * 3_600_000;
  return Number.isFinite(ms) && ms >= 1 ? Math.round(ms) : null;
}
