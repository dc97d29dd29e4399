/** The clock effect: wall time and monotonic time, replaceable in tests. */
import { readFileSync } from "node:fs";

/**
 * Where a moment sits on this boot's clock: the kernel's boot id and
 * CLOCK_BOOTTIME in milliseconds. NTP slews but never steps CLOCK_BOOTTIME
 * (it counts from the boot, suspend included), so two stamps of one boot give
 * the real time elapsed between them whatever the wall clock did; stamps of
 * two boots (another boot id) cannot be compared.
 */
export interface BootStamp {
  readonly bootId: string;
  readonly bootMs: number;
}

export interface Clock {
  /** Wall-clock milliseconds since the epoch. */
  now(): number;
  /** Monotonic milliseconds, for durations within this process; never goes backwards. */
  monotonic(): number;
  /** This boot's stamp now, for elapsed times across processes; null where the system does not tell. */
  boot(): BootStamp | null;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** A stored moment: the wall time, and the boot stamp taken with it (null: not known). */
export interface Moment {
  readonly wallMs: number;
  readonly boot: BootStamp | null;
}

/**
 * Milliseconds from `then` to `now`, or null when they cannot be told safely.
 * Same boot: the boot clock's difference, whatever the wall clock did. Two
 * boots: null (the chain breaks). Without a boot stamp on either side (a
 * state written before stamps, a system without /proc): the wall-clock
 * difference, and null when `then` lies in the future (the wall clock went
 * back): a stored time in the future is never recent.
 *
 * Each rule decides what null means for it, always the safe way: not recent
 * for a confirmation, due for a retry.
 */
export function elapsedMs(then: Moment, now: Moment): number | null {
  if (then.boot !== null && now.boot !== null) {
    if (then.boot.bootId !== now.boot.bootId) return null;
    const ms = now.boot.bootMs - then.boot.bootMs;
    return ms >= 0 ? ms : null;
  }
  if (!Number.isFinite(then.wallMs) || !Number.isFinite(now.wallMs)) return null;
  const ms = now.wallMs - then.wallMs;
  return ms >= 0 ? ms : null;
}

/** The node restarted between the two stamps (both known, boot ids differ). */
export function rebootedBetween(then: BootStamp | null, now: BootStamp | null): boolean {
  return then !== null && now !== null && then.bootId !== now.bootId;
}

/** Linux: /proc/sys/kernel/random/boot_id (one per boot) and /proc/uptime (CLOCK_BOOTTIME, in 10 ms steps). */
function readBootStamp(): BootStamp | null {
  try {
    const bootId = readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
    const uptime = Number(readFileSync("/proc/uptime", "utf8").split(" ")[0]);
    if (bootId === "" || !Number.isFinite(uptime)) return null;
    return { bootId, bootMs: Math.round(uptime * 1000) };
  } catch {
    return null;
  }
}

export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
  boot: readBootStamp,
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        resolve();
      }
      signal?.addEventListener("abort", done, { once: true });
    }),
};
