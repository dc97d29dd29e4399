import assert from "node:assert/strict";
import { test } from "node:test";
import { checkResult } from "../../src/check/result.js";
import { parseRange } from "../../src/check/range.js";
import { exitCodeOf } from "../../src/contract/outcomes.js";

const range = (text: string) => {
  const parsed = parseRange(text);
  assert.ok(parsed.ok);
  return parsed.range;
};

test("checkResult: one line, the outcome and the JSON agree; perfdata in JSON has nulls where the line has nothing", () => {
  const r = checkResult("directories", "WARNING", "1 of 2 directories not OK: /data space low", [
    { label: "min_free", value: 12.5, uom: "%", warn: range("15:"), crit: range("5:"), min: 0, max: 100 },
    { label: "x", value: Number.NaN },
    { label: "y", value: null },
  ], ["/data: WARNING (code 210) 12.5% free"], { mode: "thresholds" });
  assert.equal(r.line, "NODEKEEPER DIRECTORIES WARNING - 1 of 2 directories not OK: /data space low | min_free=12.5%;15:;5:;0;100 x=U y=U");
  assert.deepEqual(r.outcome, { health: "WARNING" });
  assert.equal(exitCodeOf(r.outcome), 1);
  assert.deepEqual(r.json, {
    checkVersion: 1, area: "directories", state: "WARNING", exitCode: 1,
    summary: "1 of 2 directories not OK: /data space low", line: r.line,
    perfdata: [
      { label: "min_free", value: 12.5, uom: "%", warning: "15:", critical: "5:", min: 0, max: 100 },
      { label: "x", value: null, uom: "", warning: null, critical: null, min: null, max: null },
      { label: "y", value: null, uom: "", warning: null, critical: null, min: null, max: null },
    ],
    details: ["/data: WARNING (code 210) 12.5% free"],
    data: { mode: "thresholds" },
  });
});

test("checkResult: CRITICAL is exit 2 in the JSON and through the outcome", () => {
  const r = checkResult("cluster", "CRITICAL", "cluster SHUTDOWN", [], [], {});
  assert.equal(r.json.exitCode, 2);
  assert.equal(exitCodeOf(r.outcome), 2);
  assert.equal(r.line, "NODEKEEPER CLUSTER CRITICAL - cluster SHUTDOWN");
});
