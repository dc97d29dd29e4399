/**
 * Phase 5 of a cycle's plan, the mode: with `dryRun`, `remediation.enabled:
 * false` or maintenance mode the due actions are "would run": listed, audited
 * once, not done. The bookkeeping (desired state, counts, statuses) is kept
 * except in a dry run, whose new state is not written at all (execute.ts).
 */
import type { Moment } from "../../effects/clock.js";
import type { ApplyState, Pending } from "../../state/apply-state.js";
import { actionKey } from "./actions.js";
import type { Waiting } from "./actions.js";
import { iso } from "./time.js";
import type { AnswerStatus, CycleMode, PlannedAction } from "./types.js";

/** Why the due actions are only "would run", or null when they are done. */
export function actionsOffReason(mode: CycleMode, remediationEnabled: boolean): string | null {
  return mode.dryRun ? "dry run" : !remediationEnabled ? "remediation.enabled is false" : mode.maintenance ? "maintenance mode" : null;
}

export interface ModeInput {
  readonly state: ApplyState;
  readonly due: readonly PlannedAction[];
  readonly waiting: readonly Waiting[];
  /** actionsOffReason's answer. */
  readonly offReason: string | null;
  readonly mode: CycleMode;
  readonly remediationEnabled: boolean;
  /** What became of this cycle's answer, for the record of the cycle. */
  readonly answer: AnswerStatus;
  readonly now: Moment;
}

export interface ModeOutput {
  /** With the "would run" lines noted, the pending list and the record of this cycle. */
  readonly state: ApplyState;
  readonly actions: readonly PlannedAction[];
  readonly wouldRun: readonly PlannedAction[];
  /** The would-run actions not audited before (all of them in a dry run). */
  readonly wouldRunToAudit: readonly PlannedAction[];
  readonly pending: readonly Pending[];
}

/** Phase 5: the due actions done, or only "would run"; what waits kept with the time it began to. Pure. */
export function applyMode(input: ModeInput): ModeOutput {
  const { offReason, mode } = input;
  const s = structuredClone(input.state);
  const at = iso(input.now.wallMs);
  const actions = offReason === null ? input.due : [];
  const wouldRun = offReason === null ? [] : input.due;
  const notedBefore = new Set(s.wouldRunNoted);
  const wouldRunToAudit = mode.dryRun ? wouldRun : wouldRun.filter((a) => !notedBefore.has(actionKey(a.kind, a.target)));
  s.wouldRunNoted = wouldRun.map((a) => actionKey(a.kind, a.target)).slice(0, 20);
  const episode = s.failover.episode;
  if (offReason !== null && episode) {
    for (const a of wouldRun) if (a.kind === "stop-server" && episode.stop.wouldRunAt === null) episode.stop.wouldRunAt = at;
  }

  const previousPending = new Map(s.pending.map((p) => [actionKey(p.action, p.target), p.since]));
  const pending: Pending[] = [
    ...input.waiting,
    ...wouldRun.map((a) => ({ action: a.kind, target: a.target, reason: `would run, not done: ${offReason ?? ""}` })),
  ].map((p) => ({ ...p, since: previousPending.get(actionKey(p.action, p.target)) ?? at }));
  s.pending = pending.slice(0, 20);
  s.lastCycle = { at, boot: input.now.boot, maintenance: mode.maintenance, remediationEnabled: input.remediationEnabled, answer: input.answer };
  return { state: s, actions, wouldRun, wouldRunToAudit, pending: s.pending };
}
