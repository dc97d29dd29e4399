/**
 * nodekeeper's record of its own cycles, for self-monitoring: the last
 * cycle's duration against its deadline, how many cycles in a row could not
 * deliver their report, the outbox depth they left, the last apply error, and
 * when a report was last delivered.
 *
 * File: `{stateDir}/self.json` (atomic write), written at the end of every
 * `report`/`run` cycle. A lost or torn file costs only these figures, never a
 * decision: it is read leniently (unreadable → as if absent, and said so).
 *
 * Time. The age of the last delivery must hold when the wall clock steps
 * (NTP, a person with `date -s`). Each stamp carries the boot it was taken in
 * (/proc/sys/kernel/random/boot_id) and CLOCK_MONOTONIC at that moment
 * (process.hrtime, which libuv reads from CLOCK_MONOTONIC: the same clock for
 * every process of one boot, never stepped). Within the same boot the age
 * comes from that clock; across a reboot only the wall clock is left, and a
 * stamp that lies in the future is never taken as recent: its age is unknown.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import * as z from "zod";
import { writeFileAtomic } from "./atomic.js";
import { readJsonRecord } from "./json-record.js";
import type { RecordRead } from "./json-record.js";

export const SELF_STATE_FILE = "self.json";

export const BootStampSchema = z.object({
  /** Wall clock, RFC 3339. */
  at: z.string(),
  bootId: z.string().nullable(),
  /** CLOCK_MONOTONIC in ms (since boot) when stamped. */
  monotonicMs: z.number(),
});
export type BootStamp = z.infer<typeof BootStampSchema>;

export const SelfStateSchema = z.object({
  version: z.literal(1),
  lastCycle: z.object({
    finished: BootStampSchema,
    durationMs: z.number().nonnegative(),
    deadlineMs: z.number().positive(),
    /** The cycle's exit code (contract section 3). */
    exitCode: z.number().int(),
    delivered: z.boolean(),
    /** Reports left in the outbox after the cycle. */
    outboxDepth: z.number().int().nonnegative(),
  }),
  /** Cycles in a row that could not deliver their report (0 after a delivery). */
  consecutiveUndelivered: z.number().int().nonnegative(),
  lastDelivered: BootStampSchema.nullable(),
  /** The last action that failed (kept until one fails again), and whether the last cycle had one. */
  lastApplyError: z.object({ at: z.string(), action: z.string(), message: z.string() }).nullable(),
  applyFailedLastCycle: z.boolean(),
});
export type SelfState = z.infer<typeof SelfStateSchema>;

export type SelfStateRead = RecordRead<SelfState>;

/** Never throws. */
export function readSelfState(stateDir: string): Promise<SelfStateRead> {
  return readJsonRecord(stateDir, SELF_STATE_FILE, SelfStateSchema, () => "not in the expected shape");
}

export async function writeSelfState(stateDir: string, value: SelfState): Promise<void> {
  await writeFileAtomic(join(stateDir, SELF_STATE_FILE), JSON.stringify(value, null, 2) + "\n", { mode: 0o640 });
}

/** Where "now" is on both clocks. */
export interface BootNow {
  readonly wallMs: number;
  readonly bootId: string | null;
  readonly monotonicMs: number;
}

let cachedBootId: string | null | undefined;

/** The boot's id (Linux); null elsewhere. Read once per process. */
export async function bootId(): Promise<string | null> {
  if (cachedBootId !== undefined) return cachedBootId;
  try {
    cachedBootId = (await readFile("/proc/sys/kernel/random/boot_id", "utf8")).trim() || null;
  } catch {
    cachedBootId = null;
  }
  return cachedBootId;
}

/** CLOCK_MONOTONIC in ms: shared by the processes of one boot, unlike performance.now(). */
export function bootMonotonicMs(): number {
  return Number(process.hrtime.bigint() / 1_000_000n);
}

export async function bootNow(wallMs: number): Promise<BootNow> {
  return { wallMs, bootId: await bootId(), monotonicMs: bootMonotonicMs() };
}

export function stamp(now: BootNow): BootStamp {
  return { at: new Date(now.wallMs).toISOString(), bootId: now.bootId, monotonicMs: now.monotonicMs };
}

/**
 * Milliseconds from `then` to `now`, or null when they cannot be compared
 * safely: a stamp of another boot whose wall time lies in the future (the
 * clock was set back), or an unreadable time.
 */
export function elapsedMs(then: BootStamp, now: BootNow): number | null {
  if (then.bootId !== null && then.bootId === now.bootId) {
    const d = now.monotonicMs - then.monotonicMs;
    return d >= 0 ? d : null;
  }
  const wall = Date.parse(then.at);
  if (!Number.isFinite(wall)) return null;
  const d = now.wallMs - wall;
  return d >= 0 ? d : null; // in the future: never recent
}
