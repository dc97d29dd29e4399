/** Self-monitoring's verdicts (probes/self.ts) and its time rules (state/self-state.ts). */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfigSchema } from "../../src/config/schema.js";
import { evaluateSelf } from "../../src/probes/self.js";
import { elapsedMs } from "../../src/state/self-state.js";
import type { BootNow, SelfState } from "../../src/state/self-state.js";

const T = ConfigSchema.parse({}).selfMonitoring;
const BOOT = "boot-a";
const WALL = Date.parse("2026-12-07T12:00:00Z");
const now: BootNow = { wallMs: WALL, bootId: BOOT, monotonicMs: 1_000_000 };

function state(overrides: Partial<SelfState> = {}, cycle: Partial<SelfState["lastCycle"]> = {}): SelfState {
  const at = { at: new Date(WALL - 60_000).toISOString(), bootId: BOOT, monotonicMs: now.monotonicMs - 60_000 };
  return {
    version: 1,
    lastCycle: { finished: at, durationMs: 1_200, deadlineMs: 50_000, exitCode: 0, delivered: true, outboxDepth: 0, ...cycle },
    consecutiveUndelivered: 0, lastDelivered: at, lastApplyError: null, applyFailedLastCycle: false,
    ...overrides,
  };
}

const judge = (s: SelfState, deliveryExpected = true) => evaluateSelf({ state: "ok", value: s }, now, T, deliveryExpected);

test("the defaults: WARNING/ERROR thresholds of each figure", () => {
  assert.deepEqual(T, {
    cycleDurationWarningPercent: 80, cycleDurationErrorPercent: 100, undeliveredWarning: 3, undeliveredError: 10,
    lastDeliveryWarningMs: 300_000, lastDeliveryErrorMs: 900_000, outboxWarning: 5, outboxError: 30,
  });
});

test("a healthy record is OK, and its description carries every figure", () => {
  const r = judge(state());
  assert.equal(r.status, "OK");
  assert.equal(r.resultCode, 0);
  assert.match(r.description, /last cycle took 1\.2 s of its 50 s deadline \(2 %\); last delivery 60 s ago; 0 in the outbox; no action error recorded/);
  assert.equal(r.figures.sinceLastDeliveryMs, 60_000);
});

test("each figure over its threshold gives its own code; the worst decides", () => {
  assert.equal(judge(state({}, { durationMs: 41_000 })).resultCode, 140);
  assert.equal(judge(state({}, { durationMs: 50_000 })).resultCode, 141);
  assert.equal(judge(state({ consecutiveUndelivered: 3 })).resultCode, 142);
  assert.equal(judge(state({ consecutiveUndelivered: 10 })).status, "ERROR");
  assert.equal(judge(state({}, { outboxDepth: 5 })).resultCode, 144);
  assert.equal(judge(state({}, { outboxDepth: 30 })).resultCode, 145);
  const failed = judge(state({ applyFailedLastCycle: true, lastApplyError: { at: "2026-12-07T11:59:00Z", action: "stop-server local", message: "exit 1" } }));
  assert.equal(failed.resultCode, 146);
  assert.match(failed.description, /an action failed in the last cycle \(stop-server local: exit 1\)/);
  // A WARNING and an ERROR: ERROR's code.
  const both = judge(state({ consecutiveUndelivered: 4 }, { outboxDepth: 31 }));
  assert.deepEqual([both.status, both.resultCode], ["ERROR", 145]);
  assert.match(both.description, /4 cycles in a row could not deliver; 31 reports wait in the outbox/);
});

test("without Mission Control configured, delivery figures judge nothing", () => {
  const r = judge(state({ consecutiveUndelivered: 50, lastDelivered: null }, { outboxDepth: 0 }), false);
  assert.equal(r.status, "OK");
  assert.match(r.description, /missionControl\.url is not set/);
});

test("time since the last delivery: the boot's monotonic clock within one boot, whatever the wall clock did", () => {
  const delivered = { at: new Date(WALL - 10 * 60_000).toISOString(), bootId: BOOT, monotonicMs: now.monotonicMs - 30_000 };
  // The wall clock says 10 min, the monotonic clock 30 s (the wall clock was stepped forward): 30 s.
  assert.equal(elapsedMs(delivered, now), 30_000);
  assert.equal(judge(state({ lastDelivered: delivered })).status, "OK");
  // Stepped back: wall time in the future, same boot: still 30 s.
  const future = { ...delivered, at: new Date(WALL + 3_600_000).toISOString() };
  assert.equal(elapsedMs(future, now), 30_000);
});

test("across a reboot only the wall clock is left, and a stored time in the future is never recent", () => {
  const otherBoot = { at: new Date(WALL + 3_600_000).toISOString(), bootId: "boot-b", monotonicMs: 5 };
  assert.equal(elapsedMs(otherBoot, now), null);
  const r = judge(state({ lastDelivered: otherBoot }));
  assert.deepEqual([r.status, r.resultCode], ["ERROR", 143]);
  assert.match(r.description, /in the future .*not counted as recent/);
  const old = { at: new Date(WALL - 20 * 60_000).toISOString(), bootId: "boot-b", monotonicMs: 5 };
  assert.equal(elapsedMs(old, now), 20 * 60_000);
  assert.equal(judge(state({ lastDelivered: old })).resultCode, 143);
  const recent = { at: new Date(WALL - 6 * 60_000).toISOString(), bootId: null, monotonicMs: 5 };
  assert.equal(judge(state({ lastDelivered: recent })).resultCode, 142);
});

test("no record yet is OK (no cycle ran); an unreadable record is UNKNOWN 147", () => {
  assert.equal(evaluateSelf({ state: "absent" }, now, T, true).status, "OK");
  const r = evaluateSelf({ state: "unreadable", reason: "self.json is not valid JSON" }, now, T, true);
  assert.deepEqual([r.status, r.resultCode], ["UNKNOWN", 147]);
});
