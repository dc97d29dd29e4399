import assert from "node:assert/strict";
import { test } from "node:test";
import { systemClock } from "../../src/effects/clock.js";
import { createProbeEngine } from "../../src/probes/engine.js";

const fallback = (f: { kind: string; code: number; reason: string }) => ({ status: "UNKNOWN", code: f.code, reason: f.reason, kind: f.kind });

test("a probe that throws becomes UNKNOWN with code 902 and the reason", async () => {
  const engine = createProbeEngine({ clock: systemClock, concurrency: 2, deadlineMs: 5_000 });
  const r = await engine.run("boom", 1_000, () => Promise.reject(new Error("disk on fire\nsecond line")), fallback);
  assert.deepEqual(r, { status: "UNKNOWN", code: 902, reason: "disk on fire", kind: "crashed" });
  assert.equal(engine.timings[0]?.outcome, "crashed");
});

test("a probe that never answers returns at its deadline with code 901, and its signal fires", async () => {
  const engine = createProbeEngine({ clock: systemClock, concurrency: 2, deadlineMs: 5_000 });
  let aborted = false;
  const started = performance.now();
  const r = await engine.run("hang", 150, (signal) => {
    signal.addEventListener("abort", () => (aborted = true));
    return new Promise<never>(() => undefined);
  }, fallback);
  assert.equal(r.code, 901);
  assert.equal(aborted, true);
  assert.ok(performance.now() - started >= 140);
  assert.ok((engine.timings[0]?.durationMs ?? 0) >= 140);
});

test("concurrency limit: never more than N probes at once", async () => {
  const engine = createProbeEngine({ clock: systemClock, concurrency: 3, deadlineMs: 10_000 });
  let running = 0;
  let peak = 0;
  const results = await Promise.all(Array.from({ length: 10 }, (_, i) => engine.run(`p${i}`, 1_000, async () => {
    running++;
    peak = Math.max(peak, running);
    await new Promise((r) => setTimeout(r, 20));
    running--;
    return i;
  }, () => -1)));
  assert.deepEqual(results, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.equal(peak, 3);
  assert.equal(engine.timings.length, 10);
});

test("the cycle deadline cuts a probe's own budget, and skips probes that start after it", async () => {
  const engine = createProbeEngine({ clock: systemClock, concurrency: 1, deadlineMs: 200 });
  const hang = () => new Promise<never>(() => undefined);
  const [first, second] = await Promise.all([engine.run("a", 10_000, hang, fallback), engine.run("b", 10_000, hang, fallback)]);
  assert.equal(first.code, 901, "cut at the cycle deadline, not after 10 s");
  assert.equal(second.code, 903);
  assert.equal(second.kind, "skipped");
});
