/**
 * The last report cycle's outcome, one line (`0 delivered`, `5 kept`,
 * `75 no exchange`): `report --quiet` under a timer compares each cycle's
 * outcome with it, to log and print only changes.
 *
 * File: `{stateDir}/last-outcome`. A plain write, not an atomic one: losing
 * or tearing it only costs one repeated log line. Run as root, the cli hands
 * it to the state folder's owner afterwards (state/owner.ts adoptStateFiles).
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";

export const LAST_OUTCOME_FILE = "last-outcome";

/** The last cycle's outcome line, or null when there is none (or it cannot be read). Never throws. */
export async function readLastOutcome(stateDir: string): Promise<string | null> {
  try {
    return (await readFile(join(stateDir, LAST_OUTCOME_FILE), "utf8")).trim();
  } catch {
    return null;
  }
}

/** Never throws: a failure costs one repeated log line next cycle. */
export async function writeLastOutcome(stateDir: string, outcome: string): Promise<void> {
  await writeFile(join(stateDir, LAST_OUTCOME_FILE), `${outcome}\n`).catch(() => undefined);
}
