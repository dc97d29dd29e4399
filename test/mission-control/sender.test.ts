/** Pure parts of the sender and the clock offset: back-off, Retry-After, URL, classification. */
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  clockOffsetFromDate, clockOffsetStatus, describeClockOffset,
} from "../../src/mission-control/clock-offset.js";
import { MissionControlConfigSchema } from "../../src/config/mission-control.js";
import {
  backoffMs, bodySnippet, classifyAnswer, healthUrl, isFinal, parseRetryAfter,
} from "../../src/mission-control/sender.js";
import type { SendResult } from "../../src/mission-control/sender.js";

const retry = { baseMs: 1_000, maxMs: 30_000 };

test("back-off: full jitter under a doubling ceiling, capped", () => {
  assert.equal(backoffMs(1, retry, () => 0), 0);
  assert.equal(backoffMs(1, retry, () => 0.999), 999);
  assert.equal(backoffMs(2, retry, () => 0.5), 1_000);
  assert.equal(backoffMs(3, retry, () => 0.5), 2_000);
  assert.equal(backoffMs(10, retry, () => 0.5), 15_000);
  assert.equal(backoffMs(60, retry, () => 0.999), 29_970);
  for (let i = 0; i < 200; i++) {
    const wait = backoffMs(4, retry, Math.random);
    assert.ok(wait >= 0 && wait < 8_000);
  }
  assert.equal(backoffMs(1, retry, () => Number.NaN), 500);
});

test("Retry-After: seconds, an HTTP date against the answer's Date, garbage", () => {
  assert.equal(parseRetryAfter("2", null, 0), 2_000);
  assert.equal(parseRetryAfter(" 0 ", null, 0), 0);
  const serverDate = Date.parse("Wed, 21 Oct 2015 07:28:00 GMT");
  assert.equal(parseRetryAfter("Wed, 21 Oct 2015 07:28:30 GMT", serverDate, 0), 30_000);
  assert.equal(parseRetryAfter("Wed, 21 Oct 2015 07:28:30 GMT", null, serverDate + 10_000), 20_000);
  assert.equal(parseRetryAfter("Wed, 21 Oct 2015 07:27:00 GMT", serverDate, 0), 0);
  assert.equal(parseRetryAfter("soon", null, 0), null);
  assert.equal(parseRetryAfter("-5", null, 0), null);
  assert.equal(parseRetryAfter(undefined, null, 0), null);
  assert.equal(parseRetryAfter("12.5", null, 0), null);
  assert.equal(parseRetryAfter("99999999999999999999", null, 0), 86_400_000);
});

test("health URL: path appended, a prefix kept", () => {
  assert.equal(healthUrl("https://mc.example.com"), "https://mc.example.com/api/v1/nodekeeper/health");
  assert.equal(healthUrl("https://mc.example.com/"), "https://mc.example.com/api/v1/nodekeeper/health");
  assert.equal(healthUrl("https://mc.example.com:8443/mc/"), "https://mc.example.com:8443/mc/api/v1/nodekeeper/health");
});

function answered(status: number, body = ""): SendResult {
  return {
    answer: { status, headers: {}, body: Buffer.from(body) }, error: null, stop: "answered",
    attempts: [], clockOffsetMs: null, durationMs: 1,
  };
}

test("classification of final answers", () => {
  const expected = { reportId: "r", clusterId: "c" };
  const kinds = [200, 204, 202, 400, 401, 403, 404, 409, 422, 500, 301].map((s) => classifyAnswer(answered(s), expected).kind);
  assert.deepEqual(kinds, [
    "answer-invalid", "accepted", "accepted", "rejected", "unauthorised", "unauthorised", "failed", "mismatch", "rejected", "failed", "failed",
  ]);
  assert.equal(isFinal(classifyAnswer(answered(409), expected)), true);
  assert.equal(isFinal(classifyAnswer(answered(401), expected)), false);
  const tooLarge: SendResult = { ...answered(200), answer: null, error: { kind: "too-large", code: null, message: "over" } };
  assert.equal(classifyAnswer(tooLarge, expected).kind, "answer-invalid");
});

test("a body snippet is one line, bounded, without control characters", () => {
  const snippet = bodySnippet(Buffer.from(`line1\nline2\u0007\u202e${"x".repeat(1_000)}`));
  assert.equal(snippet.includes("\n"), false);
  assert.equal(/[\u0007\u202e]/.test(snippet), false);
  assert.ok(snippet.length <= 201);
});

test("clock offset: sign, the Date header's resolution, the 30 s warning", () => {
  const sent = Date.parse("2025-01-01T00:00:00.000Z");
  // Server 60 s ahead: our clock is behind, offset positive.
  const ahead = clockOffsetFromDate(new Date(sent + 60_000).toUTCString(), sent, sent + 200);
  assert.equal(ahead, 60_000 + 500 - 100);
  assert.equal(clockOffsetStatus(ahead), "WARNING");
  assert.match(describeClockOffset(ahead), /behind Mission Control.*NTP/);
  const same = clockOffsetFromDate(new Date(sent).toUTCString(), sent, sent);
  assert.equal(clockOffsetStatus(same), "OK");
  assert.equal(clockOffsetStatus(-31_000), "WARNING");
  assert.match(describeClockOffset(-31_000), /ahead of Mission Control/);
  assert.equal(clockOffsetFromDate("yesterday-ish", sent, sent), null);
  assert.equal(clockOffsetFromDate(undefined, sent, sent), null);
  assert.equal(clockOffsetStatus(null), "UNKNOWN");
});

test("config: defaults, certFile without keyFile refused, proxy 'none' or a URL", () => {
  const defaults = MissionControlConfigSchema.parse({});
  assert.deepEqual(defaults.retry, { baseMs: 1_000, maxMs: 30_000, maxAttempts: 6 });
  assert.deepEqual(defaults.outbox, { maxReports: 60, maxBytes: 5 * 1024 * 1024 });
  assert.deepEqual(defaults.audit, { maxBytes: 10 * 1024 * 1024, keep: 3 });
  const half = MissionControlConfigSchema.safeParse({ certFile: "/c.pem" });
  assert.equal(half.success, false);
  assert.deepEqual(half.error?.issues[0]?.path, ["keyFile"]);
  assert.equal(MissionControlConfigSchema.safeParse({ proxy: "none" }).success, true);
  assert.equal(MissionControlConfigSchema.safeParse({ proxy: "http://proxy:3128" }).success, true);
  assert.equal(MissionControlConfigSchema.safeParse({ proxy: "socks5://proxy:1080" }).success, false);
  assert.equal(MissionControlConfigSchema.safeParse({ url: "http://mc.example.com" }).success, false);
});
