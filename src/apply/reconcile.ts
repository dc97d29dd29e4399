/**
 * The decision logic of applying Mission Control's instructions (src/contract/CONTRACT.md
 * section 2): pure functions of (state, answer, facts, config, mode, time), no
 * I/O. execute.ts gathers the facts, carries out the planned actions and feeds
 * their results back through `markStarted` and `recordResults` (plan/results.ts).
 *
 * A cycle's plan, one phase after the other, each a pure function of the
 * state the one before left (see its file for its rules):
 * 0. Interrupted actions (plan/interrupted.ts): in-flight marks left by a
 *    killed cycle are reported once.
 * 1. Intake (plan/intake.ts): the answer checked again, taken as the desired
 *    state or rejected; valid answers to the cycle's own report carrying
 *    phaFailoverRemediation counted.
 * 2. Failover (plan/failover.ts): the episode begun at
 *    `stopAfterConsecutiveAnswers`, ended by an answer without the flag;
 *    Cassandra watched while it is on.
 * 3. Repair status (plan/repair-status.ts): REQUIRED, the result of a launched
 *    repair (SUCCEEDED / FAILED), the operator's marker, NOT_REPAIRABLE.
 * 4. Actions (plan/actions.ts): which actions are due, which wait and why,
 *    retries with back-off, one node at a time for the repair.
 * 5. Mode (plan/mode.ts): dry run, `remediation.enabled: false` or maintenance
 *    make due actions "would run".
 *
 * The clock rule (plan/time.ts): every comparison of a stored time with now
 * goes through `elapsedMs` (effects/clock.ts), on the boot clock within a boot.
 */
import { planActions } from "./plan/actions.js";
import { followFailover } from "./plan/failover.js";
import { intake } from "./plan/intake.js";
import { noteInterrupted } from "./plan/interrupted.js";
import { actionsOffReason, applyMode } from "./plan/mode.js";
import { trackRepair } from "./plan/repair-status.js";
import type { Moment } from "../effects/clock.js";
import type { Plan, PlanInput } from "./plan/types.js";

/** A cycle's plan: the phases in order, each given the state the one before left. Pure. */
export function planCycle(input: PlanInput): Plan {
  const { facts, config: cfg, mode } = input;
  const now: Moment = { wallMs: input.now, boot: input.nowBoot };

  const interrupted = noteInterrupted(input.state);
  const taken = intake({
    state: interrupted.state, answer: input.answer, clusterId: input.clusterId,
    cassandraUp: facts.cassandraUp, consecutiveAnswersWithinMs: cfg.consecutiveAnswersWithinMs, now,
  });
  const failover = followFailover({
    state: taken.state, counted: taken.counted, cassandraUp: facts.cassandraUp,
    stopAfterConsecutiveAnswers: cfg.stopAfterConsecutiveAnswers, now,
  });
  const repair = trackRepair({
    state: failover.state, observation: input.repairObservation, doneMarker: input.repairDoneMarker, paths: input.paths,
    repairCommand: cfg.repairCommand, acceptedReportId: taken.accepted?.reportId ?? null, now,
  });
  const offReason = actionsOffReason(mode, cfg.enabled);
  const due = planActions({
    state: repair.state, facts, config: cfg, nodeId: input.nodeId, newRepairRunId: input.newRepairRunId, offReason, now,
  });
  const moded = applyMode({
    state: due.state, due: due.due, waiting: due.waiting, offReason, mode,
    remediationEnabled: cfg.enabled, answer: taken.answer, now,
  });

  return {
    state: moded.state, actions: moded.actions, wouldRun: moded.wouldRun, wouldRunToAudit: moded.wouldRunToAudit,
    pending: moded.pending, events: [...interrupted.events, ...taken.events, ...failover.events, ...repair.events],
    answer: taken.answer, rejection: taken.rejection, removeDoneMarker: input.repairDoneMarker, offReason,
  };
}
