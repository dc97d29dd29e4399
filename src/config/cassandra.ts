/**
 * The `cassandra` section of the configuration. Every field has a default, so
 * `CassandraConfigSchema.parse({})` is the default configuration.
 */
import * as z from "zod";
import { commandArgv, durationMs } from "./common.js";

export const DEFAULT_NODETOOL = ["/opt/dynatrace-managed/utils/cassandra-nodetool.sh"] as const;

const ttl = durationMs;
const every = (cycles: number) => z.number().int().min(1).max(1_000).default(cycles);

/**
 * Freshness per fact (README, "Cassandra facts: freshness and the JVM budget").
 * A fact is read again when it is `everyCycles` cycles old (a cycle is one
 * probe, nominally a minute), or, for the facts with a target in time, when
 * its last read is `cacheTtlMs` old, whichever comes first. `status` is read
 * every cycle and is not listed. The repair sources (tpstats, and
 * repair_admin, or netstats where repair_admin does not exist) go by cycles
 * only: their target is "a repair that starts or ends shows within 2 cycles".
 * The slow facts (target ≤ 1 h) are due after 40 min, so that a few cycles'
 * wait for the budget still keeps them within the hour.
 */
export const CacheTtlSchema = z.strictObject({
  version: ttl(2_400_000), // 40 min: target ≤ 1 h (and re-read when the Cassandra process changes)
  info: ttl(2_400_000), // 40 min: target ≤ 1 h; host ID, gossip / native transport state
  describecluster: ttl(2_400_000), // 40 min: target ≤ 1 h; schema agreement
  maxHintWindow: ttl(2_400_000), // 40 min: getmaxhintwindow, a setting
  repairedSummary: ttl(2_400_000), // 40 min: repair_admin summarize-repaired; judged against days
  hints: ttl(270_000), // 4.5 min: target ≤ 5 min; listpendinghints
  tpstats: ttl(150_000), // 2.5 min: only bounds how long a value is usable (× maxStaleFactor)
  repairSessions: ttl(150_000), // 2.5 min: as tpstats
  netstats: ttl(1_800_000), // 30 min: repair streams and mode (a repair source every 2 cycles on 3.11)
  compactionstats: ttl(1_800_000), // 30 min: supplementary (tpstats sees validations run)
});

export const EveryCyclesSchema = z.strictObject({
  version: every(40),
  info: every(40),
  describecluster: every(40),
  maxHintWindow: every(40),
  repairedSummary: every(40),
  hints: every(5),
  /** The repair sources: a repair that starts or ends shows within this many cycles. */
  tpstats: every(2),
  repairSessions: every(2),
  netstats: every(30),
  compactionstats: every(30),
});

export const HintThresholdsSchema = z.strictObject({
  /** WARNING when this node holds at least this many hint files in total. */
  warnTotalFiles: z.number().int().min(1).default(100),
  /** WARNING when it holds at least this many hint files for one peer. */
  warnPeerFiles: z.number().int().min(1).default(30),
  /**
   * WARNING when a peer's oldest hint reaches this share of the max hint window
   * (getmaxhintwindow); ERROR past the window, when Cassandra stops writing hints for it.
   */
  warnWindowRatio: z.number().gt(0).max(1).default(0.75),
});

export const RepairAgeSchema = z.strictObject({
  /**
   * gc_grace_seconds the last repair is judged against (Cassandra's table
   * default, 864000 s = 10 days): past it, deleted data can come back.
   */
  gcGraceSeconds: z.number().int().min(1).max(100 * 365 * 86_400).default(864_000),
  /** WARNING when the last successful repair is this share of gc_grace_seconds old; ERROR past it. */
  warnRatio: z.number().gt(0).max(1).default(0.75),
});

export const CassandraConfigSchema = z.strictObject({
  /** The nodetool command; nodekeeper appends the nodetool arguments. */
  nodetool: commandArgv.default([...DEFAULT_NODETOOL]),
  /** Deadline of one nodetool run, JVM start included. */
  timeoutMs: z.number().int().min(1_000).max(600_000).default(20_000), // 20 s; a JVM starts in 1–2 s
  /** Output kept per stream; a larger output is cut and treated as unparseable. */
  maxOutputBytes: z.number().int().min(4_096).max(64 * 1024 * 1024).default(2 * 1024 * 1024), // 2 MiB
  /**
   * This node's Cassandra address (listen/broadcast), when it is not `nodeIp`:
   * with `nodeIp`, how this node is found in the ring when its host ID is not.
   */
  address: z.string().min(1).max(300).optional(),
  /**
   * The component whose systemd unit runs Cassandra: a new MainPID or start
   * time there means a new Cassandra process, whose version, info,
   * describecluster and hint window are read again at once.
   */
  component: z.string().min(1).default("dynatrace-cassandra"),
  /**
   * JVMs (nodetool runs) one regular cycle may start, `status` included. The
   * first cycle on a fresh (or expired) cache is capped by `firstCycleMaxRuns`.
   */
  maxRunsPerCycle: z.number().int().min(2).max(10).default(5),
  /** The JVM budget: at most this many runs in any 10 consecutive regular cycles (25: 2.5 per cycle). */
  maxRunsPer10Cycles: z.number().int().min(10).max(100).default(25),
  /** Runs of the catch-up (first cycle, cache expired, Cassandra process changed, --fresh), `status` included. */
  firstCycleMaxRuns: z.number().int().min(2).max(20).default(9),
  /** A cached fact older than this many TTLs is no longer used. */
  maxStaleFactor: z.number().min(1).max(100).default(3),
  cacheTtlMs: CacheTtlSchema.prefault({}),
  everyCycles: EveryCyclesSchema.prefault({}),
  hints: HintThresholdsSchema.prefault({}),
  repairAge: RepairAgeSchema.prefault({}),
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
export type EveryCycles = z.infer<typeof EveryCyclesSchema>;
