/**
 * After the plan: execute.ts feeds the actions back. markStarted before they
 * run (write-ahead), recordResults after. Pure: the state and the time in,
 * the new state out.
 */
import type { BootStamp } from "../../effects/clock.js";
import type { ApplyState, Failure } from "../../state/apply-state.js";
import type { RemediationConfig } from "../../config/remediation.js";
import { retryDelayMs } from "./actions.js";
import { setRepair } from "./repair-status.js";
import { iso } from "./time.js";
import type { ActionResult, ApplyFacts, PlannedAction } from "./types.js";

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
