/**
 * The nodetool cache and lock in the state directory.
 *
 * Cache (`cassandra-nodetool-cache.json`): per slowly changing fact, the raw
 * stdout of its last successful run and when it was taken, plus the command
 * variants this Cassandra version does not know. Raw text, not parsed values,
 * is stored: it is re-parsed on use, so a cache written by another nodekeeper
 * version, or damaged, can never feed a wrong shape into the probe (a parser
 * never throws; unreadable text is simply no value). Written atomically.
 *
 * Lock (`cassandra-nodetool.lock`): only one nodetool JVM at a time on a node,
 * also across nodekeeper processes (a `report` cycle and an operator's
 * `status`). Held around each run; a holder that died or overran its deadline
 * is taken over. Best effort: file-system errors never block probing.
 */
import { open, readFile, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import * as z from "zod";
import type { Clock } from "../effects/clock.js";
import { writeFileAtomic } from "../state/atomic.js";
import { handOver, ownerFor } from "../state/owner.js";

export const CACHE_FILE = "cassandra-nodetool-cache.json";
export const LOCK_FILE = "cassandra-nodetool.lock";

const CacheEntrySchema = z.object({
  /** Wall-clock ms of the last run of this fact (success or not); drives scheduling. */
  attemptAt: z.number().nullable().catch(null),
  /** Wall-clock ms when `stdout` was captured. */
  storedAt: z.number().nullable().catch(null),
  stdout: z.string().nullable().catch(null),
  /** The nodetool arguments that produced `stdout`. */
  args: z.array(z.string()).nullable().catch(null),
  /** Argument variants this Cassandra version answered with "Found unexpected parameters". */
  unsupported: z.array(z.string()).catch([]),
  /** The Cassandra version those variants were found unsupported on. */
  unsupportedOn: z.string().nullable().catch(null),
  lastError: z.string().nullable().catch(null),
  /** Probe cycle (CacheFile.cycle) of the last run of this fact / of the last success. */
  attemptCycle: z.number().int().nullable().catch(null),
  readCycle: z.number().int().nullable().catch(null),
  /** The last read showed repair activity (repair sources only): it is then read every repair interval. */
  active: z.boolean().catch(false),
});
export type CacheEntry = z.infer<typeof CacheEntrySchema>;

// New fields default when absent, so a cache written before them still loads (schemaVersion stays 1).
const CacheFileSchema = z.object({
  schemaVersion: z.literal(1),
  facts: z.record(z.string(), CacheEntrySchema.nullable().catch(null)),
  /** Number of the last regular (not --fresh) probe: the clock the cycle-based freshness runs on. */
  cycle: z.number().int().min(0).catch(0),
  /** Budgeted nodetool runs of the latest regular cycles, oldest first (the JVM budget's window). */
  recentRuns: z.array(z.number().int().min(0)).max(100).catch([]),
  /** Of those, the runs of facts other than status and the repair sources (their own share of the window). */
  recentExtra: z.array(z.number().int().min(0)).max(100).catch([]),
  /** The Cassandra process identity last given to the probe (unit MainPID + start time). */
  processIdentity: z.string().nullable().catch(null),
  /** The last probe found Cassandra not answering: the next success means a new process. */
  cassandraFailed: z.boolean().catch(false),
});

export interface NodetoolCache {
  facts: Record<string, CacheEntry>;
  cycle: number;
  recentRuns: number[];
  recentExtra: number[];
  processIdentity: string | null;
  cassandraFailed: boolean;
}

export function emptyCache(): NodetoolCache {
  return { facts: {}, cycle: 0, recentRuns: [], recentExtra: [], processIdentity: null, cassandraFailed: false };
}

export function emptyEntry(): CacheEntry {
  return {
    attemptAt: null, storedAt: null, stdout: null, args: null, unsupported: [], unsupportedOn: null, lastError: null,
    attemptCycle: null, readCycle: null, active: false,
  };
}

/** Never throws: a missing or unreadable cache is an empty one (with a note why, if it was damaged). */
export async function loadCache(stateDir: string): Promise<{ cache: NodetoolCache; note: string | null }> {
  let text: string;
  try {
    text = await readFile(join(stateDir, CACHE_FILE), "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { cache: emptyCache(), note: code === "ENOENT" ? null : `nodetool cache not readable (${code ?? "error"}); starting empty` };
  }
  try {
    const parsed = CacheFileSchema.safeParse(JSON.parse(text));
    if (!parsed.success) return { cache: emptyCache(), note: "nodetool cache has an unknown format; starting empty" };
    const facts: Record<string, CacheEntry> = {};
    for (const [name, entry] of Object.entries(parsed.data.facts)) if (entry !== null) facts[name] = entry;
    const { cycle, recentRuns, recentExtra, processIdentity, cassandraFailed } = parsed.data;
    return { cache: { facts, cycle, recentRuns, recentExtra, processIdentity, cassandraFailed }, note: null };
  } catch {
    return { cache: emptyCache(), note: "nodetool cache is not valid JSON; starting empty" };
  }
}

/** Never throws; returns a note when the cache could not be written. */
export async function saveCache(stateDir: string, cache: NodetoolCache): Promise<string | null> {
  try {
    await writeFileAtomic(join(stateDir, CACHE_FILE), `${JSON.stringify({ schemaVersion: 1, ...cache })}\n`);
    return null;
  } catch (error) {
    return `nodetool cache not written: ${error instanceof Error ? error.message : String(error)}`;
  }
}

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
