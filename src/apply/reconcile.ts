/**
 * The decision logic of applying Mission Control's instructions (src/contract/CONTRACT.md
 * section 2): pure functions of (state, answer, facts, config, mode, time), no
 * I/O. execute.ts gathers the facts, carries out the planned actions and feeds
 * their results back through `markStarted` and `recordResults`.
 *
 * A cycle:
 * 1. Intake. The answer is checked again (schema, report id, cluster id, no
 *    empty node id, not a replay of an answer already taken); a bad one is
 *    recorded as rejected and changes nothing else. A good one becomes the
 *    desired state.
 * 2. Failover bookkeeping. Valid answers to the cycle's own report
 *    (`confirms`) carrying phaFailoverRemediation are counted; the count
 *    restarts when such an answer comes without the flag or more than
 *    `consecutiveAnswersWithinMs` after the previous one. An answer to an older
 *    report (from the outbox) is taken as the desired state but changes no
 *    count and no episode: it confirms nothing. At `stopAfterConsecutiveAnswers`
 *    a failover *episode* begins; an answer without the flag ends it. While it
 *    is on, this node's Cassandra being down (or the node restarted: another
 *    boot id; or nodekeeper not running for over 10 min by the boot clock)
 *    marks the episode as needing a Cassandra repair.
 *
 * The clock rule: every comparison of a stored time with now goes through
 * `elapsedMs` (effects/clock.ts): within one boot the boot clock, which NTP
 * does not step, measures it, so a wall-clock step either way neither chains
 * two answers hours apart nor makes an old answer fresh; across a reboot the
 * chain breaks; a stored time in the future is never recent. Unknown elapsed
 * time counts the safe way for each rule: not recent for a confirmation and
 * the stop, due for a retry or a re-assert.
 * 3. Repair status: REQUIRED once the episode needs a repair, IN_PROGRESS from
 *    the launch, SUCCEEDED / FAILED from the result; never retried by itself.
 *    phaDowntimeLongerThan72h turns it into NOT_REPAIRABLE (no automatic
 *    repair); when Mission Control clears that flag after the failover, the
 *    status goes back to NOT_REQUIRED and that failover's repair stays
 *    abandoned (the data center rebuild replaces it).
 * 4. Actions, each only where desired and applied differ:
 *    - stop-server: once per episode, only while the last flag-carrying answer
 *      is at most `consecutiveAnswersWithinMs` old;
 *    - start-server: when the episode ended and nodekeeper had tried to stop
 *      the server (never start a server nodekeeper did not stop);
 *    - responsibility-override: when the set of node ids differs from the one
 *      last PUT (compared as sets, sent in Mission Control's order);
 *    - quorum-override: when the wanted value (the configured level or UNSET)
 *      differs, and for a level also after a server restart (another start
 *      identity, or the server seen down), or every 10 min when the server's
 *      start identity is unknown (a re-assert is sent once the server runs
 *      again, not while it starts up); the server API actions wait only while
 *      the local server is known down (unit inactive, API refusing connections);
 *    - cassandra-repair: see "one node at a time" below.
 *    A failed action is retried in later cycles, after 1, 2, 4... min (up to
 *    `retryMaxDelayMs`); a new target starts afresh.
 * 5. Mode: with `dryRun`, `remediation.enabled: false` or maintenance mode the
 *    actions are "would run": listed, audited once, not done. The bookkeeping
 *    (desired state, counts, statuses) is kept except in a dry run, whose new
 *    state is not written at all (execute.ts).
 *
 * One node at a time (the repair). Nodes cannot talk to each other about it,
 * so two rules combine:
 * - a deterministic turn: the nodes Mission Control lists (`nodeStatuses`, plus
 *   this node) sorted by node id; the node at position k (from 0) may start no
 *   earlier than k × `repairStaggerMs` (10 min) after the failover ended, so
 *   nodes whose failover ends in the same minute do not start together;
 * - no repair visible: a repair anywhere in the data center validates and
 *   streams on the replicas, which this node's Cassandra probe reports as
 *   `cassandraRepairState` RUNNING; the repair starts only when it is IDLE (or
 *   FAILED: a failed session, nothing running). UNKNOWN waits: not knowing is
 *   not a licence to start a second repair.
 * Besides, the repair waits for the failover to end, for the local server to
 * have been started again, and for this node's Cassandra to be up.
 */
import { InstructionsSchema } from "../contract/answer.js";
import type { Instructions } from "../contract/answer.js";
import type { RepairState } from "../contract/report.js";
import { elapsedMs, rebootedBetween } from "../effects/clock.js";
import type { BootStamp, Moment } from "../effects/clock.js";
import type { ActionKind, ApplyState, Episode, Failure, Pending, RepairRecord } from "../state/apply-state.js";
import type { RemediationConfig } from "../config/remediation.js";

/** nodekeeper not running for longer than this during a failover: assume the node, Cassandra included, was down: 10 min. */
export const FAILOVER_GAP_ASSUMES_DOWN_MS = 600_000;
/** Without a server start identity the quorum override is re-asserted this often: 10 min. */
export const QUORUM_REASSERT_UNKNOWN_START_MS = 600_000;
/** A launched repair with neither a result nor a process is only called gone after this: 2 min. */
export const REPAIR_LAUNCH_GRACE_MS = 120_000;
/** Cycles run "on the minute" and may start a little early: a retry due within 5 s is due now. */
const RETRY_TOLERANCE_MS = 5_000;

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

export interface RepairPaths {
  readonly resultFile: string;
  readonly logFile: string;
  /** The operator creates this file after a successful repair by hand. */
  readonly doneMarkerFile: string;
}

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
  readonly answer: "applied" | "rejected" | "duplicate" | "none";
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

const iso = (ms: number) => new Date(ms).toISOString();

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


export function responsibilityTarget(nodeIds: readonly string[]): string {
  return JSON.stringify([...new Set(nodeIds)].sort());
}

function listIds(nodeIds: readonly string[] | null | undefined): string {
  return nodeIds ? `[${nodeIds.join(", ")}]` : "unknown";
}

/** The retry delay after `attempts` failures: initial × 2^(attempts-1), at most max. */
export function retryDelayMs(attempts: number, config: Pick<RemediationConfig, "retryInitialDelayMs" | "retryMaxDelayMs">): number {
  const exponent = Math.min(Math.max(attempts - 1, 0), 30);
  return Math.min(config.retryInitialDelayMs * 2 ** exponent, config.retryMaxDelayMs);
}

/** The node's turn for the repair: its position among the cluster's node ids. */
export function repairTurn(nodeId: string, desired: Instructions | null): { position: number; of: number } {
  const ids = new Set(desired?.nodeStatuses.map((n) => n.nodeId) ?? []);
  ids.add(nodeId);
  const sorted = [...ids].sort();
  return { position: sorted.indexOf(nodeId), of: sorted.length };
}

function setRepair(state: ApplyState, patch: Partial<RepairRecord>, at: string): void {
  state.repair = { ...state.repair, ...patch, since: at };
}

function newEpisode(id: string, at: string, down: string | null): Episode {
  return {
    id, activatedAt: at, active: true, deactivatedAt: null, deactivatedBoot: null, deactivationReportId: null,
    stop: { attemptedAt: null, doneAt: null, wouldRunAt: null },
    start: { attemptedAt: null, doneAt: null },
    cassandraWasDown: down !== null, cassandraDownReason: down, notRepairable: false,
  };
}

/** A stored time and its boot stamp as a Moment; null when no time is stored. */
function moment(at: string | null | undefined, boot: BootStamp | null | undefined): Moment | null {
  return at === null || at === undefined ? null : { wallMs: Date.parse(at), boot: boot ?? null };
}

export function planCycle(input: PlanInput): Plan {
  const { facts, config: cfg, now, nowBoot } = input;
  const at = iso(now);
  const s = structuredClone(input.state);
  const events: StateEvent[] = [];
  const nowMoment: Moment = { wallMs: now, boot: nowBoot };
  /** Elapsed since a stored moment, null when it cannot be told safely (see the clock rule above). */
  const since = (m: Moment | null): number | null => (m === null ? null : elapsedMs(m, nowMoment));
  const previousCycle = s.lastCycle ? moment(s.lastCycle.at, s.lastCycle.boot) : null;

  // 0. Actions marked as started that left no result: said once, in the audit
  // (their first attempt has no action line of its own). What is still due is
  // planned again below, as any other time: every action is idempotent.
  for (const f of s.inFlight) {
    events.push({
      event: "action-interrupted", before: `${f.action} started at ${f.startedAt}`, after: "no result recorded",
      reason: "nodekeeper was stopped while it ran (kill -9, a crash, the node's restart), or could not write its result; it is done again if still due",
      reportId: f.reportId,
    });
  }
  s.inFlight = [];

  // 1. Intake.
  let answerStatus: Plan["answer"] = "none";
  let rejection: string | null = null;
  let fresh: Instructions | null = null;
  let freshReportId: string | null = null;
  let confirms = false;
  if (input.answer !== null) {
    const verdict = vetAnswer(input.answer, input.clusterId, s.answers.recentReportIds);
    if (verdict.kind === "rejected") {
      answerStatus = "rejected";
      rejection = verdict.reason;
      s.answers.lastRejected = { at, reportId: verdict.reportId, reason: verdict.reason };
      s.lastError = { at, action: null, message: `answer rejected, nothing applied from it: ${verdict.reason}` };
      events.push({ event: "answer-rejected", before: "-", after: "-", reason: verdict.reason, reportId: verdict.reportId });
    } else if (verdict.kind === "duplicate") {
      answerStatus = "duplicate";
      events.push({ event: "answer-ignored", before: "-", after: "-", reason: "this answer was already taken (a replay)", reportId: verdict.reportId });
    } else {
      answerStatus = "applied";
      fresh = verdict.instructions;
      freshReportId = verdict.reportId;
      confirms = input.answer.confirms;
      s.desired = { reportId: verdict.reportId, receivedAt: at, instructions: verdict.instructions };
      s.answers.recentReportIds = [...s.answers.recentReportIds, verdict.reportId].slice(-50);
    }
  }

  // 2. Failover bookkeeping: only an answer to this cycle's own report counts.
  const fo = s.failover;
  const counted = confirms ? fresh : null;
  if (fresh !== null && !confirms) {
    events.push({
      event: "answer-not-counted", before: "-", after: "-", reportId: freshReportId,
      reason: "the answer is to an older report (from the outbox), not to this cycle's: it confirms no failover remediation and ends none",
    });
  }
  if (counted !== null) {
    if (counted.phaFailoverRemediation) {
      const sinceLastOn = since(moment(fo.lastOnAt, fo.lastOnBoot));
      const chained = sinceLastOn !== null && sinceLastOn <= cfg.consecutiveAnswersWithinMs;
      fo.consecutiveOn = chained ? fo.consecutiveOn + 1 : 1;
      if (!chained) fo.cassandraDownWhileCounting = false;
      fo.lastOnAt = at;
      fo.lastOnBoot = nowBoot;
    } else {
      fo.consecutiveOn = 0;
      fo.lastOnAt = null;
      fo.lastOnBoot = null;
      fo.cassandraDownWhileCounting = false;
    }
  }
  if (fo.consecutiveOn > 0 && !fo.episode?.active && !facts.cassandraUp) fo.cassandraDownWhileCounting = true;

  if (counted?.phaFailoverRemediation && fo.consecutiveOn >= cfg.stopAfterConsecutiveAnswers && !fo.episode?.active) {
    const down = !facts.cassandraUp
      ? `Cassandra on this node was down at ${at}, when the failover began`
      : fo.cassandraDownWhileCounting
        ? `Cassandra on this node was down before ${at}, while Mission Control's failover flags were being counted`
        : s.repair.status === "REQUIRED"
          ? "an earlier failover's repair had not been run yet"
          : null;
    const previous = fo.episode;
    fo.episode = newEpisode(freshReportId ?? at, at, down);
    fo.cassandraDownWhileCounting = false;
    if (previous && !previous.active && previous.stop.attemptedAt !== null && previous.start.doneAt === null) {
      events.push({ event: "failover-restart-dropped", before: "start pending", after: "dropped", reason: "a new failover began before the server was started again", reportId: freshReportId });
    }
    if (s.repair.status === "SUCCEEDED") {
      setRepair(s, { status: "NOT_REQUIRED", reason: "a new failover began; the previous repair had succeeded", manual: false }, at);
    }
    events.push({
      event: "failover-activated", before: "off", after: "on",
      reason: `phaFailoverRemediation in ${fo.consecutiveOn} consecutive valid answers (${cfg.stopAfterConsecutiveAnswers} needed)`,
      reportId: freshReportId,
    });
  } else if (counted !== null && !counted.phaFailoverRemediation && fo.episode?.active) {
    fo.episode.active = false;
    fo.episode.deactivatedAt = at;
    fo.episode.deactivatedBoot = nowBoot;
    fo.episode.deactivationReportId = freshReportId;
    events.push({ event: "failover-deactivated", before: "on", after: "off", reason: "Mission Control no longer asks for failover remediation", reportId: freshReportId });
  }

  const episode = fo.episode;
  if (episode?.active && !episode.cassandraWasDown) {
    if (!facts.cassandraUp) {
      episode.cassandraWasDown = true;
      episode.cassandraDownReason = `Cassandra on this node was down at ${at}, during the failover`;
    } else if (previousCycle !== null && rebootedBetween(previousCycle.boot, nowBoot)) {
      // Downtime is read from the boot id and the boot clock, never from a
      // wall-clock gap: a clock stepped forward must not launch a repair.
      episode.cassandraWasDown = true;
      episode.cassandraDownReason =
        `the node restarted during the failover (another boot since nodekeeper's cycle at ${iso(previousCycle.wallMs)}): Cassandra was down`;
    } else {
      const gap = previousCycle !== null ? since(previousCycle) : null;
      if (gap !== null && gap > FAILOVER_GAP_ASSUMES_DOWN_MS) {
        episode.cassandraWasDown = true;
        episode.cassandraDownReason =
          `nodekeeper did not run for ${Math.round(gap / 60_000)} min during the failover ` +
          `(after its cycle at ${iso(previousCycle?.wallMs ?? now)}): Cassandra was not watched and may have been down`;
      }
    }
  }
  if (facts.serverRunning === false && s.applied.quorum) s.applied.quorum.serverSeenDown = true;

  // 3. Repair status.
  if (s.repair.status === "IN_PROGRESS" && input.repairObservation && input.repairObservation.kind !== "running") {
    const obs = input.repairObservation;
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
    events.push({ event: "cassandra-repair-finished", before: "IN_PROGRESS", after: s.repair.status, reason: s.repair.error ?? s.repair.reason, reportId: null });
  }

  if (input.repairDoneMarker) {
    const before = s.repair.status;
    if (before === "FAILED" || before === "UNKNOWN" || before === "REQUIRED") {
      setRepair(s, { status: "SUCCEEDED", finishedAt: at, manual: true, error: null, reason: `the operator reported at ${at} that the repair was done by hand (${input.paths.doneMarkerFile})` }, at);
      events.push({ event: "cassandra-repair-acknowledged", before, after: "SUCCEEDED", reason: "the operator created the repair-done marker file", reportId: null });
    } else {
      events.push({ event: "cassandra-repair-marker-ignored", before, after: before, reason: `the repair-done marker file was removed without effect: the repair status is ${before}`, reportId: null });
    }
  }

  const repairFields = { command: [...cfg.repairCommand], logFile: input.paths.logFile, doneMarkerFile: input.paths.doneMarkerFile };
  if (
    episode && episode.cassandraWasDown && !episode.notRepairable && s.repair.episodeId !== episode.id &&
    s.repair.status !== "IN_PROGRESS" && s.repair.status !== "NOT_REPAIRABLE"
  ) {
    const before = s.repair.status;
    setRepair(s, {
      status: "REQUIRED", episodeId: episode.id, requiredAt: at, runId: null, startedAt: null, finishedAt: null,
      exitCode: null, error: null, manual: false, reason: episode.cassandraDownReason ?? "Cassandra was down during the failover", ...repairFields,
    }, at);
    events.push({ event: "cassandra-repair-required", before, after: "REQUIRED", reason: s.repair.reason, reportId: freshReportId });
  }

  const over72h = s.desired?.instructions.phaDowntimeLongerThan72h === true;
  if (over72h) {
    if (episode) episode.notRepairable = true;
    if (s.repair.status !== "NOT_REPAIRABLE" && s.repair.status !== "IN_PROGRESS") {
      const before = s.repair.status;
      setRepair(s, {
        status: "NOT_REPAIRABLE", episodeId: episode?.id ?? s.repair.episodeId, ...repairFields,
        reason: "Mission Control reports a downtime longer than 72 h: the Cassandra data can no longer be repaired, the data center must be rebuilt",
      }, at);
      events.push({ event: "not-repairable", before, after: "NOT_REPAIRABLE", reason: "phaDowntimeLongerThan72h", reportId: s.desired?.reportId ?? null });
    }
  } else if (s.repair.status === "NOT_REPAIRABLE" && !episode?.active) {
    setRepair(s, { status: "NOT_REQUIRED", reason: "Mission Control no longer reports a downtime over 72 h; the repair of that failover is not run (the rebuild replaces it)" }, at);
    events.push({ event: "not-repairable-cleared", before: "NOT_REPAIRABLE", after: "NOT_REQUIRED", reason: "phaDowntimeLongerThan72h is false again", reportId: s.desired?.reportId ?? null });
  }

  // 4. Actions.
  const offReason = input.mode.dryRun ? "dry run" : !cfg.enabled ? "remediation.enabled is false" : input.mode.maintenance ? "maintenance mode" : null;
  const candidates: PlannedAction[] = [];
  const waiting: Array<{ action: ActionKind; target: string; reason: string }> = [];
  const wanted = new Set<string>();
  const key = (kind: ActionKind, target: string) => `${kind} ${target}`;
  const failureOf = (kind: ActionKind, target: string): Failure | undefined =>
    s.failures.find((f) => f.action === kind && f.target === target);
  /** Null when due; otherwise why it waits. */
  const backoff = (kind: ActionKind, target: string): string | null => {
    const failure = failureOf(kind, target);
    if (!failure) return null;
    // Measured from the failure on the boot clock; unknown (a reboot, a time in the future): due now.
    const elapsed = since(moment(failure.lastAt, failure.lastBoot));
    if (elapsed === null || elapsed >= retryDelayMs(failure.attempts, cfg) - RETRY_TOLERANCE_MS) return null;
    return `failed ${failure.attempts} time(s), next try after ${failure.nextAttemptAt} (last error: ${failure.error})`;
  };
  const consider = (kind: ActionKind, target: string, blockers: string[], make: () => PlannedAction) => {
    wanted.add(key(kind, target));
    const retry = backoff(kind, target);
    if (retry !== null) blockers.push(retry);
    if (blockers.length > 0) waiting.push({ action: kind, target, reason: blockers.join("; ") });
    else candidates.push(make());
  };
  const desired = s.desired;

  if (episode?.active && episode.stop.doneAt === null) {
    const blockers: string[] = [];
    // The last flag-carrying answer must be recent by the boot clock; unknown is not recent.
    const sinceLastOn = since(moment(fo.lastOnAt, fo.lastOnBoot));
    if (sinceLastOn === null || sinceLastOn > cfg.consecutiveAnswersWithinMs) {
      blockers.push(`waiting for a recent answer that still asks for failover remediation (the last one is over ${Math.round(cfg.consecutiveAnswersWithinMs / 60_000)} min old)`);
    }
    consider("stop-server", episode.id, blockers, () => ({
      kind: "stop-server", target: episode.id, argv: [...cfg.stopServerCommand], episodeId: episode.id,
      before: facts.serverRunning ? "server running" : "server not running",
      after: "server stopped",
      reason: `failover remediation on in ${fo.consecutiveOn} consecutive answers (${cfg.stopAfterConsecutiveAnswers} needed)`,
      reportId: desired?.reportId ?? null,
    }));
  }

  if (episode && !episode.active && episode.stop.attemptedAt !== null && episode.start.doneAt === null) {
    consider("start-server", episode.id, [], () => ({
      kind: "start-server", target: episode.id, argv: [...cfg.startServerCommand], episodeId: episode.id,
      before: facts.serverRunning ? "server running" : "server stopped by nodekeeper",
      after: "server running",
      reason: "failover remediation ended: start the server nodekeeper stopped",
      reportId: episode.deactivationReportId,
    }));
  }

  // The server API is for a running server, and not while this cycle stops or
  // starts it. With actions off, nothing is stopped or started: the API
  // actions are then "would run" like the rest, not pending behind a stop.
  const serverApiBlocker = facts.serverDown !== null
    ? `waiting for the local server to run (${facts.serverDown})`
    : offReason === null && candidates.some((a) => a.kind === "stop-server")
      ? "the local server is being stopped in this cycle"
      : offReason === null && candidates.some((a) => a.kind === "start-server")
        ? "the local server is being started in this cycle"
        : null;
  if (desired) {
    const want = desired.instructions.responsibilityNodeIds;
    const target = responsibilityTarget(want);
    const have = s.applied.responsibility;
    if (have === null || responsibilityTarget(have.nodeIds) !== target) {
      const blockers = serverApiBlocker !== null ? [serverApiBlocker] : [];
      consider("responsibility-override", target, blockers, () => ({
        kind: "responsibility-override", target, nodeIds: [...want],
        before: listIds(have?.nodeIds), after: listIds(want),
        reason: have === null ? "the override on the server is not known to nodekeeper yet" : "Mission Control changed the responsibility nodes",
        reportId: desired.reportId,
      }));
    }

    const level = desired.instructions.cassandraQuorumOverride ? cfg.quorumOverrideLevel : "UNSET";
    const q = s.applied.quorum;
    let why: string | null = null;
    if (q === null) why = "the override on the server is not known to nodekeeper yet";
    else if (q.value !== level) why = `Mission Control asks for ${level}, the server has ${q.value}`;
    else if (level !== "UNSET") {
      if (q.serverSeenDown) why = "the server was down since the override was set, and it does not keep it over a restart";
      else if (facts.serverStartedAt !== null && facts.serverStartedAt !== q.serverStartedAt) {
        why = `the server restarted (started ${facts.serverStartedAt}; the override was set for the start ${q.serverStartedAt ?? "unknown"}), and it does not keep it over a restart`;
      } else if (facts.serverStartedAt === null && (since(moment(q.at, q.boot)) ?? Infinity) >= QUORUM_REASSERT_UNKNOWN_START_MS) {
        why = "the server's start time is unknown, so a restart cannot be seen: re-asserted every 10 min";
      }
    }
    if (why !== null) {
      // A re-assert after a restart waits until the server runs again (not
      // while it starts up): serverSeenDown keeps it due until then; sent once.
      const reassert = q !== null && q.value === level;
      const blockers = serverApiBlocker !== null ? [serverApiBlocker]
        : reassert && facts.serverRunning === false ? ["asserted again once the server runs: it restarted and does not run yet"] : [];
      const reason = why;
      consider("quorum-override", level, blockers, () => ({
        kind: "quorum-override", target: level, level,
        before: q === null ? "unknown" : q.value === level ? `${q.value} (forgotten by a restart)` : q.value,
        after: level, reason, reportId: desired.reportId,
      }));
    }
  }

  if (s.repair.status === "REQUIRED" && !over72h) {
    const blockers: string[] = [];
    if (episode?.active) blockers.push("the failover is still on");
    else if (episode && episode.stop.attemptedAt !== null && episode.start.doneAt === null) blockers.push("the local server has not been started again yet");
    if (!facts.cassandraUp) blockers.push("Cassandra on this node is down");
    if (facts.cassandraRepairState === "RUNNING") blockers.push("a Cassandra repair is running already (seen from this node): one node at a time");
    if (facts.cassandraRepairState === "UNKNOWN") blockers.push("cannot tell whether another Cassandra repair is running (cassandraRepairState UNKNOWN): one node at a time");
    const turn = repairTurn(input.nodeId, desired?.instructions ?? null);
    const base = episode && episode.id === s.repair.episodeId && episode.deactivatedAt !== null
      ? moment(episode.deactivatedAt, episode.deactivatedBoot) : moment(s.repair.requiredAt ?? at, null);
    const waited = since(base);
    const turnMs = turn.position * cfg.repairStaggerMs;
    // Unknown (a reboot since, a base in the future): the turn is not held up by the clock; "no repair visible" still holds.
    if (waited !== null && waited < turnMs) {
      blockers.push(`waiting for this node's turn: number ${turn.position + 1} of ${turn.of} by node id, it starts no earlier than ${iso(now + turnMs - waited)}`);
    }
    const target = s.repair.episodeId ?? "repair";
    const runId = input.newRepairRunId;
    consider("cassandra-repair", target, blockers, () => ({
      kind: "cassandra-repair", target, argv: [...cfg.repairCommand], runId,
      before: "REQUIRED", after: "IN_PROGRESS",
      reason: s.repair.reason, reportId: desired?.reportId ?? null,
    }));
  }

  // 5. Mode.
  const actions = offReason === null ? candidates : [];
  const wouldRun = offReason === null ? [] : candidates;
  const notedBefore = new Set(s.wouldRunNoted);
  const wouldRunKeys = wouldRun.map((a) => key(a.kind, a.target));
  const wouldRunToAudit = input.mode.dryRun ? wouldRun : wouldRun.filter((a) => !notedBefore.has(key(a.kind, a.target)));
  s.wouldRunNoted = wouldRunKeys.slice(0, 20);
  if (offReason !== null && episode) {
    for (const a of wouldRun) if (a.kind === "stop-server" && episode.stop.wouldRunAt === null) episode.stop.wouldRunAt = at;
  }

  const previousPending = new Map(s.pending.map((p) => [key(p.action, p.target), p.since]));
  const pending: Pending[] = [
    ...waiting,
    ...wouldRun.map((a) => ({ action: a.kind, target: a.target, reason: `would run, not done: ${offReason ?? ""}` })),
  ].map((p) => ({ ...p, since: previousPending.get(key(p.action, p.target)) ?? at }));
  s.pending = pending.slice(0, 20);
  // A failure whose action is no longer wanted (another target, failover over) has nothing left to retry.
  s.failures = s.failures.filter((f) => wanted.has(key(f.action, f.target)));
  s.lastCycle = { at, boot: nowBoot, maintenance: input.mode.maintenance, remediationEnabled: cfg.enabled, answer: answerStatus };

  return {
    state: s, actions, wouldRun, wouldRunToAudit, pending: s.pending, events,
    answer: answerStatus, rejection, removeDoneMarker: input.repairDoneMarker, offReason,
  };
}

/**
 * Write-ahead: the state as it must be on disk before the actions run, so that
 * a crash in the middle leaves a record that they may have happened.
 */
export function markStarted(state: ApplyState, actions: readonly PlannedAction[], now: number, boot: BootStamp | null = null): ApplyState {
  const s = structuredClone(state);
  const at = iso(now);
  const episode = s.failover.episode;
  s.inFlight = [...s.inFlight, ...actions.map((a) => ({ action: a.kind, target: a.target, startedAt: at, reportId: a.reportId ?? null, pgid: null, boot }))].slice(-20);
  for (const a of actions) {
    if (a.kind === "stop-server" && episode?.id === a.episodeId) episode.stop.attemptedAt = at;
    if (a.kind === "start-server" && episode?.id === a.episodeId) episode.start.attemptedAt = at;
    if (a.kind === "cassandra-repair") {
      setRepair(s, {
        status: "IN_PROGRESS", runId: a.runId, startedAt: at, startedBoot: boot, finishedAt: null, exitCode: null, error: null,
        reason: `the Cassandra repair was started at ${at}`,
      }, at);
    }
  }
  return s;
}

/** The state after the actions: applied values, episode progress, failures and their back-off. */
export function recordResults(
  state: ApplyState,
  results: readonly ActionResult[],
  facts: ApplyFacts,
  config: Pick<RemediationConfig, "retryInitialDelayMs" | "retryMaxDelayMs">,
  now: number,
  boot: BootStamp | null = null,
): ApplyState {
  const s = structuredClone(state);
  const at = iso(now);
  const episode = s.failover.episode;
  s.inFlight = s.inFlight.filter((f) => !results.some((r) => r.action.kind === f.action && r.action.target === f.target));
  for (const { action: a, ok, error } of results) {
    if (ok) {
      s.failures = s.failures.filter((f) => !(f.action === a.kind && f.target === a.target));
      if (a.kind === "responsibility-override") {
        s.applied.responsibility = { nodeIds: [...a.nodeIds], at, reportId: a.reportId ?? "" };
      } else if (a.kind === "quorum-override") {
        s.applied.quorum = { value: a.level, at, reportId: a.reportId ?? "", serverStartedAt: facts.serverStartedAt, serverSeenDown: false, boot };
      } else if (a.kind === "stop-server" && episode?.id === a.episodeId) {
        episode.stop.doneAt = at;
      } else if (a.kind === "start-server" && episode?.id === a.episodeId) {
        episode.start.doneAt = at;
      }
      continue;
    }
    const message = error ?? "failed";
    s.lastError = { at, action: a.kind, message };
    if (a.kind === "cassandra-repair") {
      // Not retried by itself: the operator is told (explain.ts).
      setRepair(s, { status: "FAILED", finishedAt: at, exitCode: null, error: `the repair could not be started: ${message}`, reason: "the automatic Cassandra repair failed; it is not retried by itself" }, at);
      continue;
    }
    const previous = s.failures.find((f) => f.action === a.kind && f.target === a.target);
    const attempts = (previous?.attempts ?? 0) + 1;
    const failure: Failure = {
      action: a.kind, target: a.target, attempts, firstAt: previous?.firstAt ?? at, lastAt: at, lastBoot: boot,
      nextAttemptAt: iso(now + retryDelayMs(attempts, config)), error: message,
    };
    s.failures = [...s.failures.filter((f) => f !== previous), failure].slice(-10);
  }
  return s;
}
