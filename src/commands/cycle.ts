/**
 * One report cycle, as `report` runs it once and `run` runs it every minute:
 * take the cycle lock, probe, build the report, exchange it with Mission
 * Control (outbox first), apply the answer, and return what happened. The
 * outcome is the cycle's, not the node's health (contract section 3): a
 * timer must not fail because a disk is full. The cli turns it into the exit
 * code (exitCodeOf, src/contract/outcomes.ts).
 */
import { applyCycle } from "../apply/index.js";
import { phaRepairStatusFor, readApplyState } from "../state/apply-state.js";
import type { ActionReport, ApplyOutcome } from "../apply/index.js";
import { cycleDelivered, exitCodeOf } from "../contract/outcomes.js";
import type { CycleOutcome } from "../contract/outcomes.js";
import { oneLine } from "../apply/text.js";
import { bootNow, readSelfState, stamp, writeSelfState } from "../state/self-state.js";
import type { Config } from "../config/schema.js";
import type { Effects } from "../effects/index.js";
import type { Logger } from "../effects/log.js";
import { exchange } from "../mission-control/index.js";
import { appendAudit } from "../state/audit.js";
import type { ExchangeOutcome } from "../mission-control/index.js";
import { buildReport } from "../report/build.js";
import { collect } from "../report/collect.js";
import type { Snapshot } from "../report/collect.js";
import type { HealthReport } from "../contract/report.js";
import { acquireCycleLock, describeHolder } from "../state/lock.js";
import { NODEKEEPER_VERSION } from "../contract/version.js";

export interface CycleResult {
  /** What became of this cycle's report (the exchange's result), or why there was no exchange (the lock). */
  readonly outcome: CycleOutcome;
  /** One line for people and the journal. */
  readonly summary: string;
  readonly snapshot: Snapshot | null;
  readonly report: HealthReport | null;
  readonly exchange: ExchangeOutcome | null;
  readonly apply: ApplyOutcome | null;
  readonly durationMs: number;
}

export interface CycleOptions {
  readonly command: "report" | "run";
  readonly logger: Logger;
  /** SIGTERM in `run`: stop sending; what is not sent stays in the outbox. */
  readonly signal?: AbortSignal;
  /** Secrets to scrub from audit lines (the token's value). */
  readonly secrets?: readonly string[];
}

/** The state the report is built on: the snapshot plus what apply says of the repair. */
export async function buildCycleReport(effects: Effects, config: Config, snapshot: Snapshot): Promise<HealthReport> {
  const applyState = await readApplyState(config.stateDir, effects.clock);
  return buildReport(snapshot, config, { phaRepairStatus: phaRepairStatusFor(applyState.state) });
}

export async function runCycle(effects: Effects, config: Config, options: CycleOptions): Promise<CycleResult> {
  const started = effects.clock.monotonic();
  const cpuAtStart = process.cpuUsage();
  const elapsed = () => effects.clock.monotonic() - started;
  const { logger } = options;

  const lock = await acquireCycleLock(config.stateDir, { command: options.command }, effects.clock);
  if (!lock.held) {
    const outcome: CycleOutcome = lock.status === "busy" ? "locked" : "lock-error";
    const summary = lock.status === "busy"
      ? `another cycle holds the lock: ${lock.holder ? describeHolder(lock.holder, effects.clock.now()) : "unknown holder"}`
      : `cannot take the cycle lock: ${lock.message}`;
    logger.warn({ lock: lock.status }, summary);
    return { outcome, summary, snapshot: null, report: null, exchange: null, apply: null, durationMs: elapsed() };
  }
  if (lock.tookOverFrom) logger.warn({ lock: "taken-over" }, `took over the cycle lock: ${lock.tookOverFrom.why}`);
  try {
    return await lockedCycle(effects, config, options, { started, cpuAtStart });
  } finally {
    const released = await lock.lock.release();
    if (!released.ok) logger.error({ lock: "release-failed" }, `${released.error}; the next cycle takes it over`);
  }
}

/** The cycle proper, under the lock: probe, report, exchange, apply, audit, self-monitoring. */
async function lockedCycle(
  effects: Effects,
  config: Config,
  options: CycleOptions,
  { started, cpuAtStart }: { started: number; cpuAtStart: NodeJS.CpuUsage },
): Promise<CycleResult> {
  const deadlineAt = started + config.cycle.deadlineMs;
  const elapsed = () => effects.clock.monotonic() - started;
  const { logger } = options;
  const audit = (record: Record<string, unknown>) =>
    appendAudit(config.stateDir, record, { limits: config.missionControl.audit, secrets: options.secrets ?? [], now: effects.clock.now() });
  const phase = (name: string, since: number) => logger.debug({ phase: name, ms: Math.round(effects.clock.monotonic() - since) }, "cycle phase");
  let mark = effects.clock.monotonic();
  const snapshot = await collect(effects, config, { fresh: false });
  phase("probe", mark);
  mark = effects.clock.monotonic();
  const report = await buildCycleReport(effects, config, snapshot);
  const reportBuiltAt = effects.clock.monotonic();
  const outcome = await exchange(
    { http: effects.http, clock: effects.clock, logger, fs: effects.fs },
    {
      config: config.missionControl, clusterId: config.clusterId, stateDir: config.stateDir, report,
      deadlineAt, userAgent: `nodekeeper/${NODEKEEPER_VERSION}`, signal: options.signal, secrets: options.secrets,
    },
  );
  phase("exchange", mark);
  mark = effects.clock.monotonic();
  const apply = await applyStep(effects, config, { snapshot, outcome, reportBuiltAt, audit });
  phase("apply", mark);
  // One line per cycle that ties the report to what was decided about it: `explain` reads it.
  await audit(cycleAuditRecord(effects.clock.now(), options.command, report, outcome, apply, config));
  const cpu = process.cpuUsage(cpuAtStart);
  logger.debug({ cpuMs: Math.round((cpu.user + cpu.system) / 1000), durationMs: Math.round(elapsed()) }, "cycle CPU (nodekeeper itself)");
  logActions(logger, apply);
  const actions = ` · actions: ${apply.done.length} done, ${apply.failed.length} failed, ${apply.wouldRun.length} would run`;
  await recordSelf(effects, config, { durationMs: elapsed(), outcome: outcome.result, outboxDepth: outcome.counts.kept, failed: apply.failed })
    .catch((error: unknown) => logger.warn({ error: (error as Error).message }, "self.json not written: self-monitoring figures are one cycle behind"));
  return {
    outcome: outcome.result,
    summary: `${outcome.summary}${actions}`,
    snapshot, report, exchange: outcome, apply, durationMs: elapsed(),
  };
}

/**
 * The apply step. It runs whatever became of the exchange: a refusal (a token
 * rotation, 401/403/409/400/422) or a configuration error must not stop the
 * retries of decided actions (the start of a server nodekeeper stopped), the
 * repair watch or the quorum re-assert. Only new instructions need a valid
 * answer: `outcome.apply` is true for nothing else.
 */
async function applyStep(
  effects: Effects,
  config: Config,
  cycle: { snapshot: Snapshot; outcome: ExchangeOutcome; reportBuiltAt: number; audit: (record: Record<string, unknown>) => Promise<unknown> },
): Promise<ApplyOutcome> {
  const { snapshot, outcome } = cycle;
  return applyCycle(
    {
      runner: effects.runner, http: effects.http, clock: effects.clock,
      audit: async (entry) => {
        await cycle.audit(entry as Record<string, unknown>);
      },
    },
    {
      stateDir: config.stateDir, clusterId: config.clusterId, nodeId: config.nodeId,
      remediation: config.remediation,
      server: { url: config.server.url, caFile: config.server.caFile, tokenFile: config.server.tokenFile, timeoutMs: config.server.timeoutMs },
      answer: outcome.apply && outcome.instructions && outcome.answeredReportId
        ? {
          reportId: outcome.answeredReportId, instructions: outcome.instructions,
          // Only the answer to this cycle's own report, made within the
          // confirmation window, counts toward a stop (contract section 2).
          confirms: outcome.answersThisReport &&
            effects.clock.monotonic() - cycle.reportBuiltAt <= config.remediation.consecutiveAnswersWithinMs,
        } : null,
      facts: applyFacts(snapshot),
      mode: { dryRun: false, maintenance: snapshot.maintenance !== null },
    },
  );
}

function logActions(logger: Logger, apply: ApplyOutcome): void {
  for (const failed of apply.failed) logger.error({ action: failed }, "action failed; retried next cycle");
  for (const done of apply.done) logger.info({ action: done }, "action done");
  // Each would-run action is audited once (audit.jsonl); the journal keeps the count in the summary.
  for (const would of apply.wouldRun) logger.debug({ action: would }, "action would run, not done");
}

/**
 * The cycle's own figures for self-monitoring (state/self-state.ts): carried
 * over from the previous record, updated with this cycle. Delivered:
 * `cycleDelivered` (delivered, or delivered with an answer that failed
 * validation); a lock held by another cycle is not this node failing, and
 * such a cycle records nothing.
 */
async function recordSelf(
  effects: Effects,
  config: Config,
  cycle: { durationMs: number; outcome: CycleOutcome; outboxDepth: number; failed: readonly ActionReport[] },
): Promise<void> {
  const [previous, now] = await Promise.all([readSelfState(config.stateDir), bootNow(effects.clock.now())]);
  const before = previous.state === "ok" ? previous.value : null;
  const delivered = cycleDelivered(cycle.outcome);
  const failed = cycle.failed[0];
  const at = stamp(now);
  await writeSelfState(config.stateDir, {
    version: 1,
    lastCycle: { finished: at, durationMs: Math.round(cycle.durationMs), deadlineMs: config.cycle.deadlineMs, exitCode: exitCodeOf(cycle.outcome), delivered, outboxDepth: cycle.outboxDepth },
    consecutiveUndelivered: delivered ? 0 : (before?.consecutiveUndelivered ?? 0) + 1,
    lastDelivered: delivered ? at : (before?.lastDelivered ?? null),
    lastApplyError: failed
      ? { at: at.at, action: `${failed.action} ${oneLine(failed.target, 80)}`, message: oneLine(failed.error ?? failed.reason, 300) }
      : (before?.lastApplyError ?? null),
    applyFailedLastCycle: failed !== undefined,
  });
}

/** What the apply step needs to know of this node now. */
export function applyFacts(snapshot: Snapshot) {
  const c = snapshot.cassandra;
  const f = snapshot.nodeFacts;
  return {
    serverStartedAt: f.serverStartId,
    serverRunning: f.serverRunning,
    serverDown: f.serverDown,
    // Up for the repair's purposes: nodetool answers and this node is Up/Normal.
    cassandraUp: c.localRingState === "UN",
    cassandraRepairState: c.repairState,
  };
}

/**
 * The `type: "cycle"` audit line: this cycle's report id, what became of it,
 * and the apply step's decisions (rules that fired or held back, actions and
 * their results). The exchange and action lines say what happened; this one
 * says why, for `nodekeeper explain`.
 */
export function cycleAuditRecord(now: number, command: string, report: HealthReport, exchange: ExchangeOutcome, apply: ApplyOutcome | null, config: Config): Record<string, unknown> {
  const state = apply?.state ?? null;
  const episode = state?.failover.episode ?? null;
  const action = (a: ApplyOutcome["done"][number]) => ({ action: a.action, target: a.target, before: a.before, after: a.after, reason: a.reason, result: a.result, error: a.error });
  return {
    type: "cycle",
    at: new Date(now).toISOString(),
    reportId: report.reportId,
    command,
    // The line keeps its exit code, for what reads the audit log.
    exitCode: exitCodeOf(exchange.result),
    exchange: {
      result: exchange.result, httpStatus: exchange.httpStatus, summary: exchange.summary,
      answeredReportId: exchange.answeredReportId, answersThisReport: exchange.answersThisReport, applied: exchange.apply,
    },
    apply: apply === null ? null : {
      answer: apply.answer,
      rejection: apply.rejection,
      offReason: apply.offReason,
      maintenance: state?.lastCycle?.maintenance ?? null,
      remediationEnabled: config.remediation.enabled,
      failover: {
        asked: exchange.apply && exchange.instructions ? exchange.instructions.phaFailoverRemediation : null,
        consecutiveOn: state?.failover.consecutiveOn ?? 0,
        needed: config.remediation.stopAfterConsecutiveAnswers,
        episode: episode ? { id: episode.id, active: episode.active, stoppedAt: episode.stop.doneAt, startedAt: episode.start.doneAt, cassandraWasDown: episode.cassandraWasDown } : null,
      },
      downtimeOver72h: exchange.apply && exchange.instructions ? exchange.instructions.phaDowntimeLongerThan72h : null,
      repair: state ? { status: state.repair.status, reason: state.repair.reason } : null,
      done: apply.done.map(action),
      failed: apply.failed.map(action),
      wouldRun: apply.wouldRun.map(action),
      pending: apply.pending.map((p) => ({ action: p.action, target: p.target, reason: p.reason, since: p.since })),
      events: apply.events.map((e) => ({ event: e.event, before: e.before, after: e.after, reason: e.reason })),
      errors: apply.errors,
    },
  };
}
