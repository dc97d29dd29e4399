/**
 * The `missionControl` configuration section (src/contract/CONTRACT.md sections 1 and 4).
 *
 * The contract fixes `url`, `tokenFile`, `caFile`, `certFile` and `keyFile`;
 * the rest is nodekeeper's own design, with defaults that fit a once-a-minute
 * cycle: `retry` (back-off of one POST within the cycle's deadline), `outbox`
 * (bound of the reports kept while Mission Control is unreachable) and `audit`
 * (bound of the audit log of exchanges).
 */
import * as z from "zod";
import { durationMs, filePath, httpsUrl } from "./common.js";

export const RetryConfigSchema = z.strictObject({
  /** First back-off ceiling; doubles per attempt, full jitter (a wait is uniform in [0, ceiling)). */
  baseMs: durationMs(1_000), // 1 s
  /** Back-off ceiling never exceeds this. */
  maxMs: durationMs(30_000), // 30 s
  /** Attempts of one report within one cycle, the first included (the deadline usually ends it first). */
  maxAttempts: z.number().int().min(1).max(20).default(6),
});
export type RetryConfig = z.infer<typeof RetryConfigSchema>;

export const OutboxConfigSchema = z.strictObject({
  /** Reports kept while Mission Control is unreachable: one hour of a once-a-minute timer. */
  maxReports: z.number().int().min(1).max(10_000).default(60),
  /** Bytes of the reports kept; at either bound the oldest are dropped (and counted). */
  maxBytes: z.number().int().min(64 * 1024).max(1024 * 1024 * 1024).default(5 * 1024 * 1024), // 5 MiB
});
export type OutboxConfig = z.infer<typeof OutboxConfigSchema>;

export const AuditConfigSchema = z.strictObject({
  /** The audit log is rotated before it grows past this many bytes. */
  maxBytes: z.number().int().min(64 * 1024).max(1024 * 1024 * 1024).default(10 * 1024 * 1024), // 10 MiB
  /** Rotated files kept (audit.jsonl.1 … .N); the log never takes more than (keep + 1) × maxBytes. */
  keep: z.number().int().min(0).max(20).default(3),
});
export type AuditConfig = z.infer<typeof AuditConfigSchema>;

export const MissionControlConfigSchema = z
  .strictObject({
    /** Base URL; the report goes to `{url}/api/v1/nodekeeper/health`. Absent: nothing is sent. */
    url: httpsUrl.optional(),
    /** File holding the bearer token; must not be readable by group or others (chmod 600). */
    tokenFile: filePath.optional(),
    /** PEM bundle added to the system roots. */
    caFile: filePath.optional(),
    /** Client certificate and its key (both or neither). */
    certFile: filePath.optional(),
    keyFile: filePath.optional(),
    /**
     * Proxy URL (http:// or https://). Absent: HTTPS_PROXY / HTTP_PROXY / NO_PROXY
     * from the environment apply, as with curl. "none": always connect directly.
     */
    proxy: z.union([z.literal("none"), z.url({ protocol: /^https?$/ })]).optional(),
    connectTimeoutMs: durationMs(5_000), // 5 s
    headersTimeoutMs: durationMs(10_000), // 10 s
    bodyTimeoutMs: durationMs(10_000), // 10 s between two body chunks
    retry: RetryConfigSchema.prefault({}),
    outbox: OutboxConfigSchema.prefault({}),
    audit: AuditConfigSchema.prefault({}),
  })
  .superRefine((mc, ctx) => {
    if ((mc.certFile === undefined) !== (mc.keyFile === undefined)) {
      ctx.addIssue({
        code: "custom",
        path: [mc.certFile === undefined ? "certFile" : "keyFile"],
        message: "certFile and keyFile go together: set both or neither",
      });
    }
  });
export type MissionControlConfig = z.infer<typeof MissionControlConfigSchema>;
/** What callers may write (defaults not yet applied), e.g. in tests. */
export type MissionControlConfigInput = z.input<typeof MissionControlConfigSchema>;
