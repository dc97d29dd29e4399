/**
 * `nodetool getmaxhintwindow`: one line, `Current max hint window: 10800000 ms`
 * (GetMaxHintWindow.java: `"Current max hint window: " + probe.getMaxHintWindow() + " ms"`,
 * an int of milliseconds; FORMATS.md section 12). The window is how long
 * Cassandra keeps writing hints for a peer that is down (default 3 h); in
 * 4.1+ it is counted from the oldest hint held for that peer
 * (`hint_window_persistent_enabled`, default true).
 */
import { fail, ok, parseInteger, trimmedLines, type ParseResult } from "./common.js";

export interface MaxHintWindow {
  /** The window in milliseconds. */
  readonly windowMs: number;
}

const LINE = /^Current max hint window: (-?\d{1,12}) ms$/;

export function parseMaxHintWindow(stdout: string): ParseResult<MaxHintWindow> {
  for (const line of trimmedLines(stdout)) {
    const m = LINE.exec(line.trim());
    if (m === null) continue;
    const windowMs = parseInteger(m[1] ?? "");
    if (windowMs === null || windowMs < 0) return fail(`unusable max hint window in nodetool getmaxhintwindow output: '${line.trim().slice(0, 80)}'`);
    return ok({ windowMs });
  }
  return fail("no `Current max hint window: <n> ms` line in nodetool getmaxhintwindow output");
}
