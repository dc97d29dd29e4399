/**
 * Running the Cassandra repair outside the cycle. A repair takes hours
 * (`repairTimeoutMs`, 6 h by default) while a cycle runs every minute and must
 * keep reporting (IN_PROGRESS included), so the repair is launched detached and
 * later cycles look for its result:
 *
 * - a small `/bin/sh` wrapper runs the configured command under coreutils
 *   `timeout` (TERM at `repairTimeoutMs`, KILL 60 s later; exit 124/137), with
 *   its output in `{stateDir}/cassandra-repair.log` (one run, overwritten by the
 *   next), then writes `<runId> <exit code>` to
 *   `{stateDir}/cassandra-repair.result` (temp file and rename);
 * - detached either by `systemd-run` as the transient unit
 *   `nodekeeper-cassandra-repair` (outside nodekeeper's cgroup: systemd kills
 *   what a finished `report` unit leaves behind; the fixed unit name also
 *   refuses a second launch while one runs), or as a plain background process;
 * - a later cycle reads the result file (its run id must match: an old result
 *   is never taken for a new run); without a result, the repair is running if a
 *   process carries its run id in its command line (/proc), and gone otherwise
 *   (after a 2-minute grace for a slow start).
 */
import { randomUUID } from "node:crypto";
import { elapsedSince, moment } from "./plan/time.js";
import type { Moment } from "../effects/clock.js";
import { processWithArgument, systemdBooted } from "../effects/process.js";
import type { ProcessRunner, RunResult } from "../effects/process.js";
import type { RepairRecord } from "../state/apply-state.js";
import { readRepairResult, removeRepairResult, repairLogEnd } from "../state/repair-files.js";
import type { RemediationConfig } from "../config/remediation.js";
import { oneLine, printable } from "./text.js";
import type { RepairObservation, RepairPaths } from "./plan/types.js";

export const REPAIR_UNIT = "nodekeeper-cassandra-repair";
/** Launching returns at once; 60 s is generous even for a busy systemd. */
const LAUNCH_TIMEOUT_MS = 60_000;
/** When the process list cannot be read, a repair counts as running until its timeout plus this: 10 min. */
const NO_PROC_SLACK_MS = 600_000;
/** A launched repair with neither a result nor a process is only called gone after this: 2 min. */
const REPAIR_LAUNCH_GRACE_MS = 120_000;

/** $1 result file, $2 timeout in seconds, $3 log file, $4 run id, then the command. */
export const REPAIR_WRAPPER = [
  'result=$1; secs=$2; log=$3; run=$4; shift 4',
  'rm -f "$result" "$result.tmp"',
  'if command -v timeout >/dev/null 2>&1; then',
  '  timeout -k 60 "$secs" "$@" </dev/null >"$log" 2>&1',
  'else',
  '  "$@" </dev/null >"$log" 2>&1',
  'fi',
  'code=$?',
  'printf \'%s %s\\n\' "$run" "$code" >"$result.tmp" && mv -f "$result.tmp" "$result"',
].join("\n");

/** $1 the wrapper script, then its arguments: runs it in the background and returns. */
const BACKGROUND_LAUNCHER = 'script=$1; shift; /bin/sh -c "$script" nodekeeper-repair "$@" </dev/null >/dev/null 2>&1 &';

export { repairPaths } from "../state/repair-files.js";

export function newRunId(): string {
  return `nk-repair-${randomUUID()}`;
}

export function detachMode(setting: RemediationConfig["repairDetach"]): "systemd-run" | "background" {
  if (setting !== "auto") return setting;
  return systemdBooted() ? "systemd-run" : "background";
}

/** The argv that launches `command` detached. */
export function repairLaunchArgv(
  command: readonly string[],
  runId: string,
  paths: RepairPaths,
  config: Pick<RemediationConfig, "repairTimeoutMs" | "repairDetach">,
): string[] {
  const args = [paths.resultFile, String(Math.ceil(config.repairTimeoutMs / 1000)), paths.logFile, runId, ...command];
  if (detachMode(config.repairDetach) === "systemd-run") {
    return [
      "systemd-run", "--quiet", "--collect", `--unit=${REPAIR_UNIT}`, "--description=nodekeeper Cassandra repair",
      "/bin/sh", "-c", REPAIR_WRAPPER, "nodekeeper-repair", ...args,
    ];
  }
  return ["/bin/sh", "-c", BACKGROUND_LAUNCHER, "nodekeeper-repair-launcher", REPAIR_WRAPPER, ...args];
}

/** Launches the repair; ok once it is on its way (its outcome comes later). */
export async function launchRepair(
  runner: ProcessRunner,
  command: readonly string[],
  runId: string,
  paths: RepairPaths,
  config: Pick<RemediationConfig, "repairTimeoutMs" | "repairDetach">,
): Promise<{ ok: true } | { ok: false; error: string }> {
  await removeRepairResult(paths);
  const result = await runner.run(repairLaunchArgv(command, runId, paths, config), {
    timeoutMs: LAUNCH_TIMEOUT_MS,
    reapGroup: false, // the whole point: the repair outlives the launcher
  });
  return result.exitCode === 0 && !result.timedOut ? { ok: true } : { ok: false, error: describeRun(result, LAUNCH_TIMEOUT_MS) };
}

/** What became of a launched repair (null unless the state says IN_PROGRESS). */
export async function observeRepair(
  repair: RepairRecord,
  paths: RepairPaths,
  now: Moment,
  config: Pick<RemediationConfig, "repairTimeoutMs">,
): Promise<RepairObservation | null> {
  if (repair.status !== "IN_PROGRESS" || repair.runId === null) return null;
  const runId = repair.runId;
  const first = await readRepairResult(paths, runId);
  if (first !== null) return { kind: "finished", exitCode: first, logTail: logTail(await repairLogEnd(paths)) };
  const alive = await processWithArgument(runId);
  if (alive === true) return { kind: "running" };
  // The repair may have finished between the two looks.
  const second = await readRepairResult(paths, runId);
  if (second !== null) return { kind: "finished", exitCode: second, logTail: logTail(await repairLogEnd(paths)) };
  // On the boot clock (effects/clock.ts): unknown (another boot, a start in the future) is past any grace.
  const sinceStart = elapsedSince(moment(repair.startedAt, repair.startedBoot), now);
  if (sinceStart !== null) {
    if (sinceStart < REPAIR_LAUNCH_GRACE_MS) return { kind: "running" };
    if (alive === null && sinceStart < config.repairTimeoutMs + NO_PROC_SLACK_MS) return { kind: "running" };
  }
  return { kind: "vanished", logTail: logTail(await repairLogEnd(paths)) };
}

/** The last lines of the repair log's end, as one printable line of at most 300 characters. */
export function logTail(text: string): string {
  const lines = text.split("\n").map((l) => printable(l).trim()).filter(Boolean);
  const tail = lines.slice(-3).join(" | ");
  return tail.length > 300 ? `…${tail.slice(-300)}` : tail;
}

/** A failed run in one line: timeout, missing command, signal or exit code with the last stderr line. */
export function describeRun(result: RunResult, timeoutMs: number): string {
  if (result.timedOut) return `timed out after ${timeoutMs} ms and was killed`;
  if (result.notFound) return `could not be started: ${result.spawnError ?? "not found"}`;
  if (result.signal !== null) return `killed by ${result.signal}`;
  const last = oneLine(result.stderr.trim().split("\n").pop() ?? "", 200);
  return `exited with code ${result.exitCode ?? "?"}${last !== "" ? `: ${last}` : ""}`;
}
