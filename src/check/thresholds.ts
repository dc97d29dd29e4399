/**
 * `check --warning/--critical`: which numbers of an area a threshold applies
 * to, parsing the option text into Nagios ranges (range.ts), and judging a
 * number against them. A critical range is checked before the warning range
 * (Nagios plugin development guidelines).
 */
import type { CheckArea } from "./areas.js";
import type { NagiosState } from "./nagios.js";
import { alerts, parseRange, type Range } from "./range.js";

export interface Thresholds {
  readonly warning?: Range | undefined;
  readonly critical?: Range | undefined;
}

/** Bad `--warning`/`--critical` text: the CLI ends with the "usage" outcome (exit 64) and prints `message`. */
export interface UsageError {
  readonly outcome: "usage";
  readonly message: string;
}

export function usageError(message: string): UsageError {
  return { outcome: "usage", message };
}

/** The numbers thresholds can apply to, per area; the first is the one a bare range applies to. */
export const THRESHOLD_METRICS = {
  components: [],
  directories: ["free"],
  cassandra: ["hints", "down"],
  connectivity: ["latency", "down"],
  cluster: [],
  self: [],
} as const satisfies Record<CheckArea, readonly string[]>;

export type ThresholdMetric<A extends CheckArea> = (typeof THRESHOLD_METRICS)[A][number];
export type ThresholdsFor<A extends CheckArea> = Partial<Record<ThresholdMetric<A>, Thresholds>>;

export type ThresholdArgsParse<A extends CheckArea> =
  | { readonly ok: true; readonly thresholds: ThresholdsFor<A> }
  | { readonly ok: false; readonly error: UsageError };

/** What decides an area that has no numbers, for the error that refuses its thresholds. */
const DECIDED_BY: Readonly<Record<CheckArea, string>> = {
  components: "the probes' own statuses",
  directories: "the probes' own statuses",
  cassandra: "the probes' own statuses",
  connectivity: "the probes' own statuses",
  cluster: "Mission Control's answer",
  self: "the selfMonitoring thresholds of the configuration",
};

/**
 * Parses `--warning`/`--critical` for `area`. Never throws: bad text, an
 * unknown number name, or thresholds on an area without numbers give a
 * UsageError naming the option.
 */
export function parseThresholdArgs<A extends CheckArea>(
  area: A,
  args: { readonly warning?: string | undefined; readonly critical?: string | undefined },
): ThresholdArgsParse<A> {
  const metrics: readonly string[] = THRESHOLD_METRICS[area];
  const out: Record<string, { warning?: Range; critical?: Range }> = {};
  for (const level of ["warning", "critical"] as const) {
    const text = args[level];
    if (text === undefined) continue;
    const option = `--${level}`;
    const primary = metrics[0];
    if (primary === undefined) {
      return { ok: false, error: usageError(`check ${area} takes no ${option}: its state is decided by ${DECIDED_BY[area]}`) };
    }
    if (text.trim() === "") return { ok: false, error: usageError(`${option}: empty range`) };
    const seen = new Set<string>();
    for (const item of text.split(",")) {
      const eq = item.indexOf("=");
      const name = eq < 0 ? primary : item.slice(0, eq).trim();
      const rangeText = eq < 0 ? item : item.slice(eq + 1);
      if (!metrics.includes(name)) {
        return { ok: false, error: usageError(`${option}: check ${area} has no number ${JSON.stringify(name)} (it has: ${metrics.join(", ")})`) };
      }
      if (seen.has(name)) return { ok: false, error: usageError(`${option}: ${name} is given twice`) };
      seen.add(name);
      const parsed = parseRange(rangeText);
      if (!parsed.ok) return { ok: false, error: usageError(`${option}: ${parsed.error}`) };
      (out[name] ??= {})[level] = parsed.range;
    }
  }
  return { ok: true, thresholds: out as ThresholdsFor<A> };
}

/** The verdict of thresholds on a number: critical first, then warning; null when no threshold is set. */
export function judge(value: number, thresholds: Thresholds | undefined): NagiosState | null {
  if (thresholds?.critical === undefined && thresholds?.warning === undefined) return null;
  if (thresholds.critical !== undefined && alerts(thresholds.critical, value)) return "CRITICAL";
  if (thresholds.warning !== undefined && alerts(thresholds.warning, value)) return "WARNING";
  return "OK";
}

export const hasThresholds = (t: Thresholds | undefined): t is Thresholds => t?.warning !== undefined || t?.critical !== undefined;

/** The thresholds as they appear in `check --json` (`data.thresholds`): the range texts, null when unset. */
export const thresholdData = (t: Thresholds | undefined) => ({ warning: t?.warning?.text ?? null, critical: t?.critical?.text ?? null });
