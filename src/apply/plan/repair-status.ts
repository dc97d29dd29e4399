/**
 * Phase 3 of a cycle's plan, the repair status: REQUIRED once the episode
 * needs a repair, IN_PROGRESS from the launch (results.ts), SUCCEEDED / FAILED
 * from the result; never retried by itself. phaDowntimeLongerThan72h turns it
 * into NOT_REPAIRABLE (no automatic repair); when Mission Control clears that
 * flag after the failover, the status goes back to NOT_REQUIRED and that
 * failover's repair stays abandoned (the data center rebuild replaces it).
 * When the repair runs is decided by the actions phase (actions.ts).
 */
import type { Moment } from "../../effects/clock.js";
import type { ApplyState, RepairRecord } from "../../state/apply-state.js";
import { iso } from "./time.js";
import type { PhaseOutput, RepairObservation, RepairPaths, StateEvent } from "./types.js";

/** Changes the draft `state`: the repair record patched, its `since` set to `at`. */
export function setRepair(state: ApplyState, patch: Partial<RepairRecord>, at: string): void {
  state.repair = { ...state.repair, ...patch, since: at };
}

/** Mission Control says the downtime is over 72 h: no automatic repair. */
export function downtimeOver72h(state: ApplyState): boolean {
  return state.desired?.instructions.phaDowntimeLongerThan72h === true;
}

export interface RepairStatusInput {
  readonly state: ApplyState;
  /** What execute.ts saw of a launched repair; null: nothing launched, or not looked at. */
  readonly observation: RepairObservation | null;
  /** The operator's "repair done by hand" marker file exists. */
  readonly doneMarker: boolean;
  readonly paths: RepairPaths;
  /** The configured repair command, kept in the record so that `status` can say how to rerun it by hand. */
  readonly repairCommand: readonly string[];
  /** The answer accepted this cycle, for the audit of a repair it makes REQUIRED. */
  readonly acceptedReportId: string | null;
  readonly now: Moment;
}

/** Phase 3: a launched repair's result, the operator's marker, a failover needing a repair, the 72 h rule. Pure. */
export function trackRepair(input: RepairStatusInput): PhaseOutput {
  const s = structuredClone(input.state);
  const at = iso(input.now.wallMs);
  const repairFields = { command: [...input.repairCommand], logFile: input.paths.logFile, doneMarkerFile: input.paths.doneMarkerFile };
  const events = [
    ...readResult(s, input.observation, at),
    ...takeDoneMarker(s, input.doneMarker, input.paths, at),
    ...requireRepair(s, repairFields, input.acceptedReportId, at),
    ...applyDowntimeRule(s, repairFields, at),
  ];
  return { state: s, events };
}

type RepairFields = Pick<RepairRecord, "command" | "logFile" | "doneMarkerFile">;

/** Changes the draft `s`: a finished or vanished run makes IN_PROGRESS into SUCCEEDED or FAILED. */
function readResult(s: ApplyState, obs: RepairObservation | null, at: string): StateEvent[] {
  if (s.repair.status !== "IN_PROGRESS" || !obs || obs.kind === "running") return [];
  const tail = obs.logTail !== "" ? `; last output: ${obs.logTail}` : "";
  if (obs.kind === "finished" && obs.exitCode === 0) {
    setRepair(s, { status: "SUCCEEDED", finishedAt: at, exitCode: 0, error: null, reason: `the Cassandra repair finished successfully at ${at}` }, at);
  } else {
    const error = obs.kind === "finished"
      ? `the repair command exited with code ${obs.exitCode}${obs.exitCode === 124 || obs.exitCode === 137 ? " (stopped at its timeout)" : ""}${tail}`
      : `the repair ended without leaving a result (killed, or nodekeeper or the node restarted while it ran)${tail}`;
    setRepair(s, { status: "FAILED", finishedAt: at, exitCode: obs.kind === "finished" ? obs.exitCode : null, error, reason: "the automatic Cassandra repair failed; it is not retried by itself" }, at);
    s.lastError = { at, action: "cassandra-repair", message: error };
  }
  return [{ event: "cassandra-repair-finished", before: "IN_PROGRESS", after: s.repair.status, reason: s.repair.error ?? s.repair.reason, reportId: null }];
}

/** Changes the draft `s`: the operator's marker makes FAILED, UNKNOWN or REQUIRED into SUCCEEDED (by hand). */
function takeDoneMarker(s: ApplyState, doneMarker: boolean, paths: RepairPaths, at: string): StateEvent[] {
  if (!doneMarker) return [];
  const before = s.repair.status;
  if (before === "FAILED" || before === "UNKNOWN" || before === "REQUIRED") {
    setRepair(s, { status: "SUCCEEDED", finishedAt: at, manual: true, error: null, reason: `the operator reported at ${at} that the repair was done by hand (${paths.doneMarkerFile})` }, at);
    return [{ event: "cassandra-repair-acknowledged", before, after: "SUCCEEDED", reason: "the operator created the repair-done marker file", reportId: null }];
  }
  return [{ event: "cassandra-repair-marker-ignored", before, after: before, reason: `the repair-done marker file was removed without effect: the repair status is ${before}`, reportId: null }];
}

/** Changes the draft `s`: an episode that saw Cassandra down makes its repair REQUIRED, once per episode. */
function requireRepair(s: ApplyState, repairFields: RepairFields, reportId: string | null, at: string): StateEvent[] {
  const episode = s.failover.episode;
  if (
    !episode || !episode.cassandraWasDown || episode.notRepairable || s.repair.episodeId === episode.id ||
    s.repair.status === "IN_PROGRESS" || s.repair.status === "NOT_REPAIRABLE"
  ) return [];
  const before = s.repair.status;
  setRepair(s, {
    status: "REQUIRED", episodeId: episode.id, requiredAt: at, runId: null, startedAt: null, finishedAt: null,
    exitCode: null, error: null, manual: false, reason: episode.cassandraDownReason ?? "Cassandra was down during the failover", ...repairFields,
  }, at);
  return [{ event: "cassandra-repair-required", before, after: "REQUIRED", reason: s.repair.reason, reportId }];
}

/** Changes the draft `s`: a downtime over 72 h makes the repair NOT_REPAIRABLE; its end after the failover, NOT_REQUIRED. */
function applyDowntimeRule(s: ApplyState, repairFields: RepairFields, at: string): StateEvent[] {
  const episode = s.failover.episode;
  const reportId = s.desired?.reportId ?? null;
  if (downtimeOver72h(s)) {
    if (episode) episode.notRepairable = true;
    if (s.repair.status === "NOT_REPAIRABLE" || s.repair.status === "IN_PROGRESS") return [];
    const before = s.repair.status;
    setRepair(s, {
      status: "NOT_REPAIRABLE", episodeId: episode?.id ?? s.repair.episodeId, ...repairFields,
      reason: "Mission Control reports a downtime longer than 72 h: the Cassandra data can no longer be repaired, the data center must be rebuilt",
    }, at);
    return [{ event: "not-repairable", before, after: "NOT_REPAIRABLE", reason: "phaDowntimeLongerThan72h", reportId }];
  }
  if (s.repair.status === "NOT_REPAIRABLE" && !episode?.active) {
    setRepair(s, { status: "NOT_REQUIRED", reason: "Mission Control no longer reports a downtime over 72 h; the repair of that failover is not run (the rebuild replaces it)" }, at);
    return [{ event: "not-repairable-cleared", before: "NOT_REPAIRABLE", after: "NOT_REQUIRED", reason: "phaDowntimeLongerThan72h is false again", reportId }];
  }
  return [];
}
