/**
 * One line of Nagios plugin output (Nagios plugin development guidelines):
 *
 *   NODEKEEPER <AREA> <STATE> - <text> | <perfdata>
 *
 * perfdata is space-separated `label=value[UOM];[warn];[crit];[min];[max]`.
 * A label is quoted with single quotes when it contains a space, `=`, `'` or
 * `;`, and a quote inside it is written as two quotes (''). The guidelines
 * advise against `=` in labels; paths and node IDs can hold one, and quoting
 * is what the common parsers (pnp4nagios, Icinga 2) understand.
 *
 * The first line never holds a newline or a `|` in its text (either would cut
 * it for Nagios), and its text is kept short: lists are cut to a few items.
 */
import type { HealthOutcome } from "../contract/outcomes.js";
import type { Status } from "../contract/status.js";
import type { Range } from "./range.js";

export const NAGIOS_STATES = ["OK", "WARNING", "CRITICAL", "UNKNOWN"] as const;
export type NagiosState = (typeof NAGIOS_STATES)[number];

/**
 * "The worst wins" in the same order as `worstStatus` (contract/status.ts):
 * UNKNOWN ranks above WARNING (a check that cannot see is worse than a known
 * warning) and below CRITICAL.
 */
const SEVERITY: Readonly<Record<NagiosState, number>> = { OK: 0, WARNING: 1, UNKNOWN: 2, CRITICAL: 3 };

export function worstState(states: Iterable<NagiosState>): NagiosState {
  let worst: NagiosState = "OK";
  for (const s of states) if (SEVERITY[s] > SEVERITY[worst]) worst = s;
  return worst;
}

export function severity(state: NagiosState): number {
  return SEVERITY[state];
}

/** A contract status in Nagios words: ERROR is CRITICAL; NOT_INSTALLED counts as OK. */
export function stateOfStatus(status: Status): NagiosState {
  switch (status) {
    case "OK":
    case "NOT_INSTALLED":
      return "OK";
    case "WARNING":
      return "WARNING";
    case "ERROR":
      return "CRITICAL";
    case "UNKNOWN":
      return "UNKNOWN";
  }
}

/**
 * A Nagios state as the contract's health outcome, which the CLI turns into
 * the exit code (contract/outcomes.ts: 0 OK, 1 WARNING, 2 CRITICAL, 3
 * UNKNOWN); CRITICAL is the contract's ERROR. The inverse of stateOfStatus.
 */
export function healthOutcome(state: NagiosState): HealthOutcome {
  return { health: state === "CRITICAL" ? "ERROR" : state };
}

/** Units of measure the guidelines allow: none, seconds (s, ms, us), percent, bytes (B, KB, MB, GB, TB), continuous counter (c). */
export type Uom = "" | "s" | "ms" | "us" | "%" | "B" | "KB" | "MB" | "GB" | "TB" | "c";

export interface PerfDatum {
  readonly label: string;
  /** null: the value could not be determined (written as `U`, as the guidelines say). */
  readonly value: number | null;
  readonly uom?: Uom;
  readonly warn?: Range;
  readonly crit?: Range;
  readonly min?: number;
  readonly max?: number;
}

/** The longest text after `STATE - `, in characters: a status line in a monitor's overview is read at a glance. */
export const MAX_TEXT_CHARS = 200;

/** Control characters (newlines included) become spaces; `|` would start the perfdata. */
function sanitizeText(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f]+/g, " ").replaceAll("|", "/").replace(/ {2,}/g, " ").trim();
}

/** Cuts `text` to `max` characters, ending in "…" when cut. */
export function cut(text: string, max: number): string {
  const chars = Array.from(text); // code points, so a cut never splits a surrogate pair
  return chars.length <= max ? text : `${chars.slice(0, Math.max(0, max - 1)).join("").trimEnd()}…`;
}

/**
 * A list for the first line: the first `maxItems` items, then "…" when there
 * are more (the caller says how many in all, e.g. "3 directories low: /a, /b, …").
 */
export function shortList(items: readonly string[], maxItems = 3): string {
  const shown = items.slice(0, maxItems).join(", ");
  return items.length > maxItems ? `${shown}, …` : shown;
}

export function formatLabel(label: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = label.replace(/[\u0000-\u001f\u007f]+/g, " ").replaceAll("|", "/") || "value";
  return /[\s='";]/.test(clean) ? `'${clean.replaceAll("'", "''")}'` : clean;
}

/** A perfdata number: plain decimal, never exponent notation, at most 3 decimals. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return "U";
  if (Number.isInteger(value)) return Math.abs(value) < 1e21 ? value.toFixed(0) : BigInt(value).toString();
  const fixed = value.toFixed(3).replace(/0+$/, "").replace(/\.$/, "");
  return fixed === "-0" ? "0" : fixed;
}

export function formatPerfDatum(p: PerfDatum): string {
  const value = p.value === null || !Number.isFinite(p.value) ? "U" : `${formatNumber(p.value)}${p.uom ?? ""}`;
  const fields = [p.warn?.text ?? "", p.crit?.text ?? "", p.min === undefined ? "" : formatNumber(p.min), p.max === undefined ? "" : formatNumber(p.max)];
  // Trailing empty fields are left out: `down=2`, not `down=2;;;;`.
  while (fields.length > 0 && fields[fields.length - 1] === "") fields.pop();
  return [`${formatLabel(p.label)}=${value}`, ...fields].join(";");
}

/**
 * The first line of plugin output. `area` is upper-cased (`CASSANDRA`); the
 * text is cleaned and cut to MAX_TEXT_CHARS; perfdata follows ` | ` when any.
 */
export function formatLine(area: string, state: NagiosState, text: string, perfdata: readonly PerfDatum[] = []): string {
  const head = `NODEKEEPER ${area.toUpperCase()} ${state} - ${cut(sanitizeText(text) || state, MAX_TEXT_CHARS)}`;
  return perfdata.length === 0 ? head : `${head} | ${perfdata.map(formatPerfDatum).join(" ")}`;
}
