/**
 * Phase 1 of a cycle's plan, intake: the answer is checked again (schema,
 * report id, cluster id, no empty node id, not a replay of an answer already
 * taken); a bad one is recorded as rejected and changes nothing else. A good
 * one becomes the desired state.
 *
 * Confirmation counting: valid answers to the cycle's own report (`confirms`)
 * carrying phaFailoverRemediation are counted; the count restarts when such an
 * answer comes without the flag or more than `consecutiveAnswersWithinMs` after
 * the previous one (measured by the clock rule of time.ts: unknown elapsed time
 * is not recent). An answer to an older report (from the outbox) is taken as
 * the desired state but changes no count and no episode: it confirms nothing.
 */
import { InstructionsSchema } from "../../contract/answer.js";
import type { Instructions } from "../../contract/answer.js";
import type { Moment } from "../../effects/clock.js";
import type { ApplyState } from "../../state/apply-state.js";
import { elapsedSince, iso, moment } from "./time.js";
import type { AnswerStatus, AnswerVerdict, PhaseOutput, PlanInput } from "./types.js";

/** Checks an answer again: whatever the sender checked, nothing is applied on trust. */
export function vetAnswer(
  answer: { readonly reportId: unknown; readonly instructions: unknown },
  clusterId: string,
  recentReportIds: readonly string[],
): AnswerVerdict {
  const reportId = typeof answer.reportId === "string" && answer.reportId !== "" ? answer.reportId : null;
  if (reportId === null) return { kind: "rejected", reportId: null, reason: "the answer comes without the id of the report it answers" };
  const parsed = InstructionsSchema.safeParse(answer.instructions);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? issue.path.join(".") : "(body)";
    return { kind: "rejected", reportId, reason: `invalid answer: ${where}: ${issue?.message ?? "invalid"}` };
  }
  const instructions = parsed.data;
  if (instructions.reportId !== reportId) {
    return { kind: "rejected", reportId, reason: `the answer names report ${instructions.reportId}, not ${reportId}` };
  }
  if (instructions.clusterId !== clusterId) {
    return { kind: "rejected", reportId, reason: `the answer names cluster ${instructions.clusterId}, not ${clusterId}` };
  }
  if (instructions.responsibilityNodeIds.some((id) => id.trim() === "")) {
    return { kind: "rejected", reportId, reason: "invalid answer: responsibilityNodeIds: an empty node id" };
  }
  if (recentReportIds.includes(reportId)) return { kind: "duplicate", reportId };
  return { kind: "accepted", reportId, instructions };
}

/** An accepted answer: the report it answers and its instructions. */
export interface TakenAnswer {
  readonly reportId: string;
  readonly instructions: Instructions;
}

export interface IntakeInput {
  readonly state: ApplyState;
  readonly answer: PlanInput["answer"];
  readonly clusterId: string;
  /** This node's Cassandra right now: seen down while flags are counted, the failover they begin needs a repair. */
  readonly cassandraUp: boolean;
  readonly consecutiveAnswersWithinMs: number;
  readonly now: Moment;
}

export interface IntakeOutput extends PhaseOutput {
  readonly answer: AnswerStatus;
  readonly rejection: string | null;
  /** The answer taken as the desired state this cycle; null: none. */
  readonly accepted: TakenAnswer | null;
  /** The accepted answer when it is to this cycle's own report: only it counts for the failover. */
  readonly counted: TakenAnswer | null;
}

/** Phase 1: the answer taken (or rejected, or ignored as a replay), then the failover flags counted. */
export function intake(input: IntakeInput): IntakeOutput {
  const taken = takeAnswer(input.state, input.answer, input.clusterId, input.now);
  const counting = countConfirmations({ ...input, state: taken.state, counted: taken.counted });
  const events = [...taken.events];
  if (taken.accepted !== null && taken.counted === null) {
    events.push({
      event: "answer-not-counted", before: "-", after: "-", reportId: taken.accepted.reportId,
      reason: "the answer is to an older report (from the outbox), not to this cycle's: it confirms no failover remediation and ends none",
    });
  }
  return { ...taken, state: counting, events };
}

/** The answer vetted and, when good, made the desired state; a rejected one only leaves its record. */
function takeAnswer(
  state: ApplyState,
  answer: PlanInput["answer"],
  clusterId: string,
  now: Moment,
): IntakeOutput {
  const s = structuredClone(state);
  const at = iso(now.wallMs);
  const none = { state: s, events: [], rejection: null, accepted: null, counted: null };
  if (answer === null) return { ...none, answer: "none" };
  const verdict = vetAnswer(answer, clusterId, s.answers.recentReportIds);
  if (verdict.kind === "rejected") {
    s.answers.lastRejected = { at, reportId: verdict.reportId, reason: verdict.reason };
    s.lastError = { at, action: null, message: `answer rejected, nothing applied from it: ${verdict.reason}` };
    return {
      ...none, answer: "rejected", rejection: verdict.reason,
      events: [{ event: "answer-rejected", before: "-", after: "-", reason: verdict.reason, reportId: verdict.reportId }],
    };
  }
  if (verdict.kind === "duplicate") {
    return {
      ...none, answer: "duplicate",
      events: [{ event: "answer-ignored", before: "-", after: "-", reason: "this answer was already taken (a replay)", reportId: verdict.reportId }],
    };
  }
  s.desired = { reportId: verdict.reportId, receivedAt: at, instructions: verdict.instructions };
  s.answers.recentReportIds = [...s.answers.recentReportIds, verdict.reportId].slice(-50);
  const accepted = { reportId: verdict.reportId, instructions: verdict.instructions };
  return { ...none, answer: "applied", accepted, counted: answer.confirms ? accepted : null };
}

/**
 * The run of consecutive flag-carrying answers: one more when the previous
 * flag is recent by the boot clock, 1 when it is not (or unknown), 0 when the
 * counted answer comes without the flag. Pure.
 */
export function countConfirmations(input: {
  readonly state: ApplyState;
  readonly counted: TakenAnswer | null;
  readonly cassandraUp: boolean;
  readonly consecutiveAnswersWithinMs: number;
  readonly now: Moment;
}): ApplyState {
  const s = structuredClone(input.state);
  const fo = s.failover;
  const counted = input.counted?.instructions ?? null;
  if (counted !== null) {
    if (counted.phaFailoverRemediation) {
      const sinceLastOn = elapsedSince(moment(fo.lastOnAt, fo.lastOnBoot), input.now);
      const chained = sinceLastOn !== null && sinceLastOn <= input.consecutiveAnswersWithinMs;
      fo.consecutiveOn = chained ? fo.consecutiveOn + 1 : 1;
      if (!chained) fo.cassandraDownWhileCounting = false;
      fo.lastOnAt = iso(input.now.wallMs);
      fo.lastOnBoot = input.now.boot;
    } else {
      fo.consecutiveOn = 0;
      fo.lastOnAt = null;
      fo.lastOnBoot = null;
      fo.cassandraDownWhileCounting = false;
    }
  }
  if (fo.consecutiveOn > 0 && !fo.episode?.active && !input.cassandraUp) fo.cassandraDownWhileCounting = true;
  return s;
}
