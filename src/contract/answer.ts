/**
 * Mission Control's answer to a health report (CONTRACT.md section 1,
 * "Response body (200)"). Unknown fields are ignored (z.object strips them);
 * a missing or mistyped required field rejects the whole answer.
 */
import * as z from "zod";
import { cleanDeep, cleanText } from "./text.js";

export const MAX_RESPONSE_BYTES = 1024 * 1024; // 1 MiB, contract section 1

export const InstructionsSchema = z.object({
  schemaVersion: z.literal(1),
  reportId: z.string().min(1),
  clusterId: z.string().min(1),
  responsibilityNodeIds: z.array(z.string()),
  clusterStatus: z.string(),
  clusterStatusDescription: z.string(),
  cassandraQuorumOverride: z.boolean(),
  phaDowntimeLongerThan72h: z.boolean(),
  phaFailoverRemediation: z.boolean(),
  nodeStatuses: z.array(z.object({ nodeId: z.string(), status: z.string() })),
  componentStatuses: z.array(z.object({ name: z.string(), status: z.string(), nodeId: z.string() })),
});
export type Instructions = z.infer<typeof InstructionsSchema>;

export type InstructionsCheck =
  | { ok: true; instructions: Instructions }
  | { ok: false; reason: string };

/**
 * Validates an answer against the report it answers. Never throws: the reason
 * names the first offending field, for the log and the audit line. The ids
 * are compared as sent; the instructions returned, and any text in the
 * reason, are cleaned of control characters and capped (src/contract/text.ts),
 * so nothing from the answer reaches a terminal, a log or a state file raw.
 */
export function checkInstructions(
  body: unknown,
  expected: { reportId: string; clusterId: string },
): InstructionsCheck {
  const parsed = InstructionsSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? issue.path.join(".") : "(body)";
    return { ok: false, reason: cleanText(`invalid answer: ${where}: ${issue?.message ?? "invalid"}`) };
  }
  if (parsed.data.reportId !== expected.reportId) {
    return { ok: false, reason: `answer names report ${quoted(parsed.data.reportId)}, not ${expected.reportId}` };
  }
  if (parsed.data.clusterId !== expected.clusterId) {
    return { ok: false, reason: `answer names cluster ${quoted(parsed.data.clusterId)}, not ${expected.clusterId}` };
  }
  return { ok: true, instructions: cleanDeep(parsed.data) };
}

/** An id from the answer, for a message: cleaned, at most 100 characters (a UUID is 36). */
function quoted(id: string): string {
  return cleanText(id, 100);
}
