/**
 * Phase 4 of a cycle's plan, the actions, each only where desired and applied differ:
 * - stop-server: once per episode, only while the last flag-carrying answer
 *   is at most `consecutiveAnswersWithinMs` old;
 * - start-server: when the episode ended and nodekeeper had tried to stop
 *   the server (never start a server nodekeeper did not stop);
 * - responsibility-override: when the set of node ids differs from the one
 *   last PUT (compared as sets, sent in Mission Control's order);
 * - quorum-override: when the wanted value (the configured level or UNSET)
 *   differs, and for a level also after a server restart (another start
 *   identity, or the server seen down), or every 10 min when the server's
 *   start identity is unknown (a re-assert is sent once the server runs
 *   again, not while it starts up); the server API actions wait only while
 *   the local server is known down (unit inactive, API refusing connections);
 * - cassandra-repair: see "one node at a time" below.
 * A failed action is retried in later cycles, after 1, 2, 4... min (up to
 * `retryMaxDelayMs`); a new target starts afresh.
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
 *
 * Whether a due action is done or only "would run" is the mode phase's (mode.ts).
 */
import type { Instructions } from "../../contract/answer.js";
import type { Moment } from "../../effects/clock.js";
import type { ActionKind, ApplyState, Failure } from "../../state/apply-state.js";
import type { RemediationConfig } from "../../config/remediation.js";
import { downtimeOver72h } from "./repair-status.js";
import { elapsedSince, iso, moment } from "./time.js";
import type { ApplyFacts, PlannedAction } from "./types.js";

/** Without a server start identity the quorum override is re-asserted this often: 10 min. */
export const QUORUM_REASSERT_UNKNOWN_START_MS = 600_000;
/** Cycles run "on the minute" and may start a little early: a retry due within 5 s is due now. */
const RETRY_TOLERANCE_MS = 5_000;

/** One action and target as the state's pending, failure and "would run" lists know it. */
export function actionKey(kind: ActionKind, target: string): string {
  return `${kind} ${target}`;
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

/** A due action that waits, and why. */
export interface Waiting {
  readonly action: ActionKind;
  readonly target: string;
  readonly reason: string;
}

export interface ActionsInput {
  readonly state: ApplyState;
  readonly facts: ApplyFacts;
  readonly config: RemediationConfig;
  readonly nodeId: string;
  /** A fresh id, used if this cycle launches a repair. */
  readonly newRepairRunId: string;
  /** Why actions are off (mode.ts), or null: a server stop or start then holds back no server API action. */
  readonly offReason: string | null;
  readonly now: Moment;
}

export interface ActionsOutput {
  /** The quorum override's "server seen down" noted; failures of actions no longer wanted dropped. */
  readonly state: ApplyState;
  /** Due and free to run (or to "would run"), in this order. */
  readonly due: readonly PlannedAction[];
  readonly waiting: readonly Waiting[];
}

/** Wanted where desired and applied differ, with what holds it back (its retry back-off aside). */
interface Want {
  readonly action: PlannedAction;
  readonly blockers: readonly string[];
}

/** Phase 4: the actions wanted, sorted into due and waiting (blockers, retry back-off). Pure. */
export function planActions(input: ActionsInput): ActionsOutput {
  const s = structuredClone(input.state);
  if (input.facts.serverRunning === false && s.applied.quorum) s.applied.quorum.serverSeenDown = true;

  const serverWants = [stopWant(s, input), startWant(s, input)].filter((w) => w !== null);
  const server = sortOut(serverWants, s.failures, input);
  const blocker = serverApiBlocker(input.facts, input.offReason, server.due);
  const otherWants = [responsibilityWant(s, blocker), quorumWant(s, input, blocker), repairWant(s, input)].filter((w) => w !== null);
  const other = sortOut(otherWants, s.failures, input);

  // A failure whose action is no longer wanted (another target, failover over) has nothing left to retry.
  const wanted = new Set([...serverWants, ...otherWants].map((w) => actionKey(w.action.kind, w.action.target)));
  s.failures = s.failures.filter((f) => wanted.has(actionKey(f.action, f.target)));
  return { state: s, due: [...server.due, ...other.due], waiting: [...server.waiting, ...other.waiting] };
}

/** Wants with nothing holding them back are due; the others wait, their reasons joined. */
function sortOut(wants: readonly Want[], failures: readonly Failure[], input: ActionsInput): { due: PlannedAction[]; waiting: Waiting[] } {
  const due: PlannedAction[] = [];
  const waiting: Waiting[] = [];
  for (const { action, blockers } of wants) {
    const retry = backoff(failures.find((f) => f.action === action.kind && f.target === action.target), input);
    const reasons = retry !== null ? [...blockers, retry] : blockers;
    if (reasons.length > 0) waiting.push({ action: action.kind, target: action.target, reason: reasons.join("; ") });
    else due.push(action);
  }
  return { due, waiting };
}

/** Null when due; otherwise why it waits. */
function backoff(failure: Failure | undefined, input: ActionsInput): string | null {
  if (!failure) return null;
  // Measured from the failure on the boot clock; unknown (a reboot, a time in the future): due now.
  const elapsed = elapsedSince(moment(failure.lastAt, failure.lastBoot), input.now);
  if (elapsed === null || elapsed >= retryDelayMs(failure.attempts, input.config) - RETRY_TOLERANCE_MS) return null;
  return `failed ${failure.attempts} time(s), next try after ${failure.nextAttemptAt} (last error: ${failure.error})`;
}

function stopWant(s: ApplyState, { config: cfg, facts, now }: ActionsInput): Want | null {
  const fo = s.failover;
  const episode = fo.episode;
  if (!episode?.active || episode.stop.doneAt !== null) return null;
  const blockers: string[] = [];
  // The last flag-carrying answer must be recent by the boot clock; unknown is not recent.
  const sinceLastOn = elapsedSince(moment(fo.lastOnAt, fo.lastOnBoot), now);
  if (sinceLastOn === null || sinceLastOn > cfg.consecutiveAnswersWithinMs) {
    blockers.push(`waiting for a recent answer that still asks for failover remediation (the last one is over ${Math.round(cfg.consecutiveAnswersWithinMs / 60_000)} min old)`);
  }
  return {
    blockers,
    action: {
      kind: "stop-server", target: episode.id, argv: [...cfg.stopServerCommand], episodeId: episode.id,
      before: facts.serverRunning ? "server running" : "server not running",
      after: "server stopped",
      reason: `failover remediation on in ${fo.consecutiveOn} consecutive answers (${cfg.stopAfterConsecutiveAnswers} needed)`,
      reportId: s.desired?.reportId ?? null,
    },
  };
}

function startWant(s: ApplyState, { config: cfg, facts }: ActionsInput): Want | null {
  const episode = s.failover.episode;
  if (!episode || episode.active || episode.stop.attemptedAt === null || episode.start.doneAt !== null) return null;
  return {
    blockers: [],
    action: {
      kind: "start-server", target: episode.id, argv: [...cfg.startServerCommand], episodeId: episode.id,
      before: facts.serverRunning ? "server running" : "server stopped by nodekeeper",
      after: "server running",
      reason: "failover remediation ended: start the server nodekeeper stopped",
      reportId: episode.deactivationReportId,
    },
  };
}

/**
 * The server API is for a running server, and not while this cycle stops or
 * starts it. With actions off, nothing is stopped or started: the API
 * actions are then "would run" like the rest, not pending behind a stop.
 */
function serverApiBlocker(facts: ApplyFacts, offReason: string | null, serverDue: readonly PlannedAction[]): string | null {
  if (facts.serverDown !== null) return `waiting for the local server to run (${facts.serverDown})`;
  if (offReason === null && serverDue.some((a) => a.kind === "stop-server")) return "the local server is being stopped in this cycle";
  if (offReason === null && serverDue.some((a) => a.kind === "start-server")) return "the local server is being started in this cycle";
  return null;
}

function responsibilityWant(s: ApplyState, serverApiBlocker: string | null): Want | null {
  const desired = s.desired;
  if (!desired) return null;
  const want = desired.instructions.responsibilityNodeIds;
  const target = responsibilityTarget(want);
  const have = s.applied.responsibility;
  if (have !== null && responsibilityTarget(have.nodeIds) === target) return null;
  return {
    blockers: serverApiBlocker !== null ? [serverApiBlocker] : [],
    action: {
      kind: "responsibility-override", target, nodeIds: [...want],
      before: listIds(have?.nodeIds), after: listIds(want),
      reason: have === null ? "the override on the server is not known to nodekeeper yet" : "Mission Control changed the responsibility nodes",
      reportId: desired.reportId,
    },
  };
}

function quorumWant(s: ApplyState, { config: cfg, facts, now }: ActionsInput, serverApiBlocker: string | null): Want | null {
  const desired = s.desired;
  if (!desired) return null;
  const level = desired.instructions.cassandraQuorumOverride ? cfg.quorumOverrideLevel : "UNSET";
  const q = s.applied.quorum;
  let why: string | null = null;
  if (q === null) why = "the override on the server is not known to nodekeeper yet";
  else if (q.value !== level) why = `Mission Control asks for ${level}, the server has ${q.value}`;
  else if (level !== "UNSET") {
    if (q.serverSeenDown) why = "the server was down since the override was set, and it does not keep it over a restart";
    else if (facts.serverStartedAt !== null && facts.serverStartedAt !== q.serverStartedAt) {
      why = `the server restarted (started ${facts.serverStartedAt}; the override was set for the start ${q.serverStartedAt ?? "unknown"}), and it does not keep it over a restart`;
    } else if (facts.serverStartedAt === null && (elapsedSince(moment(q.at, q.boot), now) ?? Infinity) >= QUORUM_REASSERT_UNKNOWN_START_MS) {
      why = "the server's start time is unknown, so a restart cannot be seen: re-asserted every 10 min";
    }
  }
  if (why === null) return null;
  // A re-assert after a restart waits until the server runs again (not
  // while it starts up): serverSeenDown keeps it due until then; sent once.
  const reassert = q !== null && q.value === level;
  const blockers = serverApiBlocker !== null ? [serverApiBlocker]
    : reassert && facts.serverRunning === false ? ["asserted again once the server runs: it restarted and does not run yet"] : [];
  return {
    blockers,
    action: {
      kind: "quorum-override", target: level, level,
      before: q === null ? "unknown" : q.value === level ? `${q.value} (forgotten by a restart)` : q.value,
      after: level, reason: why, reportId: desired.reportId,
    },
  };
}

function repairWant(s: ApplyState, { config: cfg, facts, nodeId, newRepairRunId, now }: ActionsInput): Want | null {
  if (s.repair.status !== "REQUIRED" || downtimeOver72h(s)) return null;
  const episode = s.failover.episode;
  const blockers: string[] = [];
  if (episode?.active) blockers.push("the failover is still on");
  else if (episode && episode.stop.attemptedAt !== null && episode.start.doneAt === null) blockers.push("the local server has not been started again yet");
  if (!facts.cassandraUp) blockers.push("Cassandra on this node is down");
  if (facts.cassandraRepairState === "RUNNING") blockers.push("a Cassandra repair is running already (seen from this node): one node at a time");
  if (facts.cassandraRepairState === "UNKNOWN") blockers.push("cannot tell whether another Cassandra repair is running (cassandraRepairState UNKNOWN): one node at a time");
  const turn = repairTurn(nodeId, s.desired?.instructions ?? null);
  const base = episode && episode.id === s.repair.episodeId && episode.deactivatedAt !== null
    ? moment(episode.deactivatedAt, episode.deactivatedBoot) : moment(s.repair.requiredAt ?? iso(now.wallMs), null);
  const waited = elapsedSince(base, now);
  const turnMs = turn.position * cfg.repairStaggerMs;
  // Unknown (a reboot since, a base in the future): the turn is not held up by the clock; "no repair visible" still holds.
  if (waited !== null && waited < turnMs) {
    blockers.push(`waiting for this node's turn: number ${turn.position + 1} of ${turn.of} by node id, it starts no earlier than ${iso(now.wallMs + turnMs - waited)}`);
  }
  const target = s.repair.episodeId ?? "repair";
  return {
    blockers,
    action: {
      kind: "cassandra-repair", target, argv: [...cfg.repairCommand], runId: newRepairRunId,
      before: "REQUIRED", after: "IN_PROGRESS",
      reason: s.repair.reason, reportId: s.desired?.reportId ?? null,
    },
  };
}
