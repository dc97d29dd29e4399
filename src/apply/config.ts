/** The `remediation` configuration section (CONTRACT.md sections 2 and 4). */
import { z } from "zod";
import { commandArgv, durationMs } from "../config/common.js";

export const RemediationConfigSchema = z.strictObject({
  /** false: every action is logged as "would run" and not done. */
  enabled: z.boolean().default(true),
  stopServerCommand: commandArgv.default(["systemctl", "stop", "dynatrace-server"]),
  startServerCommand: commandArgv.default(["systemctl", "start", "dynatrace-server"]),
  repairCommand: commandArgv.default(["/opt/dynatrace-managed/utils/repair-cassandra-data.sh"]),
  /** How many consecutive valid answers must carry phaFailoverRemediation before the server is stopped. */
  stopAfterConsecutiveAnswers: z.number().int().min(1).max(60).default(2),
  quorumOverrideLevel: z.string().regex(/^[A-Z_]+$/).default("CL_LOCAL_QUORUM"),
  commandTimeoutMs: durationMs(300_000), // 5 min: a server stop can take a while
  repairTimeoutMs: durationMs(21_600_000), // 6 h: a Cassandra repair of a large node
});
export type RemediationConfig = z.infer<typeof RemediationConfigSchema>;
