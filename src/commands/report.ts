/**
 * `report --dry-run`: probes, and returns the request body it would send and
 * the actions that would run on the instructions in force. It sends nothing,
 * runs nothing and writes no state (contract sections 2 and 3).
 */
import { applyCycle } from "../apply/index.js";
import type { ActionReport } from "../apply/index.js";
import type { LoadedConfig } from "../config/load.js";
import type { Effects } from "../effects/index.js";
import { collect } from "../report/collect.js";
import type { HealthReport } from "../contract/report.js";
import { applyFacts, buildCycleReport } from "./cycle.js";

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
