/**
 * One cycle's exchange with Mission Control: the outbox flushed oldest first,
 * then this cycle's report, each answer judged by the contract (src/contract/CONTRACT.md
 * sections 1 and 2), every exchange audited. Never throws.
 *
 * The caller holds the cycle lock (src/state/lock.ts): this module assumes it
 * is the only writer of the state directory.
 *
 * Steps:
 * 1. No `missionControl.url`: result "not-configured" (exit 64), nothing sent
 *    or stored.
 * 2. This cycle's report is validated (HealthReportSchema) and written to the
 *    outbox first (write-ahead): a crash or kill at any later moment leaves
 *    it on disk, to be sent next cycle with the same Idempotency-Key. If the
 *    disk refuses, it is still sent from memory.
 * 3. Local configuration (token file, CA / client certificate files) is
 *    checked; a problem is a configuration error (exit 64), nothing is sent,
 *    the report stays in the outbox.
 * 4. The outbox is sent oldest first, the new report being the newest entry.
 *    A final answer (2xx, 400, 409, 422, an invalid answer) removes the
 *    report: it is never sent again. 401/403 and failures (after the retries
 *    of sender.ts, within the deadline) stop the flush: that report and all
 *    newer ones stay, in order, for the next cycle.
 * 5. Only the answer to the newest delivered report may be applied (contract
 *    section 2), and only when it is a valid 200; it is then recorded in
 *    `instructions.json` (src/state/instructions.ts).
 * 6. `last-exchange.json` is written for `status`.
 *
 * Exit code (contract section 3), from what happened to this cycle's report:
 * 0 delivered (200 valid or 204); 4 refused (400, 401, 403, 409, 422); 5 not
 * delivered, kept in the outbox; 6 delivered but the answer failed validation;
 * 64 configuration (no url, token file, TLS files).
 *
 * State directory files: `outbox/` (outbox.ts), `audit.jsonl*` (audit.ts),
 * `last-exchange.json` (last-exchange.ts), `instructions.json` and
 * `instructions.prev.json` (src/state/instructions.ts).
 *
 * The token is read here, used only in the Authorization header, and every
 * text that leaves this module (summary, problems, audit lines, log lines) is
 * redacted of it.
 */
import { readFile } from "node:fs/promises";
import type { Logger } from "pino";
import { isLoopbackHost } from "../config/common.js";
import type { Clock } from "../effects/clock.js";
import { secureContextFor } from "../effects/http.js";
import type { HttpClient, HttpClientFactory, HttpClientOptions, HttpResponse } from "../effects/http.js";
import { HealthReportSchema } from "../contract/report.js";
import type { HealthReport } from "../contract/report.js";
import { recordInstructions } from "../state/instructions.js";
import { appendAudit } from "./audit.js";
import { clockOffsetStatus, describeClockOffset } from "./clock-offset.js";
import type { MissionControlConfig } from "../config/mission-control.js";
import { readLastExchange, writeLastExchange } from "./last-exchange.js";
import type { LastExchange } from "./last-exchange.js";
import { enqueueReport, listOutbox, readEntry, readOutboxSummary, recordDropped, removeEntry, removeLeftovers } from "./outbox.js";
import type { OutboxEntry } from "./outbox.js";
import type { Instructions } from "../contract/answer.js";
import { classifyAnswer, healthUrl, isFinal, postWithRetries } from "./sender.js";
import type { AttemptRecord, Disposition, SendResult } from "./sender.js";
import { readSecretFile } from "../config/secret-file.js";
import { cleanDeep, cleanText } from "../contract/text.js";
import { codeOf, readBearerToken, redactSecrets } from "./token.js";

export interface ExchangeDeps {
  readonly http: HttpClientFactory;
  readonly clock: Clock;
  readonly logger?: Logger | undefined;
  /** Uniform in [0, 1) for the back-off jitter; Math.random by default. */
  readonly random?: (() => number) | undefined;
}

export interface ExchangeInput {
  readonly config: MissionControlConfig;
  /** Ours: the answer's clusterId must equal it. */
  readonly clusterId: string;
  readonly stateDir: string;
  readonly report: HealthReport;
  /** Monotonic ms (deps.clock.monotonic()) after which nothing is sent or awaited. */
  readonly deadlineAt: number;
  /** `nodekeeper/<version>`. */
  readonly userAgent: string;
  /** Aborts the exchange early (SIGTERM in `run`); what is not sent stays in the outbox. */
  readonly signal?: AbortSignal | undefined;
  /** Other secret values (the server API token) to redact from the audit and messages, besides the bearer token. */
  readonly secrets?: readonly string[] | undefined;
}

export type ExchangeResult =
  | "delivered" // exit 0
  | "refused" // exit 4
  | "kept" // exit 5
  | "answer-invalid" // exit 6
  | "not-configured" // exit 64: no missionControl.url
  | "config-error"; // exit 64: token file, TLS files, URL

export type ExchangeExitCode = 0 | 4 | 5 | 6 | 64;

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

export interface ExchangeOutcome {
  readonly result: ExchangeResult;
  readonly exitCode: ExchangeExitCode;
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
  readonly counts: {
    /** Reports Mission Control received in this exchange (refused and invalid answers included). */
    readonly delivered: number;
    /** Reports waiting in the outbox afterwards. */
    readonly kept: number;
    /** Reports dropped in this exchange (outbox bound, corrupt files). */
    readonly dropped: number;
    /** Reports dropped since the state directory was made. */
    readonly droppedTotal: number;
  };
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

/** The longest summary or problem line: 4 KiB of characters. */
const SUMMARY_MAX_CHARS = 4096;
const AUDIT_BODY_CHARS = 64 * 1024; // 64 KiB of an answer body per audit line

interface Item {
  readonly reportId: string;
  readonly newest: boolean;
  readonly entry: OutboxEntry | null;
  readonly body: string | null;
}

interface Setup {
  readonly token: string;
  readonly clientOptions: HttpClientOptions;
  readonly url: string;
}

function shortId(id: string): string {
  return id.length > 8 ? id.slice(0, 8) : id;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** Checks what must be right locally before anything is sent. */
async function prepare(config: MissionControlConfig, url: string): Promise<{ ok: true; setup: Setup } | { ok: false; reason: string }> {
  let target: string;
  try {
    const base = new URL(url);
    if (base.protocol !== "https:" && !(base.protocol === "http:" && isLoopbackHost(base.hostname))) {
      return { ok: false, reason: `missionControl.url ${url}: plain http:// is refused unless the host is a loopback address` };
    }
    target = healthUrl(url);
  } catch {
    return { ok: false, reason: `missionControl.url ${url} is not a URL` };
  }
  if (config.tokenFile === undefined) {
    return { ok: false, reason: "missionControl.tokenFile is not set: Mission Control needs the bearer token" };
  }
  const token = await readBearerToken(config.tokenFile);
  if (!token.ok) return { ok: false, reason: token.reason };

  if ((config.certFile === undefined) !== (config.keyFile === undefined)) {
    return { ok: false, reason: "missionControl.certFile and missionControl.keyFile go together: set both or neither" };
  }
  const pem: Partial<Record<"caFile" | "certFile" | "keyFile", string>> = {};
  for (const key of ["caFile", "certFile", "keyFile"] as const) {
    const path = config[key];
    if (path === undefined) continue;
    if (key === "keyFile") {
      // A private key is a secret file: the same permission rule as the tokens.
      const read = await readSecretFile("missionControl.keyFile", path, "pem");
      if (!read.ok) return { ok: false, reason: read.reason };
      pem[key] = read.token;
      continue;
    }
    try {
      pem[key] = await readFile(path, "utf8");
    } catch (error) {
      const code = codeOf(error);
      return { ok: false, reason: `missionControl.${key} ${path} cannot be read (${code ?? (error as Error).message})` };
    }
  }
  // Bad PEM or a key that does not match its certificate: say so now, naming
  // the keys, instead of failing every TLS handshake with an obscure error.
  try {
    if (pem.caFile !== undefined) secureContextFor({ ca: pem.caFile });
  } catch (error) {
    return { ok: false, reason: `missionControl.caFile ${config.caFile}: not a usable PEM bundle (${(error as Error).message})` };
  }
  try {
    if (pem.certFile !== undefined && pem.keyFile !== undefined) secureContextFor({ cert: pem.certFile, key: pem.keyFile });
  } catch (error) {
    return { ok: false, reason: `missionControl.certFile/keyFile ${config.certFile}, ${config.keyFile}: not a usable certificate and key (${(error as Error).message})` };
  }
  return {
    ok: true,
    setup: {
      token: token.token,
      url: target,
      clientOptions: {
        caFile: config.caFile,
        certFile: config.certFile,
        keyFile: config.keyFile,
        connectTimeoutMs: config.connectTimeoutMs,
        headersTimeoutMs: config.headersTimeoutMs,
        bodyTimeoutMs: config.bodyTimeoutMs,
        proxy: config.proxy === "none" ? undefined : (config.proxy ?? "env"),
        connections: 1, // one report at a time, in order
      },
    },
  };
}

/** The outcome before the last touches (redaction, timings, problems). */
type Draft = Omit<ExchangeOutcome, "problems" | "durationMs" | "startedAt">;

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

export async function exchange(deps: ExchangeDeps, input: ExchangeInput): Promise<ExchangeOutcome> {
  const { clock } = deps;
  const started = clock.monotonic();
  const startedAt = new Date(clock.now()).toISOString();
  const secrets: string[] = [...(input.secrets ?? [])];
  const problems: string[] = [];
  // One line, no control characters, capped: summaries and problems go to stdout, the journal and last-exchange.json.
  const redact = (text: string) => cleanText(redactSecrets(text, secrets), SUMMARY_MAX_CHARS);
  const problem = (text: string) => {
    const clean = redact(text);
    problems.push(clean);
    deps.logger?.warn({ stateDir: input.stateDir }, clean);
  };

  let outcome: Draft;
  try {
    outcome = await run(deps, input, secrets, problem);
  } catch (error) {
    // A bug, not an outside failure: say so, keep whatever the outbox holds.
    problem(`internal error in the exchange: ${(error as Error).stack ?? String(error)}`);
    outcome = {
      result: "kept", exitCode: 5, summary: `internal error in the exchange: ${(error as Error).message}; this cycle's report may be in the outbox`,
      instructions: null, answeredReportId: null, answersThisReport: false, apply: false, instructionsRecorded: false,
      httpStatus: null, counts: { delivered: 0, kept: 0, dropped: 0, droppedTotal: 0 }, clockOffsetMs: null, attempts: 0, reports: [],
    };
  }
  const final: ExchangeOutcome = {
    ...outcome,
    summary: redact(outcome.summary),
    reports: outcome.reports.map((r) => ({ ...r, reason: redact(r.reason) })),
    problems,
    startedAt,
    durationMs: Math.round(clock.monotonic() - started),
  };
  await persistLastExchange(deps, input, final, problem);
  // Debug: the caller (report, run) logs the cycle's outcome once, and only
  // when it changes; every exchange is in the audit log anyway.
  deps.logger?.debug({ result: final.result, exitCode: final.exitCode, counts: final.counts, clockOffsetMs: final.clockOffsetMs }, final.summary);
  return { ...final, problems: [...problems] };
}

async function persistLastExchange(deps: ExchangeDeps, input: ExchangeInput, o: ExchangeOutcome, problem: (t: string) => void): Promise<void> {
  try {
    const now = new Date(deps.clock.now()).toISOString();
    const previous = await readLastExchange(input.stateDir);
    const before = previous.state === "ok" ? previous.value : null;
    let offset = o.clockOffsetMs;
    let measuredAt: string | null = offset !== null ? now : null;
    if (offset === null && before) {
      offset = before.clockOffsetMs;
      measuredAt = before.clockOffsetMeasuredAt;
    }
    // Kept across failed exchanges: monitors alert on its age.
    const lastDeliveredAt = o.counts.delivered > 0 ? now : (before?.lastDeliveredAt ?? null);
    const record: LastExchange = {
      version: 1,
      startedAt: o.startedAt,
      finishedAt: new Date(deps.clock.now()).toISOString(),
      result: o.result,
      exitCode: o.exitCode,
      summary: o.summary,
      reportId: typeof input.report.reportId === "string" ? input.report.reportId : null,
      httpStatus: o.httpStatus,
      answeredReportId: o.answeredReportId,
      apply: o.apply,
      counts: { ...o.counts },
      attempts: o.attempts,
      durationMs: o.durationMs,
      clockOffsetMs: offset,
      clockOffsetMeasuredAt: measuredAt,
      lastDeliveredAt,
    };
    await writeLastExchange(input.stateDir, record);
  } catch (error) {
    problem(`last-exchange.json not written: ${(error as Error).message}`);
  }
}

async function run(
  deps: ExchangeDeps,
  input: ExchangeInput,
  secrets: string[],
  problem: (text: string) => void,
): Promise<Draft> {
  const { clock, logger } = deps;
  const { config, stateDir } = input;
  const audit = async (record: Record<string, unknown>) => {
    const written = await appendAudit(stateDir, record, { limits: config.audit, secrets });
    if (!written.ok) problem(written.reason);
  };
  let dropped = 0;
  const base: Draft = {
    result: "kept", exitCode: 5, summary: "", instructions: null, answeredReportId: null, answersThisReport: false,
    apply: false, instructionsRecorded: false, httpStatus: null,
    counts: { delivered: 0, kept: 0, dropped: 0, droppedTotal: 0 }, clockOffsetMs: null, attempts: 0, reports: [],
  };

  if (config.url === undefined) {
    return { ...base, result: "not-configured", exitCode: 64, summary: "missionControl.url is not configured: nothing sent, nothing stored" };
  }

  // 2. This cycle's report: valid, and on disk before anything is sent.
  const parsed = HealthReportSchema.safeParse(input.report);
  let newBody: string | null = null;
  let newStored = false;
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    problem(`internal error: this cycle's report fails the contract schema at ${issue?.path.join(".") || "(root)"}: ${issue?.message ?? "invalid"}; not sent`);
  } else {
    newBody = JSON.stringify(parsed.data);
    try {
      const stored = await enqueueReport(stateDir, newBody, parsed.data.reportId, config.outbox, new Date(clock.now()));
      newStored = true;
      if (stored.dropped.length > 0) {
        dropped += stored.dropped.length;
        problem(`outbox full: dropped the ${plural(stored.dropped.length, "oldest report")} (${stored.dropped.map((e) => e.reportId).join(", ")})`);
        await audit({ type: "outbox-drop", at: new Date(clock.now()).toISOString(), reason: "outbox bound", reportIds: stored.dropped.map((e) => e.reportId) });
      }
    } catch (error) {
      problem(`this cycle's report could not be stored in the outbox: ${(error as Error).message}`);
    }
  }
  const leftovers = await removeLeftovers(stateDir, clock.now());
  if (leftovers > 0) logger?.info({ leftovers }, "removed temp files left in the outbox by a crash");

  const outboxState = async () => {
    try {
      const entries = await listOutbox(stateDir);
      return { depth: entries.length, bytes: entries.reduce((s, e) => s + e.bytes, 0) };
    } catch {
      return { depth: 0, bytes: 0 };
    }
  };
  const droppedTotal = async () => (await readOutboxSummary(stateDir)).droppedTotal;
  const keptText = async () => {
    const { depth, bytes } = await outboxState();
    const stored = newBody === null || newStored ? "" : "; this cycle's report could NOT be stored (see problems)";
    return { depth, text: `kept in the outbox (${plural(depth, "report")}, ${(bytes / 1024).toFixed(1)} KiB waiting)${stored}` };
  };

  // 3. Local configuration.
  const prepared = await prepare(config, config.url);
  if (!prepared.ok) {
    const kept = await keptText();
    await audit({ type: "not-sent", at: new Date(clock.now()).toISOString(), reportId: input.report.reportId ?? null, reason: prepared.reason });
    return {
      ...base, result: "config-error", exitCode: 64,
      summary: `nothing sent: ${prepared.reason}; ${kept.text}`,
      counts: { delivered: 0, kept: kept.depth, dropped, droppedTotal: await droppedTotal() },
    };
  }
  const { setup } = prepared;
  secrets.push(setup.token);

  // 4. The queue: the outbox oldest first, this cycle's report last.
  let entries: OutboxEntry[] = [];
  try {
    entries = await listOutbox(stateDir);
  } catch (error) {
    problem(`outbox unreadable: ${(error as Error).message}`);
  }
  const newId = parsed.success ? parsed.data.reportId : null;
  const items: Item[] = entries.map((entry) => ({ reportId: entry.reportId, newest: entry.reportId === newId, entry, body: null }));
  if (newBody !== null && newId !== null && !items.some((i) => i.newest)) {
    items.push({ reportId: newId, newest: true, entry: null, body: newBody });
  }

  let client: HttpClient;
  try {
    client = await deps.http(setup.clientOptions);
  } catch (error) {
    const reason = `cannot set up the HTTPS client for missionControl: ${(error as Error).message}`;
    const kept = await keptText();
    await audit({ type: "not-sent", at: new Date(clock.now()).toISOString(), reportId: newId, reason });
    return { ...base, result: "config-error", exitCode: 64, summary: `nothing sent: ${reason}; ${kept.text}`, counts: { delivered: 0, kept: kept.depth, dropped, droppedTotal: await droppedTotal() } };
  }

  const headersFor = (reportId: string) => ({
    "content-type": "application/json",
    accept: "application/json",
    authorization: `Bearer ${setup.token}`,
    "user-agent": input.userAgent,
    "idempotency-key": reportId,
  });
  const random = deps.random ?? Math.random;
  const reports: ReportExchange[] = [];
  let stop: Disposition | null = null;
  let lastFinal: { reportId: string; newest: boolean; disposition: Disposition; receivedAt: string } | null = null;
  let newestDisposition: Disposition | null = null;
  let clockOffsetMs: number | null = null;
  let attempts = 0;
  let delivered = 0;

  try {
    for (const item of items) {
      if (stop !== null) {
        reports.push({ reportId: item.reportId, newest: item.newest, fate: "not-sent", status: null, reason: "an earlier report was not delivered", attempts: 0, durationMs: 0 });
        continue;
      }
      let body = item.body;
      if (item.entry) {
        const read = await readEntry(item.entry);
        if (!read.ok) {
          // Cannot happen with atomic writes short of disk corruption or a hand edit: it would never be accepted.
          await removeEntry(item.entry).catch(() => undefined);
          dropped += 1;
          await recordDropped(stateDir, 1, "corrupt report file", new Date(clock.now())).catch((e: unknown) => problem(`dropped count not written: ${(e as Error).message}`));
          problem(`outbox: dropped corrupt report file ${item.entry.path}: ${read.reason}`);
          await audit({ type: "outbox-drop", at: new Date(clock.now()).toISOString(), reason: `corrupt: ${read.reason}`, reportIds: [item.reportId] });
          reports.push({ reportId: item.reportId, newest: item.newest, fate: "corrupt", status: null, reason: read.reason, attempts: 0, durationMs: 0 });
          continue;
        }
        body = read.body;
      }
      if (body === null) continue;

      const sentAt = new Date(clock.now()).toISOString();
      const headers = headersFor(item.reportId);
      const result: SendResult = await postWithRetries(
        { clock, random, logger },
        { client, url: setup.url, headers, body, deadlineAt: input.deadlineAt, retry: config.retry, signal: input.signal },
      );
      const disposition = classifyAnswer(result, { reportId: item.reportId, clusterId: input.clusterId });
      attempts += result.attempts.length;
      if (result.clockOffsetMs !== null) clockOffsetMs = result.clockOffsetMs;
      const status = result.answer?.status ?? null;
      const final = isFinal(disposition);

      await audit({
        type: "exchange",
        at: sentAt,
        reportId: item.reportId,
        newest: item.newest,
        request: {
          method: "POST",
          url: setup.url,
          headers: { ...headers, authorization: "Bearer [REDACTED]" },
          bytes: Buffer.byteLength(body),
          body: parseBodyForAudit(body),
        },
        attempts: result.attempts.map((a: AttemptRecord) => ({ ...a })),
        stop: result.stop,
        response: auditResponse(result.answer),
        error: result.error,
        outcome: disposition.kind,
        reason: disposition.reason,
        delivered: final,
        clockOffsetMs: result.clockOffsetMs,
        durationMs: result.durationMs,
      });

      if (final) {
        delivered += 1;
        if (item.entry) {
          await removeEntry(item.entry).catch((e: unknown) => problem(`delivered report ${item.reportId} not removed from the outbox (it will be sent again, same Idempotency-Key): ${(e as Error).message}`));
        }
        lastFinal = { reportId: item.reportId, newest: item.newest, disposition, receivedAt: new Date(clock.now()).toISOString() };
      } else {
        stop = disposition;
      }
      if (item.newest) newestDisposition = disposition;
      reports.push({ reportId: item.reportId, newest: item.newest, fate: disposition.kind, status, reason: disposition.reason, attempts: result.attempts.length, durationMs: result.durationMs });
      logger?.debug({ reportId: item.reportId, outcome: disposition.kind, status }, "report exchanged");
    }
  } finally {
    await client.close().catch(() => undefined);
  }

  // 5. What to apply: the answer to the newest delivered report, if valid.
  let instructions: Instructions | null = null;
  let apply = false;
  let instructionsRecorded = false;
  if (lastFinal && lastFinal.disposition.kind === "accepted" && lastFinal.disposition.instructions) {
    instructions = lastFinal.disposition.instructions;
    apply = true;
    const recorded = await recordInstructions(stateDir, { receivedAt: lastFinal.receivedAt, reportId: lastFinal.reportId, instructions });
    instructionsRecorded = recorded.ok;
    if (!recorded.ok) problem(recorded.reason);
  }

  // Exit code and summary: from this cycle's report.
  const kept = await keptText();
  const fate: Disposition | null = newestDisposition ?? stop;
  let result: ExchangeResult;
  let exitCode: ExchangeExitCode;
  let summary: string;
  const idText = newId !== null ? `report ${shortId(newId)}` : "this cycle's report";
  const sentNewest = newestDisposition !== null;
  if (newId === null) {
    result = "kept";
    exitCode = 5;
    summary = "internal error: this cycle's report is not valid (see problems), not sent";
  } else if (fate === null) {
    // Nothing was attempted for the newest report, and nothing stopped the flush (its file went bad).
    result = "kept";
    exitCode = 5;
    summary = `not delivered: ${idText} was not sent; ${kept.text}`;
  } else {
    switch (fate.kind) {
      case "accepted":
        result = "delivered";
        exitCode = 0;
        summary = `delivered ${idText}: ${fate.reason}`;
        break;
      case "answer-invalid":
        result = "answer-invalid";
        exitCode = 6;
        summary = `delivered ${idText}, but the answer failed validation (${fate.reason}); nothing applied`;
        break;
      case "rejected":
        result = "refused";
        exitCode = 4;
        summary = `Mission Control rejected ${idText}: ${fate.reason}; not sent again`;
        break;
      case "mismatch":
        result = "refused";
        exitCode = 4;
        summary = `Mission Control refused ${idText}: ${fate.reason}; nothing applied, not sent again`;
        break;
      case "unauthorised":
        result = "refused";
        exitCode = 4;
        summary = `Mission Control refused us${sentNewest ? "" : ` (on an older report, so ${idText} was not sent)`}: ${fate.reason}; ${kept.text}`;
        break;
      case "failed":
        result = "kept";
        exitCode = 5;
        summary = `not delivered${sentNewest ? "" : ` (an older report failed first, so ${idText} was not sent)`}: ${fate.reason}; ${kept.text}`;
        break;
    }
  }
  const earlier = reports.filter((r) => !r.newest && r.fate !== "not-sent" && r.fate !== "corrupt");
  const earlierDelivered = earlier.filter((r) => r.fate === "accepted" || r.fate === "answer-invalid" || r.fate === "rejected" || r.fate === "mismatch").length;
  if (earlierDelivered > 0) summary += `; ${plural(earlierDelivered, "earlier report")} from the outbox delivered`;
  if (apply && lastFinal && !lastFinal.newest) summary += `; applying the answer to earlier report ${shortId(lastFinal.reportId)}`;
  const total = await droppedTotal();
  if (dropped > 0) summary += `; ${plural(dropped, "report")} dropped from the outbox (${total} in all)`;
  if (clockOffsetStatus(clockOffsetMs) === "WARNING") summary += `; ${describeClockOffset(clockOffsetMs)}`;

  return {
    result, exitCode, summary, instructions,
    answeredReportId: instructions !== null && lastFinal ? lastFinal.reportId : null,
    answersThisReport: instructions !== null && lastFinal !== null && lastFinal.newest,
    apply, instructionsRecorded,
    httpStatus: newestDisposition?.status ?? null,
    counts: { delivered, kept: kept.depth, dropped, droppedTotal: total },
    clockOffsetMs, attempts, reports,
  };
}
