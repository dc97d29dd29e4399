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
 * - the answer is checked again in reconcile.ts; a rejected one changes
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
import { appendFile, open, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { elapsedMs } from "../effects/clock.js";
import type { Clock, Moment } from "../effects/clock.js";
import type { HttpClientFactory } from "../effects/http.js";
import { killProcessGroup, processGroupAlive } from "../effects/process.js";
import type { ProcessRunner } from "../effects/process.js";
import type { Instructions } from "../contract/answer.js";
import type { PhaRepairStatus } from "../contract/report.js";
import { applyStateFile, initialApplyState, phaRepairStatusFor } from "../state/apply-state.js";
import type { ActionKind, ApplyState, Pending } from "../state/apply-state.js";
import type { RecoveryNote } from "../state/store.js";
import type { RemediationConfig } from "../config/remediation.js";
import { planCycle } from "./reconcile.js";
import { markStarted, recordResults } from "./plan/results.js";
import type { ActionResult, ApplyFacts, CycleMode, PlannedAction, StateEvent } from "./plan/types.js";
import { describeRun, launchRepair, newRunId, observeRepair, repairPaths } from "./repair.js";
import { openServerApi } from "./server-api.js";
import type { ServerApi, ServerApiConfig } from "./server-api.js";

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
   * confirmation window: only such an answer counts toward a stop (reconcile.ts).
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

export async function applyCycle(deps: ApplyDeps, input: ApplyInput): Promise<ApplyOutcome> {
  const errors: string[] = [];
  const audit = async (entry: Record<string, unknown>) => {
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
  const fallback = (state: ApplyState, recovery: RecoveryNote | null, extra: Partial<ApplyOutcome> = {}): ApplyOutcome => ({
    answer: "none", rejection: null, done: [], wouldRun: [], failed: [], pending: state.pending, events: [], offReason: null,
    cassandraPhaRepairStatus: phaRepairStatusFor(state), state, persisted: false, recovery, errors, ...extra,
  });

  // The best state known so far, should anything unexpected throw later on.
  let known: ApplyState | null = null;
  try {
    const { remediation: config, mode } = input;
    const file = applyStateFile(input.stateDir, () => deps.clock.now());
    const paths = repairPaths(input.stateDir);

    const read = await file.read({ preserveCorrupt: !mode.dryRun });
    if (!read.ok) {
      errors.push(`state unreadable, nothing applied: ${read.error}`);
      await audit({ type: "state", event: "state-unreadable", before: "-", after: "-", reason: read.error, reportId: input.answer?.reportId ?? null });
      return fallback(initialApplyState({ lost: true }), null);
    }
    let state = read.source === "initial" && read.recovery !== null ? initialApplyState({ lost: true }) : read.value;
    known = state;
    const recovery = read.recovery;
    if (recovery !== null) {
      state = { ...state, recoveries: [...state.recoveries, recovery].slice(-5) };
      if (!mode.dryRun) await audit({
        type: "state", event: "state-recovered", before: "unusable state file",
        after: recovery.used === "backup" ? "last good copy" : "fresh state", reason: recovery.problem, reportId: null,
      });
    }

    const now = deps.clock.now();
    const nowBoot = deps.clock.boot();
    const repairObservation = await observeRepair(state.repair, paths, { wallMs: now, boot: nowBoot }, config);
    const repairDoneMarker = await exists(paths.doneMarkerFile);
    const plan = planCycle({
      state, answer: input.answer, clusterId: input.clusterId, nodeId: input.nodeId, facts: input.facts,
      repairObservation, repairDoneMarker, config, mode, now, nowBoot, paths, newRepairRunId: newRunId(),
    });

    // A dry run keeps nothing, so its state changes are not news: only its would-run lines are audited.
    if (!mode.dryRun) for (const e of plan.events) await audit({ type: "state", ...e });
    for (const a of plan.wouldRunToAudit) {
      await audit({ type: "action", action: a.kind, before: a.before, after: a.after, reason: a.reason, reportId: a.reportId, result: "would-run", error: null, dryRun: mode.dryRun, wouldRun: true, notDoneBecause: plan.offReason });
    }
    const wouldRun = plan.wouldRun.map((a) => report(a, "would-run", null));
    const base = { answer: plan.answer, rejection: plan.rejection, wouldRun, pending: plan.pending, events: plan.events, offReason: plan.offReason };

    if (mode.dryRun) return fallback(plan.state, recovery, base);

    // A server stop or start interrupted by a kill of nodekeeper may still run
    // in its own process group: it is waited for (at most until its own
    // deadline), then killed, before any server action of this cycle.
    if (plan.actions.some((a) => a.kind === "stop-server" || a.kind === "start-server")) {
      for (const note of await settleInterrupted(state.inFlight, { wallMs: now, boot: nowBoot }, config.commandTimeoutMs, deps.clock)) {
        await audit({ type: "state", ...note });
      }
    }

    let current = plan.state;
    if (plan.actions.length > 0) {
      const ahead = markStarted(plan.state, plan.actions, now, nowBoot);
      try {
        await file.write(ahead);
        current = ahead;
      } catch (error) {
        const why = `the state could not be written before acting, so nothing was done: ${message(error)}`;
        errors.push(why);
        const failed = plan.actions.map((a) => report(a, "not-done", why));
        for (const a of plan.actions) {
          await audit({ type: "action", action: a.kind, before: a.before, after: a.before, reason: a.reason, reportId: a.reportId, result: "not-done", error: why, dryRun: false, wouldRun: false });
        }
        return fallback(plan.state, recovery, { ...base, failed });
      }
    }

    const results: ActionResult[] = [];
    let api: ServerApi | null = null;
    try {
      for (const action of plan.actions) {
        let result: ActionResult;
        if (action.kind === "responsibility-override" || action.kind === "quorum-override") {
          api ??= await openServerApi(deps.http, input.server);
          const r = action.kind === "responsibility-override"
            ? await api.putResponsibilityOverride(action.nodeIds)
            : await api.putQuorumOverride(action.level);
          result = { action, ok: r.ok, error: r.ok ? null : r.error };
        } else if (action.kind === "cassandra-repair") {
          const r = await launchRepair(deps.runner, action.argv, action.runId, paths, config);
          result = { action, ok: r.ok, error: r.ok ? null : r.error };
        } else {
          const log = await openCommandLog(input.stateDir, action, deps.clock.now());
          // The group id goes into the write-ahead record at once: a nodekeeper
          // killed now leaves the next cycle something to wait for.
          let pgidWrite: Promise<void> = Promise.resolve();
          const onSpawn = (pid: number) => {
            const noted = withPgid(current, action, pid);
            current = noted;
            pgidWrite = file.write(noted).catch((error: unknown) => {
              errors.push(`the running ${action.kind} could not be recorded: ${message(error)}`);
            });
          };
          const run = await deps.runner.run(action.argv, {
            onSpawn,
            timeoutMs: config.commandTimeoutMs,
            // A start script may leave the server daemon running on purpose.
            reapGroup: action.kind !== "start-server",
            // Not pipes: a daemon that inherits them would hold the wait open
            // until the timeout (and be killed with it). stdin is /dev/null.
            ...(log.ok ? { outputFile: log.file } : {}),
          });
          await pgidWrite;
          const ok = run.exitCode === 0 && !run.timedOut;
          // The error names the command's last line of output, as with a pipe.
          const output = log.ok && !ok ? { ...run, stderr: await readFrom(log.file, log.offset) } : run;
          const where = log.ok ? ` (output in ${log.file})` : "";
          result = { action, ok, error: ok ? null : `${action.argv.join(" ")} ${describeRun(output, config.commandTimeoutMs)}${where}` };
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

    const final = recordResults(current, results, input.facts, config, deps.clock.now(), deps.clock.boot());
    let persisted = true;
    try {
      await file.write(final);
    } catch (error) {
      persisted = false;
      errors.push(`the state could not be written after the cycle: ${message(error)}`);
    }
    if (persisted && plan.removeDoneMarker) {
      await rm(paths.doneMarkerFile, { force: true }).catch((error: unknown) => errors.push(`cannot remove ${paths.doneMarkerFile}: ${message(error)}`));
    }
    return {
      ...base,
      done: results.filter((r) => r.ok).map((r) => report(r.action, "done", null)),
      failed: results.filter((r) => !r.ok).map((r) => report(r.action, "failed", r.error)),
      cassandraPhaRepairStatus: phaRepairStatusFor(final),
      state: final,
      persisted,
      recovery,
      errors,
    };
  } catch (error) {
    errors.push(`apply cycle failed: ${message(error)}`);
    return fallback(known ?? initialApplyState({ lost: true }), null);
  }
}

/** The state with the process group of a running server action noted in its in-flight entry. */
function withPgid(state: ApplyState, action: PlannedAction, pid: number): ApplyState {
  return {
    ...state,
    inFlight: state.inFlight.map((f) => (f.action === action.kind && f.target === action.target && f.pgid === null ? { ...f, pgid: pid } : f)),
  };
}

/** Between two looks at an interrupted command's process group: 200 ms. */
const SETTLE_POLL_MS = 200;
/** After the SIGKILL, how long its end is awaited: 5 s. */
const SETTLE_KILL_WAIT_MS = 5_000;

/**
 * Waits for the process groups of server actions left in flight by a killed
 * nodekeeper (same boot only: a group id means nothing after a reboot), at
 * most until the command's own deadline (`startedAt` + timeout on the boot
 * clock), then kills the group. Returns the audit notes (none when nothing ran).
 */
async function settleInterrupted(
  inFlight: ApplyState["inFlight"],
  now: Moment,
  timeoutMs: number,
  clock: Clock,
): Promise<StateEvent[]> {
  const notes: StateEvent[] = [];
  for (const f of inFlight) {
    if ((f.action !== "stop-server" && f.action !== "start-server") || f.pgid === null) continue;
    if (f.boot === null || now.boot === null || f.boot.bootId !== now.boot.bootId) continue;
    if ((await processGroupAlive(f.pgid)) !== true) continue;
    const elapsed = elapsedMs({ wallMs: Date.parse(f.startedAt), boot: f.boot }, now) ?? timeoutMs;
    const polls = Math.ceil(Math.max(0, timeoutMs - elapsed) / SETTLE_POLL_MS);
    for (let i = 0; i < polls && (await processGroupAlive(f.pgid)) === true; i++) await clock.sleep(SETTLE_POLL_MS);
    let how = "waited for it to end";
    if ((await processGroupAlive(f.pgid)) === true) {
      killProcessGroup(f.pgid);
      for (let i = 0; i < SETTLE_KILL_WAIT_MS / SETTLE_POLL_MS && (await processGroupAlive(f.pgid)) === true; i++) await clock.sleep(SETTLE_POLL_MS);
      how = `killed its process group ${f.pgid} at its deadline (${timeoutMs} ms)`;
    }
    notes.push({
      event: "interrupted-action-settled", before: `${f.action} started at ${f.startedAt} still running`, after: "ended",
      reason: `an interrupted ${f.action} was still running before this cycle's server action: ${how}`, reportId: f.reportId,
    });
  }
  return notes;
}

/** The log file of the server start and stop commands, in the state folder. */
export const SERVER_COMMAND_LOG = "server-commands.log";
/** Above this the log is moved to `.1` (one old copy kept): 1 MiB. */
const COMMAND_LOG_MAX_BYTES = 1024 * 1024;

/** Appends a header line for the command about to run; the command's output follows it. */
async function openCommandLog(
  stateDir: string,
  action: { readonly kind: string; readonly argv: readonly string[] },
  now: number,
): Promise<{ ok: true; file: string; offset: number } | { ok: false }> {
  const file = join(stateDir, SERVER_COMMAND_LOG);
  try {
    const size = await stat(file).then((s) => s.size, () => 0);
    if (size > COMMAND_LOG_MAX_BYTES) await rename(file, `${file}.1`);
    await appendFile(file, `--- ${new Date(now).toISOString()} ${action.kind}: ${action.argv.join(" ")}\n`, { mode: 0o640 });
    return { ok: true, file, offset: (await stat(file)).size };
  } catch {
    // The command still runs (its output then goes to a pipe): a full disk must not stop a server start.
    return { ok: false };
  }
}

/** What a command wrote to its log, from `offset` on: the last 2 KiB at most; "" when unreadable. */
async function readFrom(file: string, offset: number): Promise<string> {
  try {
    const handle = await open(file, "r");
    try {
      const { size } = await handle.stat();
      const start = Math.max(offset, size - 2048);
      const buffer = Buffer.alloc(Math.max(0, size - start));
      await handle.read(buffer, 0, buffer.length, start);
      return buffer.toString("utf8");
    } finally {
      await handle.close();
    }
  } catch {
    return "";
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
