/**
 * One report cycle, as `report` runs it once and `run` runs it every minute:
 * take the cycle lock, probe, build the report, exchange it with Mission
 * Control (outbox first), apply the answer, and return what happened. The
 * exit code is the cycle's, not the node's health (contract section 3): a
 * timer must not fail because a disk is full.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { readApplyState, applyCycle, phaRepairStatusFor } from "../apply/index.js";
import type { ApplyOutcome } from "../apply/index.js";
import type { Config } from "../config/schema.js";
import type { Effects } from "../effects/index.js";
import type { Logger } from "../effects/log.js";
import { appendAudit, exchange } from "../mission-control/index.js";
import type { ExchangeOutcome } from "../mission-control/index.js";
import { buildReport } from "../report/build.js";
import { collect } from "../report/collect.js";
import type { Snapshot } from "../report/collect.js";
import type { HealthReport } from "../report/schema.js";
import { acquireCycleLock, describeHolder } from "../state/lock.js";
import { NODEKEEPER_VERSION } from "../version.js";

export interface CycleResult {
  /** Contract section 3: 0, 4, 5, 6, 64 or 75. */
  readonly exitCode: number;
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

export const EXIT_LOCKED = 75;

const LAST_OUTCOME_FILE = "last-outcome";

/** The last cycle's outcome ("0 delivered"), so `report` logs only changes. Never throws. */
export async function readLastOutcome(stateDir: string): Promise<string | null> {
  try {
    return (await readFile(join(stateDir, LAST_OUTCOME_FILE), "utf8")).trim();
  } catch {
    return null;
  }
}

export async function writeLastOutcome(stateDir: string, outcome: string): Promise<void> {
  // Losing this only costs one repeated log line: no fsync dance needed.
  await writeFile(join(stateDir, LAST_OUTCOME_FILE), `${outcome}\n`).catch(() => undefined);
}

/** The state the report is built on: the snapshot plus what apply says of the repair. */
export async function buildCycleReport(effects: Effects, config: Config, snapshot: Snapshot): Promise<HealthReport> {
  const applyState = await readApplyState(config.stateDir, effects.clock);
  return buildReport(snapshot, config, { phaRepairStatus: phaRepairStatusFor(applyState.state) });
}

export async function runCycle(effects: Effects, config: Config, options: CycleOptions): Promise<CycleResult> {
  const started = effects.clock.monotonic();
  const cpuAtStart = process.cpuUsage();
  const deadlineAt = started + config.cycle.deadlineMs;
  const elapsed = () => effects.clock.monotonic() - started;
  const { logger } = options;

  const lock = await acquireCycleLock(config.stateDir, { command: options.command });
  if (!lock.held) {
    const exitCode = lock.status === "busy" ? EXIT_LOCKED : 5;
    const summary = lock.status === "busy"
      ? `another cycle holds the lock: ${lock.holder ? describeHolder(lock.holder) : "unknown holder"}`
      : `cannot take the cycle lock: ${lock.message}`;
    logger.warn({ lock: lock.status }, summary);
    return { exitCode, summary, snapshot: null, report: null, exchange: null, apply: null, durationMs: elapsed() };
  }
  try {
    const phase = (name: string, since: number) => logger.debug({ phase: name, ms: Math.round(effects.clock.monotonic() - since) }, "cycle phase");
    let mark = effects.clock.monotonic();
    const snapshot = await collect(effects, config, { fresh: false });
    phase("probe", mark);
    mark = effects.clock.monotonic();
    const report = await buildCycleReport(effects, config, snapshot);
    const reportBuiltAt = effects.clock.monotonic();
    const outcome = await exchange(
      { http: effects.http, clock: effects.clock, logger },
      {
        config: config.missionControl, clusterId: config.clusterId, stateDir: config.stateDir, report,
        deadlineAt, userAgent: `nodekeeper/${NODEKEEPER_VERSION}`, signal: options.signal,
      },
    );
    phase("exchange", mark);
    mark = effects.clock.monotonic();
    // The apply step runs whatever became of the exchange: a refusal (a token
    // rotation, 401/403/409/400/422) or a configuration error must not stop the
    // retries of decided actions (the start of a server nodekeeper stopped), the
    // repair watch or the quorum re-assert. Only new instructions need a valid
    // answer: `outcome.apply` is true for nothing else.
    const apply = await applyCycle(
      {
        runner: effects.runner, http: effects.http, clock: effects.clock,
        audit: async (entry) => {
          await appendAudit(config.stateDir, entry as Record<string, unknown>, { limits: config.missionControl.audit, secrets: options.secrets ?? [] });
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
              effects.clock.monotonic() - reportBuiltAt <= config.remediation.consecutiveAnswersWithinMs,
          } : null,
        facts: applyFacts(snapshot),
        mode: { dryRun: false, maintenance: snapshot.maintenance !== null },
      },
    );
    phase("apply", mark);
    const cpu = process.cpuUsage(cpuAtStart);
    logger.debug({ cpuMs: Math.round((cpu.user + cpu.system) / 1000), durationMs: Math.round(elapsed()) }, "cycle CPU (nodekeeper itself)");
    for (const failed of apply.failed) logger.error({ action: failed }, "action failed; retried next cycle");
    for (const done of apply.done) logger.info({ action: done }, "action done");
    // Each would-run action is audited once (audit.jsonl); the journal keeps the count in the summary.
    for (const would of apply.wouldRun) logger.debug({ action: would }, "action would run, not done");
    const actions = ` · actions: ${apply.done.length} done, ${apply.failed.length} failed, ${apply.wouldRun.length} would run`;
    return {
      exitCode: outcome.exitCode,
      summary: `${outcome.summary}${actions}`,
      snapshot, report, exchange: outcome, apply, durationMs: elapsed(),
    };
  } finally {
    await lock.lock.release();
  }
}

/** What the apply step needs to know of this node now. */
export function applyFacts(snapshot: Snapshot) {
  const c = snapshot.cassandra;
  const f = snapshot.nodeFacts;
  return {
    serverStartedAt: f.serverStartedAt,
    serverRunning: f.source === "server" && f.serverState === "RUNNING",
    // Up for the repair's purposes: nodetool answers and this node is Up/Normal.
    cassandraUp: c.localRingState === "UN",
    cassandraRepairState: c.repairState,
  };
}
