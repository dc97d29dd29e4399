/**
 * `server-commands.log` in the state folder: the output of the server's stop
 * and start commands (failover remediation), each run under a header line.
 * One old copy is kept as `.1` once the log passes 1 MiB.
 */
import { appendFile, rename, stat } from "node:fs/promises";
import { join } from "node:path";
import { readTail } from "./tail.js";

/** The log file of the server start and stop commands, in the state folder. */
export const SERVER_COMMAND_LOG = "server-commands.log";
/** Above this the log is moved to `.1` (one old copy kept): 1 MiB. */
const COMMAND_LOG_MAX_BYTES = 1024 * 1024;
/** What a command's result keeps of its output: the last 2 KiB. */
const OUTPUT_TAIL_BYTES = 2048;

/** Appends a header line for the command about to run; the command's output follows it from `offset`. */
export async function openCommandLog(
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
export function commandOutput(file: string, offset: number): Promise<string> {
  return readTail(file, { from: offset, maxBytes: OUTPUT_TAIL_BYTES });
}
