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

/** A clock that tests set and move by hand: time passes, the wall clock steps, the node reboots. */
export interface SteppableClock extends Clock {
  /** Time passes: the wall, monotonic and boot clocks all move on by `ms` (not negative: time does not pass backwards). */
  advance(ms: number): void;
  /**
   * The wall clock alone is stepped forward (ms > 0) or back (ms < 0), as NTP
   * or an operator steps it; the monotonic and boot clocks do not move.
   */
  stepWall(ms: number): void;
  /**
   * The node restarts: `downMs` of wall time pass, the boot id changes and the
   * boot clock starts again at `upMs` (default 30 s after the boot).
   */
  reboot(downMs: number, upMs?: number): void;
}

export interface SteppableClockStart {
  /** Wall-clock milliseconds since the epoch. */
  readonly wallMs: number;
  /** Where the boot clock starts; null: a system that does not tell (boot() is null). Default: boot "boot-1", up for 1 h. */
  readonly boot?: BootStamp | null;
  /** Where the monotonic clock starts: 0 by default. */
  readonly monotonicMs?: number;
}

/**
 * A fake `Clock` for tests: it tells the time it is set to and moves only when
 * told. `sleep(ms)` lets `ms` pass at once (and resolves without moving when
 * its signal is already aborted), so code that waits runs without waiting.
 */
export function steppableClock(start: SteppableClockStart): SteppableClock {
  let wallMs = start.wallMs;
  let monotonicMs = start.monotonicMs ?? 0;
  let boot: BootStamp | null = start.boot === undefined ? { bootId: "boot-1", bootMs: 3_600_000 } : start.boot; // up for 1 h
  const firstBootId = boot?.bootId ?? "boot";
  let reboots = 0;
  const advance = (ms: number): void => {
    if (!(ms >= 0)) throw new RangeError(`time passes forwards only (advance by ${ms} ms); stepWall moves the wall clock back`);
    wallMs += ms;
    monotonicMs += ms;
    if (boot !== null) boot = { bootId: boot.bootId, bootMs: boot.bootMs + ms };
  };
  return {
    now: () => wallMs,
    monotonic: () => monotonicMs,
    boot: () => boot,
    sleep: async (ms, signal) => {
      if (signal?.aborted) return;
      advance(Math.max(0, ms));
      await Promise.resolve();
    },
    advance,
    stepWall: (ms) => {
      wallMs += ms;
    },
    reboot: (downMs, upMs = 30_000) => {
      advance(downMs);
      reboots += 1;
      if (boot !== null) boot = { bootId: `${firstBootId}-reboot-${reboots}`, bootMs: upMs };
    },
  };
}
