/**
 * Signals. By default Ctrl-C or SIGTERM kills every child's process group and
 * exits at once, so nothing nodekeeper started outlives it. With `graceful`
 * (the `run` loop, the `dev` demo) the first signal only asks the command to
 * stop after the current step (`run`: once the cycle has sent and written its
 * state); a second one is the hard stop.
 */
import { exitCodeOf } from "../contract/outcomes.js";

/** What a hard stop needs of the process runner: kill every child's process group. */
export interface ChildKiller {
  killAll(): void;
}

/** Ends the process now: every child's process group killed, exit 130 (SIGINT) or 143 (SIGTERM). */
function hardStop(children: ChildKiller, signal: NodeJS.Signals): never {
  children.killAll();
  process.exit(exitCodeOf(signal === "SIGINT" ? "interrupted-sigint" : "interrupted-sigterm"));
}

/**
 * Installs the SIGINT and SIGTERM handlers for the rest of the process.
 * `stopping` is what the first signal's stderr line says the command does now.
 */
export function handleSignals(children: ChildKiller, graceful?: AbortController, stopping = "stopping after the current cycle"): void {
  const onSignal = (signal: NodeJS.Signals) => {
    if (graceful && !graceful.signal.aborted) {
      process.stderr.write(`nodekeeper: ${signal}: ${stopping} (again to stop now)\n`);
      graceful.abort();
      return;
    }
    hardStop(children, signal);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
}
