/**
 * The types the plan of a cycle is made of: what planCycle is given
 * (PlanInput: state, answer, facts, config, mode, time), what it hands back
 * (Plan: the new state, the actions to do, the "would run" ones, what waits
 * and why) and what execute.ts feeds back (ActionResult).
 */
import type { Instructions } from "../../contract/answer.js";
import type { RepairState } from "../../contract/report.js";
import type { BootStamp } from "../../effects/clock.js";
import type { ApplyState, Pending } from "../../state/apply-state.js";
import type { RemediationConfig } from "../../config/remediation.js";
import type { RepairPaths } from "../../state/repair-files.js";

/** The repair's files in the state folder (src/state/repair-files.ts). */
export type { RepairPaths };

export interface ApplyFacts {
  /**
   * Identity of the local server's current start: its start time (from its
   * API or from systemd), any string that changes when the server restarts.
   * null: unknown.
   */
  readonly serverStartedAt: string | null;
  /**
   * true: the server runs (operationState RUNNING); false: it does not (another
   * operationState, or known down); null: nobody can tell (its facts are unknown).
   * Seen false while an override is set: the override is asserted again once it runs.
   */
  readonly serverRunning: boolean | null;
  /**
   * Why the server is known down (its unit inactive or failed, its API refusing
   * connections); null otherwise. Only this makes the server API actions wait:
   * a facts answer that did not parse is no reason not to try a PUT.
   */
  readonly serverDown: string | null;
  /** This node's Cassandra right now. */
  readonly cassandraUp: boolean;
  /** The local Cassandra's repair activity, as in the report's cassandraRepairState. */
  readonly cassandraRepairState: RepairState;
}

/** What execute.ts saw of a launched repair (only while IN_PROGRESS). */
export type RepairObservation =
  | { readonly kind: "finished"; readonly exitCode: number; readonly logTail: string }
  | { readonly kind: "running" }
  /** Neither a result nor a process: killed, or the node restarted. */
  | { readonly kind: "vanished"; readonly logTail: string };


export interface CycleMode {
  readonly dryRun: boolean;
  readonly maintenance: boolean;
}

export interface PlanInput {
  readonly state: ApplyState;
  /**
   * `confirms`: the answer is to this cycle's own report (not an older one
   * flushed from the outbox), so it may count toward a stop confirmation.
   */
  readonly answer: { readonly reportId: string; readonly instructions: unknown; readonly confirms: boolean } | null;
  readonly clusterId: string;
  readonly nodeId: string;
  readonly facts: ApplyFacts;
  readonly repairObservation: RepairObservation | null;
  /** The operator's "repair done by hand" marker file exists. */
  readonly repairDoneMarker: boolean;
  readonly config: RemediationConfig;
  readonly mode: CycleMode;
  /** Wall-clock milliseconds. */
  readonly now: number;
  /** The boot clock now (Clock.boot()); null where the system does not tell. */
  readonly nowBoot: BootStamp | null;
  readonly paths: RepairPaths;
  /** A fresh id, used if this cycle launches a repair. */
  readonly newRepairRunId: string;
}

interface ActionBase {
  /** What the action reaches for; with the kind, it identifies retries. */
  readonly target: string;
  readonly before: string;
  readonly after: string;
  readonly reason: string;
  /** The answer this action follows from. */
  readonly reportId: string | null;
}

export type PlannedAction =
  | (ActionBase & { readonly kind: "responsibility-override"; readonly nodeIds: readonly string[] })
  | (ActionBase & { readonly kind: "quorum-override"; readonly level: string })
  | (ActionBase & { readonly kind: "stop-server"; readonly argv: readonly string[]; readonly episodeId: string })
  | (ActionBase & { readonly kind: "start-server"; readonly argv: readonly string[]; readonly episodeId: string })
  | (ActionBase & { readonly kind: "cassandra-repair"; readonly argv: readonly string[]; readonly runId: string });

/** A change of state that is not an action of ours, for the audit log. */
export interface StateEvent {
  readonly event: string;
  readonly before: string;
  readonly after: string;
  readonly reason: string;
  readonly reportId: string | null;
}

export type AnswerVerdict =
  | { readonly kind: "accepted"; readonly reportId: string; readonly instructions: Instructions }
  | { readonly kind: "duplicate"; readonly reportId: string }
  | { readonly kind: "rejected"; readonly reportId: string | null; readonly reason: string };

/** What became of this cycle's answer. */
export type AnswerStatus = "applied" | "rejected" | "duplicate" | "none";

export interface Plan {
  /** The state after intake and transitions, before any action. */
  readonly state: ApplyState;
  /** To do now, in this order. */
  readonly actions: readonly PlannedAction[];
  /** Due, but not done: dry run, remediation disabled or maintenance. */
  readonly wouldRun: readonly PlannedAction[];
  /** The would-run actions not audited before (all of them in a dry run). */
  readonly wouldRunToAudit: readonly PlannedAction[];
  /** Why actions were not done ("would run" ones included). */
  readonly pending: readonly Pending[];
  readonly events: readonly StateEvent[];
  readonly answer: AnswerStatus;
  readonly rejection: string | null;
  /** The operator's marker file was read: remove it. */
  readonly removeDoneMarker: boolean;
  /** Why actions are off, or null when they are on. */
  readonly offReason: string | null;
}

export interface ActionResult {
  readonly action: PlannedAction;
  readonly ok: boolean;
  readonly error: string | null;
}

/** What a phase hands to the next: the state so far and the audit events it adds. */
export interface PhaseOutput {
  readonly state: ApplyState;
  readonly events: readonly StateEvent[];
}
