/**
 * `report`: one report cycle (cycle.ts), told once: its summary is logged at
 * info level (and printed under --quiet) only when its outcome differs from
 * the last cycle's, so a timer running it every minute writes one line per
 * change, not sixty an hour.
 *
 * `report --dry-run`: probes, and returns the request body it would send and
 * the actions that would run on the instructions in force. It sends nothing,
 * runs nothing and writes no state (contract sections 2 and 3).
 */
import { applyCycle } from "../apply/index.js";
import type { ActionReport } from "../apply/index.js";
import type { LoadedConfig } from "../config/load.js";
import type { Config } from "../config/schema.js";
import { exitCodeOf } from "../contract/outcomes.js";
import type { Effects } from "../effects/index.js";
import type { Logger } from "../effects/log.js";
import { collect } from "../report/collect.js";
import type { HealthReport } from "../contract/report.js";
import { readLastOutcome, writeLastOutcome } from "../state/last-outcome.js";
import { applyFacts, buildCycleReport, runCycle } from "./cycle.js";
import type { CycleResult } from "./cycle.js";

export interface ReportResult {
  readonly cycle: CycleResult;
  /** The cycle's outcome differs from the last cycle's (last-outcome): say it even under --quiet. */
  readonly changed: boolean;
}

/**
 * The outcome line kept in last-outcome: `0 delivered`, `5 kept`,
 * `75 no exchange`. Its exit code stays in it so the file keeps its bytes
 * (and a change of exit code alone still counts as a change).
 */
export function outcomeLine(cycle: CycleResult): string {
  return `${exitCodeOf(cycle.outcome)} ${cycle.exchange?.result ?? "no exchange"}`;
}

export async function reportCycle(effects: Effects, config: Config, options: { readonly logger: Logger; readonly secrets: readonly string[] }): Promise<ReportResult> {
  const { logger } = options;
  const before = await readLastOutcome(config.stateDir);
  const cycle = await runCycle(effects, config, { command: "report", logger, secrets: options.secrets });
  const line = outcomeLine(cycle);
  const changed = line !== before;
  // A timer runs this every minute: one line when something changes, not sixty an hour.
  (changed ? logger.info.bind(logger) : logger.debug.bind(logger))({ exitCode: exitCodeOf(cycle.outcome), durationMs: Math.round(cycle.durationMs) }, cycle.summary);
  if (changed) await writeLastOutcome(config.stateDir, line);
  return { cycle, changed };
}

export interface DryRunResult {
  readonly body: HealthReport;
  /** Actions the instructions in force would trigger now, with why they are not done. */
  readonly wouldRun: readonly ActionReport[];
}

export async function reportDryRun(effects: Effects, loaded: LoadedConfig, options: { readonly fresh?: boolean } = {}): Promise<DryRunResult> {
  const { config } = loaded;
  // fresh: every nodetool fact read now (as on a fresh state folder), not from the cache.
  const snapshot = await collect(effects, config, { fresh: options.fresh === true });
  const body = await buildCycleReport(effects, config, snapshot);
  const apply = await applyCycle(
    // A dry run writes nothing, the audit log included.
    { runner: effects.runner, http: effects.http, clock: effects.clock, audit: () => Promise.resolve() },
    {
      stateDir: config.stateDir, clusterId: config.clusterId, nodeId: config.nodeId,
      remediation: config.remediation,
      server: { url: config.server.url, caFile: config.server.caFile, tokenFile: config.server.tokenFile, timeoutMs: config.server.timeoutMs },
      answer: null,
      facts: applyFacts(snapshot),
      mode: { dryRun: true, maintenance: snapshot.maintenance !== null },
    },
  );
  return { body, wouldRun: apply.wouldRun };
}
