/**
 * The Cassandra repair's files in the state folder (src/apply/repair.ts runs
 * the repair; this module only knows the files):
 * - `cassandra-repair.log`: the repair's output (one run, overwritten by the next);
 * - `cassandra-repair.result`: `<runId> <exit code>`, written by the repair's
 *   wrapper with a temp file and a rename once the command ends;
 * - `cassandra-repair.done`: an operator's marker that the repair was done by hand.
 */
import { readFile, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { readTail } from "./tail.js";

export interface RepairPaths {
  readonly resultFile: string;
  readonly logFile: string;
  /** The operator creates this file after a successful repair by hand. */
  readonly doneMarkerFile: string;
}

export function repairPaths(stateDir: string): RepairPaths {
  return {
    resultFile: join(stateDir, "cassandra-repair.result"),
    logFile: join(stateDir, "cassandra-repair.log"),
    doneMarkerFile: join(stateDir, "cassandra-repair.done"),
  };
}

/** Before a launch: an old result must never be read as the new run's. */
export async function removeRepairResult(paths: RepairPaths): Promise<void> {
  await rm(paths.resultFile, { force: true }).catch(() => undefined);
}

/** The exit code the run `runId` ended with; null while there is no result of that run. */
export async function readRepairResult(paths: RepairPaths, runId: string): Promise<number | null> {
  let text: string;
  try {
    text = await readFile(paths.resultFile, "utf8");
  } catch {
    return null;
  }
  const match = /^(\S+) (\d{1,3})\s*$/.exec(text);
  if (!match || match[1] !== runId) return null;
  return Number(match[2]);
}

/** The end of the repair's log (2 KiB at most); "" when there is none. */
export function repairLogEnd(paths: RepairPaths): Promise<string> {
  return readTail(paths.logFile, { maxBytes: 2048 });
}

/** Whether the operator's done marker is there. */
export async function doneMarkerPresent(paths: RepairPaths): Promise<boolean> {
  return stat(paths.doneMarkerFile).then(() => true, () => false);
}

/** Removes the done marker once its news is written into the state; throws what rm throws. */
export async function removeDoneMarker(paths: RepairPaths): Promise<void> {
  await rm(paths.doneMarkerFile, { force: true });
}
