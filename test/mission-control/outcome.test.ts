/**
 * The exchange's pure outcome summary, called directly (no HTTPS server):
 * the per-report fates and counts of the scenarios in exchange.test.ts give
 * the same results and the same summary lines the exchange gave there
 * (captured from those runs; only the report ids and the port differ).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { exitCodeOf } from "../../src/contract/outcomes.js";
import { keptText, notSentSummary, summarizeExchange } from "../../src/mission-control/outcome.js";
import type { ExchangeFacts, OutboxAfter, ReportExchange } from "../../src/mission-control/outcome.js";
import type { Disposition } from "../../src/mission-control/sender.js";

const NEW = "9a69d8e9-5bb1-4776-9517-6039492a4c25";
const OLD = ["32c375b7-6fd3-4b11-8b5c-e1bfb4a4c710", "7c46d9e5-5105-45ad-9d50-f55e912da88d", "74f6ddb6-7e07-4847-a189-a910c6137f67", "18ac4772-9148-4c95-9bde-9148fd00ac95", "4affd731-2171-4886-a69f-f1f2fbb65f3b"];

const EMPTY: OutboxAfter = { depth: 0, bytes: 0, newReportUnstored: false };
/** One stored report is ~1 KiB (makeReport in support.ts). */
const outbox = (depth: number): OutboxAfter => ({ depth, bytes: depth * 1000, newReportUnstored: false });

const accepted200: Disposition = { kind: "accepted", status: 200, instructions: null, reason: "200 with valid instructions" };
const accepted204: Disposition = { kind: "accepted", status: 204, instructions: null, reason: "204: accepted, no instructions" };
const rejected400: Disposition = { kind: "rejected", status: 400, reason: "report rejected (400): {\"error\":\"componentStatuses[0].resultCode: unknown code 77\"}" };
const mismatch409: Disposition = { kind: "mismatch", status: 409, reason: "cluster or node mismatch (409): wrong cluster" };
const unauthorised401: Disposition = { kind: "unauthorised", status: 401, reason: "not authorised (401, check the token in missionControl.tokenFile)" };
const invalid: Disposition = { kind: "answer-invalid", status: 200, reason: "answer is not JSON: not json" };
const refused: Disposition = {
  kind: "failed", status: null, errorKind: "refused",
  reason: "connection refused (ECONNREFUSED): connect ECONNREFUSED 127.0.0.1:42155 (4 attempts in 0.4 s, attempts exhausted)",
};
const busy503: Disposition = { kind: "failed", status: 503, errorKind: null, reason: "Mission Control busy or failing (503) (2 attempts in 0.1 s, attempts exhausted)" };

function line(reportId: string, newest: boolean, d: Disposition | "not-sent"): ReportExchange {
  return d === "not-sent"
    ? { reportId, newest, fate: "not-sent", status: null, reason: "an earlier report was not delivered", attempts: 0, durationMs: 0 }
    : { reportId, newest, fate: d.kind, status: d.status, reason: d.reason, attempts: 1, durationMs: 10 };
}

/** Only this cycle's report was in the queue, and it got `d`. */
function alone(d: Disposition, over: Partial<ExchangeFacts> = {}): ExchangeFacts {
  const delivered = d.kind === "failed" || d.kind === "unauthorised" ? 0 : 1;
  const stoppedBy = delivered === 0 ? d : null;
  return {
    newReportId: NEW, newest: d, stoppedBy, reports: [line(NEW, true, d)], applied: null,
    outbox: delivered === 0 ? outbox(1) : EMPTY, delivered, dropped: 0, droppedTotal: 0, clockOffsetMs: 12, ...over,
  };
}

test("200 with instructions: delivered, exit 0", () => {
  const s = summarizeExchange(alone(accepted200, { applied: { reportId: NEW, newest: true } }));
  assert.deepEqual(s, { result: "delivered", summary: "delivered report 9a69d8e9: 200 with valid instructions", counts: { delivered: 1, kept: 0, dropped: 0, droppedTotal: 0 } });
  assert.equal(exitCodeOf(s.result), 0);
});

test("204: delivered, exit 0", () => {
  const s = summarizeExchange(alone(accepted204));
  assert.equal(s.result, "delivered");
  assert.equal(s.summary, "delivered report 9a69d8e9: 204: accepted, no instructions");
});

test("400: refused, not sent again, exit 4", () => {
  const s = summarizeExchange(alone(rejected400));
  assert.equal(s.result, "refused");
  assert.equal(exitCodeOf(s.result), 4);
  assert.equal(s.summary, "Mission Control rejected report 9a69d8e9: report rejected (400): {\"error\":\"componentStatuses[0].resultCode: unknown code 77\"}; not sent again");
  assert.deepEqual(s.counts, { delivered: 1, kept: 0, dropped: 0, droppedTotal: 0 });
});

test("409: refused, nothing applied, exit 4", () => {
  const s = summarizeExchange(alone(mismatch409));
  assert.equal(s.result, "refused");
  assert.equal(s.summary, "Mission Control refused report 9a69d8e9: cluster or node mismatch (409): wrong cluster; nothing applied, not sent again");
});

test("401: refused us, kept in the outbox, exit 4", () => {
  const s = summarizeExchange(alone(unauthorised401, { outbox: { depth: 1, bytes: 1000, newReportUnstored: false } }));
  assert.equal(s.result, "refused");
  assert.equal(s.summary, "Mission Control refused us: not authorised (401, check the token in missionControl.tokenFile); kept in the outbox (1 report, 1.0 KiB waiting)");
  assert.deepEqual(s.counts, { delivered: 0, kept: 1, dropped: 0, droppedTotal: 0 });
});

test("an invalid answer: delivered, nothing applied, exit 6", () => {
  const s = summarizeExchange(alone(invalid));
  assert.equal(s.result, "answer-invalid");
  assert.equal(exitCodeOf(s.result), 6);
  assert.equal(s.summary, "delivered report 9a69d8e9, but the answer failed validation (answer is not JSON: not json); nothing applied");
});

test("Mission Control down: not delivered, kept, exit 5", () => {
  const s = summarizeExchange(alone(refused, { clockOffsetMs: null }));
  assert.equal(s.result, "kept");
  assert.equal(exitCodeOf(s.result), 5);
  assert.equal(s.summary, "not delivered: connection refused (ECONNREFUSED): connect ECONNREFUSED 127.0.0.1:42155 (4 attempts in 0.4 s, attempts exhausted); kept in the outbox (1 report, 1.0 KiB waiting)");
});

test("down, with older reports waiting: the older one failed first, this one not sent", () => {
  const s = summarizeExchange({
    newReportId: NEW, newest: null, stoppedBy: refused,
    reports: [line(OLD[0]!, false, refused), line(OLD[1]!, false, "not-sent"), line(NEW, true, "not-sent")],
    applied: null, outbox: { depth: 3, bytes: 2_950, newReportUnstored: false }, delivered: 0, dropped: 0, droppedTotal: 0, clockOffsetMs: null,
  });
  assert.equal(s.result, "kept");
  assert.equal(s.summary, "not delivered (an older report failed first, so report 9a69d8e9 was not sent): connection refused (ECONNREFUSED): connect ECONNREFUSED 127.0.0.1:42155 (4 attempts in 0.4 s, attempts exhausted); kept in the outbox (3 reports, 2.9 KiB waiting)");
  assert.deepEqual(s.counts, { delivered: 0, kept: 3, dropped: 0, droppedTotal: 0 });
});

test("back after five cycles down: all delivered, the five earlier ones counted", () => {
  const s = summarizeExchange({
    newReportId: NEW, newest: accepted200, stoppedBy: null,
    reports: [...OLD.map((id) => line(id, false, accepted200)), line(NEW, true, accepted200)],
    applied: { reportId: NEW, newest: true }, outbox: EMPTY, delivered: 6, dropped: 0, droppedTotal: 0, clockOffsetMs: 80,
  });
  assert.equal(s.summary, "delivered report 9a69d8e9: 200 with valid instructions; 5 earlier reports from the outbox delivered");
  assert.deepEqual(s.counts, { delivered: 6, kept: 0, dropped: 0, droppedTotal: 0 });
});

test("an old report rejected (400) counts as delivered and the flush goes on", () => {
  const s = summarizeExchange({
    newReportId: NEW, newest: accepted200, stoppedBy: null,
    reports: [line(OLD[0]!, false, { kind: "rejected", status: 400, reason: "report rejected (400): bad" }), line(OLD[1]!, false, accepted200), line(NEW, true, accepted200)],
    applied: { reportId: NEW, newest: true }, outbox: EMPTY, delivered: 3, dropped: 0, droppedTotal: 0, clockOffsetMs: -189,
  });
  assert.equal(s.summary, "delivered report 9a69d8e9: 200 with valid instructions; 2 earlier reports from the outbox delivered");
});

test("at the outbox bound: the dropped report and the total are told", () => {
  const s = summarizeExchange({
    newReportId: NEW, newest: null, stoppedBy: refused,
    reports: [line(OLD[0]!, false, refused), line(OLD[1]!, false, "not-sent"), line(NEW, true, "not-sent")],
    applied: null, outbox: { depth: 3, bytes: 2_950, newReportUnstored: false }, delivered: 0, dropped: 1, droppedTotal: 2, clockOffsetMs: null,
  });
  assert.equal(s.summary, "not delivered (an older report failed first, so report 9a69d8e9 was not sent): connection refused (ECONNREFUSED): connect ECONNREFUSED 127.0.0.1:42155 (4 attempts in 0.4 s, attempts exhausted); kept in the outbox (3 reports, 2.9 KiB waiting); 1 report dropped from the outbox (2 in all)");
  assert.deepEqual(s.counts, { delivered: 0, kept: 3, dropped: 1, droppedTotal: 2 });
});

test("401 during the flush: refused on an older report, this one not sent, exit 4", () => {
  const s = summarizeExchange({
    newReportId: NEW, newest: null, stoppedBy: unauthorised401,
    reports: [line(OLD[0]!, false, unauthorised401), line(OLD[1]!, false, "not-sent"), line(NEW, true, "not-sent")],
    applied: null, outbox: { depth: 3, bytes: 2_950, newReportUnstored: false }, delivered: 0, dropped: 0, droppedTotal: 0, clockOffsetMs: -316,
  });
  assert.equal(s.result, "refused");
  assert.equal(s.summary, "Mission Control refused us (on an older report, so report 9a69d8e9 was not sent): not authorised (401, check the token in missionControl.tokenFile); kept in the outbox (3 reports, 2.9 KiB waiting)");
});

test("the newest fails after an old one was delivered: that answer is applied, and said", () => {
  const s = summarizeExchange({
    newReportId: NEW, newest: busy503, stoppedBy: busy503,
    reports: [line(OLD[0]!, false, accepted200), line(NEW, true, busy503)],
    applied: { reportId: OLD[0]!, newest: false }, outbox: outbox(1), delivered: 1, dropped: 0, droppedTotal: 0, clockOffsetMs: -416,
  });
  assert.equal(s.result, "kept");
  assert.equal(s.summary, "not delivered: Mission Control busy or failing (503) (2 attempts in 0.1 s, attempts exhausted); kept in the outbox (1 report, 1.0 KiB waiting); 1 earlier report from the outbox delivered; applying the answer to earlier report 32c375b7");
  assert.deepEqual(s.counts, { delivered: 1, kept: 1, dropped: 0, droppedTotal: 0 });
});

test("a clock offset over 30 s is told in the summary", () => {
  const s = summarizeExchange(alone(accepted200, { clockOffsetMs: 59_829 }));
  assert.equal(s.summary, "delivered report 9a69d8e9: 200 with valid instructions; local clock is 59.8 s behind Mission Control (over 30 s: check NTP)");
});

test("an invalid report of our own: not sent, exit 5", () => {
  const s = summarizeExchange({
    newReportId: null, newest: null, stoppedBy: null, reports: [], applied: null, outbox: EMPTY, delivered: 0, dropped: 0, droppedTotal: 0, clockOffsetMs: null,
  });
  assert.deepEqual(s, { result: "kept", summary: "internal error: this cycle's report is not valid (see problems), not sent", counts: { delivered: 0, kept: 0, dropped: 0, droppedTotal: 0 } });
});

test("this cycle's report found corrupt in the outbox: not sent, nothing stopped the flush", () => {
  const s = summarizeExchange({
    newReportId: NEW, newest: null, stoppedBy: null,
    reports: [{ reportId: NEW, newest: true, fate: "corrupt", status: null, reason: "not JSON", attempts: 0, durationMs: 0 }],
    applied: null, outbox: EMPTY, delivered: 0, dropped: 1, droppedTotal: 1, clockOffsetMs: null,
  });
  assert.equal(s.result, "kept");
  assert.equal(s.summary, "not delivered: report 9a69d8e9 was not sent; kept in the outbox (0 reports, 0.0 KiB waiting); 1 report dropped from the outbox (1 in all)");
});

test("a report that could not be stored says so where the outbox is told", () => {
  assert.equal(keptText({ depth: 0, bytes: 0, newReportUnstored: true }), "kept in the outbox (0 reports, 0.0 KiB waiting); this cycle's report could NOT be stored (see problems)");
});

test("configuration problem: nothing sent, the report kept, exit 64", () => {
  const reason = "missionControl.tokenFile /tmp/nk-mc-LxSJ0v/token is readable by group and readable by others (mode 0644); the token must be private: run chmod 600 /tmp/nk-mc-LxSJ0v/token";
  const s = notSentSummary(reason, outbox(1), 0, 0);
  assert.deepEqual(s, {
    result: "config-error",
    summary: `nothing sent: ${reason}; kept in the outbox (1 report, 1.0 KiB waiting)`,
    counts: { delivered: 0, kept: 1, dropped: 0, droppedTotal: 0 },
  });
  assert.equal(exitCodeOf(s.result), 64);
});
