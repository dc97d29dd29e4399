/**
 * `nodekeeper check <area>`: one pure function per area, from probe data to a
 * Nagios state, exit code, plugin output line, perfdata and a JSON document.
 * The CLI probes, calls one of these, prints `line` (or `json` with --json)
 * and exits with `exitCode`.
 *
 * Thresholds (`--warning`, `--critical`) use the Nagios range syntax
 * (range.ts). Each area has the numbers a threshold can apply to; a bare range
 * applies to the area's first number, `name=range` to a named one, several
 * separated by commas (`--warning hints=100,down=1`):
 *
 * | area         | numbers                                                          |
 * |--------------|------------------------------------------------------------------|
 * | components   | none (the probes' own statuses decide)                           |
 * | directories  | `free`: the LOWEST free-space percent of all directories         |
 * | cassandra    | `hints`: hint files held for all peers; `down`: peers down       |
 * | connectivity | `latency`: worst latency in ms (host or server, any peer); `down`: peers not fully connected |
 * | cluster      | none (Mission Control's words decide)                            |
 * | self         | none (selfMonitoring in the configuration decides)               |
 *
 * A critical range is checked before the warning range (guidelines). A number
 * that was asked to be judged but could not be measured makes the check
 * UNKNOWN, never OK.
 */
import * as z from "zod";
import type { ComponentResult } from "../probes/components.js";
import type { DirectoryResult } from "../probes/directories.js";
import type { SelfHealth, SelfThresholds } from "../probes/self.js";
import { CODES } from "../contract/result-codes.js";
import { worstStatus } from "../contract/status.js";
import type { Status } from "../contract/status.js";
import type { RepairState } from "../contract/report.js";
import {
  formatLine, NAGIOS_EXIT, severity, shortList, stateOfStatus, worstState,
  type NagiosExitCode, type NagiosState, type PerfDatum,
} from "./nagios.js";
import { alerts, parseRange, type Range } from "./range.js";
import type { ConnectivityMetric } from "../contract/report.js";

export const CHECK_AREAS = ["components", "directories", "cassandra", "connectivity", "cluster", "self"] as const;
export type CheckArea = (typeof CHECK_AREAS)[number];

/** Bumped when a field of `check --json` changes meaning or goes away (adding fields does not bump it). */
export const CHECK_JSON_VERSION = 1;

export interface Thresholds {
  readonly warning?: Range | undefined;
  readonly critical?: Range | undefined;
}

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
  readonly exitCode: NagiosExitCode;
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
  readonly exitCode: NagiosExitCode;
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

// ---------------------------------------------------------------------------
// Threshold arguments

/** Bad `--warning`/`--critical` text: the CLI exits 64 (usage) with `message`. */
export interface UsageError {
  readonly kind: "usage";
  readonly exitCode: 64;
  readonly message: string;
}

export function usageError(message: string): UsageError {
  return { kind: "usage", exitCode: 64, message };
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
      return { ok: false, error: usageError(`check ${area} takes no ${option}: its state is decided by ${area === "cluster" ? "Mission Control's answer" : area === "self" ? "the selfMonitoring thresholds of the configuration" : "the probes' own statuses"}`) };
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

const hasThresholds = (t: Thresholds | undefined): t is Thresholds => t?.warning !== undefined || t?.critical !== undefined;

// ---------------------------------------------------------------------------
// Building a result

function perfJson(p: PerfDatum): PerfDatumJson {
  return {
    label: p.label, value: p.value !== null && Number.isFinite(p.value) ? p.value : null, uom: p.uom ?? "",
    warning: p.warn?.text ?? null, critical: p.crit?.text ?? null,
    min: p.min ?? null, max: p.max ?? null,
  };
}

function build(
  area: CheckArea,
  state: NagiosState,
  text: string,
  perfdata: readonly PerfDatum[],
  details: readonly string[],
  data: Record<string, unknown>,
): CheckResult {
  const line = formatLine(area, state, text, perfdata);
  const exitCode = NAGIOS_EXIT[state];
  return {
    area, state, exitCode, line, text, perfdata, details,
    json: { checkVersion: CHECK_JSON_VERSION, area, state, exitCode, summary: text, line, perfdata: perfdata.map(perfJson), details, data },
  };
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const pct = (value: number) => `${value.toFixed(1)}%`;
/** Worst first; the sort is stable, so input order is kept among equals. */
const byStatusSeverity = <T extends { status: Status }>(items: readonly T[]) =>
  [...items].sort((a, b) => severity(stateOfStatus(b.status)) - severity(stateOfStatus(a.status)));
const thresholdData = (t: Thresholds | undefined) => ({ warning: t?.warning?.text ?? null, critical: t?.critical?.text ?? null });

// ---------------------------------------------------------------------------
// components

export type ComponentCheckInput = Pick<ComponentResult, "name" | "status" | "description" | "resultCode">;

const STATUSES: readonly Status[] = ["OK", "WARNING", "ERROR", "UNKNOWN", "NOT_INSTALLED"];

/**
 * The worst component status decides. The text names the components that are
 * not OK (worst first); NOT_INSTALLED counts as OK and is named only when
 * nothing else is. perfdata: how many components have each status.
 * No components at all is UNKNOWN: nothing was checked.
 */
export function checkComponents(components: readonly ComponentCheckInput[]): CheckResult {
  const n = components.length;
  const counts = Object.fromEntries(STATUSES.map((s) => [s, components.filter((c) => c.status === s).length])) as Record<Status, number>;
  const perfdata: PerfDatum[] = STATUSES.map((s) => ({ label: s.toLowerCase(), value: counts[s], min: 0, max: n }));
  const data = {
    counts,
    components: components.map((c) => ({ name: c.name, status: c.status, state: stateOfStatus(c.status), resultCode: c.resultCode, description: c.description })),
  };
  if (n === 0) return build("components", "UNKNOWN", "no components were probed", perfdata, [], data);

  const state = stateOfStatus(worstStatus(components.map((c) => c.status)));
  const bad = byStatusSeverity(components.filter((c) => stateOfStatus(c.status) !== "OK"));
  const absent = components.filter((c) => c.status === "NOT_INSTALLED");
  let text: string;
  if (bad.length > 0) {
    text = `${bad.length} of ${plural(n, "component")} not OK: ${shortList(bad.map((c) => `${c.name} ${c.status}`))}`;
  } else {
    text = `${plural(n, "component")} OK`;
    if (absent.length > 0) text += ` (${absent.length} not installed: ${shortList(absent.map((c) => c.name))})`;
  }
  const details = [...bad, ...absent].map((c) => `${c.name}: ${c.status} (code ${c.resultCode}) ${c.description}`);
  return build("components", state, text, perfdata, details, data);
}

// ---------------------------------------------------------------------------
// directories

export type DirectoryCheckInput = Pick<DirectoryResult, "path" | "status" | "details" | "resultCode" | "freePercent">;

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
  const n = dirs.length;
  const withSpace = dirs.filter((d): d is DirectoryCheckInput & { freePercent: number } => d.freePercent !== null && Number.isFinite(d.freePercent));
  const lowest = withSpace.reduce<(DirectoryCheckInput & { freePercent: number }) | null>((low, d) => (low === null || d.freePercent < low.freePercent ? d : low), null);
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
  if (n === 0) return build("directories", "UNKNOWN", "no directories are configured", perfdata, [], { ...baseData, directories: [] });
  const lowestText = lowest === null ? "free space unknown" : `lowest free space ${pct(lowest.freePercent)} (${lowest.path})`;

  if (!useThresholds) {
    const state = stateOfStatus(worstStatus(dirs.map((d) => d.status)));
    const bad = byStatusSeverity(dirs.filter((d) => stateOfStatus(d.status) !== "OK"));
    const text = bad.length > 0
      ? `${bad.length} of ${plural(n, "directory", "directories")} not OK: ${shortList(bad.map((d) => `${d.path} ${reason(d)}`))}`
      : `${plural(n, "directory", "directories")} OK, ${lowestText}`;
    const data = { ...baseData, directories: dirs.map((d) => ({ path: d.path, status: d.status, state: stateOfStatus(d.status), resultCode: d.resultCode, freePercent: d.freePercent })) };
    return build("directories", state, text, perfdata, details, data);
  }

  // Threshold mode: the probe's findings other than free space, plus one verdict on the lowest free percent.
  const baseState = (d: DirectoryCheckInput): NagiosState => (SPACE_CODES.has(d.resultCode) ? "OK" : stateOfStatus(d.status));
  const spaceState: NagiosState = lowest === null ? "UNKNOWN" : (judge(lowest.freePercent, thresholds) ?? "OK");
  const state = worstState([...dirs.map(baseState), spaceState]);
  const other = byStatusSeverity(dirs.filter((d) => baseState(d) !== "OK"));
  // The directories to name: those whose own free percent alerts at the level found.
  const low = withSpace
    .filter((d) => spaceState !== "OK" && severity(judge(d.freePercent, thresholds) ?? "OK") >= severity(spaceState))
    .sort((a, b) => a.freePercent - b.freePercent);
  const parts: string[] = [];
  if (other.length > 0) parts.push(`${other.length} of ${plural(n, "directory", "directories")} not OK: ${shortList(other.map((d) => `${d.path} ${reason(d)}`))}`);
  if (spaceState === "OK") parts.push(other.length > 0 ? lowestText : `${plural(n, "directory", "directories")} OK, ${lowestText}`);
  else if (low.length > 0) parts.push(`${plural(low.length, "directory", "directories")} low on space: ${shortList(low.map((d) => `${d.path} ${pct(d.freePercent)} free`))}`);
  else parts.push(lowestText);
  const data = {
    ...baseData,
    directories: dirs.map((d) => ({
      path: d.path, status: d.status, resultCode: d.resultCode, freePercent: d.freePercent,
      state: worstState([baseState(d), d.freePercent === null ? "OK" : (judge(d.freePercent, thresholds) ?? "OK")]),
    })),
  };
  return build("directories", state, parts.join("; "), perfdata, details, data);
}

// ---------------------------------------------------------------------------
// cassandra

export interface CassandraCheckInput {
  /** The Cassandra component's status, description and result code, as the probe derived them (CassandraHealth). */
  readonly status: Status;
  readonly description: string;
  readonly resultCode: number;
  /** nodetool got an answer from Cassandra this cycle (false: the status says why). */
  readonly reachable: boolean;
  /** Other ring members down (DN) or unknown (?N) as seen from this node; null when the ring was not read. */
  readonly peersDown: number | null;
  /** Hint files this node holds for all peers; null when this Cassandra version cannot tell, or they were not read. */
  readonly hintFiles: number | null;
  /** Schema versions among reachable nodes (1: agreement); null when not read. */
  readonly schemaVersions: number | null;
  /** The contract's cassandraRepairState. */
  readonly repairState: RepairState;
  /**
   * The worst peer's oldest hint over the max hint window (1 = hints no longer
   * written); null when unknown (before 4.1, window not read). Absent: no perfdata.
   */
  readonly hintDebtRatio?: number | null;
  /** The last successful repair's age over gc_grace_seconds (repair_admin summarize-repaired); null when unknown. */
  readonly repairAgeRatio?: number | null;
}

/** Perfdata ranges of the two ratios: the probe's defaults (cassandra.hints.warnWindowRatio, cassandra.repairAge.warnRatio), critical at 1. */
const RATIO_WARN: Range = { text: "0.75", start: 0, end: 0.75, inside: false };
const RATIO_CRIT: Range = { text: "1", start: 0, end: 1, inside: false };

/** As in the issue's example (`hints=29;100;1000`): warn above 100 hint files, critical above 1000. */
export const DEFAULT_HINTS_THRESHOLDS: Thresholds = {
  warning: { text: "100", start: 0, end: 100, inside: false },
  critical: { text: "1000", start: 0, end: 1000, inside: false },
};

/** Codes of findings this check re-derives from its own numbers (cassandra/result-codes.ts: 320 PEERS_DOWN, 321 SCHEMA_DISAGREEMENT, 322 HINTS_PILING_UP). */
const CASSANDRA_NUMBER_CODES: Readonly<Record<number, (i: CassandraCheckInput) => boolean>> = {
  320: (i) => i.peersDown !== null,
  321: (i) => i.schemaVersions !== null,
  322: (i) => i.hintFiles !== null,
};

/**
 * The Cassandra probe's status decides, except for the findings this check
 * measures itself: when the probe's deciding code is one of PEERS_DOWN,
 * SCHEMA_DISAGREEMENT or HINTS_PILING_UP (all WARNING, so nothing worse was
 * found) and its number is known, the numbers decide instead:
 * - peers down: with a `down` threshold, that; without, any peer down is WARNING
 *   (the probe's own rule);
 * - hint files (total for all peers): `hints` thresholds, default
 *   DEFAULT_HINTS_THRESHOLDS. The probe's rule also looks at single peers
 *   (cassandra.hints.warnPeerFiles); this check judges the total only;
 * - more than one schema version: WARNING;
 * - the last repair FAILED: WARNING (the probe does not rate repairs).
 * A threshold given for a number that is not known (hints on Cassandra before
 * 4.1, an unread ring) is UNKNOWN.
 */
export function checkCassandra(input: CassandraCheckInput, thresholds: ThresholdsFor<"cassandra"> = {}): CheckResult {
  const rederive = CASSANDRA_NUMBER_CODES[input.resultCode]?.(input) === true;
  const base: NagiosState = rederive ? "OK" : stateOfStatus(input.status);
  const hintThresholds = hasThresholds(thresholds.hints) ? thresholds.hints : DEFAULT_HINTS_THRESHOLDS;
  const downThresholds = hasThresholds(thresholds.down) ? thresholds.down : undefined;
  const notInstalled = input.status === "NOT_INSTALLED";

  const verdicts: Array<{ what: string; state: NagiosState }> = [{ what: "probe", state: base }];
  // A probe that says OK although nodetool got no answer cannot be believed.
  if (!input.reachable && !notInstalled && base === "OK") verdicts.push({ what: "reachable", state: "UNKNOWN" });
  if (input.peersDown !== null) {
    verdicts.push({ what: "down", state: judge(input.peersDown, downThresholds) ?? (input.peersDown > 0 ? "WARNING" : "OK") });
  } else if (downThresholds !== undefined && !notInstalled) {
    verdicts.push({ what: "down", state: "UNKNOWN" });
  }
  if (input.hintFiles !== null) {
    verdicts.push({ what: "hints", state: judge(input.hintFiles, hintThresholds) ?? "OK" });
  } else if (hasThresholds(thresholds.hints) && !notInstalled) {
    verdicts.push({ what: "hints", state: "UNKNOWN" });
  }
  if (input.schemaVersions !== null && input.schemaVersions > 1) verdicts.push({ what: "schema", state: "WARNING" });
  if (input.repairState === "FAILED") verdicts.push({ what: "repair", state: "WARNING" });
  // A probe status re-derived above (peers down, ...) must not hide these: judged at the default ratios.
  if (typeof input.hintDebtRatio === "number") verdicts.push({ what: "hint_debt", state: judge(input.hintDebtRatio, { warning: RATIO_WARN, critical: RATIO_CRIT }) ?? "OK" });
  if (typeof input.repairAgeRatio === "number") verdicts.push({ what: "repair_age", state: judge(input.repairAgeRatio, { warning: RATIO_WARN, critical: RATIO_CRIT }) ?? "OK" });
  const state = worstState(verdicts.map((v) => v.state));

  const parts: string[] = [];
  if (notInstalled) parts.push("Cassandra is not installed on this node");
  else if (base !== "OK") parts.push(firstSentence(input.description, 100) || `Cassandra ${input.status}`);
  else if (!input.reachable) parts.push("nodetool got no answer");
  if (input.peersDown !== null) parts.push(`${plural(input.peersDown, "peer")} down`);
  else if (!notInstalled) parts.push("peers unknown");
  if (input.hintFiles !== null) parts.push(plural(input.hintFiles, "hint file"));
  else if (hasThresholds(thresholds.hints) && !notInstalled) parts.push("hint files unknown");
  if (input.schemaVersions !== null && input.schemaVersions > 1) parts.push(`${input.schemaVersions} schema versions`);
  if (input.repairState === "FAILED") parts.push("last repair FAILED");
  else if (input.repairState === "RUNNING") parts.push("repair running");
  if (typeof input.hintDebtRatio === "number" && input.hintDebtRatio >= RATIO_WARN.end) parts.push(`oldest hint at ${Math.round(input.hintDebtRatio * 100)}% of the hint window`);
  if (typeof input.repairAgeRatio === "number" && input.repairAgeRatio >= RATIO_WARN.end) parts.push(`last repair at ${Math.round(input.repairAgeRatio * 100)}% of gc_grace_seconds`);

  const perfdata: PerfDatum[] = [
    { label: "hints", value: input.hintFiles, warn: hintThresholds.warning, crit: hintThresholds.critical },
    { label: "down", value: input.peersDown, warn: downThresholds?.warning, crit: downThresholds?.critical },
    // Judged by the probe (codes 323-326 decide the state); here for graphs.
    ...(input.hintDebtRatio !== undefined ? [{ label: "hint_debt_ratio", value: input.hintDebtRatio, warn: RATIO_WARN, crit: RATIO_CRIT, min: 0 }] : []),
    ...(input.repairAgeRatio !== undefined ? [{ label: "repair_age_ratio", value: input.repairAgeRatio, warn: RATIO_WARN, crit: RATIO_CRIT, min: 0 }] : []),
  ];
  const details = input.description === "" ? [] : [`Cassandra: ${input.status} (code ${input.resultCode}) ${input.description}`];
  const data = {
    status: input.status, resultCode: input.resultCode, reachable: input.reachable,
    peersDown: input.peersDown, hintFiles: input.hintFiles, schemaVersions: input.schemaVersions, repairState: input.repairState,
    hintDebtRatio: input.hintDebtRatio ?? null, repairAgeRatio: input.repairAgeRatio ?? null,
    probeStatusUsed: !rederive,
    verdicts,
    thresholds: { hints: thresholdData(hintThresholds), down: thresholdData(downThresholds) },
  };
  return build("cassandra", state, parts.join(", "), perfdata, details, data);
}

function firstSentence(text: string, max: number): string {
  const t = text.trim();
  const end = t.search(/[.!?](\s|$)/);
  const sentence = end < 0 ? t : t.slice(0, end);
  return sentence.length <= max ? sentence : `${sentence.slice(0, max - 1).trimEnd()}…`;
}

// ---------------------------------------------------------------------------
// connectivity

/** One peer: the contract's connectivityMetrics entry (the wire type, without hints). */
export type PeerCheckInput = Omit<ConnectivityMetric, "cassandraHints"> & {
  /** false: the peer was not probed at all (the probe's deadline passed first); default true. */
  readonly probed?: boolean;
};

/**
 * Default rules: a peer with any view down (host, server or Cassandra) is
 * WARNING; more than half of the peers answering on no view at all is CRITICAL
 * (this node is likely cut off: the rule `status` uses too); a peer that was
 * not probed is UNKNOWN. A `down` threshold replaces the first two rules with
 * a range on the number of peers not fully connected. `latency` thresholds
 * judge the worst median latency, in ms, of any host or server view (there are
 * none by default: what is slow depends on the network between data centers).
 * No peers (a single-node cluster) is OK: there is nothing to connect to.
 * perfdata stays aggregate (NRPE 2 cuts plugin output at 1 KiB); per-peer
 * numbers are in --json and the Prometheus textfile.
 */
export function checkConnectivity(peers: readonly PeerCheckInput[], thresholds: ThresholdsFor<"connectivity"> = {}): CheckResult {
  const n = peers.length;
  const probed = peers.filter((p) => p.probed !== false);
  const notProbed = peers.filter((p) => p.probed === false);
  const downViews = (p: PeerCheckInput) => [
    ...(p.hostConnected ? [] : ["host"]),
    ...(p.serverConnected ? [] : ["server"]),
    ...(p.cassandraConnected ? [] : ["cassandra"]),
  ];
  const down = probed.filter((p) => downViews(p).length > 0);
  // The same rule as status (src/probes/connectivity/status.ts): more than half
  // of the peers answer on no view at all, so this node is likely cut off.
  const unreachable = probed.filter((p) => !p.hostConnected && !p.serverConnected && !p.cassandraConnected);
  const isolated = probed.length > 0 && unreachable.length * 2 > probed.length;

  let worst: { ms: number; nodeId: string; view: "host" | "server" } | null = null;
  for (const p of probed) {
    for (const [view, ms] of [["host", p.hostLatencyMs], ["server", p.serverLatencyMs]] as const) {
      if (ms !== null && Number.isFinite(ms) && (worst === null || ms > worst.ms)) worst = { ms, nodeId: p.nodeId, view };
    }
  }

  const downThresholds = hasThresholds(thresholds.down) ? thresholds.down : undefined;
  const latencyThresholds = hasThresholds(thresholds.latency) ? thresholds.latency : undefined;
  const downState: NagiosState = probed.length === 0 ? "OK"
    : (judge(down.length, downThresholds) ?? (isolated ? "CRITICAL" : down.length > 0 ? "WARNING" : "OK"));
  const latencyState: NagiosState = latencyThresholds === undefined || probed.length === 0 ? "OK"
    : worst === null ? "UNKNOWN" : (judge(worst.ms, latencyThresholds) ?? "OK");
  const state = worstState([downState, latencyState, notProbed.length > 0 ? "UNKNOWN" : "OK"]);

  const parts: string[] = [];
  if (n === 0) parts.push("no peers configured");
  else if (isolated) parts.push(`${unreachable.length} of ${plural(n, "peer")} unreachable, this node may be cut off: ${shortList(unreachable.map((p) => p.nodeId))}`);
  else if (down.length > 0) parts.push(`${down.length} of ${plural(n, "peer")} not fully connected: ${shortList(down.map((p) => `${p.nodeId} (${downViews(p).join(", ")} down)`))}`);
  else if (probed.length > 0) parts.push(`${plural(probed.length, "peer")} connected`);
  if (notProbed.length > 0) parts.push(`${notProbed.length} not probed: ${shortList(notProbed.map((p) => p.nodeId))}`);
  if (worst !== null) parts.push(`worst latency ${formatMs(worst.ms)} ms (${worst.nodeId} ${worst.view})`);
  else if (latencyThresholds !== undefined && probed.length > 0) parts.push("no latency measured");

  const perfdata: PerfDatum[] = [
    { label: "down", value: n === 0 ? 0 : down.length, warn: downThresholds?.warning, crit: downThresholds?.critical, min: 0, max: n },
    { label: "latency", value: worst?.ms ?? null, uom: "ms", warn: latencyThresholds?.warning, crit: latencyThresholds?.critical, min: 0 },
  ];
  const details = [
    ...down.map((p) => `${p.nodeId}: ${downViews(p).join(", ")} down; host ${latencyText(p.hostLatencyMs)}, server ${latencyText(p.serverLatencyMs)}`),
    ...notProbed.map((p) => `${p.nodeId}: not probed`),
  ];
  const data = {
    peers: n,
    down: down.map((p) => ({ nodeId: p.nodeId, views: downViews(p) })),
    notProbed: notProbed.map((p) => p.nodeId),
    worstLatencyMs: worst?.ms ?? null,
    worstLatencyPeer: worst?.nodeId ?? null,
    worstLatencyView: worst?.view ?? null,
    thresholds: { down: thresholdData(downThresholds), latency: thresholdData(latencyThresholds) },
  };
  return build("connectivity", state, parts.join(", "), perfdata, details, data);
}

const formatMs = (ms: number) => (ms >= 100 ? ms.toFixed(0) : ms.toFixed(1));
const latencyText = (ms: number | null) => (ms === null ? "-" : `${formatMs(ms)} ms`);

// ---------------------------------------------------------------------------
// cluster

export interface ClusterAnswer {
  readonly clusterStatus: string;
  readonly clusterStatusDescription: string;
  readonly nodeStatuses: readonly { readonly nodeId: string; readonly status: string }[];
  /** When the answer was received (our clock), RFC 3339. */
  readonly receivedAt: string;
}

export interface ClusterCheckInput {
  /** The last recorded answer from Mission Control; null when none was ever recorded. */
  readonly answer: ClusterAnswer | null;
  readonly now: Date;
  /** Older than this (ms), the answer says nothing about now: UNKNOWN. Three report intervals is a sensible value. */
  readonly maxAgeMs: number;
}

/** An answer dated further in the future than this (ms) means our clock went back: its age cannot be told. */
export const FUTURE_TOLERANCE_MS = 60_000;

const OK_WORDS: ReadonlySet<string> = new Set(["RUNNING", "OK", "HEALTHY"]);
const UNKNOWN_WORDS: ReadonlySet<string> = new Set(["UNKNOWN", "UNDEFINED"]);
const CRITICAL_MARKERS = ["ERROR", "DOWN", "EMERGENCY", "FAIL", "CRITICAL", "OFFLINE", "DISCONNECTED"] as const;

/**
 * Mission Control's cluster status in Nagios words (case-insensitive):
 * RUNNING, OK, HEALTHY → OK; UNKNOWN, UNDEFINED, empty → UNKNOWN (Mission
 * Control does not know either); a word CONTAINING ERROR, DOWN (so SHUTDOWN
 * too), EMERGENCY, FAIL (FAILED, FAILURE), CRITICAL, OFFLINE or DISCONNECTED
 * (DATABASE_DISCONNECTED) → CRITICAL; any other word → WARNING, never OK: a
 * status nodekeeper does not know is not a healthy one.
 */
export function clusterStatusState(status: string): NagiosState {
  const word = status.trim().toUpperCase();
  if (word === "" || UNKNOWN_WORDS.has(word)) return "UNKNOWN";
  if (OK_WORDS.has(word)) return "OK";
  if (CRITICAL_MARKERS.some((m) => word.includes(m))) return "CRITICAL";
  return "WARNING";
}

const ReceivedAtSchema = z.iso.datetime({ offset: true });

/**
 * UNKNOWN when there is no answer, its time cannot be read, or it is older
 * than maxAgeMs (the text says how old) or dated in the future (a clock that
 * went back). Otherwise the cluster status decides (clusterStatusState), and
 * any node whose status is not one of those OK words makes it at least WARNING.
 */
export function checkCluster(input: ClusterCheckInput): CheckResult {
  const { answer, now, maxAgeMs } = input;
  const emptyData = { answer: null, ageMs: null, maxAgeMs, stale: null };
  if (answer === null) {
    return build("cluster", "UNKNOWN", "no answer from Mission Control recorded yet", [], [], emptyData);
  }
  const received = ReceivedAtSchema.safeParse(answer.receivedAt);
  const receivedMs = received.success ? Date.parse(received.data) : Number.NaN;
  const nodes = answer.nodeStatuses;
  // The contract leaves the node status words open: the same words that make a
  // cluster status OK make a node's status OK.
  const notRunning = nodes.filter((s) => !OK_WORDS.has(s.status.trim().toUpperCase()));
  const ageMs = Number.isNaN(receivedMs) ? null : now.getTime() - receivedMs;
  const perfdata: PerfDatum[] = [
    { label: "age", value: ageMs === null ? null : Math.max(0, ageMs) / 1000, uom: "s", min: 0 },
    { label: "nodes", value: nodes.length, min: 0 },
    { label: "nodes_not_running", value: notRunning.length, min: 0, max: nodes.length },
  ];
  const clusterState = clusterStatusState(answer.clusterStatus);
  const data = {
    clusterStatus: answer.clusterStatus,
    clusterStatusDescription: answer.clusterStatusDescription,
    clusterState,
    receivedAt: answer.receivedAt,
    ageMs, maxAgeMs,
    nodeStatuses: nodes,
    nodesNotRunning: notRunning,
  };
  const then = `cluster was ${answer.clusterStatus || "(empty)"} then`;
  if (ageMs === null) {
    return build("cluster", "UNKNOWN", `the recorded answer has no readable time (${JSON.stringify(answer.receivedAt)})`, perfdata, [], { ...data, stale: null });
  }
  if (ageMs > maxAgeMs) {
    return build("cluster", "UNKNOWN", `last answer from Mission Control is ${formatAge(ageMs)} old (limit ${formatAge(maxAgeMs)}); ${then}`, perfdata, [], { ...data, stale: true });
  }
  if (ageMs < -FUTURE_TOLERANCE_MS) {
    return build("cluster", "UNKNOWN", `last answer from Mission Control is dated ${formatAge(-ageMs)} in the future (clock set back?); ${then}`, perfdata, [], { ...data, stale: true });
  }

  const state = worstState([clusterState, notRunning.length > 0 ? "WARNING" : "OK"]);
  const description = answer.clusterStatusDescription.trim();
  const parts = [`cluster ${answer.clusterStatus || "(empty)"}${clusterState !== "OK" && description !== "" ? `: ${firstSentence(description, 80)}` : ""}`];
  parts.push(notRunning.length > 0
    ? `${notRunning.length} of ${plural(nodes.length, "node")} not RUNNING: ${shortList(notRunning.map((s) => `${s.nodeId} ${s.status || "(empty)"}`))}`
    : `${plural(nodes.length, "node")} RUNNING`);
  const details = [
    ...(description !== "" ? [`cluster: ${answer.clusterStatus} ${description}`] : []),
    ...notRunning.map((s) => `${s.nodeId}: ${s.status}`),
  ];
  return build("cluster", state, `${parts.join("; ")} (answer ${formatAge(Math.max(0, ageMs))} old)`, perfdata, details, { ...data, stale: false });
}

// ---------------------------------------------------------------------------
// self

/** A threshold "at or above n" as a Nagios range for perfdata (alert when above the range's end). */
function atOrAbove(n: number, integer: boolean): Range | undefined {
  const parsed = parseRange(String(integer ? n - 1 : n));
  return parsed.ok ? parsed.range : undefined;
}

/**
 * nodekeeper's own health (probes/self.ts decides the status against the
 * configured thresholds). perfdata: the last cycle's duration (s, max its
 * deadline), cycles in a row without delivery, the outbox depth, seconds
 * since the last delivery (U when never or not knowable), and whether the
 * last cycle's apply had a failed action (0/1).
 */
export function checkSelf(self: SelfHealth, t: SelfThresholds): CheckResult {
  const f = self.figures;
  const deadlineS = f.cycleDeadlineMs === null ? undefined : f.cycleDeadlineMs / 1000;
  const perfdata: PerfDatum[] = [
    { label: "cycle_duration", value: f.lastCycleDurationMs === null ? null : f.lastCycleDurationMs / 1000, uom: "s", min: 0,
      ...(deadlineS !== undefined ? { max: deadlineS } : {}),
      ...optional("warn", deadlineS === undefined ? undefined : atOrAbove((deadlineS * t.cycleDurationWarningPercent) / 100, false)),
      ...optional("crit", deadlineS === undefined ? undefined : atOrAbove((deadlineS * t.cycleDurationErrorPercent) / 100, false)) },
    { label: "undelivered", value: f.consecutiveUndelivered, min: 0, ...optional("warn", atOrAbove(t.undeliveredWarning, true)), ...optional("crit", atOrAbove(t.undeliveredError, true)) },
    { label: "outbox", value: f.outboxDepth, min: 0, ...optional("warn", atOrAbove(t.outboxWarning, true)), ...optional("crit", atOrAbove(t.outboxError, true)) },
    { label: "last_delivery_age", value: f.sinceLastDeliveryMs === null ? null : f.sinceLastDeliveryMs / 1000, uom: "s", min: 0,
      ...optional("warn", atOrAbove(t.lastDeliveryWarningMs / 1000, false)), ...optional("crit", atOrAbove(t.lastDeliveryErrorMs / 1000, false)) },
    { label: "apply_failed", value: f.applyFailedLastCycle === null ? null : f.applyFailedLastCycle ? 1 : 0, min: 0, max: 1 },
  ];
  const text = self.description.replace(/^nodekeeper \S+; /, "");
  return build("self", stateOfStatus(self.status), text, perfdata, self.resultCode !== 0 ? [`nodekeeper: ${self.status} (code ${self.resultCode}) ${self.description}`] : [],
    { status: self.status, resultCode: self.resultCode, figures: f, thresholds: t });
}

function optional<K extends string>(key: K, range: Range | undefined): Partial<Record<K, Range>> {
  return range === undefined ? {} : ({ [key]: range } as Record<K, Range>);
}

/** "42 s", "7 min", "5 h", "3 d": as precise as a person needs at a glance. */
export function formatAge(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s} s`;
  const min = Math.round(s / 60);
  if (min < 120) return `${min} min`;
  const h = Math.round(min / 60);
  if (h < 48) return `${h} h`;
  return `${Math.round(h / 24)} d`;
}
