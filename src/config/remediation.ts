/**
 * The `remediation` configuration section (src/contract/CONTRACT.md sections 2 and 4).
 * The contract fixes `enabled`, `stopServerCommand`, `startServerCommand` and
 * `repairCommand`; the rest is nodekeeper's own design (see src/apply/reconcile.ts and its phases in src/apply/plan/).
 */
import * as z from "zod";
import { commandArgv, delayMs, durationMs } from "./common.js";

export const RemediationConfigSchema = z.strictObject({
  /** false: every action is logged as "would run" and not done. */
  enabled: z.boolean().default(true),
  stopServerCommand: commandArgv.default(["systemctl", "stop", "dynatrace-server"]),
  startServerCommand: commandArgv.default(["systemctl", "start", "dynatrace-server"]),
  repairCommand: commandArgv.default(["/opt/dynatrace-managed/utils/repair-cassandra-data.sh"]),
  /** How many consecutive valid answers must carry phaFailoverRemediation before the server is stopped. */
  stopAfterConsecutiveAnswers: z.number().int().min(1).max(60).default(2),
  /**
   * Two flag-carrying answers further apart than this do not count as
   * consecutive, and the server is stopped only while the last one is at most
   * this old (no stop on a stale instruction): 10 min.
   */
  consecutiveAnswersWithinMs: durationMs(600_000),
  quorumOverrideLevel: z.string().regex(/^[A-Z_]+$/).default("CL_LOCAL_QUORUM"),
  commandTimeoutMs: durationMs(300_000), // 5 min: a server stop can take a while
  repairTimeoutMs: durationMs(21_600_000), // 6 h: a Cassandra repair of a large node
  /**
   * One repair at a time in the cluster: the node ranked k-th (by node id,
   * among the nodes Mission Control lists) waits k times this long after the
   * failover ended before it may start its repair: 10 min.
   */
  repairStaggerMs: delayMs(600_000),
  /**
   * How the repair is detached from the cycle (it outlives it: up to
   * `repairTimeoutMs`). "systemd-run": a transient unit
   * `nodekeeper-cassandra-repair`, outside nodekeeper's own cgroup, so that
   * systemd does not kill it when a `report` run ends; "background": a plain
   * background process (no systemd, or tests); "auto": systemd-run when systemd
   * is running (/run/systemd/system exists), otherwise background.
   */
  repairDetach: z.enum(["auto", "systemd-run", "background"]).default("auto"),
  /** First retry delay of a failed action, doubled on every failure: 1 min. */
  retryInitialDelayMs: durationMs(60_000),
  /** Longest retry delay of a failed action: 30 min. */
  retryMaxDelayMs: durationMs(1_800_000),
});
export type RemediationConfig = z.infer<typeof RemediationConfigSchema>;
