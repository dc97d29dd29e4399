/**
 * The probe engine: runs probes under a concurrency limit and a deadline each,
 * inside one deadline for the whole cycle. A probe never throws: an exception
 * or a timeout becomes its fallback value (status UNKNOWN, a result code and
 * the reason). Every probe's duration is recorded.
 */
import pLimit from "p-limit";
import type { Clock } from "../effects/clock.js";
import { CODES } from "../contract/result-codes.js";

/** Below this much time left in the cycle, a probe is not started at all: it could only time out. */
const MIN_BUDGET_MS = 10;

export type ProbeFailure =
  | { kind: "timeout"; code: typeof CODES.PROBE_TIMEOUT; reason: string }
  | { kind: "crashed"; code: typeof CODES.PROBE_CRASHED; reason: string }
  | { kind: "skipped"; code: typeof CODES.PROBE_SKIPPED_DEADLINE; reason: string };

export interface ProbeTiming {
  readonly name: string;
  readonly durationMs: number;
  readonly outcome: "ok" | ProbeFailure["kind"];
}

export interface ProbeEngine {
  /**
   * Runs `probe` with a deadline of `timeoutMs` (cut to what is left of the
   * cycle). `probe` gets an AbortSignal that fires at the deadline; whether or
   * not it honours it, `run` returns by then with `fallback(failure)`.
   */
  run<T>(
    name: string,
    timeoutMs: number,
    probe: (signal: AbortSignal) => Promise<T>,
    fallback: (failure: ProbeFailure) => T,
  ): Promise<T>;
  readonly timings: readonly ProbeTiming[];
  /** Monotonic time (clock.monotonic) at which the cycle's probing must end. */
  readonly deadlineAt: number;
}

export function createProbeEngine(options: {
  clock: Clock;
  concurrency: number;
  deadlineMs: number;
}): ProbeEngine {
  const { clock } = options;
  const limit = pLimit(options.concurrency);
  const deadlineAt = clock.monotonic() + options.deadlineMs;
  const timings: ProbeTiming[] = [];

  function run<T>(
    name: string,
    timeoutMs: number,
    probe: (signal: AbortSignal) => Promise<T>,
    fallback: (failure: ProbeFailure) => T,
  ): Promise<T> {
    return limit(async () => {
      const started = clock.monotonic();
      const left = deadlineAt - started;
      if (left < MIN_BUDGET_MS) {
        timings.push({ name, durationMs: 0, outcome: "skipped" });
        return fallback({ kind: "skipped", code: CODES.PROBE_SKIPPED_DEADLINE, reason: "not run: the cycle's deadline had passed" });
      }
      const budget = Math.min(timeoutMs, left);
      const controller = new AbortController();
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<{ timedOut: true }>((resolve) => {
        timer = setTimeout(() => {
          controller.abort(new Error(`deadline of ${budget} ms`));
          resolve({ timedOut: true });
        }, budget);
      });
      const work = (async () => ({ timedOut: false as const, value: await probe(controller.signal) }))();
      // A probe that ignores its signal keeps running in the background; its late
      // result or rejection must not surface as an unhandled rejection.
      work.catch(() => undefined);
      try {
        const result = await Promise.race([work, timeout]);
        const durationMs = clock.monotonic() - started;
        if (result.timedOut) {
          timings.push({ name, durationMs, outcome: "timeout" });
          return fallback({ kind: "timeout", code: CODES.PROBE_TIMEOUT, reason: `no answer within ${Math.round(budget)} ms` });
        }
        timings.push({ name, durationMs, outcome: "ok" });
        return result.value;
      } catch (error) {
        timings.push({ name, durationMs: clock.monotonic() - started, outcome: "crashed" });
        return fallback({ kind: "crashed", code: CODES.PROBE_CRASHED, reason: errorMessage(error) });
      } finally {
        clearTimeout(timer);
      }
    });
  }

  return { run, timings, deadlineAt };
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message.split("\n", 1)[0] ?? error.name;
  return String(error);
}
