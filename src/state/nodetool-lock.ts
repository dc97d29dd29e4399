/**
 * The nodetool lock file in the state folder (`cassandra-nodetool.lock`):
 * only one nodetool JVM at a time on a node, also across nodekeeper processes
 * (a `report` cycle and an operator's `status`). Held around each run; a
 * holder that died or overran its deadline is taken over. Best effort:
 * file-system errors never block probing.
 *
 * Content: `<pid> <wall-clock ms> <random>`, one line.
 */
import { open, readFile, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import type { Clock } from "../effects/clock.js";
import { handOver, ownerFor } from "./owner.js";

export const LOCK_FILE = "cassandra-nodetool.lock";

export type LockResult =
  | { readonly acquired: true; release(): Promise<void> }
  | { readonly acquired: false; readonly busy: boolean; readonly reason: string };

/**
 * Takes the nodetool lock, waiting until `waitUntil` (clock.monotonic() ms)
 * while another live process holds it. A lock older than `staleMs`, or whose
 * holder is gone, is removed. When the lock file cannot be used at all
 * (read-only state directory), returns acquired: false, busy: false, and the
 * caller runs nodetool anyway: a lock problem must not blind monitoring.
 */
export async function acquireNodetoolLock(stateDir: string, clock: Clock, waitUntil: number, staleMs: number): Promise<LockResult> {
  const path = join(stateDir, LOCK_FILE);
  const token = `${process.pid} ${clock.now()} ${Math.random().toString(36).slice(2)}`;
  // Bounded: a lock that keeps changing hands faster than we can take it is "busy".
  for (let attempt = 0; attempt < 10_000; attempt++) {
    try {
      const handle = await open(path, "wx", 0o640);
      try {
        await handle.writeFile(`${token}\n`);
        await handOver(handle, await ownerFor(stateDir)); // run as root: the state folder owner's
      } finally {
        await handle.close();
      }
      return {
        acquired: true,
        async release() {
          try {
            // Remove it only if it is still ours (a stale-lock takeover may have replaced it).
            if ((await readFile(path, "utf8")).trim() === token) await rm(path, { force: true });
          } catch {
            // Already gone: nothing to release.
          }
        },
      };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== "EEXIST") return { acquired: false, busy: false, reason: `nodetool lock unusable (${code ?? "error"})` };
    }
    const holder = await readHolder(path);
    if (holder === "gone") continue;
    const now = clock.now();
    const stale = (holder.pid !== null && !processAlive(holder.pid)) || now - holder.at > staleMs || holder.at > now + staleMs;
    if (stale) {
      try {
        await rm(path, { force: true });
      } catch (error) {
        return { acquired: false, busy: false, reason: `stale nodetool lock not removable (${(error as NodeJS.ErrnoException).code ?? "error"})` };
      }
      continue;
    }
    if (clock.monotonic() >= waitUntil) {
      return { acquired: false, busy: true, reason: `another nodekeeper process${holder.pid === null ? "" : ` (pid ${holder.pid})`} is running nodetool` };
    }
    await clock.sleep(Math.min(200, Math.max(1, waitUntil - clock.monotonic()))); // 200 ms polls
  }
  return { acquired: false, busy: true, reason: "the nodetool lock kept changing hands" };
}

/**
 * Who holds the lock. A lock file without readable content is one being
 * written right now (created, not yet filled): its age comes from mtime.
 */
async function readHolder(path: string): Promise<"gone" | { pid: number | null; at: number }> {
  try {
    const [pid, at] = (await readFile(path, "utf8")).trim().split(" ");
    const p = Number(pid);
    const a = Number(at);
    if (Number.isSafeInteger(p) && p > 0 && Number.isFinite(a)) return { pid: p, at: a };
    return { pid: null, at: (await stat(path)).mtimeMs };
  } catch (error) {
    // Vanished between open and read: try again at once. Unreadable: treat as stale.
    return (error as NodeJS.ErrnoException).code === "ENOENT" ? "gone" : { pid: null, at: 0 };
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM"; // exists, owned by someone else
  }
}
