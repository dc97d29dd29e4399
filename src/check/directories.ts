/**
 * `check directories`: the probe's statuses decide, or, with `--warning` /
 * `--critical`, thresholds on the number `free` (the lowest free-space
 * percent of all directories) decide free space instead.
 */
import { CODES } from "../contract/result-codes.js";
import { worstStatus } from "../contract/status.js";
import type { DirectoryResult } from "../probes/directories.js";
import { severity, shortList, stateOfStatus, worstState, type NagiosState, type PerfDatum } from "./nagios.js";
import { checkResult, type CheckResult } from "./result.js";
import { byStatusSeverity, pct, plural } from "./text.js";
import { hasThresholds, judge, thresholdData, type Thresholds } from "./thresholds.js";

export type DirectoryCheckInput = Pick<DirectoryResult, "path" | "status" | "details" | "resultCode" | "freePercent">;
type WithSpace = DirectoryCheckInput & { freePercent: number };

const SPACE_CODES: ReadonlySet<number> = new Set([CODES.DIR_SPACE_LOW, CODES.DIR_SPACE_CRITICAL]);

/** A few words per result code, for the first line; the full details go to `details`. */
const DIRECTORY_REASONS: Readonly<Record<number, string>> = {
  [CODES.DIR_MISSING]: "missing",
  [CODES.DIR_NOT_A_DIRECTORY]: "not a directory",
  [CODES.DIR_PERMISSION_DENIED]: "permission denied",
  [CODES.DIR_READ_ONLY]: "read-only",
  [CODES.DIR_WRITE_FAILED]: "write test failed",
  [CODES.DIR_STUCK]: "stuck",
  [CODES.DIR_STAT_FAILED]: "statfs failed",
  [CODES.DIR_SPACE_LOW]: "space low",
  [CODES.DIR_SPACE_CRITICAL]: "space critical",
  [CODES.DIR_INODES_LOW]: "inodes low",
  [CODES.DIR_INODES_CRITICAL]: "inodes critical",
  [CODES.PROBE_TIMEOUT]: "probe timed out",
  [CODES.PROBE_CRASHED]: "probe crashed",
  [CODES.PROBE_SKIPPED_DEADLINE]: "probe skipped",
};

function reason(d: DirectoryCheckInput): string {
  const words = DIRECTORY_REASONS[d.resultCode] ?? d.status;
  return SPACE_CODES.has(d.resultCode) && d.freePercent !== null ? `${words} (${pct(d.freePercent)} free)` : words;
}

/** What both modes start from: every directory, those with a known free percent, and the lowest of them. */
interface Survey {
  readonly dirs: readonly DirectoryCheckInput[];
  readonly withSpace: readonly WithSpace[];
  /** The directory with the lowest free percent; null when none could give it. */
  readonly lowest: WithSpace | null;
  /** "lowest free space 12.0% (/data)", or "free space unknown". */
  readonly lowestText: string;
  readonly perfdata: readonly PerfDatum[];
  readonly details: readonly string[];
  readonly baseData: Record<string, unknown>;
}

const notOkText = (bad: readonly DirectoryCheckInput[], n: number) =>
  `${bad.length} of ${plural(n, "directory", "directories")} not OK: ${shortList(bad.map((d) => `${d.path} ${reason(d)}`))}`;

/**
 * Without thresholds, the probe's own statuses decide (each directory's
 * warnFreePercent/minFreePercent/minFreeBytes from the configuration).
 *
 * With `--warning`/`--critical`, free space is judged by them instead, on ONE
 * number: the lowest free-space percent of all directories (so `--warning 15:
 * --critical 5:` means "warn when any directory has less than 15 % free").
 * The probe's space findings (codes 210, 211, including minFreeBytes) are then
 * set aside; its other findings (missing, read-only, stuck, inodes...) still
 * count. The probe reports one deciding code per directory: an inode warning
 * hidden behind a space finding is not seen in this mode.
 *
 * No directories at all is UNKNOWN: nothing was checked.
 */
export function checkDirectories(dirs: readonly DirectoryCheckInput[], thresholds?: Thresholds): CheckResult {
  const withSpace = dirs.filter((d): d is WithSpace => d.freePercent !== null && Number.isFinite(d.freePercent));
  const lowest = withSpace.reduce<WithSpace | null>((low, d) => (low === null || d.freePercent < low.freePercent ? d : low), null);
  const useThresholds = hasThresholds(thresholds);
  const perfdata: PerfDatum[] = [
    { label: "min_free", value: lowest?.freePercent ?? null, uom: "%", ...(useThresholds ? { warn: thresholds.warning, crit: thresholds.critical } : {}), min: 0, max: 100 },
    ...dirs.map((d): PerfDatum => ({ label: d.path, value: d.freePercent, uom: "%", min: 0, max: 100 })),
  ];
  const details = byStatusSeverity(dirs.filter((d) => d.status !== "OK")).map((d) => `${d.path}: ${d.status} (code ${d.resultCode}) ${d.details}`);
  const baseData = {
    mode: useThresholds ? "thresholds" : "probe",
    thresholds: thresholdData(thresholds),
    lowestFreePercent: lowest?.freePercent ?? null,
    lowestFreePath: lowest?.path ?? null,
  };
  if (dirs.length === 0) return checkResult("directories", "UNKNOWN", "no directories are configured", perfdata, [], { ...baseData, directories: [] });
  const lowestText = lowest === null ? "free space unknown" : `lowest free space ${pct(lowest.freePercent)} (${lowest.path})`;
  const survey: Survey = { dirs, withSpace, lowest, lowestText, perfdata, details, baseData };
  return useThresholds ? byThresholds(survey, thresholds) : byProbe(survey);
}

/** The probe's statuses decide. */
function byProbe(s: Survey): CheckResult {
  const { dirs } = s;
  const n = dirs.length;
  const state = stateOfStatus(worstStatus(dirs.map((d) => d.status)));
  const bad = byStatusSeverity(dirs.filter((d) => stateOfStatus(d.status) !== "OK"));
  const text = bad.length > 0 ? notOkText(bad, n) : `${plural(n, "directory", "directories")} OK, ${s.lowestText}`;
  const data = { ...s.baseData, directories: dirs.map((d) => ({ path: d.path, status: d.status, state: stateOfStatus(d.status), resultCode: d.resultCode, freePercent: d.freePercent })) };
  return checkResult("directories", state, text, s.perfdata, s.details, data);
}

/** Threshold mode: the probe's findings other than free space, plus one verdict on the lowest free percent. */
function byThresholds(s: Survey, thresholds: Thresholds): CheckResult {
  const { dirs, lowest, lowestText } = s;
  const n = dirs.length;
  const baseState = (d: DirectoryCheckInput): NagiosState => (SPACE_CODES.has(d.resultCode) ? "OK" : stateOfStatus(d.status));
  const spaceState: NagiosState = lowest === null ? "UNKNOWN" : (judge(lowest.freePercent, thresholds) ?? "OK");
  const state = worstState([...dirs.map(baseState), spaceState]);
  const other = byStatusSeverity(dirs.filter((d) => baseState(d) !== "OK"));
  // The directories to name: those whose own free percent alerts at the level found.
  const low = s.withSpace
    .filter((d) => spaceState !== "OK" && severity(judge(d.freePercent, thresholds) ?? "OK") >= severity(spaceState))
    .sort((a, b) => a.freePercent - b.freePercent);
  const parts: string[] = [];
  if (other.length > 0) parts.push(notOkText(other, n));
  if (spaceState === "OK") parts.push(other.length > 0 ? lowestText : `${plural(n, "directory", "directories")} OK, ${lowestText}`);
  else if (low.length > 0) parts.push(`${plural(low.length, "directory", "directories")} low on space: ${shortList(low.map((d) => `${d.path} ${pct(d.freePercent)} free`))}`);
  else parts.push(lowestText);
  const data = {
    ...s.baseData,
    directories: dirs.map((d) => ({
      path: d.path, status: d.status, resultCode: d.resultCode, freePercent: d.freePercent,
      state: worstState([baseState(d), d.freePercent === null ? "OK" : (judge(d.freePercent, thresholds) ?? "OK")]),
    })),
  };
  return checkResult("directories", state, parts.join("; "), s.perfdata, s.details, data);
}
