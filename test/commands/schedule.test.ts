import assert from "node:assert/strict";
import { test } from "node:test";
import { nextSlot, nodeOffsetMs, parseInterval } from "../../src/commands/schedule.js";

test("node offsets are stable, inside the interval, and spread a cluster over the minute", () => {
  const offsets = Array.from({ length: 60 }, (_, i) => nodeOffsetMs(`node-${i}`, 60_000));
  assert.deepEqual(offsets, Array.from({ length: 60 }, (_, i) => nodeOffsetMs(`node-${i}`, 60_000)), "same id, same slot");
  assert.ok(offsets.every((o) => o >= 0 && o < 60_000));
  const buckets = new Set(offsets.map((o) => Math.floor(o / 10_000)));
  assert.ok(buckets.size >= 5, `60 nodes fall in ${buckets.size} of six 10-second buckets`);
});

test("next slot: strictly after now, on interval + offset", () => {
  const minute = 60_000;
  assert.equal(nextSlot(0, minute, 7_000), 7_000);
  assert.equal(nextSlot(7_000, minute, 7_000), 67_000, "a slot that is now is not next");
  assert.equal(nextSlot(66_999, minute, 7_000), 67_000);
  assert.equal(nextSlot(1_700_000_000_123, minute, 0) % minute, 0);
});

test("intervals: 60s, 5m, 1500ms, bare seconds; nonsense is null", () => {
  assert.equal(parseInterval("60s"), 60_000);
  assert.equal(parseInterval("5m"), 300_000);
  assert.equal(parseInterval("1500ms"), 1_500);
  assert.equal(parseInterval("30"), 30_000);
  assert.equal(parseInterval("0.5s"), 500);
  assert.equal(parseInterval("soon"), null);
  assert.equal(parseInterval("-5s"), null);
  assert.equal(parseInterval("0"), null);
});
