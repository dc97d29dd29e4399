/**
 * The send loop of an exchange: the queue (the outbox oldest first, this
 * cycle's report last) sent one report at a time, each with the retries and
 * back-off of sender.ts within the cycle's deadline, each exchange audited.
 *
 * A final answer (2xx, 400, 409, 422, an invalid answer) removes the report
 * from the outbox: it is never sent again. 401/403 and failures stop the
 * flush: that report and all newer ones stay, in order, for the next cycle.
 * A stored report that no longer reads as one (disk corruption, a hand edit)
 * would never be accepted: it is dropped and counted.
 */
import type { Logger } from "pino";
import type { RetryConfig } from "../config/mission-control.js";
import { cleanDeep, cleanText } from "../contract/text.js";
import type { Clock } from "../effects/clock.js";
import type { HttpClient, HttpResponse } from "../effects/http.js";
import { readEntry, recordDropped, removeEntry } from "../state/outbox.js";
import type { OutboxEntry } from "../state/outbox.js";
import type { ReportExchange } from "./outcome.js";
import type { Setup } from "./preflight.js";
import { classifyAnswer, isFinal, postWithRetries } from "./sender.js";
import type { AttemptRecord, Disposition, SendResult } from "./sender.js";

const AUDIT_BODY_CHARS = 64 * 1024; // 64 KiB of an answer body per audit line

/** One report of the queue: from the outbox (`entry`) or, when it could not be stored, from memory (`body`). */
export interface QueueItem {
  readonly reportId: string;
  /** This cycle's report. */
  readonly newest: boolean;
  readonly entry: OutboxEntry | null;
  readonly body: string | null;
}

export interface FlushContext {
  readonly clock: Clock;
  readonly logger: Logger | undefined;
  /** Uniform in [0, 1) for the back-off jitter. */
  readonly random: () => number;
  readonly client: HttpClient;
  readonly setup: Setup;
  readonly stateDir: string;
  /** Ours: the answer's clusterId must equal it. */
  readonly clusterId: string;
  readonly userAgent: string;
  /** Monotonic ms after which nothing is sent or awaited. */
  readonly deadlineAt: number;
  readonly retry: RetryConfig;
  readonly signal: AbortSignal | undefined;
  readonly audit: (record: Record<string, unknown>) => Promise<void>;
  readonly problem: (text: string) => void;
}

/** The last report that got a final answer: its answer is the one that may be applied (contract section 2). */
export interface LastFinal {
  readonly reportId: string;
  readonly newest: boolean;
  readonly disposition: Disposition;
  readonly receivedAt: string;
}

export interface FlushResult {
  readonly reports: readonly ReportExchange[];
  /** What became of this cycle's report; null when it was not sent. */
  readonly newest: Disposition | null;
  /** What stopped the flush; null when nothing did. */
  readonly stoppedBy: Disposition | null;
  readonly lastFinal: LastFinal | null;
  /** From the last Date header seen; null when none came. */
  readonly clockOffsetMs: number | null;
  readonly attempts: number;
  readonly delivered: number;
  /** Corrupt stored reports dropped. */
  readonly dropped: number;
}

/** Sends the queue in order until a report is not delivered. Every report of the queue has its line in `reports`. */
export async function flushQueue(ctx: FlushContext, items: readonly QueueItem[]): Promise<FlushResult> {
  const reports: ReportExchange[] = [];
  let stoppedBy: Disposition | null = null;
  let lastFinal: LastFinal | null = null;
  let newest: Disposition | null = null;
  let clockOffsetMs: number | null = null;
  let attempts = 0;
  let delivered = 0;
  let dropped = 0;
  for (const item of items) {
    if (stoppedBy !== null) {
      reports.push({ reportId: item.reportId, newest: item.newest, fate: "not-sent", status: null, reason: "an earlier report was not delivered", attempts: 0, durationMs: 0 });
      continue;
    }
    const body = await bodyOf(ctx, item);
    if (typeof body !== "string") {
      if (body !== null) {
        dropped += 1;
        reports.push(body);
      }
      continue;
    }
    const sent = await sendOne(ctx, item, body);
    attempts += sent.result.attempts.length;
    if (sent.result.clockOffsetMs !== null) clockOffsetMs = sent.result.clockOffsetMs;
    if (sent.final) {
      delivered += 1;
      lastFinal = sent.final;
    } else {
      stoppedBy = sent.disposition;
    }
    if (item.newest) newest = sent.disposition;
    reports.push(sent.report);
  }
  return { reports, newest, stoppedBy, lastFinal, clockOffsetMs, attempts, delivered, dropped };
}

/**
 * The body to send: the stored bytes (checked) or the one in memory. A stored
 * report that does not read as one is dropped here and its line returned; null
 * when there is nothing to send.
 */
async function bodyOf(ctx: FlushContext, item: QueueItem): Promise<string | ReportExchange | null> {
  if (!item.entry) return item.body;
  const read = await readEntry(item.entry);
  if (read.ok) return read.body;
  // Cannot happen with atomic writes short of disk corruption or a hand edit: it would never be accepted.
  const { clock, problem } = ctx;
  await removeEntry(item.entry).catch(() => undefined);
  await recordDropped(ctx.stateDir, 1, "corrupt report file", new Date(clock.now())).catch((e: unknown) => problem(`dropped count not written: ${(e as Error).message}`));
  problem(`outbox: dropped corrupt report file ${item.entry.path}: ${read.reason}`);
  await ctx.audit({ type: "outbox-drop", at: new Date(clock.now()).toISOString(), reason: `corrupt: ${read.reason}`, reportIds: [item.reportId] });
  return { reportId: item.reportId, newest: item.newest, fate: "corrupt", status: null, reason: read.reason, attempts: 0, durationMs: 0 };
}

interface Sent {
  readonly result: SendResult;
  readonly disposition: Disposition;
  /** Set when the answer is final (the report is delivered and out of the outbox). */
  readonly final: LastFinal | null;
  readonly report: ReportExchange;
}

/** One report: POST with retries, judge the answer, audit it, and take a delivered report out of the outbox. */
async function sendOne(ctx: FlushContext, item: QueueItem, body: string): Promise<Sent> {
  const { clock, logger, setup } = ctx;
  const sentAt = new Date(clock.now()).toISOString();
  const headers = {
    "content-type": "application/json",
    accept: "application/json",
    authorization: `Bearer ${setup.token}`,
    "user-agent": ctx.userAgent,
    "idempotency-key": item.reportId,
  };
  const result = await postWithRetries(
    { clock, random: ctx.random, logger },
    { client: ctx.client, url: setup.url, headers, body, deadlineAt: ctx.deadlineAt, retry: ctx.retry, signal: ctx.signal },
  );
  const disposition = classifyAnswer(result, { reportId: item.reportId, clusterId: ctx.clusterId });
  const status = result.answer?.status ?? null;
  const delivered = isFinal(disposition);
  await ctx.audit(exchangeAuditRecord({ sentAt, item, url: setup.url, headers, body, result, disposition, delivered }));
  let final: LastFinal | null = null;
  if (delivered) {
    if (item.entry) {
      await removeEntry(item.entry).catch((e: unknown) => ctx.problem(`delivered report ${item.reportId} not removed from the outbox (it will be sent again, same Idempotency-Key): ${(e as Error).message}`));
    }
    final = { reportId: item.reportId, newest: item.newest, disposition, receivedAt: new Date(clock.now()).toISOString() };
  }
  logger?.debug({ reportId: item.reportId, outcome: disposition.kind, status }, "report exchanged");
  return {
    result, disposition, final,
    report: { reportId: item.reportId, newest: item.newest, fate: disposition.kind, status, reason: disposition.reason, attempts: result.attempts.length, durationMs: result.durationMs },
  };
}

/** The `type: "exchange"` audit line: what was sent (the token redacted), what came back, what it means. */
function exchangeAuditRecord(x: {
  sentAt: string; item: QueueItem; url: string; headers: Record<string, string>; body: string;
  result: SendResult; disposition: Disposition; delivered: boolean;
}): Record<string, unknown> {
  const { result } = x;
  return {
    type: "exchange",
    at: x.sentAt,
    reportId: x.item.reportId,
    newest: x.item.newest,
    request: {
      method: "POST",
      url: x.url,
      headers: { ...x.headers, authorization: "Bearer [REDACTED]" },
      bytes: Buffer.byteLength(x.body),
      body: parseBodyForAudit(x.body),
    },
    attempts: result.attempts.map((a: AttemptRecord) => ({ ...a })),
    stop: result.stop,
    response: auditResponse(result.answer),
    error: result.error,
    outcome: x.disposition.kind,
    reason: x.disposition.reason,
    delivered: x.delivered,
    clockOffsetMs: result.clockOffsetMs,
    durationMs: result.durationMs,
  };
}

/**
 * The answer for the audit line. A JSON body is re-serialised with every string
 * in it cleaned and capped like all text from outside (a 200 KB reportId full
 * of escape sequences is 1 KiB of printable text here); any other body is
 * cleaned text of at most AUDIT_BODY_CHARS.
 */
function auditResponse(answer: HttpResponse | null): Record<string, unknown> | null {
  if (!answer) return null;
  const text = answer.body.toString("utf8");
  let body: string;
  let truncated: boolean;
  try {
    const value = JSON.parse(text) as unknown;
    body = JSON.stringify(cleanDeep(value));
    truncated = body.length < JSON.stringify(value).length;
  } catch {
    body = cleanText(text, AUDIT_BODY_CHARS);
    truncated = text.length > AUDIT_BODY_CHARS;
  }
  return {
    status: answer.status,
    headers: cleanDeep(answer.headers),
    bytes: answer.body.length,
    body,
    bodyTruncated: truncated,
  };
}

function parseBodyForAudit(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return body;
  }
}
