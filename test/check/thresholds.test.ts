import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { CheckArea } from "../../src/check/areas.js";
import { judge, parseThresholdArgs } from "../../src/check/thresholds.js";
import { exitCodeOf } from "../../src/contract/outcomes.js";
import { thresholds } from "./support.js";

describe("parseThresholdArgs", () => {
  test("a bare range applies to the area's first number; name=range to a named one", () => {
    const t = thresholds("cassandra", "100", "hints=1000,down=1");
    assert.equal(t.hints?.warning?.text, "100");
    assert.equal(t.hints?.critical?.text, "1000");
    assert.equal(t.down?.critical?.text, "1");
    assert.equal(t.down?.warning, undefined);
    const c = thresholds("connectivity", "@10:20");
    assert.deepEqual(c.latency?.warning, { text: "@10:20", start: 10, end: 20, inside: true });
    assert.deepEqual(thresholds("directories", "15:", "5:").free?.critical?.start, 5);
    assert.deepEqual(thresholds("cassandra"), {}, "no options, no thresholds");
  });

  test("bad text is a usage error (exit 64) that names the option", () => {
    const cases: ReadonlyArray<[CheckArea, { warning?: string; critical?: string }, RegExp]> = [
      ["cassandra", { warning: "abc" }, /^--warning: invalid range "abc"/],
      ["cassandra", { critical: "20:10" }, /^--critical: .*start 20 is greater than end 10/],
      ["cassandra", { warning: "latency=5" }, /^--warning: check cassandra has no number "latency" \(it has: hints, down\)/],
      ["cassandra", { warning: "hints=1,hints=2" }, /hints is given twice/],
      ["cassandra", { warning: "" }, /--warning: empty range/],
      ["directories", { warning: "15:,5:" }, /free is given twice/],
      ["components", { warning: "1" }, /check components takes no --warning: its state is decided by the probes' own statuses/],
      ["cluster", { critical: "1" }, /check cluster takes no --critical: its state is decided by Mission Control's answer/],
      ["self", { warning: "1" }, /check self takes no --warning: its state is decided by the selfMonitoring thresholds of the configuration/],
    ];
    for (const [area, args, why] of cases) {
      const parsed = parseThresholdArgs(area, args);
      assert.equal(parsed.ok, false, JSON.stringify(args));
      if (!parsed.ok) {
        assert.equal(parsed.error.outcome, "usage");
        assert.equal(exitCodeOf(parsed.error.outcome), 64);
        assert.match(parsed.error.message, why);
      }
    }
  });
});

describe("judge", () => {
  test("critical is checked first, then warning; no thresholds, no verdict", () => {
    const t = thresholds("cassandra", "100", "1000").hints;
    assert.equal(judge(50, t), "OK");
    assert.equal(judge(101, t), "WARNING");
    assert.equal(judge(1001, t), "CRITICAL");
    assert.equal(judge(5, undefined), null);
    assert.equal(judge(5, {}), null);
    assert.equal(judge(Number.NaN, t), "CRITICAL", "a number that is not one alerts");
  });
});
