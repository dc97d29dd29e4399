/** Helpers the per-area check tests share. */
import assert from "node:assert/strict";
import { parseThresholdArgs, type ThresholdsFor } from "../../src/check/thresholds.js";
import type { CheckArea } from "../../src/check/areas.js";
import type { verified } from "./verify-result.js";

/** Thresholds as `--warning`/`--critical` would give them; fails the test when the text does not parse. */
export function thresholds<A extends CheckArea>(area: A, warning?: string, critical?: string): ThresholdsFor<A> {
  const parsed = parseThresholdArgs(area, { warning, critical });
  assert.ok(parsed.ok, parsed.ok ? "" : parsed.error.message);
  return parsed.thresholds;
}

/** One perfdata item of a line, as the independent plugin-output parser read it. */
export const perf = (result: ReturnType<typeof verified>, label: string) => result.perfdata.find((p) => p.label === label);
