import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { atOrAbove, checkSelf } from "../../src/check/self.js";
import { alerts } from "../../src/check/range.js";
import { exitCodeOf } from "../../src/contract/outcomes.js";
import type { SelfFigures, SelfHealth, SelfThresholds } from "../../src/probes/self.js";
import { perf } from "./support.js";
import { verified } from "./verify-result.js";

// The configuration's defaults (config/schema.ts selfMonitoring).
const defaults: SelfThresholds = {
  cycleDurationWarningPercent: 80, cycleDurationErrorPercent: 100,
  undeliveredWarning: 3, undeliveredError: 10,
  lastDeliveryWarningMs: 300_000, lastDeliveryErrorMs: 900_000,
  outboxWarning: 5, outboxError: 30,
};

const figures = (over: Partial<SelfFigures> = {}): SelfFigures => ({
  recorded: true, lastCycleAt: "2026-11-21T05:09:30Z", lastCycleDurationMs: 1_234, cycleDeadlineMs: 50_000,
  consecutiveUndelivered: 0, outboxDepth: 0, lastApplyError: null, applyFailedLastCycle: false,
  lastDeliveredAt: "2026-11-21T05:09:31Z", sinceLastDeliveryMs: 60_000, ...over,
});

const health = (over: Partial<SelfHealth> = {}): SelfHealth => ({
  status: "OK", resultCode: 0, description: "nodekeeper 1.2.3; last cycle 1.2 s, delivered 60 s ago", figures: figures(), ...over,
});

describe("atOrAbove", () => {
  test("a count: 'at or above 3' alerts from 3, so the range ends at 2", () => {
    const range = atOrAbove(3, true);
    assert.ok(range);
    assert.equal(range.text, "2");
    assert.equal(alerts(range, 2), false);
    assert.equal(alerts(range, 3), true);
  });

  test("a measure (seconds) keeps its value: the range ends there", () => {
    assert.equal(atOrAbove(40, false)?.text, "40");
    assert.equal(atOrAbove(0.5, false)?.text, "0.5");
  });

  test("a number that makes no range (exponent notation) gives none", () => {
    assert.equal(atOrAbove(1e-7, false), undefined);
  });
});

describe("checkSelf", () => {
  test("healthy: OK, the description without its version prefix, every threshold in the perfdata", () => {
    const r = checkSelf(health(), defaults);
    const parsed = verified(r);
    assert.equal(r.state, "OK");
    assert.equal(exitCodeOf(r.outcome), 0);
    assert.equal(parsed.text, "last cycle 1.2 s, delivered 60 s ago");
    assert.deepEqual(r.details, []);
    assert.equal(
      r.line,
      "NODEKEEPER SELF OK - last cycle 1.2 s, delivered 60 s ago | cycle_duration=1.234s;40;50;0;50 undelivered=0;2;9;0 outbox=0;4;29;0 last_delivery_age=60s;300;900;0 apply_failed=0;;;0;1",
    );
  });

  test("the probe's status decides (ERROR is CRITICAL) and its finding is a detail line", () => {
    const r = checkSelf(health({ status: "ERROR", resultCode: 903, description: "nodekeeper 1.2.3; 12 cycles in a row undelivered", figures: figures({ consecutiveUndelivered: 12, applyFailedLastCycle: true }) }), defaults);
    verified(r);
    assert.equal(r.state, "CRITICAL");
    assert.equal(exitCodeOf(r.outcome), 2);
    assert.deepEqual(r.details, ["nodekeeper: ERROR (code 903) nodekeeper 1.2.3; 12 cycles in a row undelivered"]);
    assert.equal(r.json.data["resultCode"], 903);
    assert.equal(perf(verified(r), "undelivered")?.value, 12);
    assert.equal(perf(verified(r), "apply_failed")?.value, 1);
  });

  test("figures never recorded are U; no deadline, no max or ranges on the cycle duration", () => {
    const r = checkSelf(health({ status: "UNKNOWN", resultCode: 900, figures: figures({ lastCycleDurationMs: null, cycleDeadlineMs: null, consecutiveUndelivered: null, outboxDepth: null, sinceLastDeliveryMs: null, applyFailedLastCycle: null }) }), defaults);
    verified(r);
    assert.equal(r.state, "UNKNOWN");
    assert.equal(exitCodeOf(r.outcome), 3);
    assert.match(r.line, / \| cycle_duration=U;;;0 undelivered=U;2;9;0 outbox=U;4;29;0 last_delivery_age=U;300;900;0 apply_failed=U;;;0;1$/);
  });

  test("the cycle duration's ranges are shares of the deadline", () => {
    const r = checkSelf(health({ figures: figures({ cycleDeadlineMs: 45_000, lastCycleDurationMs: 44_000 }) }), { ...defaults, cycleDurationWarningPercent: 50, cycleDurationErrorPercent: 90 });
    const cycle = perf(verified(r), "cycle_duration");
    assert.equal(cycle?.warn, "22.5");
    assert.equal(cycle?.crit, "40.5");
    assert.equal(cycle?.value, 44);
  });
});
