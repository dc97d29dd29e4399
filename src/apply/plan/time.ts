/**
 * Stored times as the plan compares them with now. The clock rule: every
 * comparison of a stored time with now goes through `elapsedMs`
 * (effects/clock.ts): within one boot the boot clock, which NTP does not step,
 * measures it, so a wall-clock step either way neither chains two answers
 * hours apart nor makes an old answer fresh; across a reboot the chain breaks;
 * a stored time in the future is never recent. Unknown elapsed time counts the
 * safe way for each rule: not recent for a confirmation and the stop, due for
 * a retry or a re-assert.
 */
import { elapsedMs } from "../../effects/clock.js";
import type { BootStamp, Moment } from "../../effects/clock.js";

/** Wall-clock milliseconds as the RFC 3339 UTC string the state stores. */
export const iso = (ms: number): string => new Date(ms).toISOString();

/** A stored time and its boot stamp as a Moment; null when no time is stored. */
export function moment(at: string | null | undefined, boot: BootStamp | null | undefined): Moment | null {
  return at === null || at === undefined ? null : { wallMs: Date.parse(at), boot: boot ?? null };
}

/** Elapsed from a stored moment to now, null when it cannot be told safely (see the clock rule above). */
export function elapsedSince(stored: Moment | null, now: Moment): number | null {
  return stored === null ? null : elapsedMs(stored, now);
}
