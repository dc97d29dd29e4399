/**
 * V8 settings for the commands that send to Mission Control (`run`, and the
 * timer's `report`), set from inside the process so that they hold however
 * nodekeeper is started: the units of `nodekeeper systemd`, a hand-started
 * `nodekeeper run`, `node bin/nodekeeper.js run`. Measured on a real `run
 * --interval 1s` against a loopback Mission Control (test/bench/run-memory.ts,
 * 16 libuv threads), RSS after 100 cycles 137 MB before, 72 MB with all four:
 *
 * - --semi-space-growth-factor=1: V8 grows the young generation for
 *   throughput, to two 16 MB semi-spaces (32 MB committed, 1–7 MB of it used);
 *   a cycle allocates ~2 MB, once a minute. It stays at V8's initial 1 MB
 *   semi-spaces: a scavenge more often, each well under a millisecond.
 * - --optimize-for-size: the old generation was let grow to ~40 MB before a
 *   full GC, for 12 MB live; V8's memory-saving mode grows it by 1.3× the live
 *   size at most (and trades speed for size in a few other places: nodekeeper
 *   is idle 59 s a minute).
 * - --liftoff-only: undici parses HTTP with llhttp in WebAssembly; V8 tiers
 *   it up with TurboFan in a background thread, which malloc'd 36 MB at peak
 *   (v8.getHeapStatistics().peak_malloced_memory) in that thread's arena, kept
 *   by glibc afterwards. Liftoff, the baseline compiler, needs 2.4 MB.
 * - --max-opt=1: JavaScript runs in Ignition and Sparkplug, never TurboFan:
 *   optimized code and its deoptimization data were what kept the JS heap
 *   creeping over thousands of cycles, and TurboFan's zones are malloc'd in
 *   background threads too. Nothing here is hot enough to pay for it.
 *
 * They are set once the CLI script is compiled: a V8 flag set before would
 * make V8 refuse the build's code cache (bin/nodekeeper.js), whose flag hash
 * is checked only then. `report --dry-run` (the build trains the cache with
 * it) leaves them alone, so the cache it writes keeps the plain flags.
 */
import { setFlagsFromString } from "node:v8";

const FLAGS = ["--semi-space-growth-factor=1", "--optimize-for-size", "--liftoff-only", "--max-opt=1"] as const;

let done = false;

export function leanHeap(): void {
  if (done) return;
  done = true;
  for (const flag of FLAGS) setFlagsFromString(flag);
}
