/**
 * A small record of the last exchange with Mission Control, for `status`.
 *
 * File: `{stateDir}/last-exchange.json` (atomic write), see
 * `LastExchangeSchema`. The clock offset is carried over from an earlier
 * exchange when this one had no `Date` header (Mission Control down), with
 * the time it was measured, so `status` still shows the last known offset.
 */
import { join } from "node:path";
import * as z from "zod";
import { writeFileAtomic } from "./atomic.js";
import { readJsonRecord } from "./json-record.js";
import type { RecordRead } from "./json-record.js";

export const LAST_EXCHANGE_FILE = "last-exchange.json";

export const LastExchangeSchema = z.object({
  version: z.literal(1),
  /** Start and end of the exchange, RFC 3339. */
  startedAt: z.string(),
  finishedAt: z.string(),
  /** ExchangeResult of exchange.ts. */
  result: z.string(),
  exitCode: z.number().int(),
  summary: z.string(),
  /** This cycle's report, and the final HTTP status it got (null: none). */
  reportId: z.string().nullable(),
  httpStatus: z.number().int().nullable(),
  /** The report whose answer is applied, and whether it is applied. */
  answeredReportId: z.string().nullable(),
  apply: z.boolean(),
  counts: z.object({
    delivered: z.number().int().nonnegative(),
    kept: z.number().int().nonnegative(),
    dropped: z.number().int().nonnegative(),
    droppedTotal: z.number().int().nonnegative(),
  }),
  attempts: z.number().int().nonnegative(),
  durationMs: z.number().nonnegative(),
  /** Mission Control's time − ours, in ms (clock-offset.ts); null when never measured. */
  clockOffsetMs: z.number().nullable(),
  clockOffsetMeasuredAt: z.string().nullable(),
  /** When a report last reached Mission Control (this or an earlier exchange); null: never. */
  lastDeliveredAt: z.string().nullable().default(null),
});
export type LastExchange = z.infer<typeof LastExchangeSchema>;

export type LastExchangeRead = RecordRead<LastExchange>;

/** Never throws. */
export function readLastExchange(stateDir: string): Promise<LastExchangeRead> {
  return readJsonRecord(stateDir, LAST_EXCHANGE_FILE, LastExchangeSchema, (issue) => `${issue?.path.join(".") || "(root)"}: ${issue?.message ?? "invalid"}`);
}

/** Throws on I/O errors; the exchange catches and reports them. */
export async function writeLastExchange(stateDir: string, value: LastExchange): Promise<void> {
  await writeFileAtomic(join(stateDir, LAST_EXCHANGE_FILE), JSON.stringify(value, null, 2) + "\n", { mode: 0o640 });
}
