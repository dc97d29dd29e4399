/**
 * `wait --until EXPR`: a runbook gate. Probes as `status` does (sending
 * nothing), evaluates the condition (src/check/expression.ts) over the very
 * document `status --json` prints, and returns once it holds, or when the
 * timeout has passed. The first poll runs at once; then one every interval.
 *
 * Slow-changing nodetool facts come from the cache as in `status` (hints and
 * the repair's sources are read at most every 5 to 10 minutes: see
 * cassandra.cacheTtlMs), unless `fresh`.
 *
 * The timeout is a deadline on the monotonic clock (a wall-clock step does
 * not stretch or cut it), and it holds during a poll too: a poll that is
 * still probing when the time is up is abandoned (the caller kills what it
 * started).
 */
import type { LoadedConfig } from "../config/load.js";
import type { Effects } from "../effects/index.js";
import { evaluate, parseExpression } from "../check/expression.js";
import type { ExpressionError, Observation } from "../check/expression.js";
import type { WaitOutcome } from "../contract/outcomes.js";
import { status } from "./status.js";

export interface WaitOptions {
  readonly expression: string;
  /** Give up after this long, in ms. */
  readonly timeoutMs: number;
  /** Between the start of one poll and the start of the next, in ms. */
  readonly intervalMs: number;
  /** Read every nodetool fact at each poll instead of using the cache (`status --fresh`): a JVM per fact per poll. */
  readonly fresh?: boolean;
  /** Called after every poll, for progress output. */
  readonly onPoll?: (poll: WaitPoll) => void;
}

export interface WaitPoll {
  /** 1 for the first poll. */
  readonly poll: number;
  /** Wall-clock time of the poll (RFC 3339). */
  readonly at: string;
  readonly elapsedMs: number;
  readonly value: boolean;
  /** Each path of the expression and the value it had. */
  readonly observed: readonly Observation[];
}

export type WaitResult =
  | { readonly outcome: "true"; readonly polls: number; readonly elapsedMs: number; readonly last: WaitPoll }
  | { readonly outcome: "timeout"; readonly polls: number; readonly elapsedMs: number; readonly last: WaitPoll | null }
  /** The expression does not parse, or names a path the status document does not have. */
  | { readonly outcome: "bad-expression"; readonly error: ExpressionError };

const OUTCOME: Readonly<Record<WaitResult["outcome"], WaitOutcome>> = { "true": "condition-true", "timeout": "timed-out", "bad-expression": "bad-expression" };

/** What the wait came to, for the exit code (src/contract/outcomes.ts). */
export function waitOutcome(result: WaitResult): WaitOutcome {
  return OUTCOME[result.outcome];
}

/** The document `status --json` prints: the status view without the raw snapshot, as JSON. */
export async function statusDocument(effects: Effects, loaded: LoadedConfig, fresh = false): Promise<unknown> {
  const { snapshot: _raw, ...view } = await status(effects, loaded, { fresh });
  return JSON.parse(JSON.stringify(view)) as unknown;
}

export async function waitUntil(effects: Effects, loaded: LoadedConfig, options: WaitOptions, poll: () => Promise<unknown> = () => statusDocument(effects, loaded, options.fresh)): Promise<WaitResult> {
  const parsed = parseExpression(options.expression);
  if (!parsed.ok) return { outcome: "bad-expression", error: parsed.error };
  const { clock } = effects;
  const started = clock.monotonic();
  const deadline = started + options.timeoutMs;
  const elapsed = () => Math.round(clock.monotonic() - started);
  let last: WaitPoll | null = null;
  let polls = 0;
  const stop = new AbortController();
  // One timer for the whole wait: it ends a poll that would outlast the deadline.
  const timeUp = clock.sleep(options.timeoutMs, stop.signal).then(() => "timeout" as const);
  try {
    for (;;) {
      const pollStarted = clock.monotonic();
      const document = await Promise.race([poll(), timeUp]);
      if (document === "timeout" || clock.monotonic() >= deadline) break;
      polls += 1;
      const result = evaluate(parsed.ast, document);
      if (!result.ok) return { outcome: "bad-expression", error: result.error };
      last = { poll: polls, at: new Date(clock.now()).toISOString(), elapsedMs: elapsed(), value: result.value, observed: result.observed };
      options.onPoll?.(last);
      if (result.value) return { outcome: "true", polls, elapsedMs: elapsed(), last };
      const pause = Math.max(0, pollStarted + options.intervalMs - clock.monotonic());
      if (clock.monotonic() + pause >= deadline) {
        await Promise.race([clock.sleep(Math.max(0, deadline - clock.monotonic()), stop.signal), timeUp]);
        break;
      }
      await clock.sleep(pause, stop.signal);
    }
    return { outcome: "timeout", polls, elapsedMs: elapsed(), last };
  } finally {
    stop.abort();
  }
}

/** A value for a progress line: strings bare (IDLE), the rest as JSON; control characters out, at most 120 characters (a path may name outside text). */
export function showValue(value: unknown): string {
  // eslint-disable-next-line no-control-regex
  const text = (typeof value === "string" ? value : JSON.stringify(value)).replace(/[\u0000-\u001f\u007f-\u009f]+/g, " ");
  return text.length > 120 ? `${text.slice(0, 119)}…` : text;
}

/** "cassandra.hints.total = 1523, cassandra.repair = RUNNING" */
export function describeObserved(observed: readonly Observation[]): string {
  return observed.length === 0 ? "(no paths)" : observed.map((o) => `${o.path} = ${showValue(o.value)}`).join(", ");
}

/** "1h 2m 5s", "45s", "1.5s" */
export function formatDuration(ms: number): string {
  if (ms < 10_000) return `${(Math.round(ms / 100) / 10).toString()}s`;
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  return [h > 0 ? `${h}h` : "", m > 0 ? `${m}m` : "", rest > 0 || s === 0 ? `${rest}s` : ""].filter((x) => x !== "").join(" ");
}
