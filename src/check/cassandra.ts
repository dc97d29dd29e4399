/**
 * `check cassandra`: the Cassandra probe's status, except for the findings
 * this check measures itself (peers down, hint files, schema versions), which
 * its own numbers and thresholds (`hints`, `down`) decide. `cassandraVerdicts`
 * is the decision; the rest is wording.
 */
import type { RepairState } from "../contract/report.js";
import type { Status } from "../contract/status.js";
import { stateOfStatus, worstState, type NagiosState, type PerfDatum } from "./nagios.js";
import type { Range } from "./range.js";
import { checkResult, type CheckResult } from "./result.js";
import { firstSentence, plural } from "./text.js";
import { hasThresholds, judge, thresholdData, type Thresholds, type ThresholdsFor } from "./thresholds.js";
import { resultCode } from "../contract/cassandra-result-codes.js";

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

/** As in the example (`hints=29;100;1000`): warn above 100 hint files, critical above 1000. */
export const DEFAULT_HINTS_THRESHOLDS: Thresholds = {
  warning: { text: "100", start: 0, end: 100, inside: false },
  critical: { text: "1000", start: 0, end: 1000, inside: false },
};

/** Codes of findings this check re-derives from its own numbers (src/contract/cassandra-result-codes.ts). */
const CASSANDRA_NUMBER_CODES: Readonly<Record<number, (i: CassandraCheckInput) => boolean>> = {
  [resultCode("PEERS_DOWN").code]: (i) => i.peersDown !== null,
  [resultCode("SCHEMA_DISAGREEMENT").code]: (i) => i.schemaVersions !== null,
  [resultCode("HINTS_PILING_UP").code]: (i) => i.hintFiles !== null,
};

/** One judgement that went into the state; all of them are in `check --json` (`data.verdicts`). */
export interface CassandraVerdict {
  readonly what: string;
  readonly state: NagiosState;
}

/** The thresholds in force: `hints` defaults to DEFAULT_HINTS_THRESHOLDS; `down` has no default. */
interface InForce {
  readonly hints: Thresholds;
  readonly down: Thresholds | undefined;
  /** Hint thresholds were given on the command line (not the default). */
  readonly hintsGiven: boolean;
}

function inForce(thresholds: ThresholdsFor<"cassandra">): InForce {
  return {
    hints: hasThresholds(thresholds.hints) ? thresholds.hints : DEFAULT_HINTS_THRESHOLDS,
    down: hasThresholds(thresholds.down) ? thresholds.down : undefined,
    hintsGiven: hasThresholds(thresholds.hints),
  };
}

/** The probe's status is set aside when its deciding finding is one this check measures, and its number is known. */
export function rederivesProbeStatus(input: CassandraCheckInput): boolean {
  return CASSANDRA_NUMBER_CODES[input.resultCode]?.(input) === true;
}

/** The probe's verdict: its status, or OK when this check re-derives the finding from its own numbers. */
function probeState(input: CassandraCheckInput): NagiosState {
  return rederivesProbeStatus(input) ? "OK" : stateOfStatus(input.status);
}

/**
 * Every verdict, the probe's first. The worst of them is the state.
 * - peers down: with a `down` threshold, that; without, any peer down is
 *   WARNING (the probe's own rule);
 * - hint files (total for all peers): the `hints` thresholds in force. The
 *   probe's rule also looks at single peers (cassandra.hints.warnPeerFiles);
 *   this check judges the total only;
 * - more than one schema version: WARNING;
 * - the last repair FAILED: WARNING (the probe does not rate repairs);
 * - the hint debt and repair age ratios, at the probe's default ratios.
 * A threshold given for a number that is not known is UNKNOWN.
 */
export function cassandraVerdicts(input: CassandraCheckInput, thresholds: ThresholdsFor<"cassandra"> = {}): CassandraVerdict[] {
  const t = inForce(thresholds);
  const base = probeState(input);
  const notInstalled = input.status === "NOT_INSTALLED";
  const verdicts: CassandraVerdict[] = [{ what: "probe", state: base }];
  // A probe that says OK although nodetool got no answer cannot be believed.
  if (!input.reachable && !notInstalled && base === "OK") verdicts.push({ what: "reachable", state: "UNKNOWN" });
  if (input.peersDown !== null) {
    verdicts.push({ what: "down", state: judge(input.peersDown, t.down) ?? (input.peersDown > 0 ? "WARNING" : "OK") });
  } else if (t.down !== undefined && !notInstalled) {
    verdicts.push({ what: "down", state: "UNKNOWN" });
  }
  if (input.hintFiles !== null) {
    verdicts.push({ what: "hints", state: judge(input.hintFiles, t.hints) ?? "OK" });
  } else if (t.hintsGiven && !notInstalled) {
    verdicts.push({ what: "hints", state: "UNKNOWN" });
  }
  if (input.schemaVersions !== null && input.schemaVersions > 1) verdicts.push({ what: "schema", state: "WARNING" });
  if (input.repairState === "FAILED") verdicts.push({ what: "repair", state: "WARNING" });
  // A probe status re-derived above (peers down, ...) must not hide these: judged at the default ratios.
  if (typeof input.hintDebtRatio === "number") verdicts.push({ what: "hint_debt", state: judge(input.hintDebtRatio, { warning: RATIO_WARN, critical: RATIO_CRIT }) ?? "OK" });
  if (typeof input.repairAgeRatio === "number") verdicts.push({ what: "repair_age", state: judge(input.repairAgeRatio, { warning: RATIO_WARN, critical: RATIO_CRIT }) ?? "OK" });
  return verdicts;
}

/** The first line's text: what the probe says when it decides, then the numbers. */
function cassandraText(input: CassandraCheckInput, base: NagiosState, t: InForce): string {
  const notInstalled = input.status === "NOT_INSTALLED";
  const parts: string[] = [];
  if (notInstalled) parts.push("Cassandra is not installed on this node");
  else if (base !== "OK") parts.push(firstSentence(input.description, 100) || `Cassandra ${input.status}`);
  else if (!input.reachable) parts.push("nodetool got no answer");
  if (input.peersDown !== null) parts.push(`${plural(input.peersDown, "peer")} down`);
  else if (!notInstalled) parts.push("peers unknown");
  if (input.hintFiles !== null) parts.push(plural(input.hintFiles, "hint file"));
  else if (t.hintsGiven && !notInstalled) parts.push("hint files unknown");
  if (input.schemaVersions !== null && input.schemaVersions > 1) parts.push(`${input.schemaVersions} schema versions`);
  if (input.repairState === "FAILED") parts.push("last repair FAILED");
  else if (input.repairState === "RUNNING") parts.push("repair running");
  if (typeof input.hintDebtRatio === "number" && input.hintDebtRatio >= RATIO_WARN.end) parts.push(`oldest hint at ${Math.round(input.hintDebtRatio * 100)}% of the hint window`);
  if (typeof input.repairAgeRatio === "number" && input.repairAgeRatio >= RATIO_WARN.end) parts.push(`last repair at ${Math.round(input.repairAgeRatio * 100)}% of gc_grace_seconds`);
  return parts.join(", ");
}

/**
 * The Cassandra probe's status decides, except for the findings this check
 * measures itself: when the probe's deciding code is one of PEERS_DOWN,
 * SCHEMA_DISAGREEMENT or HINTS_PILING_UP (all WARNING, so nothing worse was
 * found) and its number is known, the numbers decide instead
 * (cassandraVerdicts). A threshold given for a number that is not known (hints
 * on Cassandra before 4.1, an unread ring) is UNKNOWN.
 */
export function checkCassandra(input: CassandraCheckInput, thresholds: ThresholdsFor<"cassandra"> = {}): CheckResult {
  const t = inForce(thresholds);
  const verdicts = cassandraVerdicts(input, thresholds);
  const state = worstState(verdicts.map((v) => v.state));
  const perfdata: PerfDatum[] = [
    { label: "hints", value: input.hintFiles, warn: t.hints.warning, crit: t.hints.critical },
    { label: "down", value: input.peersDown, warn: t.down?.warning, crit: t.down?.critical },
    // Judged by the probe (codes 323-326 decide the state); here for graphs.
    ...(input.hintDebtRatio !== undefined ? [{ label: "hint_debt_ratio", value: input.hintDebtRatio, warn: RATIO_WARN, crit: RATIO_CRIT, min: 0 }] : []),
    ...(input.repairAgeRatio !== undefined ? [{ label: "repair_age_ratio", value: input.repairAgeRatio, warn: RATIO_WARN, crit: RATIO_CRIT, min: 0 }] : []),
  ];
  const details = input.description === "" ? [] : [`Cassandra: ${input.status} (code ${input.resultCode}) ${input.description}`];
  const data = {
    status: input.status, resultCode: input.resultCode, reachable: input.reachable,
    peersDown: input.peersDown, hintFiles: input.hintFiles, schemaVersions: input.schemaVersions, repairState: input.repairState,
    hintDebtRatio: input.hintDebtRatio ?? null, repairAgeRatio: input.repairAgeRatio ?? null,
    probeStatusUsed: !rederivesProbeStatus(input),
    verdicts,
    thresholds: { hints: thresholdData(t.hints), down: thresholdData(t.down) },
  };
  return checkResult("cassandra", state, cassandraText(input, probeState(input), t), perfdata, details, data);
}
