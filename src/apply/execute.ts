/**
 * One apply cycle: read the state, look at the world, decide (reconcile.ts),
 * write ahead, act, record, write. The caller holds the cycle lock (one cycle
 * at a time on a node); `status` may read the state meanwhile (readApplyState, in state/apply-state.ts).
 *
 * Safety, in the order things happen:
 * - a state file that cannot be read (I/O error on both copies) stops the
 *   cycle before anything is done or written; a torn or invalid one falls back
 *   to the `.bak` copy, or to a fresh state whose repair status is UNKNOWN, and
 *   the recovery is kept in the state for `status`;
 * - before an action runs, the state saying it may have run is on disk; if
 *   that write fails, nothing is done;
 * - a dry run writes nothing, removes nothing and runs nothing: it audits
 *   what would run;
 * - the answer is checked again (plan/intake.ts); a rejected one changes
 *   nothing but the record of its rejection;
 * - every action done or failed is one audit line
 *   `{type: "action", action, before, after, reason, reportId, result, error, dryRun, wouldRun, at}`
 *   (`result`: "done", "failed", "not-done" when the write-ahead failed,
 *   "would-run"); state changes that are not actions (failover on or off,
 *   repair finished, answer rejected, state recovered, an action interrupted
 *   by a kill: its write-ahead mark left without a result) are
 *   `{type: "state", event, before, after, reason, reportId, at}`.
 *
 * applyCycle never throws: whatever goes wrong is in `errors`.
 */
import type { BootStamp, Clock } from "../effects/clock.js";
import type { HttpClientFactory } from "../effects/http.js";
import type { ProcessRunner } from "../effects/process.js";
import type { Instructions } from "../contract/answer.js";
import type { PhaRepairStatus } from "../contract/report.js";
import { applyStateFile, initialApplyState, phaRepairStatusFor } from "../state/apply-state.js";
import type { ActionKind, ApplyState, Pending } from "../state/apply-state.js";
import type { RecoveryNote, StateFile } from "../state/store.js";
import type { RemediationConfig } from "../config/remediation.js";
import { markStarted, recordResults } from "./plan/results.js";
import type { ActionResult, ApplyFacts, CycleMode, Plan, PlannedAction, RepairPaths, StateEvent } from "./plan/types.js";
import { planCycle } from "./reconcile.js";
import { launchRepair, newRunId, observeRepair, repairPaths } from "./repair.js";
import { doneMarkerPresent, removeDoneMarker as removeDoneMarkerFile } from "../state/repair-files.js";
import { openServerApi } from "./server-api.js";
import type { ServerApi, ServerApiConfig } from "./server-api.js";
import { runServerCommand, settleInterrupted } from "./server-command.js";

/** An audit call that does not return within this is abandoned (and reported): 10 s. */
const AUDIT_DEADLINE_MS = 10_000;

export interface ApplyDeps {
  readonly runner: ProcessRunner;
  readonly http: HttpClientFactory;
  readonly clock: Clock;
  /** Appends one entry to the audit log. */
  readonly audit: (entry: object) => Promise<void>;
}

export interface ApplyInput {
  readonly stateDir: string;
  /** This node's cluster and node ids (configuration): an answer naming another cluster is rejected. */
  readonly clusterId: string;
  readonly nodeId: string;
  readonly remediation: RemediationConfig;
  readonly server: ServerApiConfig;
  /**
   * null: nothing new this cycle (204, not delivered, or rejected by the sender).
   * `confirms`: the answer is to this cycle's own report, generated within the
   * confirmation window: only such an answer counts toward a stop (plan/intake.ts).
   */
  readonly answer: { readonly reportId: string; readonly instructions: Instructions; readonly confirms: boolean } | null;
  readonly facts: ApplyFacts;
  readonly mode: CycleMode;
}

export interface ActionReport {
  readonly action: ActionKind;
  readonly target: string;
  readonly before: string;
  readonly after: string;
  readonly reason: string;
  readonly reportId: string | null;
  readonly result: "done" | "failed" | "not-done" | "would-run";
  readonly error: string | null;
}

export interface ApplyOutcome {
  /** What became of this cycle's answer. */
  readonly answer: "applied" | "rejected" | "duplicate" | "none";
  readonly rejection: string | null;
  readonly done: readonly ActionReport[];
  readonly wouldRun: readonly ActionReport[];
  /** Failed, or not done because the state could not be written first. */
  readonly failed: readonly ActionReport[];
  readonly pending: readonly Pending[];
  readonly events: readonly StateEvent[];
  /** Why due actions were only "would run" (dry run, remediation.enabled false, maintenance mode); null: actions were on. */
  readonly offReason: string | null;
  /** For the next report. */
  readonly cassandraPhaRepairStatus: PhaRepairStatus;
  readonly state: ApplyState;
  /** false in a dry run, or when the state could not be written. */
  readonly persisted: boolean;
  /** A bad state file found (and got over) this cycle. */
  readonly recovery: RecoveryNote | null;
  /** Cycle-level problems: state unreadable or unwritable, audit log failing, a bug. */
  readonly errors: readonly string[];
}

function report(action: PlannedAction, result: ActionReport["result"], error: string | null): ActionReport {
  return {
    action: action.kind, target: action.target, before: action.before, after: action.after,
    reason: action.reason, reportId: action.reportId, result, error,
  };
}

/** Appends one entry (with its time) to the audit log; never throws: a failure goes into the cycle's errors. */
type Audit = (entry: Record<string, unknown>) => Promise<void>;

/** What every step of a cycle works with. */
interface Cycle {
  readonly deps: ApplyDeps;
  readonly input: ApplyInput;
  readonly file: StateFile<ApplyState>;
  readonly paths: RepairPaths;
  readonly audit: Audit;
  /** Cycle-level problems, in the order met (ApplyOutcome.errors). */
  readonly errors: string[];
}

export async function applyCycle(deps: ApplyDeps, input: ApplyInput): Promise<ApplyOutcome> {
  const errors: string[] = [];
  const audit = auditor(deps, errors);
  // The best state known so far, should anything unexpected throw later on.
  let known: ApplyState | null = null;
  try {
    const cycle: Cycle = {
      deps, input, audit, errors,
      file: applyStateFile(input.stateDir, () => deps.clock.now()), paths: repairPaths(input.stateDir),
    };
    const loaded = await loadState(cycle);
    if (!loaded.ok) return outcomeWithout(initialApplyState({ lost: true }), null, errors);
    known = loaded.asRead;
    const { state, recovery } = loaded;

    const now = deps.clock.now();
    const nowBoot = deps.clock.boot();
    const plan = await planThisCycle(cycle, state, now, nowBoot);
    await auditPlan(cycle, plan);
    const wouldRun = plan.wouldRun.map((a) => report(a, "would-run", null));
    const base = { answer: plan.answer, rejection: plan.rejection, wouldRun, pending: plan.pending, events: plan.events, offReason: plan.offReason };

    if (input.mode.dryRun) return outcomeWithout(plan.state, recovery, errors, base);

    // A server stop or start interrupted by a kill of nodekeeper may still run
    // in its own process group: it is waited for (at most until its own
    // deadline), then killed, before any server action of this cycle.
    if (plan.actions.some((a) => a.kind === "stop-server" || a.kind === "start-server")) {
      for (const note of await settleInterrupted(state.inFlight, { wallMs: now, boot: nowBoot }, input.remediation.commandTimeoutMs, deps.clock)) {
        await audit({ type: "state", ...note });
      }
    }

    const ahead = await writeAhead(cycle, plan, now, nowBoot);
    if (!ahead.ok) return outcomeWithout(plan.state, recovery, errors, { ...base, failed: ahead.failed });
    const { results, state: current } = await runActions(cycle, plan.actions, ahead.state);
    return { ...base, ...(await recordCycle(cycle, current, results, plan.removeDoneMarker)), recovery, errors };
  } catch (error) {
    errors.push(`apply cycle failed: ${message(error)}`);
    return outcomeWithout(known ?? initialApplyState({ lost: true }), null, errors);
  }
}

/** An outcome in which nothing was done or written: a dry run, a cycle that stopped early, or one that failed. */
function outcomeWithout(state: ApplyState, recovery: RecoveryNote | null, errors: readonly string[], extra: Partial<ApplyOutcome> = {}): ApplyOutcome {
  return {
    answer: "none", rejection: null, done: [], wouldRun: [], failed: [], pending: state.pending, events: [], offReason: null,
    cassandraPhaRepairStatus: phaRepairStatusFor(state), state, persisted: false, recovery, errors, ...extra,
  };
}

/** The audit log, each entry stamped with the time and given at most AUDIT_DEADLINE_MS. */
function auditor(deps: ApplyDeps, errors: string[]): Audit {
  return async (entry) => {
    const line = { ...entry, at: new Date(deps.clock.now()).toISOString() };
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        deps.audit(line),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${AUDIT_DEADLINE_MS} ms`)), AUDIT_DEADLINE_MS);
        }),
      ]);
    } catch (error) {
      errors.push(`audit log: ${message(error)}`);
    } finally {
      if (timer) clearTimeout(timer);
    }
  };
}

/**
 * The state file read: unreadable stops the cycle (audited); a damaged one
 * was got over (a recovery note kept in the state, audited unless a dry run).
 * `asRead`: the state before the note, the best known should the cycle fail.
 */
async function loadState({ file, input, audit, errors }: Cycle): Promise<
  | { readonly ok: false }
  | { readonly ok: true; readonly asRead: ApplyState; readonly state: ApplyState; readonly recovery: RecoveryNote | null }
> {
  const read = await file.read({ preserveCorrupt: !input.mode.dryRun });
  if (!read.ok) {
    errors.push(`state unreadable, nothing applied: ${read.error}`);
    await audit({ type: "state", event: "state-unreadable", before: "-", after: "-", reason: read.error, reportId: input.answer?.reportId ?? null });
    return { ok: false };
  }
  const asRead = read.source === "initial" && read.recovery !== null ? initialApplyState({ lost: true }) : read.value;
  const recovery = read.recovery;
  if (recovery === null) return { ok: true, asRead, state: asRead, recovery };
  const state = { ...asRead, recoveries: [...asRead.recoveries, recovery].slice(-5) };
  if (!input.mode.dryRun) await audit({
    type: "state", event: "state-recovered", before: "unusable state file",
    after: recovery.used === "backup" ? "last good copy" : "fresh state", reason: recovery.problem, reportId: null,
  });
  return { ok: true, asRead, state, recovery };
}

/** The world looked at (a launched repair, the operator's marker), then the plan (reconcile.ts). */
async function planThisCycle({ input, paths }: Cycle, state: ApplyState, now: number, nowBoot: BootStamp | null): Promise<Plan> {
  const config = input.remediation;
  const repairObservation = await observeRepair(state.repair, paths, { wallMs: now, boot: nowBoot }, config);
  const repairDoneMarker = await doneMarkerPresent(paths);
  return planCycle({
    state, answer: input.answer, clusterId: input.clusterId, nodeId: input.nodeId, facts: input.facts,
    repairObservation, repairDoneMarker, config, mode: input.mode, now, nowBoot, paths, newRepairRunId: newRunId(),
  });
}

/** The plan's state events and its "would run" lines, in the audit log. */
async function auditPlan({ input, audit }: Cycle, plan: Plan): Promise<void> {
  const { mode } = input;
  // A dry run keeps nothing, so its state changes are not news: only its would-run lines are audited.
  if (!mode.dryRun) for (const e of plan.events) await audit({ type: "state", ...e });
  for (const a of plan.wouldRunToAudit) {
    await audit({ type: "action", action: a.kind, before: a.before, after: a.after, reason: a.reason, reportId: a.reportId, result: "would-run", error: null, dryRun: mode.dryRun, wouldRun: true, notDoneBecause: plan.offReason });
  }
}

/**
 * Write-ahead: the state saying the actions may have run, on disk before they
 * do. When it cannot be written, nothing is done: each action is "not-done".
 */
async function writeAhead(
  { file, audit, errors }: Cycle,
  plan: Plan,
  now: number,
  nowBoot: BootStamp | null,
): Promise<{ readonly ok: true; readonly state: ApplyState } | { readonly ok: false; readonly failed: ActionReport[] }> {
  if (plan.actions.length === 0) return { ok: true, state: plan.state };
  const ahead = markStarted(plan.state, plan.actions, now, nowBoot);
  try {
    await file.write(ahead);
    return { ok: true, state: ahead };
  } catch (error) {
    const why = `the state could not be written before acting, so nothing was done: ${message(error)}`;
    errors.push(why);
    const failed = plan.actions.map((a) => report(a, "not-done", why));
    for (const a of plan.actions) {
      await audit({ type: "action", action: a.kind, before: a.before, after: a.before, reason: a.reason, reportId: a.reportId, result: "not-done", error: why, dryRun: false, wouldRun: false });
    }
    return { ok: false, failed };
  }
}

/**
 * The actions, one after the other, each audited as done or failed. Returns
 * their results and the state as last written (a server command's process
 * group noted in it).
 */
async function runActions(cycle: Cycle, actions: readonly PlannedAction[], written: ApplyState): Promise<{ results: ActionResult[]; state: ApplyState }> {
  const { deps, input, audit } = cycle;
  const config = input.remediation;
  const results: ActionResult[] = [];
  let state = written;
  let api: ServerApi | null = null;
  try {
    for (const action of actions) {
      let result: ActionResult;
      if (action.kind === "responsibility-override" || action.kind === "quorum-override") {
        api ??= await openServerApi(deps.http, input.server);
        const r = action.kind === "responsibility-override"
          ? await api.putResponsibilityOverride(action.nodeIds)
          : await api.putQuorumOverride(action.level);
        result = { action, ok: r.ok, error: r.ok ? null : r.error };
      } else if (action.kind === "cassandra-repair") {
        const r = await launchRepair(deps.runner, action.argv, action.runId, cycle.paths, config);
        result = { action, ok: r.ok, error: r.ok ? null : r.error };
      } else {
        const ran = await runServerCommand(deps, cycle.file, input.stateDir, action, state, config.commandTimeoutMs, cycle.errors);
        state = ran.state;
        result = ran.result;
      }
      results.push(result);
      await audit({
        type: "action", action: action.kind, before: action.before, after: result.ok ? action.after : action.before,
        reason: action.reason, reportId: action.reportId, result: result.ok ? "done" : "failed", error: result.error,
        dryRun: false, wouldRun: false,
      });
    }
  } finally {
    await api?.close();
  }
  return { results, state };
}

/** The results recorded and the state written; the operator's marker removed once that write held. */
async function recordCycle(
  { deps, input, file, paths, errors }: Cycle,
  current: ApplyState,
  results: readonly ActionResult[],
  removeDoneMarker: boolean,
): Promise<Pick<ApplyOutcome, "done" | "failed" | "cassandraPhaRepairStatus" | "state" | "persisted">> {
  const final = recordResults(current, results, input.facts, input.remediation, deps.clock.now(), deps.clock.boot());
  let persisted = true;
  try {
    await file.write(final);
  } catch (error) {
    persisted = false;
    errors.push(`the state could not be written after the cycle: ${message(error)}`);
  }
  if (persisted && removeDoneMarker) {
    await removeDoneMarkerFile(paths).catch((error: unknown) => errors.push(`cannot remove ${paths.doneMarkerFile}: ${message(error)}`));
  }
  return {
    done: results.filter((r) => r.ok).map((r) => report(r.action, "done", null)),
    failed: results.filter((r) => !r.ok).map((r) => report(r.action, "failed", r.error)),
    cassandraPhaRepairStatus: phaRepairStatusFor(final),
    state: final,
    persisted,
  };
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
