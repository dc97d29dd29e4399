/** The `missionControl` configuration section (CONTRACT.md sections 1 and 4). */
import { z } from "zod";
import { durationMs, filePath, httpsUrl } from "../config/common.js";

export const MissionControlConfigSchema = z.strictObject({
  /** Base URL; the report goes to `{url}/api/v1/nodekeeper/health`. Absent: nothing is sent. */
  url: httpsUrl.optional(),
  tokenFile: filePath.optional(),
  caFile: filePath.optional(),
  certFile: filePath.optional(),
  keyFile: filePath.optional(),
  /** Proxy URL; otherwise HTTPS_PROXY / NO_PROXY from the environment apply. */
  proxy: z.url().optional(),
  connectTimeoutMs: durationMs(5_000),
  headersTimeoutMs: durationMs(10_000),
  bodyTimeoutMs: durationMs(10_000),
});
export type MissionControlConfig = z.infer<typeof MissionControlConfigSchema>;
