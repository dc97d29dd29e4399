/**
 * The local server's stop and start commands (failover remediation), as
 * execute.ts runs them: each in its own process group, its output appended to
 * `{stateDir}/server-commands.log`, its process group id written into the
 * state's in-flight record as soon as it runs, so that a nodekeeper killed
 * meanwhile leaves the next cycle something to wait for (settleInterrupted).
 */
import { elapsedSince, moment } from "./plan/time.js";
import type { Clock, Moment } from "../effects/clock.js";
import { killProcessGroup, processGroupAlive } from "../effects/process.js";
import type { ProcessRunner } from "../effects/process.js";
import type { ApplyState } from "../state/apply-state.js";
import type { StateFile } from "../state/store.js";
import { commandOutput, openCommandLog } from "../state/server-commands-log.js";
import type { ActionResult, PlannedAction, StateEvent } from "./plan/types.js";
import { describeRun } from "./repair.js";

/** A server stop or start, as the plan has it. */
export type ServerCommandAction = Extract<PlannedAction, { readonly kind: "stop-server" | "start-server" }>;

/**
 * Runs a server stop or start under `timeoutMs`. Returns its result and the
 * state with its process group noted (written at once; a failed write is put
 * in `errors`, the command runs on).
 */
export async function runServerCommand(
  deps: { readonly runner: ProcessRunner; readonly clock: Clock },
  file: StateFile<ApplyState>,
  stateDir: string,
  action: ServerCommandAction,
  state: ApplyState,
  timeoutMs: number,
  errors: string[],
): Promise<{ result: ActionResult; state: ApplyState }> {
  let current = state;
  const log = await openCommandLog(stateDir, action, deps.clock.now());
  // The group id goes into the write-ahead record at once: a nodekeeper
  // killed now leaves the next cycle something to wait for.
  let pgidWrite: Promise<void> = Promise.resolve();
  const onSpawn = (pid: number) => {
    const noted = withPgid(current, action, pid);
    current = noted;
    pgidWrite = file.write(noted).catch((error: unknown) => {
      errors.push(`the running ${action.kind} could not be recorded: ${error instanceof Error ? error.message : String(error)}`);
    });
  };
  const run = await deps.runner.run(action.argv, {
    onSpawn,
    timeoutMs,
    // A start script may leave the server daemon running on purpose.
    reapGroup: action.kind !== "start-server",
    // Not pipes: a daemon that inherits them would hold the wait open
    // until the timeout (and be killed with it). stdin is /dev/null.
    ...(log.ok ? { outputFile: log.file } : {}),
  });
  await pgidWrite;
  const ok = run.exitCode === 0 && !run.timedOut;
  // The error names the command's last line of output, as with a pipe.
  const output = log.ok && !ok ? { ...run, stderr: await commandOutput(log.file, log.offset) } : run;
  const where = log.ok ? ` (output in ${log.file})` : "";
  const result = { action, ok, error: ok ? null : `${action.argv.join(" ")} ${describeRun(output, timeoutMs)}${where}` };
  return { result, state: current };
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
export async function settleInterrupted(
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
    const elapsed = elapsedSince(moment(f.startedAt, f.boot), now) ?? timeoutMs;
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
