/** Shared pieces for the Cassandra tests: fixtures, a scripted runner, a fake clock. */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Clock } from "../../src/effects/clock.js";
import type { ProcessRunner, RunOptions, RunResult } from "../../src/effects/process.js";

const here = dirname(fileURLToPath(import.meta.url));
export const FIXTURES = join(here, "..", "fixtures", "nodetool");
export const FAKE_NODETOOL = join(here, "..", "helpers", "fake-nodetool.mjs");

/** The fake nodetool with its own environment, via /usr/bin/env (the test process's env stays untouched). */
export function fakeCommand(vars: Record<string, string>): string[] {
  return ["/usr/bin/env", ...Object.entries(vars).map(([k, v]) => `${k}=${v}`), FAKE_NODETOOL];
}

export function fixture(path: string): string {
  return readFileSync(join(FIXTURES, path), "utf8");
}

export function runResult(partial: Partial<RunResult>): RunResult {
  return {
    exitCode: 0,
    signal: null,
    stdout: "",
    stderr: "",
    timedOut: false,
    notFound: false,
    spawnError: null,
    truncated: false,
    durationMs: 5,
    ...partial,
  };
}

/** An answer per nodetool command; the key is the arguments joined by spaces, longest prefix wins. */
export type Script = Record<string, Partial<RunResult> | string>;

/**
 * An in-memory ProcessRunner that answers nodetool commands from fixtures, and
 * records every call. Strings are fixture paths served as stdout with exit 0.
 */
export class ScriptedRunner implements ProcessRunner {
  readonly calls: Array<{ argv: readonly string[]; options: RunOptions }> = [];
  private active = 0;
  maxConcurrent = 0;

  constructor(
    public script: Script,
    private readonly commandLength = 1,
  ) {}

  async run(argv: readonly string[], options: RunOptions): Promise<RunResult> {
    this.calls.push({ argv, options });
    this.active++;
    this.maxConcurrent = Math.max(this.maxConcurrent, this.active);
    try {
      await Promise.resolve();
      const args = argv.slice(this.commandLength);
      for (let n = args.length; n > 0; n--) {
        const answer = this.script[args.slice(0, n).join(" ")];
        if (answer === undefined) continue;
        return typeof answer === "string" ? runResult({ stdout: fixture(answer) }) : runResult(answer);
      }
      return runResult({
        exitCode: 1,
        stdout: `nodetool: Found unexpected parameters: [${args.join(", ")}]\nSee 'nodetool help' or 'nodetool help <command>'.\n`,
      });
    } finally {
      this.active--;
    }
  }

  killAll(): void {}

  /** The nodetool commands run, e.g. ["status", "info"]. */
  commands(): string[] {
    return this.calls.map((c) => c.argv.slice(this.commandLength).join(" "));
  }
}

/** A clock under the test's control; sleep advances it at once. */
export class FakeClock implements Clock {
  constructor(
    public wall = Date.UTC(2024, 5, 19, 12, 0, 0),
    public mono = 1_000,
  ) {}
  now(): number {
    return this.wall;
  }
  monotonic(): number {
    return this.mono;
  }
  boot(): null {
    return null;
  }
  sleep(ms: number): Promise<void> {
    this.advance(ms);
    return Promise.resolve();
  }
  advance(ms: number): void {
    this.wall += ms;
    this.mono += ms;
  }
}
