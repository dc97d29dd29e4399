/** One-line commands: `statusgossip`, `statusbinary` (`running` / `not running`) and `statushandoff`. */
import { fail, ok, trimmedLines, type ParseResult } from "./common.js";

/** `statusgossip`, `statusbinary`: `running` → true, `not running` → false. */
export function parseRunning(stdout: string): ParseResult<boolean> {
  for (const line of trimmedLines(stdout)) {
    const t = line.trim();
    if (t === "running") return ok(true);
    if (t === "not running") return ok(false);
  }
  return fail("neither `running` nor `not running` in nodetool output");
}

export interface HandoffStatus {
  readonly running: boolean;
  /** Data centers listed by `disablehintsfordc`. */
  readonly disabledDataCenters: readonly string[];
}

/** `Hinted handoff is running` / `... is not running`, then `Data center <dc> is disabled` lines. */
export function parseStatusHandoff(stdout: string): ParseResult<HandoffStatus> {
  let running: boolean | null = null;
  const disabledDataCenters: string[] = [];
  for (const line of trimmedLines(stdout)) {
    const t = line.trim();
    if (t === "Hinted handoff is running") running = true;
    else if (t === "Hinted handoff is not running") running = false;
    else if (t.startsWith("Data center ") && t.endsWith(" is disabled")) {
      disabledDataCenters.push(t.slice("Data center ".length, -" is disabled".length));
    }
  }
  if (running === null) return fail("no `Hinted handoff is ...` line in nodetool statushandoff output");
  return ok({ running, disabledDataCenters });
}
