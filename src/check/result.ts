/**
 * What every `check <area>` returns: the Nagios state and the health outcome
 * the CLI turns into the exit code, the plugin output line with its perfdata,
 * the long-output details, and the `check --json` document. Each area's
 * module decides the state and the words; `checkResult` puts them together
 * the same way for all.
 */
import { exitCodeOf, type ExitCode, type HealthOutcome } from "../contract/outcomes.js";
import type { CheckArea } from "./areas.js";
import { formatLine, healthOutcome, type NagiosState, type PerfDatum } from "./nagios.js";

/** Bumped when a field of `check --json` changes meaning or goes away (adding fields does not bump it). */
export const CHECK_JSON_VERSION = 1;

export interface PerfDatumJson {
  readonly label: string;
  readonly value: number | null;
  readonly uom: string;
  readonly warning: string | null;
  readonly critical: string | null;
  readonly min: number | null;
  readonly max: number | null;
}

export interface CheckJson {
  readonly checkVersion: typeof CHECK_JSON_VERSION;
  readonly area: CheckArea;
  readonly state: NagiosState;
  /** The exit code `check` ends with (a documented field of the output: monitors read it). */
  readonly exitCode: ExitCode;
  /** The text of the line, not cut. */
  readonly summary: string;
  readonly line: string;
  readonly perfdata: readonly PerfDatumJson[];
  readonly details: readonly string[];
  /** Area-specific facts the verdict was made from. */
  readonly data: Readonly<Record<string, unknown>>;
}

export interface CheckResult {
  readonly area: CheckArea;
  readonly state: NagiosState;
  /** The state as the contract's outcome: the CLI maps it to the exit code (exitCodeOf). */
  readonly outcome: HealthOutcome;
  /** The first line of plugin output (no newline in it). */
  readonly line: string;
  /** The text of the line before it was cut to length. */
  readonly text: string;
  readonly perfdata: readonly PerfDatum[];
  /**
   * One line per finding, in full: Nagios 3+ shows lines after the first as
   * "long output", so the CLI may print them below `line`.
   */
  readonly details: readonly string[];
  readonly json: CheckJson;
}

function perfJson(p: PerfDatum): PerfDatumJson {
  return {
    label: p.label, value: p.value !== null && Number.isFinite(p.value) ? p.value : null, uom: p.uom ?? "",
    warning: p.warn?.text ?? null, critical: p.crit?.text ?? null,
    min: p.min ?? null, max: p.max ?? null,
  };
}

export function checkResult(
  area: CheckArea,
  state: NagiosState,
  text: string,
  perfdata: readonly PerfDatum[],
  details: readonly string[],
  data: Record<string, unknown>,
): CheckResult {
  const line = formatLine(area, state, text, perfdata);
  const outcome = healthOutcome(state);
  // The JSON keeps the exit code it has always shown; the table in contract/outcomes.ts gives it.
  const exitCode = exitCodeOf(outcome);
  return {
    area, state, outcome, line, text, perfdata, details,
    json: { checkVersion: CHECK_JSON_VERSION, area, state, exitCode, summary: text, line, perfdata: perfdata.map(perfJson), details, data },
  };
}
