/**
 * One health report, one POST to Mission Control, with the retries of the
 * contract (src/contract/CONTRACT.md section 1, "Responses"), and the reading of the answer.
 *
 * Retries, all within the cycle's deadline (monotonic ms, `Clock.monotonic`):
 * - 429 and 503: wait what `Retry-After` says (seconds or an HTTP date, the
 *   date read against the answer's own `Date` so our clock offset does not
 *   matter); without it, the back-off below. A wait that would end past the
 *   deadline is not started: the report goes back to the outbox at once.
 * - other 5xx, network errors and timeouts: exponential back-off with full
 *   jitter: before attempt n+1 wait uniform in [0, min(maxMs, baseMs·2^(n-1))).
 * - TLS failures are not retried within the cycle: a certificate does not fix
 *   itself in seconds, and hammering a misconfigured endpoint helps nobody.
 * - everything else (2xx, 4xx, 3xx) is final.
 * No attempt starts with less than MIN_ATTEMPT_MS left, and every attempt is
 * aborted at the deadline, so nothing is on the wire past it.
 *
 * Every attempt carries the same body and `Idempotency-Key`, so a retry after
 * a reset half-way through the answer cannot make Mission Control count the
 * report twice.
 *
 * `classifyAnswer` maps the final result to a `Disposition`: what it means for
 * the report (delivered or kept) and for the cycle's exit code.
 */
import type { Logger } from "pino";
import type { Clock } from "../effects/clock.js";
import { classifyHttpError, HttpError } from "../effects/http.js";
import type { HttpClient, HttpErrorKind, HttpResponse } from "../effects/http.js";
import type { RetryConfig } from "../config/mission-control.js";
import { clockOffsetFromDate } from "./clock-offset.js";
import { checkInstructions, MAX_RESPONSE_BYTES } from "../contract/answer.js";
import type { Instructions } from "../contract/answer.js";

export const HEALTH_PATH = "/api/v1/nodekeeper/health";

/** An attempt needs at least this long to have a chance: TCP + TLS + one round trip. */
export const MIN_ATTEMPT_MS = 250;

/** The longest a Node timer can be (2^31 − 1 ms, ~24.8 days); a deadline beyond it is clamped. */
const MAX_TIMER_MS = 2_147_483_647;

/** `{url}/api/v1/nodekeeper/health`, keeping a path prefix of the base URL. */
export function healthUrl(baseUrl: string): string {
  const url = new URL(baseUrl);
  url.pathname = url.pathname.replace(/\/+$/, "") + HEALTH_PATH;
  url.search = "";
  url.hash = "";
  return url.toString();
}

export interface AttemptError {
  readonly kind: HttpErrorKind;
  readonly code: string | null;
  readonly message: string;
}

export interface AttemptRecord {
  /** 1-based. */
  readonly attempt: number;
  /** Wall-clock start, RFC 3339. */
  readonly startedAt: string;
  readonly durationMs: number;
  /** HTTP status, or null when no answer came. */
  readonly status: number | null;
  readonly error: AttemptError | null;
  /** `Retry-After` of this answer, in ms, when it had one. */
  readonly retryAfterMs: number | null;
  /** Wait before the next attempt, in ms; null when there was none. */
  waitMs: number | null;
}

export type StopReason =
  | "answered" // a final answer (or a too-large one)
  | "not-retryable" // TLS failure
  | "deadline" // no time left for another attempt or wait
  | "max-attempts"
  | "cancelled"; // the caller's signal (SIGTERM in `run`)

export interface SendResult {
  /** The last answer, whatever its status; null when none came. */
  readonly answer: HttpResponse | null;
  /** The error of the last attempt when it had no answer. */
  readonly error: AttemptError | null;
  readonly stop: StopReason;
  readonly attempts: readonly AttemptRecord[];
  /** From the last answer with a usable `Date` header (see clock-offset.ts). */
  readonly clockOffsetMs: number | null;
  readonly durationMs: number;
}

export interface SendRequest {
  readonly client: HttpClient;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** Monotonic ms (Clock.monotonic) after which nothing is sent or awaited. */
  readonly deadlineAt: number;
  readonly retry: RetryConfig;
  readonly signal?: AbortSignal | undefined;
}

export interface SendDeps {
  readonly clock: Clock;
  /** Uniform in [0, 1); injectable so tests can pin the jitter. */
  readonly random: () => number;
  readonly logger?: Logger | undefined;
}

/** Full-jitter back-off before attempt `attempt + 1`, in ms. */
export function backoffMs(attempt: number, retry: Pick<RetryConfig, "baseMs" | "maxMs">, random: () => number): number {
  const ceiling = Math.min(retry.maxMs, retry.baseMs * 2 ** Math.max(0, attempt - 1));
  const r = random();
  const unit = Number.isFinite(r) ? Math.min(Math.max(r, 0), 1) : 0.5;
  return Math.floor(unit * ceiling);
}

const MAX_RETRY_AFTER_MS = 86_400_000; // 1 day: anything longer is past every deadline anyway

/**
 * `Retry-After` in ms (RFC 9110 §10.2.3): delay-seconds, or an HTTP date read
 * against the answer's `Date` (else our clock). Null when absent or invalid.
 */
export function parseRetryAfter(value: string | undefined, serverDateMs: number | null, nowMs: number): number | null {
  if (value === undefined) return null;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Math.min(Number(v) * 1000, MAX_RETRY_AFTER_MS);
  // A date names a day and a month; Date.parse alone would take "-5" or "12" as years.
  if (v.length > 100 || !/[A-Za-z]{3}/.test(v)) return null;
  const at = Date.parse(v);
  if (!Number.isFinite(at)) return null;
  return Math.min(Math.max(0, at - (serverDateMs ?? nowMs)), MAX_RETRY_AFTER_MS);
}

function isBusy(status: number): boolean {
  return status === 429 || status === 503;
}

function isRetryableStatus(status: number): boolean {
  return isBusy(status) || (status >= 500 && status <= 599);
}

function toAttemptError(error: HttpError): AttemptError {
  return { kind: error.kind, code: error.code ?? null, message: error.message };
}

export async function postWithRetries(deps: SendDeps, req: SendRequest): Promise<SendResult> {
  const { clock } = deps;
  const started = clock.monotonic();
  const attempts: AttemptRecord[] = [];
  let clockOffsetMs: number | null = null;
  let answer: HttpResponse | null = null;
  let error: AttemptError | null = null;

  const done = (stop: StopReason): SendResult => ({
    answer, error, stop, attempts, clockOffsetMs, durationMs: Math.round(clock.monotonic() - started),
  });

  for (let n = 1; ; n++) {
    if (req.signal?.aborted) return done("cancelled");
    const remaining = req.deadlineAt - clock.monotonic();
    if (!(remaining >= MIN_ATTEMPT_MS)) return done("deadline"); // also catches NaN
    const attemptStartWall = clock.now();
    const attemptStart = clock.monotonic();
    // The deadline as a real timer: the request is aborted when the cycle's time is up.
    const deadlineSignal = AbortSignal.timeout(Math.min(Math.ceil(remaining), MAX_TIMER_MS));
    const signal = req.signal ? AbortSignal.any([deadlineSignal, req.signal]) : deadlineSignal;
    answer = null;
    error = null;
    try {
      answer = await req.client.request({
        method: "POST", url: req.url, headers: req.headers, body: req.body, signal, maxResponseBytes: MAX_RESPONSE_BYTES,
      });
    } catch (thrown) {
      error = toAttemptError(thrown instanceof HttpError ? thrown : classifyHttpError(thrown));
    }
    const receivedWall = clock.now();
    const durationMs = Math.round(clock.monotonic() - attemptStart);
    const serverDate = answer?.headers["date"];
    const offset = clockOffsetFromDate(serverDate, attemptStartWall, receivedWall);
    if (offset !== null) clockOffsetMs = offset;
    const retryAfterMs = answer
      ? parseRetryAfter(answer.headers["retry-after"], serverDate !== undefined && Number.isFinite(Date.parse(serverDate)) ? Date.parse(serverDate) : null, receivedWall)
      : null;
    const record: AttemptRecord = {
      attempt: n, startedAt: new Date(attemptStartWall).toISOString(), durationMs,
      status: answer?.status ?? null, error, retryAfterMs, waitMs: null,
    };
    attempts.push(record);
    deps.logger?.debug({ attempt: n, status: record.status, error: error?.kind, durationMs }, "mission control attempt");

    if (answer && !isRetryableStatus(answer.status)) return done("answered");
    if (error?.kind === "too-large") return done("answered");
    if (error?.kind === "tls") return done("not-retryable");
    if (req.signal?.aborted) return done("cancelled");
    if (deadlineSignal.aborted) return done("deadline");
    if (n >= req.retry.maxAttempts) return done("max-attempts");

    const wait = answer && isBusy(answer.status) && retryAfterMs !== null ? retryAfterMs : backoffMs(n, req.retry, deps.random);
    if (clock.monotonic() + wait + MIN_ATTEMPT_MS > req.deadlineAt) return done("deadline");
    record.waitMs = wait;
    await clock.sleep(wait, req.signal);
  }
}

// ---------------------------------------------------------------------------
// What the final result means

export type Disposition =
  /** 200 with valid instructions, 204 (instructions null), or another 2xx without a body. Delivered. */
  | { kind: "accepted"; status: number; instructions: Instructions | null; reason: string }
  /** Delivered, but the answer is not valid (bad JSON, schema, reportId/clusterId, over 1 MiB). Exit 6. */
  | { kind: "answer-invalid"; status: number | null; reason: string }
  /** 400 or 422: delivered and refused; never sent again. Exit 4. */
  | { kind: "rejected"; status: number; reason: string }
  /** 409: cluster or node mismatch; never sent again (it would be refused forever), nothing applied. Exit 4. */
  | { kind: "mismatch"; status: number; reason: string }
  /** 401 or 403: Mission Control refused us, not the report: kept for when the credentials are fixed. Exit 4. */
  | { kind: "unauthorised"; status: number; reason: string }
  /** Not delivered (network, TLS, 5xx, 429 past the deadline, unexpected status): kept. Exit 5. */
  | { kind: "failed"; status: number | null; errorKind: HttpErrorKind | null; reason: string };

/** True when the report is done with: removed from the outbox, never sent again. */
export function isFinal(d: Disposition): boolean {
  return d.kind === "accepted" || d.kind === "answer-invalid" || d.kind === "rejected" || d.kind === "mismatch";
}

const SNIPPET_CHARS = 200;

/** The start of a body, on one line, for a reason or a summary. */
export function bodySnippet(body: Buffer): string {
  const text = body.subarray(0, SNIPPET_CHARS * 4).toString("utf8").replace(/\s+/g, " ").trim();
  // Control characters would break a one-line summary or a terminal.
  const clean = text.replace(/[\p{Cc}\p{Cf}]/gu, "?");
  return clean.length > SNIPPET_CHARS ? `${clean.slice(0, SNIPPET_CHARS)}…` : clean;
}

function describeError(e: AttemptError): string {
  const what: Record<HttpErrorKind, string> = {
    timeout: "timed out",
    refused: "connection refused",
    dns: "host name not resolved",
    tls: "TLS failed",
    reset: "connection reset",
    "too-large": "answer too large",
    unreachable: "network unreachable",
    other: "request failed",
  };
  return `${what[e.kind]}${e.code ? ` (${e.code})` : ""}: ${e.message}`;
}

function describeStop(result: SendResult): string {
  const n = result.attempts.length;
  const tries = `${n} attempt${n === 1 ? "" : "s"} in ${(result.durationMs / 1000).toFixed(1)} s`;
  switch (result.stop) {
    case "deadline":
      return `${tries}, no time left before the cycle's deadline`;
    case "max-attempts":
      return `${tries}, attempts exhausted`;
    case "cancelled":
      return `${tries}, cancelled`;
    case "not-retryable":
      return `${tries}, not retried`;
    case "answered":
      return tries;
  }
}

/** Maps the final result to what it means (see `Disposition`). */
export function classifyAnswer(result: SendResult, expected: { reportId: string; clusterId: string }): Disposition {
  const { answer, error } = result;
  if (!answer) {
    if (error?.kind === "too-large") {
      // The server answered (headers came), so the report reached it; the
      // contract rejects the answer, not the delivery.
      return { kind: "answer-invalid", status: null, reason: `answer over the ${MAX_RESPONSE_BYTES}-byte limit: ${error.message}` };
    }
    if (!error && result.attempts.length === 0) {
      const why = result.stop === "cancelled" ? "cancelled" : "no time left before the cycle's deadline";
      return { kind: "failed", status: null, errorKind: null, reason: `not sent: ${why}` };
    }
    const why = error ? describeError(error) : "no answer";
    return { kind: "failed", status: null, errorKind: error?.kind ?? null, reason: `${why} (${describeStop(result)})` };
  }
  const status = answer.status;
  if (status === 200) {
    let body: unknown;
    try {
      body = JSON.parse(answer.body.toString("utf8"));
    } catch {
      return { kind: "answer-invalid", status, reason: `answer is not JSON: ${bodySnippet(answer.body) || "(empty body)"}` };
    }
    const check = checkInstructions(body, expected);
    return check.ok
      ? { kind: "accepted", status, instructions: check.instructions, reason: "200 with valid instructions" }
      : { kind: "answer-invalid", status, reason: check.reason };
  }
  if (status === 204) return { kind: "accepted", status, instructions: null, reason: "204: accepted, no instructions" };
  if (status >= 201 && status <= 299) {
    // Not in the contract; a body would be instructions we cannot trust with
    // this status, an empty one reads as "accepted".
    return answer.body.length === 0
      ? { kind: "accepted", status, instructions: null, reason: `${status}: accepted, no instructions` }
      : { kind: "answer-invalid", status, reason: `unexpected status ${status} with a body` };
  }
  const snippet = bodySnippet(answer.body);
  const said = snippet ? `: ${snippet}` : "";
  if (status === 400 || status === 422) return { kind: "rejected", status, reason: `report rejected (${status})${said}` };
  if (status === 409) return { kind: "mismatch", status, reason: `cluster or node mismatch (409)${said}` };
  if (status === 401 || status === 403) {
    const hint = status === 401 ? "check the token in missionControl.tokenFile" : "this node is not allowed";
    return { kind: "unauthorised", status, reason: `not authorised (${status}, ${hint})${said}` };
  }
  if (isRetryableStatus(status)) {
    return { kind: "failed", status, errorKind: null, reason: `Mission Control busy or failing (${status})${said} (${describeStop(result)})` };
  }
  // 3xx (redirects are not followed: the URL is configuration), 404, 405, 413…:
  // keep the report, the fix is on one side or the other.
  return { kind: "failed", status, errorKind: null, reason: `unexpected status ${status}${said}` };
}
