/** Small schema pieces shared by every configuration section. */
import * as z from "zod";

// One base schema each, shared: every zod method call clones a schema, and
// nodekeeper builds its configuration schema at every start.
const positiveDurationMs = z.number().int().positive().max(86_400_000);
const zeroOrDurationMs = z.number().int().min(0).max(86_400_000);

/** A duration in milliseconds: a positive integer, at most one day. */
export const durationMs = (defaultMs: number) => positiveDurationMs.default(defaultMs);

/** A delay that may be zero, in milliseconds, at most one day. */
export const delayMs = (defaultMs: number) => zeroOrDurationMs.default(defaultMs);

/** An argv array: the program, then its arguments, never passed through a shell. */
export const commandArgv = z.array(z.string()).min(1, "must name a program");

/** A file or folder path; relative paths resolve against the config file's folder. */
export const filePath = z.string().min(1);

export const ipAddress = z.union([z.ipv4(), z.ipv6()], { error: "expected an IP address, not a host name" });

export const port = z.number().int().min(1).max(65_535);

/** An https:// URL, or http:// to a loopback host only (contract section 1). */
export const httpsUrl = z.url({ protocol: /^https?$/ }).superRefine((value, ctx) => {
  const url = new URL(value);
  if (url.protocol === "http:" && !isLoopbackHost(url.hostname)) {
    ctx.addIssue({ code: "custom", message: "plain http:// is refused unless the host is a loopback address" });
  }
});

export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}
