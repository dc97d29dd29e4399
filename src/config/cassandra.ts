/**
 * The `cassandra` section of the configuration. Every field has a default, so
 * `CassandraConfigSchema.parse({})` is the default configuration.
 */
import * as z from "zod";
import { commandArgv, durationMs } from "./common.js";

export const DEFAULT_NODETOOL = ["/opt/dynatrace-managed/utils/cassandra-nodetool.sh"] as const;

const ttl = durationMs;

/**
 * How long a slowly changing fact read by nodetool is reused before it is read
 * again. `status` is read every cycle and is not listed. The scheduler runs at
 * most `maxRunsPerCycle` JVMs per cycle, the most overdue facts first, so under
 * load a fact can be older than its TTL (up to `maxStaleFactor` × TTL).
 */
export const CacheTtlSchema = z.strictObject({
  version: ttl(3_600_000), // 1 h: changes only with an upgrade
  info: ttl(120_000), // 2 min: gossip / native transport state, host ID
  describecluster: ttl(600_000), // 10 min: schema agreement
  repairSessions: ttl(600_000), // 10 min: repair_admin list --all (incremental sessions)
  hints: ttl(300_000), // 5 min: listpendinghints
  tpstats: ttl(300_000), // 5 min: active ValidationExecutor / Repair# pools
  compactionstats: ttl(600_000), // 10 min: Validation compactions (tpstats already sees them run)
  netstats: ttl(300_000), // 5 min: Repair streams, node mode
});

export const HintThresholdsSchema = z.strictObject({
  /** WARNING when this node holds at least this many hint files in total. */
  warnTotalFiles: z.number().int().min(1).default(100),
  /** WARNING when it holds at least this many hint files for one peer. */
  warnPeerFiles: z.number().int().min(1).default(30),
});

export const CassandraConfigSchema = z.strictObject({
  /** The nodetool command; nodekeeper appends the nodetool arguments. */
  nodetool: commandArgv.default([...DEFAULT_NODETOOL]),
  /** Deadline of one nodetool run, JVM start included. */
  timeoutMs: z.number().int().min(1_000).max(600_000).default(20_000), // 20 s; a JVM starts in 1–2 s
  /** Output kept per stream; a larger output is cut and treated as unparseable. */
  maxOutputBytes: z.number().int().min(4_096).max(64 * 1024 * 1024).default(2 * 1024 * 1024), // 2 MiB
  /**
   * JVMs (nodetool runs) one probe may start, `status` included; `fresh` lifts
   * it. At least 2: with `status` alone no other fact (this node's host ID
   * included) would ever be refreshed.
   */
  maxRunsPerCycle: z.number().int().min(2).max(10).default(2),
  /** A cached fact older than this many TTLs is no longer used. */
  maxStaleFactor: z.number().min(1).max(100).default(3),
  cacheTtlMs: CacheTtlSchema.prefault({}),
  hints: HintThresholdsSchema.prefault({}),
  /** Append `-Duser.language=en -Duser.country=US` to JAVA_TOOL_OPTIONS (numbers with a decimal point). */
  forceUsLocale: z.boolean().default(true),
  /** Run nodetool under nice/ionice so the JVM never competes with Cassandra itself. */
  lowPriority: z.boolean().default(true),
  /**
   * Longest wait for another nodekeeper process's nodetool to finish before this
   * probe gives up (only one nodetool runs at a time on a node).
   */
  lockWaitMs: z.number().int().min(0).max(600_000).default(30_000), // 30 s
});

export type CassandraConfig = z.infer<typeof CassandraConfigSchema>;
export type CacheTtls = z.infer<typeof CacheTtlSchema>;
