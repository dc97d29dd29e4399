/** Runs a CheckResult's line through the independent plugin-output parser and checks it against the result. */
import assert from "node:assert/strict";
import type { CheckResult } from "../../src/check/result.js";
import { exitCodeOf } from "../../src/contract/outcomes.js";
import { parsePluginOutput, type ParsedPluginOutput } from "./plugin-output.js";

const EXIT = { OK: 0, WARNING: 1, CRITICAL: 2, UNKNOWN: 3 } as const;

export function verified(result: CheckResult): ParsedPluginOutput {
  const parsed = parsePluginOutput(result.line);
  assert.equal(parsed.area, result.area.toUpperCase());
  assert.equal(parsed.state, result.state);
  assert.equal(exitCodeOf(result.outcome), EXIT[result.state]);
  assert.equal(result.json.exitCode, exitCodeOf(result.outcome));
  assert.equal(result.json.state, result.state);
  assert.equal(result.json.line, result.line);
  assert.equal(result.json.checkVersion, 1);
  assert.ok(parsed.text.length <= 200, `text too long (${parsed.text.length}): ${parsed.text}`);
  // The perfdata of the line is the perfdata of the result, in order.
  assert.deepEqual(parsed.perfdata.map((p) => p.label), result.perfdata.map((p) => p.label));
  result.perfdata.forEach((p, i) => {
    const q = parsed.perfdata[i]!;
    if (p.value === null) assert.equal(q.value, "U", p.label);
    else assert.ok(q.value !== "U" && Math.abs(q.value - p.value) < 0.001, `${p.label}: ${String(q.value)} vs ${p.value}`);
    assert.equal(q.warn, p.warn?.text ?? null, `${p.label} warn`);
    assert.equal(q.crit, p.crit?.text ?? null, `${p.label} crit`);
  });
  // --json is plain data: it survives a JSON round trip unchanged.
  assert.deepEqual(JSON.parse(JSON.stringify(result.json)), result.json);
  return parsed;
}
