/**
 * What one exchange with Mission Control came to, and the pure rule that
 * turns what happened to each report into the exchange's result, its summary
 * line and its counts. No I/O, no clock: tests call `summarizeExchange`
 * directly, without an HTTPS server.
 *
 * The result is decided by this cycle's report alone (contract section 3);
 * its exit code comes from the one table, `exitCodeOf` in
 * src/contract/outcomes.ts: delivered 0 (200 valid or 204), refused 4 (400,
 * 401, 403, 409, 422), kept 5 (not delivered, kept in the outbox),
 * answer-invalid 6 (delivered, the answer failed validation), not-configured
 * and config-error 64 (no url; token file, TLS files, URL).
 */
import type { Instructions } from "../contract/answer.js";
import type { CycleOutcome } from "../contract/outcomes.js";
import { clockOffsetStatus, describeClockOffset } from "./clock-offset.js";
import type { Disposition } from "./sender.js";

/** The exchange's part of a cycle's outcome: every CycleOutcome but the lock's. */
export type ExchangeResult = Exclude<CycleOutcome, "locked" | "lock-error">;

/** What happened to one report in this exchange. */
export interface ReportExchange {
  readonly reportId: string;
  /** This cycle's report (the others came from the outbox). */
  readonly newest: boolean;
  readonly fate: Disposition["kind"] | "not-sent" | "corrupt";
  readonly status: number | null;
  readonly reason: string;
  readonly attempts: number;
  readonly durationMs: number;
}

export interface ExchangeCounts {
  /** Reports Mission Control received in this exchange (refused and invalid answers included). */
  readonly delivered: number;
  /** Reports waiting in the outbox afterwards. */
  readonly kept: number;
  /** Reports dropped in this exchange (outbox bound, corrupt files). */
  readonly dropped: number;
  /** Reports dropped since the state directory was made. */
  readonly droppedTotal: number;
}

export interface ExchangeOutcome {
  /** Maps one to one to the exit code (exitCodeOf). */
  readonly result: ExchangeResult;
  /** One line for the operator; never contains the token. */
  readonly summary: string;
  /** The validated answer to the newest delivered report; null for 204, refusals, invalid answers, failures. */
  readonly instructions: Instructions | null;
  /** The report `instructions` answers. */
  readonly answeredReportId: string | null;
  /** Whether `instructions` answers this cycle's report (rather than an older one from the outbox). */
  readonly answersThisReport: boolean;
  /** Apply `instructions`: only for a valid 200 to the newest delivered report. Never on 409 or an invalid answer. */
  readonly apply: boolean;
  /** `instructions` was written to instructions.json. */
  readonly instructionsRecorded: boolean;
  /** Final HTTP status of this cycle's report; null when it got none. */
  readonly httpStatus: number | null;
  readonly counts: ExchangeCounts;
  /** Mission Control's time − ours, in ms, from the last Date header seen; null when none came. */
  readonly clockOffsetMs: number | null;
  /** HTTP attempts in all. */
  readonly attempts: number;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly reports: readonly ReportExchange[];
  /** Non-fatal problems (audit or outbox not written…), already in the log. */
  readonly problems: readonly string[];
}

/** The outbox once the exchange is over, as the summary tells it. */
export interface OutboxAfter {
  /** Reports waiting, and their bytes. */
  readonly depth: number;
  readonly bytes: number;
  /** This cycle's report is valid but could not be written to the outbox (disk full, read-only). */
  readonly newReportUnstored: boolean;
}

/** What the flush did, as the summary needs it. */
export interface ExchangeFacts {
  /** This cycle's report; null when it failed the contract schema (then it was not sent). */
  readonly newReportId: string | null;
  /** What became of this cycle's report; null when it was not sent. */
  readonly newest: Disposition | null;
  /** What stopped the flush (401/403, a failure); null when nothing did. */
  readonly stoppedBy: Disposition | null;
  readonly reports: readonly ReportExchange[];
  /** The report whose answer is applied; null when none is. */
  readonly applied: { readonly reportId: string; readonly newest: boolean } | null;
  readonly outbox: OutboxAfter;
  readonly delivered: number;
  readonly dropped: number;
  readonly droppedTotal: number;
  readonly clockOffsetMs: number | null;
}

export interface ExchangeSummary {
  readonly result: ExchangeResult;
  readonly summary: string;
  readonly counts: ExchangeCounts;
}

export function shortId(id: string): string {
  return id.length > 8 ? id.slice(0, 8) : id;
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** "kept in the outbox (3 reports, 4.2 KiB waiting)", and whether this cycle's report could not be stored. */
export function keptText(outbox: OutboxAfter): string {
  const stored = outbox.newReportUnstored ? "; this cycle's report could NOT be stored (see problems)" : "";
  return `kept in the outbox (${plural(outbox.depth, "report")}, ${(outbox.bytes / 1024).toFixed(1)} KiB waiting)${stored}`;
}

/** Nothing was sent: a configuration problem found before the first request (token, TLS files, URL, HTTPS client). */
export function notSentSummary(reason: string, outbox: OutboxAfter, dropped: number, droppedTotal: number): ExchangeSummary {
  return {
    result: "config-error",
    summary: `nothing sent: ${reason}; ${keptText(outbox)}`,
    counts: { delivered: 0, kept: outbox.depth, dropped, droppedTotal },
  };
}

/** The result and the first part of the summary: what became of this cycle's report. */
function newestFate(facts: ExchangeFacts): { result: ExchangeResult; summary: string } {
  const { newReportId: newId } = facts;
  const kept = keptText(facts.outbox);
  const fate: Disposition | null = facts.newest ?? facts.stoppedBy;
  const idText = newId !== null ? `report ${shortId(newId)}` : "this cycle's report";
  const sentNewest = facts.newest !== null;
  if (newId === null) return { result: "kept", summary: "internal error: this cycle's report is not valid (see problems), not sent" };
  // Nothing was attempted for the newest report, and nothing stopped the flush (its file went bad).
  if (fate === null) return { result: "kept", summary: `not delivered: ${idText} was not sent; ${kept}` };
  switch (fate.kind) {
    case "accepted":
      return { result: "delivered", summary: `delivered ${idText}: ${fate.reason}` };
    case "answer-invalid":
      return { result: "answer-invalid", summary: `delivered ${idText}, but the answer failed validation (${fate.reason}); nothing applied` };
    case "rejected":
      return { result: "refused", summary: `Mission Control rejected ${idText}: ${fate.reason}; not sent again` };
    case "mismatch":
      return { result: "refused", summary: `Mission Control refused ${idText}: ${fate.reason}; nothing applied, not sent again` };
    case "unauthorised":
      return { result: "refused", summary: `Mission Control refused us${sentNewest ? "" : ` (on an older report, so ${idText} was not sent)`}: ${fate.reason}; ${kept}` };
    case "failed":
      return { result: "kept", summary: `not delivered${sentNewest ? "" : ` (an older report failed first, so ${idText} was not sent)`}: ${fate.reason}; ${kept}` };
  }
}

/** From what happened to each report to the exchange's result, summary line and counts. Pure. */
export function summarizeExchange(facts: ExchangeFacts): ExchangeSummary {
  const { result, summary: first } = newestFate(facts);
  let summary = first;
  const earlier = facts.reports.filter((r) => !r.newest && r.fate !== "not-sent" && r.fate !== "corrupt");
  const earlierDelivered = earlier.filter((r) => r.fate === "accepted" || r.fate === "answer-invalid" || r.fate === "rejected" || r.fate === "mismatch").length;
  if (earlierDelivered > 0) summary += `; ${plural(earlierDelivered, "earlier report")} from the outbox delivered`;
  if (facts.applied && !facts.applied.newest) summary += `; applying the answer to earlier report ${shortId(facts.applied.reportId)}`;
  if (facts.dropped > 0) summary += `; ${plural(facts.dropped, "report")} dropped from the outbox (${facts.droppedTotal} in all)`;
  if (clockOffsetStatus(facts.clockOffsetMs) === "WARNING") summary += `; ${describeClockOffset(facts.clockOffsetMs)}`;
  return {
    result,
    summary,
    counts: { delivered: facts.delivered, kept: facts.outbox.depth, dropped: facts.dropped, droppedTotal: facts.droppedTotal },
  };
}
