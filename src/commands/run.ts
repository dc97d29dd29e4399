/**
 * `run`: the report cycle in a loop, on the interval's boundary plus a stable
 * per-node offset, never two cycles at once. A stop request (SIGTERM/SIGINT)
 * lets the current cycle finish its send and write its state, then the loop
 * ends with exit code 0. Under systemd (NOTIFY_SOCKET set) it says READY once
 * the first cycle is done and feeds the watchdog after every cycle.
 */
import type { Config } from "../config/schema.js";
import { exitCodeOf } from "../contract/outcomes.js";
import type { CycleOutcome } from "../contract/outcomes.js";
import type { Effects } from "../effects/index.js";
import { logOnChange } from "../effects/log.js";
import type { Logger } from "../effects/log.js";
import { adoptStateFiles } from "../state/owner.js";
import { runCycle } from "./cycle.js";
import type { CycleResult } from "./cycle.js";
import { nextSlot, nodeOffsetMs } from "./schedule.js";

export interface RunOptions {
  readonly intervalMs: number;
  readonly logger: Logger;
  /** Aborted on SIGTERM/SIGINT: no new cycle starts. */
  readonly stop: AbortSignal;
  readonly secrets?: readonly string[];
  /** Called after each cycle (metrics textfile, tests). */
  readonly afterCycle?: (result: CycleResult) => Promise<void>;
  /** Stop after this many cycles (benchmarks, tests); unlimited by default. */
  readonly maxCycles?: number;
  /** Start the first cycle at once instead of waiting for the node's slot. */
  readonly immediate?: boolean;
}

export interface RunSummary {
  readonly cycles: number;
  readonly lastOutcome: CycleOutcome | null;
}

/** Cycles in a row without the lock before `run` lets systemd's watchdog restart it. */
export const LOCK_FAILURES_BEFORE_RESTART = 3;

export async function runLoop(effects: Effects, config: Config, options: RunOptions): Promise<RunSummary> {
  const { logger, stop, intervalMs } = options;
  const offset = nodeOffsetMs(config.nodeId, intervalMs);
  const memory = new Map<string, string>();
  const notify = process.env["NOTIFY_SOCKET"] ? (state: string) => sdNotify(effects, state, logger) : null;
  let cycles = 0;
  let lastOutcome: CycleOutcome | null = null;
  let lockFailures = 0;
  logger.info({ intervalMs, offsetMs: offset }, `run: a cycle every ${intervalMs / 1000} s, at ${(offset / 1000).toFixed(1)} s past each boundary`);
  let first = true;
  while (!stop.aborted && (options.maxCycles === undefined || cycles < options.maxCycles)) {
    if (!(first && options.immediate)) {
      const wait = nextSlot(effects.clock.now(), intervalMs, offset) - effects.clock.now();
      await effects.clock.sleep(wait, stop);
      if (stop.aborted) break;
    }
    first = false;
    const result = await runCycle(effects, config, { command: "run", logger, secrets: options.secrets });
    cycles++;
    lastOutcome = result.outcome;
    // One line when something changes, not sixty an hour saying the same; the journal line keeps its exit code.
    const exitCode = exitCodeOf(result.outcome);
    logOnChange(logger, memory, "cycle", `${exitCode}`, (l) =>
      (exitCode === 0 ? l.info.bind(l) : l.warn.bind(l))({ exitCode }, result.summary));
    if (result.durationMs > intervalMs) {
      logger.warn({ durationMs: Math.round(result.durationMs), intervalMs }, "cycle took longer than the interval; the slots it overran are skipped");
    }
    await options.afterCycle?.(result).catch((error: unknown) => logger.warn({ err: error }, "after-cycle step failed"));
    // Run as root: files a cycle's children made in the state folder go to its owner (src/state/owner.ts).
    await adoptStateFiles(config.stateDir);
    // A loop that cannot take its lock cycle after cycle does nothing useful: stop
    // feeding the watchdog so that systemd restarts it (and says why in the journal).
    const lockProblem = result.outcome === "locked" ? "busy" : result.outcome === "lock-error" ? "error" : null;
    lockFailures = lockProblem !== null ? lockFailures + 1 : 0;
    if (lockFailures === LOCK_FAILURES_BEFORE_RESTART) {
      logger.error({ lockFailures, lock: lockProblem },
        `run: the cycle lock could not be taken for ${lockFailures} cycles in a row (${result.summary}); ` +
        (notify ? "no longer feeding the systemd watchdog, so that systemd restarts nodekeeper" : "not under systemd's watchdog: restart nodekeeper if this lasts"));
    }
    if (notify) {
      if (cycles === 1) await notify("READY=1");
      if (lockFailures < LOCK_FAILURES_BEFORE_RESTART) await notify("WATCHDOG=1");
    }
  }
  if (notify) await notify("STOPPING=1");
  logger.info({ cycles }, "run: stopped");
  return { cycles, lastOutcome };
}

/**
 * Node cannot write to a unix datagram socket, so the notification goes
 * through `systemd-notify` (the unit sets NotifyAccess=all for that).
 */
async function sdNotify(effects: Effects, state: string, logger: Logger): Promise<void> {
  const r = await effects.runner.run(["systemd-notify", state], { timeoutMs: 5_000 });
  if (r.exitCode !== 0) logger.debug({ state, stderr: r.stderr.trim(), exitCode: r.exitCode }, "systemd-notify failed");
}
