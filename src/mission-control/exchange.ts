/**
 * One cycle's exchange with Mission Control: the outbox flushed oldest first,
 * then this cycle's report, each answer judged by the contract (src/contract/CONTRACT.md
 * sections 1 and 2), every exchange audited. Never throws.
 *
 * The caller holds the cycle lock (src/state/lock.ts): this module assumes it
 * is the only writer of the state directory.
 *
 * Steps:
 * 1. No `missionControl.url`: result "not-configured", nothing sent or stored.
 * 2. This cycle's report is validated (HealthReportSchema) and written to the
 *    outbox first (write-ahead): a crash or kill at any later moment leaves
 *    it on disk, to be sent next cycle with the same Idempotency-Key. If the
 *    disk refuses, it is still sent from memory.
 * 3. Local configuration (token file, CA / client certificate files) is
 *    checked (preflight.ts); a problem is a configuration error, nothing is
 *    sent, the report stays in the outbox.
 * 4. The outbox is sent oldest first, the new report being the newest entry
 *    (flush.ts). A final answer (2xx, 400, 409, 422, an invalid answer)
 *    removes the report: it is never sent again. 401/403 and failures (after
 *    the retries of sender.ts, within the deadline) stop the flush: that
 *    report and all newer ones stay, in order, for the next cycle.
 * 5. Only the answer to the newest delivered report may be applied (contract
 *    section 2), and only when it is a valid 200; it is then recorded in
 *    `instructions.json` (src/state/instructions.ts).
 * 6. `last-exchange.json` is written for `status`.
 *
 * The result (outcome.ts, contract section 3) comes from what happened to
 * this cycle's report; `exitCodeOf` (src/contract/outcomes.ts) maps it to the
 * exit code.
 *
 * State directory files, each through its module in src/state/: `outbox/`
 * (outbox.ts), `audit.jsonl*` (audit.ts), `last-exchange.json`
 * (last-exchange.ts), `instructions.json` and `instructions.prev.json`
 * (instructions.ts).
 *
 * The token is read here, used only in the Authorization header, and every
 * text that leaves this module (summary, problems, audit lines, log lines) is
 * redacted of it.
 */
import type { Logger } from "pino";
import type { MissionControlConfig } from "../config/mission-control.js";
import { exitCodeOf } from "../contract/outcomes.js";
import { HealthReportSchema } from "../contract/report.js";
import type { HealthReport } from "../contract/report.js";
import { cleanText } from "../contract/text.js";
import type { Instructions } from "../contract/answer.js";
import type { Clock } from "../effects/clock.js";
import { realFileSystem, type FileSystem } from "../effects/fs.js";
import type { HttpClient, HttpClientFactory } from "../effects/http.js";
import { appendAudit } from "../state/audit.js";
import { recordInstructions } from "../state/instructions.js";
import { readLastExchange, writeLastExchange } from "../state/last-exchange.js";
import type { LastExchange } from "../state/last-exchange.js";
import { enqueueReport, listOutbox, readDroppedTotal, removeLeftovers } from "../state/outbox.js";
import type { OutboxEntry } from "../state/outbox.js";
import { flushQueue } from "./flush.js";
import type { FlushResult, QueueItem } from "./flush.js";
import { notSentSummary, plural, summarizeExchange } from "./outcome.js";
import type { ExchangeOutcome, ExchangeSummary, OutboxAfter } from "./outcome.js";
import { preflight } from "./preflight.js";
import { redactSecrets } from "./token.js";

export type { ExchangeOutcome, ExchangeResult, ReportExchange } from "./outcome.js";

export interface ExchangeDeps {
  readonly http: HttpClientFactory;
  readonly clock: Clock;
  readonly logger?: Logger | undefined;
  /** Uniform in [0, 1) for the back-off jitter; Math.random by default. */
  readonly random?: (() => number) | undefined;
  /** Where preflight reads the CA and certificate files: effects.fs; the real file system by default. */
  readonly fs?: Pick<FileSystem, "readFile"> | undefined;
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

/** The longest summary or problem line: 4 KiB of characters. */
const SUMMARY_MAX_CHARS = 4096;

/** The outcome before the last touches (redaction, timings, problems). */
type Draft = Omit<ExchangeOutcome, "problems" | "durationMs" | "startedAt">;

const NOTHING: Draft = {
  result: "kept", summary: "", instructions: null, answeredReportId: null, answersThisReport: false,
  apply: false, instructionsRecorded: false, httpStatus: null,
  counts: { delivered: 0, kept: 0, dropped: 0, droppedTotal: 0 }, clockOffsetMs: null, attempts: 0, reports: [],
};

/** What one exchange shares: its inputs, the secrets to redact, and where problems and audit lines go. */
interface Ctx {
  readonly deps: ExchangeDeps;
  readonly input: ExchangeInput;
  readonly secrets: string[];
  readonly problem: (text: string) => void;
  readonly audit: (record: Record<string, unknown>) => Promise<void>;
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
  const audit = async (record: Record<string, unknown>) => {
    const written = await appendAudit(input.stateDir, record, { limits: input.config.audit, secrets, now: clock.now() });
    if (!written.ok) problem(written.reason);
  };

  let outcome: Draft;
  try {
    outcome = await run({ deps, input, secrets, problem, audit });
  } catch (error) {
    // A bug, not an outside failure: say so, keep whatever the outbox holds.
    problem(`internal error in the exchange: ${(error as Error).stack ?? String(error)}`);
    outcome = { ...NOTHING, summary: `internal error in the exchange: ${(error as Error).message}; this cycle's report may be in the outbox` };
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
  deps.logger?.debug({ result: final.result, exitCode: exitCodeOf(final.result), counts: final.counts, clockOffsetMs: final.clockOffsetMs }, final.summary);
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
      // The file keeps its exit code, for what reads it (status, monitors).
      exitCode: exitCodeOf(o.result),
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

/** This cycle's report as stored before anything is sent. */
interface Staged {
  /** Null when the report fails the contract schema (then it is not sent). */
  readonly reportId: string | null;
  readonly body: string | null;
  /** Written to the outbox. */
  readonly stored: boolean;
  /** Reports the outbox bound dropped to make room. */
  readonly dropped: number;
}

async function run(ctx: Ctx): Promise<Draft> {
  const { deps, input, secrets } = ctx;
  const { config, stateDir } = input;
  if (config.url === undefined) {
    return { ...NOTHING, result: "not-configured", summary: "missionControl.url is not configured: nothing sent, nothing stored" };
  }
  const staged = await stageReport(ctx);
  const leftovers = await removeLeftovers(stateDir, deps.clock.now());
  if (leftovers > 0) deps.logger?.info({ leftovers }, "removed temp files left in the outbox by a crash");

  const prepared = await preflight(config, config.url, deps.fs ?? realFileSystem);
  if (!prepared.ok) {
    return notSent(ctx, staged, input.report.reportId ?? null, prepared.reason);
  }
  const { setup } = prepared;
  secrets.push(setup.token);

  const items = await queue(ctx, staged);
  let client: HttpClient;
  try {
    client = await deps.http(setup.clientOptions);
  } catch (error) {
    return notSent(ctx, staged, staged.reportId, `cannot set up the HTTPS client for missionControl: ${(error as Error).message}`);
  }
  let flushed: FlushResult;
  try {
    flushed = await flushQueue({
      clock: deps.clock, logger: deps.logger, random: deps.random ?? Math.random, client, setup, stateDir,
      clusterId: input.clusterId, userAgent: input.userAgent, deadlineAt: input.deadlineAt, retry: config.retry, signal: input.signal,
      audit: ctx.audit, problem: ctx.problem,
    }, items);
  } finally {
    await client.close().catch(() => undefined);
  }
  return finish(ctx, staged, flushed);
}

/** Step 2: this cycle's report, valid, and on disk before anything is sent. */
async function stageReport(ctx: Ctx): Promise<Staged> {
  const { input, problem } = ctx;
  const { clock } = ctx.deps;
  const parsed = HealthReportSchema.safeParse(input.report);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    problem(`internal error: this cycle's report fails the contract schema at ${issue?.path.join(".") || "(root)"}: ${issue?.message ?? "invalid"}; not sent`);
    return { reportId: null, body: null, stored: false, dropped: 0 };
  }
  const body = JSON.stringify(parsed.data);
  const reportId = parsed.data.reportId;
  try {
    const stored = await enqueueReport(input.stateDir, body, reportId, input.config.outbox, new Date(clock.now()));
    if (stored.dropped.length > 0) {
      problem(`outbox full: dropped the ${plural(stored.dropped.length, "oldest report")} (${stored.dropped.map((e) => e.reportId).join(", ")})`);
      await ctx.audit({ type: "outbox-drop", at: new Date(clock.now()).toISOString(), reason: "outbox bound", reportIds: stored.dropped.map((e) => e.reportId) });
    }
    return { reportId, body, stored: true, dropped: stored.dropped.length };
  } catch (error) {
    problem(`this cycle's report could not be stored in the outbox: ${(error as Error).message}`);
    return { reportId, body, stored: false, dropped: 0 };
  }
}

/** Step 4's queue: the outbox oldest first, this cycle's report last (from memory when it could not be stored). */
async function queue(ctx: Ctx, staged: Staged): Promise<QueueItem[]> {
  let entries: OutboxEntry[] = [];
  try {
    entries = await listOutbox(ctx.input.stateDir);
  } catch (error) {
    ctx.problem(`outbox unreadable: ${(error as Error).message}`);
  }
  const newId = staged.reportId;
  const items: QueueItem[] = entries.map((entry) => ({ reportId: entry.reportId, newest: entry.reportId === newId, entry, body: null }));
  if (staged.body !== null && newId !== null && !items.some((i) => i.newest)) {
    items.push({ reportId: newId, newest: true, entry: null, body: staged.body });
  }
  return items;
}

/** The outbox once the exchange is over, for the summary. Never throws: an unreadable outbox counts as empty. */
async function outboxAfter(stateDir: string, staged: Staged): Promise<OutboxAfter> {
  const newReportUnstored = staged.body !== null && !staged.stored;
  try {
    const entries = await listOutbox(stateDir);
    return { depth: entries.length, bytes: entries.reduce((s, e) => s + e.bytes, 0), newReportUnstored };
  } catch {
    return { depth: 0, bytes: 0, newReportUnstored };
  }
}

/** Nothing sent (step 3, or no HTTPS client): audited, the report kept. */
async function notSent(ctx: Ctx, staged: Staged, reportId: string | null, reason: string): Promise<Draft> {
  const { stateDir } = ctx.input;
  const outbox = await outboxAfter(stateDir, staged);
  await ctx.audit({ type: "not-sent", at: new Date(ctx.deps.clock.now()).toISOString(), reportId, reason });
  const summary: ExchangeSummary = notSentSummary(reason, outbox, staged.dropped, await readDroppedTotal(stateDir));
  return { ...NOTHING, ...summary };
}

/** Step 5 and the outcome: the answer to the newest delivered report recorded if valid, then the summary. */
async function finish(ctx: Ctx, staged: Staged, flushed: FlushResult): Promise<Draft> {
  const { stateDir } = ctx.input;
  const { lastFinal } = flushed;
  let instructions: Instructions | null = null;
  let instructionsRecorded = false;
  if (lastFinal && lastFinal.disposition.kind === "accepted" && lastFinal.disposition.instructions) {
    instructions = lastFinal.disposition.instructions;
    const recorded = await recordInstructions(stateDir, { receivedAt: lastFinal.receivedAt, reportId: lastFinal.reportId, instructions });
    instructionsRecorded = recorded.ok;
    if (!recorded.ok) ctx.problem(recorded.reason);
  }
  const apply = instructions !== null;
  const outbox = await outboxAfter(stateDir, staged);
  const dropped = staged.dropped + flushed.dropped;
  const summary = summarizeExchange({
    newReportId: staged.reportId, newest: flushed.newest, stoppedBy: flushed.stoppedBy, reports: flushed.reports,
    applied: apply && lastFinal ? { reportId: lastFinal.reportId, newest: lastFinal.newest } : null,
    outbox, delivered: flushed.delivered, dropped, droppedTotal: await readDroppedTotal(stateDir), clockOffsetMs: flushed.clockOffsetMs,
  });
  return {
    ...summary,
    instructions,
    answeredReportId: instructions !== null && lastFinal ? lastFinal.reportId : null,
    answersThisReport: instructions !== null && lastFinal !== null && lastFinal.newest,
    apply, instructionsRecorded,
    httpStatus: flushed.newest?.status ?? null,
    clockOffsetMs: flushed.clockOffsetMs, attempts: flushed.attempts, reports: flushed.reports,
  };
}
