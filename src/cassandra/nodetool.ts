/**
 * The nodetool adapter: runs one nodetool command through the process runner
 * (own process group, killed as a whole on timeout, output capped) and turns
 * whatever happened into one outcome:
 *
 *   ok | not_installed | not_startable | jmx_unreachable | auth_failed |
 *   unsupported | timeout | not_ready | failed | unparseable
 *
 * Never throws. Every call starts a JVM (1–2 s of CPU): the caller decides how
 * many, and runs them one at a time.
 */
import type { ProcessRunner, RunResult } from "../effects/process.js";
import { cleanLines } from "../contract/text.js";
import { clip, type ParseResult } from "./parse/common.js";
import { classifyNodetoolFailure, meaningfulLines } from "./parse/failure.js";

export type NodetoolFailureKind =
  | "not_installed"
  | "not_startable"
  | "jmx_unreachable"
  | "auth_failed"
  | "unsupported"
  | "timeout"
  | "not_ready"
  | "failed"
  | "unparseable";

export type NodetoolOutcome<T> =
  | { readonly kind: "ok"; readonly value: T; readonly stdout: string; readonly durationMs: number }
  | { readonly kind: NodetoolFailureKind; readonly reason: string; readonly durationMs: number };

export interface NodetoolSettings {
  /** The nodetool command (config `cassandra.nodetool`); the arguments are appended. */
  readonly command: readonly string[];
  readonly timeoutMs: number;
  readonly maxOutputBytes: number;
  /** Ask the JVM for Locale.US through JAVA_TOOL_OPTIONS. */
  readonly forceUsLocale: boolean;
  readonly lowPriority: boolean;
  /** The environment JAVA_TOOL_OPTIONS is read from (default: this process's). */
  readonly baseEnv?: Readonly<Record<string, string | undefined>>;
}

/** Appended to JAVA_TOOL_OPTIONS: `DecimalFormat` and `%.2f` then print `245.52`, not `245,52`. */
export const US_LOCALE_FLAGS = "-Duser.language=en -Duser.country=US";

export function javaToolOptions(existing: string | undefined): string {
  const base = (existing ?? "").trim();
  if (base.includes(US_LOCALE_FLAGS)) return base;
  return base === "" ? US_LOCALE_FLAGS : `${base} ${US_LOCALE_FLAGS}`;
}

export async function runNodetool<T>(
  runner: ProcessRunner,
  settings: NodetoolSettings,
  args: readonly string[],
  parse: (stdout: string) => ParseResult<T>,
): Promise<NodetoolOutcome<T>> {
  const started = performance.now();
  try {
    const env: Record<string, string> = {};
    if (settings.forceUsLocale) {
      env.JAVA_TOOL_OPTIONS = javaToolOptions((settings.baseEnv ?? process.env).JAVA_TOOL_OPTIONS);
    }
    const result = await runner.run([...settings.command, ...args], {
      timeoutMs: settings.timeoutMs,
      maxOutputBytes: settings.maxOutputBytes,
      env,
      reapGroup: true, // a nodetool run must leave no JVM behind
      lowPriority: settings.lowPriority,
    });
    return interpretRun(result, args, settings, parse);
  } catch (error) {
    // The runner promises not to throw; a parser promises the same. Belt and braces.
    return { kind: "failed", reason: `nodetool run failed inside nodekeeper: ${error instanceof Error ? error.message : String(error)}`, durationMs: performance.now() - started };
  }
}

/** The longest nodetool line kept whole: 4 KiB of characters (a `status` line is ~100). */
const NODETOOL_LINE_MAX_CHARS = 4096;

/** Pure: a finished run (RunResult) to an outcome. Exported for tests. */
export function interpretRun<T>(
  result: RunResult,
  args: readonly string[],
  settings: Pick<NodetoolSettings, "command" | "timeoutMs" | "maxOutputBytes">,
  parse: (stdout: string) => ParseResult<T>,
): NodetoolOutcome<T> {
  // Text from outside: no control characters, no endless lines, in reasons or in what the parsers read.
  result = { ...result, stdout: cleanLines(result.stdout, NODETOOL_LINE_MAX_CHARS), stderr: cleanLines(result.stderr, NODETOOL_LINE_MAX_CHARS) };
  const durationMs = result.durationMs;
  const what = `nodetool ${args.join(" ")}`.trim();
  const program = settings.command[0] ?? "";

  if (result.timedOut) {
    return { kind: "timeout", reason: `${what} did not finish within ${Math.round(settings.timeoutMs / 1000)} s and was killed with its process group`, durationMs };
  }
  if (result.notFound) {
    const error = result.spawnError ?? "";
    if (error.startsWith("ENOENT") || error === "empty command") {
      return { kind: "not_installed", reason: `nodetool command not found: ${program}`, durationMs };
    }
    return { kind: "not_startable", reason: `cannot start ${program}: ${clip(error, 160)}`, durationMs };
  }
  // A wrapper script whose nodetool or java is missing exits 127 ("command not found").
  if (result.exitCode === 127) {
    return { kind: "not_installed", reason: `nodetool not found by ${program} (exit 127: ${clip(firstMeaningful(result.stderr), 120)})`, durationMs };
  }
  if (result.exitCode === 126) {
    return { kind: "not_startable", reason: `${program} could not execute nodetool (exit 126: ${clip(firstMeaningful(result.stderr), 120)})`, durationMs };
  }

  // Signature lines decide even when a wrapper swallowed the exit code.
  const failure = classifyNodetoolFailure(result.stdout, result.stderr);
  if (failure !== null) {
    switch (failure.kind) {
      case "jmx_unreachable":
        return { kind: "jmx_unreachable", reason: `nodetool could not connect to Cassandra JMX${failure.target ? ` at ${failure.target}` : ""}: ${failure.cause ?? "error"}${failure.message ? ` '${failure.message}'` : ""}`, durationMs };
      case "auth_failed":
        return { kind: "auth_failed", reason: `Cassandra JMX${failure.target ? ` at ${failure.target}` : ""} refused nodetool's credentials: ${failure.cause ?? "error"}${failure.message ? ` '${failure.message}'` : ""}`, durationMs };
      case "unsupported":
        return { kind: "unsupported", reason: `${what} is not supported by this Cassandra version (${failure.message})`, durationMs };
      case "not_ready":
        return { kind: "not_ready", reason: failure.message, durationMs };
      case "usage":
      case "command_error":
      case "failed":
        if (result.exitCode !== 0) return { kind: "failed", reason: `${what} failed (exit ${String(result.exitCode)}): ${failure.message}`, durationMs };
        break; // exit 0 with an `Error:`-looking line: let the parser judge
    }
  }
  if (result.signal !== null) {
    return { kind: "failed", reason: `${what} was killed by ${result.signal}`, durationMs };
  }
  if (result.exitCode !== 0) {
    const detail = firstMeaningful(result.stderr) || firstMeaningful(result.stdout);
    return { kind: "failed", reason: `${what} failed (exit ${String(result.exitCode)})${detail ? `: ${clip(detail, 200)}` : ""}`, durationMs };
  }
  if (result.truncated) {
    return { kind: "unparseable", reason: `${what} printed more than ${settings.maxOutputBytes} bytes; the output was cut and is not used`, durationMs };
  }
  let parsed: ParseResult<T>;
  try {
    parsed = parse(result.stdout);
  } catch (error) {
    parsed = { ok: false, reason: `parser error: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (!parsed.ok) return { kind: "unparseable", reason: `${what}: ${parsed.reason}`, durationMs };
  return { kind: "ok", value: parsed.value, stdout: result.stdout, durationMs };
}

function firstMeaningful(text: string): string {
  return meaningfulLines(text).find((l) => l.trim() !== "")?.trim() ?? "";
}
