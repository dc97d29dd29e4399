import assert from "node:assert/strict";
import { test } from "node:test";
import { elapsedMs, rebootedBetween, steppableClock } from "../../src/effects/clock.js";
import type { Clock, Moment } from "../../src/effects/clock.js";

const START = Date.parse("2025-03-01T10:00:00.000Z");
const moment = (clock: Clock): Moment => ({ wallMs: clock.now(), boot: clock.boot() });

test("steppableClock: tells the time it was set to, and moves only when told", () => {
  const clock = steppableClock({ wallMs: START, monotonicMs: 500 });
  assert.equal(clock.now(), START);
  assert.equal(clock.monotonic(), 500);
  assert.deepEqual(clock.boot(), { bootId: "boot-1", bootMs: 3_600_000 });
  assert.equal(clock.now(), START, "reading does not move it");
  clock.advance(90_000);
  assert.equal(new Date(clock.now()).toISOString(), "2025-03-01T10:01:30.000Z");
  assert.equal(clock.monotonic(), 90_500);
  assert.deepEqual(clock.boot(), { bootId: "boot-1", bootMs: 3_690_000 });
  assert.throws(() => clock.advance(-1), RangeError);
  assert.equal(clock.now(), START + 90_000, "a refused advance moves nothing");
});

test("steppableClock: a wall-clock step moves only the wall clock; elapsed time on the boot clock is unaffected", () => {
  const clock = steppableClock({ wallMs: START });
  const then = moment(clock);
  clock.advance(60_000);
  clock.stepWall(-3_600_000); // NTP steps the wall clock back an hour
  assert.equal(clock.now(), START + 60_000 - 3_600_000);
  assert.equal(clock.monotonic(), 60_000);
  assert.equal(elapsedMs(then, moment(clock)), 60_000, "the boot clock still says one minute");
  clock.stepWall(7_200_000); // and two hours forward
  assert.equal(clock.now(), START + 60_000 + 3_600_000);
  assert.equal(elapsedMs(then, moment(clock)), 60_000);
});

test("steppableClock without a boot clock: a wall clock stepped back gives no elapsed time (the safe way)", () => {
  const clock = steppableClock({ wallMs: START, boot: null });
  assert.equal(clock.boot(), null);
  const then = moment(clock);
  clock.advance(30_000);
  assert.equal(elapsedMs(then, moment(clock)), 30_000);
  clock.stepWall(-60_000);
  assert.equal(elapsedMs(then, moment(clock)), null);
});

test("steppableClock: a reboot passes the down time, changes the boot id and restarts the boot clock", () => {
  const clock = steppableClock({ wallMs: START, boot: { bootId: "b", bootMs: 10_000 } });
  const before = moment(clock);
  clock.reboot(180_000);
  assert.equal(clock.now(), START + 180_000);
  assert.deepEqual(clock.boot(), { bootId: "b-reboot-1", bootMs: 30_000 });
  assert.equal(rebootedBetween(before.boot, clock.boot()), true);
  assert.equal(elapsedMs(before, moment(clock)), null, "stamps of two boots cannot be compared");
  clock.reboot(0, 5_000);
  assert.deepEqual(clock.boot(), { bootId: "b-reboot-2", bootMs: 5_000 });
});

test("steppableClock: sleep lets the time pass at once; an aborted sleep passes none", async () => {
  const clock = steppableClock({ wallMs: START });
  await clock.sleep(45_000);
  assert.equal(clock.now(), START + 45_000);
  assert.equal(clock.monotonic(), 45_000);
  const aborted = new AbortController();
  aborted.abort();
  await clock.sleep(60_000, aborted.signal);
  assert.equal(clock.now(), START + 45_000);
});
