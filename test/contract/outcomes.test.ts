import assert from "node:assert/strict";
import { test } from "node:test";
import { cycleDelivered, exitCodeOf } from "../../src/contract/outcomes.js";
import type { CycleOutcome } from "../../src/contract/outcomes.js";

test("report/run outcomes get the exit codes of CONTRACT.md section 3", () => {
  const expected: Record<CycleOutcome, number> = {
    "delivered": 0, "refused": 4, "kept": 5, "answer-invalid": 6,
    "not-configured": 64, "config-error": 64, "locked": 75, "lock-error": 5,
  };
  for (const [outcome, code] of Object.entries(expected)) assert.equal(exitCodeOf(outcome as CycleOutcome), code, outcome);
});

test("status and check exit with the worst status, Nagios style", () => {
  assert.deepEqual(
    (["OK", "NOT_INSTALLED", "WARNING", "ERROR", "UNKNOWN"] as const).map((health) => exitCodeOf({ health })),
    [0, 0, 1, 2, 3],
  );
});

test("wait, verify-install, diagnose and the general outcomes", () => {
  assert.deepEqual(
    (["condition-true", "timed-out", "bad-expression", "install-matches", "install-differs", "diagnose-ok", "diagnose-warning", "diagnose-error", "diagnose-config-broken", "done", "usage", "interrupted-sigint", "interrupted-sigterm", "crashed", "crashed-nagios"] as const).map(exitCodeOf),
    [0, 124, 64, 0, 2, 0, 1, 2, 64, 0, 64, 130, 143, 70, 3],
  );
});

test("a report counts as delivered when Mission Control has it, its answer valid or not", () => {
  assert.deepEqual((["delivered", "answer-invalid", "refused", "kept", "locked", "lock-error", "not-configured", "config-error"] as const).map(cycleDelivered), [true, true, false, false, false, false, false, false]);
});
