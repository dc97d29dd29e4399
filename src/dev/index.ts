/** PLACEHOLDER (the lead's): the `nodekeeper dev` demo is being built; this stub keeps the CLI compiling. */
import type { Style } from "../cli/table.js";
import type { Effects } from "../effects/index.js";

export interface DevOptions {
  readonly effects: Effects;
  /** The demo's clock runs this many times faster (intervals, durations). */
  readonly speed: number;
  /** Keep the demo's files here; otherwise a temporary folder removed at the end. */
  readonly keepDir?: string | undefined;
  /** Aborted on Ctrl-C / SIGTERM: stop everything, remove what was started, return. */
  readonly signal: AbortSignal;
  /** Writes text to stdout. */
  readonly out: (text: string) => void;
  readonly style: Style;
}

/** Runs the demo; resolves with the exit code. */
export async function runDev(options: DevOptions): Promise<number> {
  options.out("nodekeeper dev: not built yet\n");
  return Promise.resolve(70);
}
