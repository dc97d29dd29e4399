/**
 * The nodetool cache file in the state folder: its schema, reading and
 * writing. What the cached values mean and when they are used (the caching
 * policy) is in src/cassandra/fact-cache.ts.
 *
 * Cache (`cassandra-nodetool-cache.json`): per slowly changing fact, the raw
 * stdout of its last successful run and when it was taken, plus the command
 * variants this Cassandra version does not know. Raw text, not parsed values,
 * is stored: it is re-parsed on use, so a cache written by another nodekeeper
 * version, or damaged, can never feed a wrong shape into the probe (a parser
 * never throws; unreadable text is simply no value). Written atomically.
 */
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import * as z from "zod";
import { writeFileAtomic } from "./atomic.js";

export const CACHE_FILE = "cassandra-nodetool-cache.json";

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

/**
 * Creates the state folder if it is missing, so that the nodetool lock can be
 * taken there. Never throws: a folder that cannot be made only costs the lock
 * (the probe runs nodetool anyway) and the cache (a note says why).
 */
export async function ensureCacheDir(stateDir: string): Promise<void> {
  await mkdir(stateDir, { recursive: true }).catch(() => undefined);
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
