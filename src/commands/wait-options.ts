/**
 * `wait`'s options, checked before the configuration is read: a typo in
 * --timeout, --interval or --until is told at once, with the column of an
 * expression's error. Small on purpose: it loads no probe.
 */
import { parseExpression, pointAt } from "../check/expression.js";
import type { ExpressionError } from "../check/expression.js";
import { parseInterval } from "./schedule.js";

export interface WaitArguments {
  /** --until */
  readonly until: string;
  /** --timeout, a duration such as 30m */
  readonly timeout: string;
  /** --interval, a duration such as 10s */
  readonly interval: string;
}

export type WaitPlan =
  | { readonly ok: true; readonly timeoutMs: number; readonly intervalMs: number }
  | { readonly ok: false; readonly outcome: "usage" | "bad-expression"; readonly message: string };

/** Shorter than this, a poll every interval would be a busy loop: 1 s. */
const MIN_DURATION_MS = 1_000;

/** The durations in ms, or what is wrong with the first bad option (checked in this order: --timeout, --interval, --until). */
export function planWait(args: WaitArguments): WaitPlan {
  const [timeoutMs, intervalMs] = [parseInterval(args.timeout), parseInterval(args.interval)];
  if (timeoutMs === null || timeoutMs < MIN_DURATION_MS) {
    return { ok: false, outcome: "usage", message: `--timeout: expected a duration of at least 1s, such as 90s or 30m, got ${JSON.stringify(args.timeout)}` };
  }
  if (intervalMs === null || intervalMs < MIN_DURATION_MS) {
    return { ok: false, outcome: "usage", message: `--interval: expected a duration of at least 1s, such as 10s, got ${JSON.stringify(args.interval)}` };
  }
  const parsed = parseExpression(args.until);
  if (!parsed.ok) return { ok: false, outcome: "bad-expression", message: badExpressionMessage(args.until, parsed.error) };
  return { ok: true, timeoutMs, intervalMs };
}

/** The expression's error, its column, and the expression with a caret under that column. */
export function badExpressionMessage(expression: string, error: ExpressionError): string {
  return `--until: ${error.message} (column ${error.column})\n${pointAt(expression, error.column)}`;
}
