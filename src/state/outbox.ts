/**
 * The outbox: reports not yet delivered to Mission Control, on disk, sent
 * oldest first when it answers again.
 *
 * Layout: `{stateDir}/outbox/`
 * - `{seq:12 digits}-{reportId}.json`: one report each, the exact request body
 *   that is sent (so the bytes sent later are the bytes stored). `seq` orders
 *   them: one more than the highest present, never the wall clock (a clock
 *   step back must not reorder reports).
 * - `dropped.json`: `{version: 1, droppedTotal, lastDroppedAt, lastDroppedCount,
 *   lastReason}`: reports dropped at the bound (or found corrupt), for `status`.
 * - `.*.tmp`: a write in progress, or its leftover after a crash: never read.
 *
 * Crash safety: each report is written with `writeFileAtomic` (temp file,
 * fsync, rename, fsync folder), so a crash at any moment leaves every stored
 * report whole: a file with a report name is always complete. A new report is
 * written before the oldest are dropped to make room, so a crash in between
 * leaves the outbox one over its bound for a cycle, never a report short.
 *
 * Bound: `maxReports` files and `maxBytes` bytes (defaults 60 and 5 MiB); the
 * newest report is always kept, even alone over the byte bound.
 *
 * Not safe for concurrent writers: the cycle lock (src/state/lock.ts) makes
 * the cycle the only writer. Readers (`status`) may run at any time.
 */
import { readdir, readFile, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import * as z from "zod";
import { HealthReportSchema } from "../contract/report.js";
import type { HealthReport } from "../contract/report.js";
import type { OutboxConfig } from "../config/mission-control.js";
import { ensureDir, writeFileAtomic } from "./atomic.js";
import { removeStaleTemps } from "./store.js";

export const OUTBOX_DIR = "outbox";
const DROPPED_FILE = "dropped.json";
const ENTRY_NAME = /^(\d{12})-([0-9A-Za-z-]{1,64})\.json$/;
/** A stored report is a few kB; reading a stray huge file must not eat the memory. */
const MAX_ENTRY_BYTES = 16 * 1024 * 1024; // 16 MiB
/** A temp file older than this is a crash leftover, not a write in progress. */
const LEFTOVER_AGE_MS = 60_000; // 1 min

export type OutboxLimits = Pick<OutboxConfig, "maxReports" | "maxBytes">;

export interface OutboxEntry {
  readonly seq: number;
  readonly reportId: string;
  readonly path: string;
  readonly bytes: number;
}

export function outboxDir(stateDir: string): string {
  return join(stateDir, OUTBOX_DIR);
}

function entryName(seq: number, reportId: string): string {
  return `${String(seq).padStart(12, "0")}-${reportId}.json`;
}

function isMissing(error: unknown): boolean {
  return (error as { code?: unknown }).code === "ENOENT";
}

/** The stored reports, oldest first. Only names are trusted here; `readEntry` checks content. */
export async function listOutbox(stateDir: string): Promise<OutboxEntry[]> {
  const dir = outboxDir(stateDir);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if (isMissing(error)) return [];
    throw error;
  }
  const entries: OutboxEntry[] = [];
  for (const name of names) {
    const match = ENTRY_NAME.exec(name);
    if (!match?.[1] || !match[2]) continue;
    const path = join(dir, name);
    try {
      const s = await stat(path);
      if (!s.isFile()) continue;
      entries.push({ seq: Number(match[1]), reportId: match[2], path, bytes: s.size });
    } catch (error) {
      if (!isMissing(error)) throw error; // removed meanwhile by the cycle: fine
    }
  }
  return entries.sort((a, b) => a.seq - b.seq);
}

export interface EnqueueResult {
  readonly entry: OutboxEntry;
  /** Oldest reports removed to stay within the bound. */
  readonly dropped: readonly OutboxEntry[];
  /** The report was already stored (same reportId): nothing written. */
  readonly duplicate: boolean;
}

/**
 * Stores one report body (durably) as the newest entry, then drops the oldest
 * beyond the bound and counts them in dropped.json. Throws on I/O errors
 * (disk full, read-only): the caller still has the report in memory.
 */
export async function enqueueReport(
  stateDir: string,
  body: string,
  reportId: string,
  limits: OutboxLimits,
  now: Date,
): Promise<EnqueueResult> {
  if (!/^[0-9A-Za-z-]{1,64}$/.test(reportId)) throw new Error(`reportId ${JSON.stringify(reportId)} cannot name an outbox file`);
  await ensureDir(outboxDir(stateDir)); // given to the state folder's owner when made as root
  const existing = await listOutbox(stateDir);
  const same = existing.find((e) => e.reportId === reportId);
  if (same) return { entry: same, dropped: [], duplicate: true };

  const seq = (existing.at(-1)?.seq ?? 0) + 1;
  const path = join(outboxDir(stateDir), entryName(seq, reportId));
  await writeFileAtomic(path, body, { mode: 0o640 });
  const entry: OutboxEntry = { seq, reportId, path, bytes: Buffer.byteLength(body) };

  const dropped: OutboxEntry[] = [];
  const older = [...existing];
  let count = older.length + 1;
  let bytes = older.reduce((sum, e) => sum + e.bytes, entry.bytes);
  while (count > limits.maxReports || bytes > limits.maxBytes) {
    const oldest = older.shift();
    if (!oldest) break; // the new report alone: always kept
    await rm(oldest.path, { force: true });
    dropped.push(oldest);
    count -= 1;
    bytes -= oldest.bytes;
  }
  if (dropped.length > 0) await recordDropped(stateDir, dropped.length, "outbox bound", now);
  return { entry, dropped, duplicate: false };
}

export type EntryRead =
  | { ok: true; body: string; report: HealthReport }
  | { ok: false; reason: string };

/** Reads and validates one stored report (never trust a file). Never throws. */
export async function readEntry(entry: OutboxEntry): Promise<EntryRead> {
  try {
    if (entry.bytes > MAX_ENTRY_BYTES) return { ok: false, reason: `${entry.bytes} bytes: not a report` };
    const body = await readFile(entry.path, "utf8");
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      return { ok: false, reason: "not JSON" };
    }
    const parsed = HealthReportSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return { ok: false, reason: `not a valid report: ${issue?.path.join(".") || "(body)"}: ${issue?.message ?? "invalid"}` };
    }
    if (parsed.data.reportId !== entry.reportId) {
      return { ok: false, reason: `holds report ${parsed.data.reportId}, named ${entry.reportId}` };
    }
    return { ok: true, body, report: parsed.data };
  } catch (error) {
    return { ok: false, reason: `unreadable: ${(error as Error).message}` };
  }
}

/** Removes a delivered (or corrupt) entry. An entry already gone is fine. */
export async function removeEntry(entry: OutboxEntry): Promise<void> {
  await rm(entry.path, { force: true });
}

/** Removes temp files (`.<name>.tmp`) left in the outbox by a crash; how many. Only under the cycle lock. Never throws. */
export function removeLeftovers(stateDir: string, nowMs: number): Promise<number> {
  // Leftovers are ignored by readers anyway: nothing to clean, or not allowed to, is fine.
  return removeStaleTemps(outboxDir(stateDir), { prefix: ".", maxAgeMs: LEFTOVER_AGE_MS }, nowMs);
}

const DroppedStateSchema = z.object({
  version: z.literal(1),
  droppedTotal: z.number().int().nonnegative(),
  lastDroppedAt: z.string().nullable(),
  lastDroppedCount: z.number().int().nonnegative(),
  lastReason: z.string().nullable(),
});
export type DroppedState = z.infer<typeof DroppedStateSchema>;

const NO_DROPS: DroppedState = { version: 1, droppedTotal: 0, lastDroppedAt: null, lastDroppedCount: 0, lastReason: null };

/** Reports dropped since the state folder was made (0 when the record is missing or unreadable). */
export async function readDroppedTotal(stateDir: string): Promise<number> {
  return (await readDropped(stateDir)).state.droppedTotal;
}

async function readDropped(stateDir: string): Promise<{ state: DroppedState; problem: string | null }> {
  try {
    const text = await readFile(join(outboxDir(stateDir), DROPPED_FILE), "utf8");
    const parsed = DroppedStateSchema.safeParse(JSON.parse(text));
    return parsed.success ? { state: parsed.data, problem: null } : { state: NO_DROPS, problem: `${DROPPED_FILE} is invalid` };
  } catch (error) {
    if (isMissing(error)) return { state: NO_DROPS, problem: null };
    return { state: NO_DROPS, problem: `${DROPPED_FILE} unreadable: ${(error as Error).message}` };
  }
}

/** Adds to the persisted count of dropped reports. Throws on I/O errors. */
export async function recordDropped(stateDir: string, count: number, reason: string, now: Date): Promise<void> {
  const { state } = await readDropped(stateDir);
  const next: DroppedState = {
    version: 1,
    droppedTotal: state.droppedTotal + count,
    lastDroppedAt: now.toISOString(),
    lastDroppedCount: count,
    lastReason: reason,
  };
  await writeFileAtomic(join(outboxDir(stateDir), DROPPED_FILE), JSON.stringify(next) + "\n", { mode: 0o640 });
}

export interface OutboxSummary {
  /** Reports waiting. */
  readonly depth: number;
  readonly bytes: number;
  /** The oldest waiting report; `generatedAt` null when its file does not parse. */
  readonly oldest: { readonly reportId: string; readonly generatedAt: string | null } | null;
  /** Reports dropped since the state directory was made (bound or corruption). */
  readonly droppedTotal: number;
  readonly lastDrop: { readonly at: string; readonly count: number; readonly reason: string } | null;
  /** Why part of this could not be read, if so. */
  readonly problem: string | null;
}

/** For `status`: what waits in the outbox and what was dropped. Never throws. */
export async function readOutboxSummary(stateDir: string): Promise<OutboxSummary> {
  const problems: string[] = [];
  let entries: OutboxEntry[] = [];
  try {
    entries = await listOutbox(stateDir);
  } catch (error) {
    problems.push(`outbox unreadable: ${(error as Error).message}`);
  }
  let oldest: OutboxSummary["oldest"] = null;
  const first = entries[0];
  if (first) {
    const read = await readEntry(first);
    oldest = { reportId: first.reportId, generatedAt: read.ok ? read.report.generatedAt : null };
    if (!read.ok) problems.push(`oldest report ${first.reportId}: ${read.reason}`);
  }
  const dropped = await readDropped(stateDir);
  if (dropped.problem) problems.push(dropped.problem);
  const d = dropped.state;
  return {
    depth: entries.length,
    bytes: entries.reduce((sum, e) => sum + e.bytes, 0),
    oldest,
    droppedTotal: d.droppedTotal,
    lastDrop: d.lastDroppedAt !== null ? { at: d.lastDroppedAt, count: d.lastDroppedCount, reason: d.lastReason ?? "" } : null,
    problem: problems.length > 0 ? problems.join("; ") : null,
  };
}
