/**
 * The caching policy of nodetool facts: when a cached read is still usable,
 * what a run records in its cache entry, and what a new Cassandra process
 * makes the cache forget. The cache file itself (its schema, reading and
 * writing) is src/state/nodetool-cache.ts.
 *
 * Pure functions: the time (`now`, wall-clock ms) and the cycle are passed in.
 */
import type { CassandraConfig } from "../config/cassandra.js";
import type { CacheEntry } from "../state/nodetool-cache.js";
import type { ParseResult } from "./parse/common.js";
import { FACTS, validMarks, type FactName } from "./facts.js";
import type { Sourced } from "./repair.js";

export type CacheConfig = Pick<CassandraConfig, "cacheTtlMs" | "maxStaleFactor">;

/** How old a fact's value may be and still be used: maxStaleFactor × its TTL, in ms. */
export function maxUsableAge(name: FactName, config: CacheConfig): number {
  return config.cacheTtlMs[FACTS[name].ttlKey] * config.maxStaleFactor;
}

/**
 * A cached fact's value, re-parsed, with its age; null when there is none,
 * it is older than its usable age, or it was stored "in the future" (the wall
 * clock went back).
 */
export function cachedValue(name: FactName, entry: CacheEntry | undefined, now: number, config: CacheConfig): Sourced<unknown> | null {
  if (entry?.stdout == null || entry.storedAt === null) return null;
  const ageMs = now - entry.storedAt;
  if (ageMs < 0 || ageMs > maxUsableAge(name, config)) return null;
  const parse: (s: string) => ParseResult<unknown> = FACTS[name].parse;
  const parsed = parse(entry.stdout);
  return parsed.ok ? { value: parsed.value, ageMs } : null;
}

/** A value that belongs to the previous Cassandra process is no longer used, and is read again as catch-up. */
export function forgetProcess(entry: CacheEntry): void {
  // stdout stays: the host ID in an old `info` still identifies this node.
  Object.assign(entry, { storedAt: null, attemptAt: null, attemptCycle: null, readCycle: null });
}

/** A successful run: its stdout is the fact's value from now on. `active`: it shows repair activity. */
export function recordSuccess(
  entry: CacheEntry,
  run: { readonly now: number; readonly cycle: number; readonly args: readonly string[]; readonly stdout: string; readonly active: boolean },
): void {
  Object.assign(entry, {
    attemptAt: run.now, storedAt: run.now, stdout: run.stdout, args: [...run.args], lastError: null,
    attemptCycle: run.cycle, readCycle: run.cycle, active: run.active,
  });
}

/** A failed run: counts as an attempt (the fact waits for its next turn); the value, if any, stays. */
export function recordFailure(entry: CacheEntry, reason: string, now: number, cycle: number): void {
  entry.lastError = reason;
  entry.attemptAt = now;
  entry.attemptCycle = cycle;
}

/**
 * This version does not know the variant: not counted as an attempt; the next
 * variant (or none) is used from the next cycle on.
 */
export function recordUnsupported(entry: CacheEntry, reason: string, variant: readonly string[], version: string | null): void {
  entry.lastError = reason;
  entry.unsupported = [...new Set([...validMarks(entry, version), variant.join(" ")])];
  entry.unsupportedOn = version;
}
