/**
 * `report`: one full cycle. With `dryRun`, probes and returns the request body
 * it would send, and sends and applies nothing.
 */
import type { LoadedConfig } from "../config/load.js";
import type { Effects } from "../effects/index.js";
import { buildCycleReport } from "./cycle.js";
import { collect } from "../report/collect.js";
import type { HealthReport } from "../report/schema.js";

export interface DryRunResult {
  readonly body: HealthReport;
}

export async function reportDryRun(effects: Effects, loaded: LoadedConfig): Promise<DryRunResult> {
  const snapshot = await collect(effects, loaded.config, { fresh: false });
  return { body: await buildCycleReport(effects, loaded.config, snapshot) };
}
