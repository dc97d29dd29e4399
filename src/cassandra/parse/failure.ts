/**
 * What a failed nodetool run printed, classified (FORMATS.md section 2):
 *
 * - JMX connection failure, stderr, exit 1:
 *   `nodetool: Failed to connect to '<host>:<port>' - <RootCauseClass>: '<message>'.`
 *   The message depends on the JDK (`Connection refused` vs `Connection refused
 *   (Connection refused)`), so only the prefix and the class are relied on.
 *   `SecurityException` (and JAAS `LoginException` subclasses) mean the
 *   credentials were refused.
 * - Unknown command, stdout, exit 1: `nodetool: Found unexpected parameters: [a, b]`.
 * - Other usage errors, stdout, exit 1: `nodetool: <message>` + `See 'nodetool help' ...`.
 * - Ownership errors of status/describecluster, stdout, exit 1: `Error: <message>`.
 * - Anything else, stderr, exit 2: `error: <message>` + `-- StackTrace --`.
 * - 5.0 before the server is initialised: an uncaught exception whose text
 *   contains `Server is not initialized yet, cannot run nodetool.`
 *
 * stderr can start with JVM noise (`Picked up JAVA_TOOL_OPTIONS: ...`, JDK
 * warnings): unknown lines are skipped, never taken as the failure.
 */
import { clip, splitLines } from "./common.js";

export type NodetoolFailure =
  | { readonly kind: "jmx_unreachable" | "auth_failed"; readonly target: string | null; readonly cause: string | null; readonly message: string }
  | { readonly kind: "unsupported"; readonly parameters: readonly string[]; readonly message: string }
  | { readonly kind: "usage" | "not_ready" | "command_error" | "failed"; readonly message: string };

const CONNECT_PREFIX = "nodetool: Failed to connect to '";
const UNEXPECTED_PREFIX = "nodetool: Found unexpected parameters: ";
const NOT_INITIALIZED = "Server is not initialized yet";
const BOOTSTRAPPING = "probably still bootstrapping";

/** Root-cause classes that mean "your credentials were refused", not "nobody answered". */
const AUTH_CAUSES = new Set([
  "SecurityException",
  "LoginException",
  "FailedLoginException",
  "AccountException",
  "AccountExpiredException",
  "AccountLockedException",
  "AccountNotFoundException",
  "CredentialException",
  "CredentialExpiredException",
  "CredentialNotFoundException",
  "AuthenticationException",
]);

/** JVM lines that precede or accompany real output and mean nothing to us. */
export function isJvmNoise(line: string): boolean {
  const t = line.trim();
  return (
    t === "" ||
    t.startsWith("Picked up JAVA_TOOL_OPTIONS:") ||
    t.startsWith("Picked up _JAVA_OPTIONS:") ||
    t.startsWith("Picked up JDK_JAVA_OPTIONS:") ||
    /^(?:OpenJDK|Java HotSpot\(TM\)) [^:]{0,60} warning:/.test(t) ||
    t.startsWith("WARNING:")
  );
}

/** stderr without JVM noise. */
export function meaningfulLines(text: string): string[] {
  return splitLines(text)
    .map((l) => l.trimEnd())
    .filter((l) => !isJvmNoise(l));
}

/**
 * Classifies the output of a nodetool run. Returns null when nothing in it
 * signals a failure (the caller then looks at the exit code).
 */
export function classifyNodetoolFailure(stdout: string, stderr: string): NodetoolFailure | null {
  const errLines = meaningfulLines(stderr);
  const outLines = meaningfulLines(stdout);

  const connect = [...errLines, ...outLines].find((l) => l.trimStart().startsWith(CONNECT_PREFIX));
  if (connect !== undefined) return parseConnectFailure(connect.trim());

  const unexpected = [...outLines, ...errLines].find((l) => l.trimStart().startsWith(UNEXPECTED_PREFIX));
  if (unexpected !== undefined) {
    const list = unexpected.trim().slice(UNEXPECTED_PREFIX.length).trim();
    const inner = list.startsWith("[") && list.endsWith("]") ? list.slice(1, -1) : list;
    return {
      kind: "unsupported",
      parameters: inner.split(",").map((p) => p.trim()).filter((p) => p !== "").slice(0, 20),
      message: clip(unexpected),
    };
  }

  if (errLines.some((l) => l.includes(NOT_INITIALIZED)) || outLines.some((l) => l.includes(NOT_INITIALIZED))) {
    return { kind: "not_ready", message: "Cassandra is not initialised yet (nodetool: Server is not initialized yet)" };
  }

  const commandError = outLines.find((l) => /^(?:%n)?Error: /.test(l.trim()));
  if (commandError !== undefined) {
    const message = clip(commandError.trim().replace(/^%n/, ""), 240);
    return { kind: commandError.includes(BOOTSTRAPPING) ? "not_ready" : "command_error", message };
  }

  const stackError = errLines.find((l) => l.startsWith("error:"));
  if (stackError !== undefined) return { kind: "failed", message: clip(stackError, 240) };

  const usage = outLines.find((l) => l.startsWith("nodetool: "));
  if (usage !== undefined && outLines.some((l) => l.startsWith("See 'nodetool help'"))) {
    return { kind: "usage", message: clip(usage, 240) };
  }
  return null;
}

/** `nodetool: Failed to connect to '127.0.0.1:7199' - ConnectException: 'Connection refused'.` */
function parseConnectFailure(line: string): NodetoolFailure {
  const rest = line.slice(CONNECT_PREFIX.length);
  const endTarget = rest.indexOf("' - ");
  const target = endTarget >= 0 ? rest.slice(0, endTarget) : null;
  const causePart = endTarget >= 0 ? rest.slice(endTarget + 4) : "";
  const colon = causePart.indexOf(": ");
  const causeRaw = colon >= 0 ? causePart.slice(0, colon) : causePart.replace(/\.$/, "");
  // Simple class names only; tolerate a qualified one.
  const cause = /^[A-Za-z0-9_.$]{1,120}$/.test(causeRaw) ? (causeRaw.split(".").pop() ?? causeRaw) : null;
  const detail = colon >= 0 ? causePart.slice(colon + 2).replace(/^'/, "").replace(/'\.?$/, "") : "";
  const authByMessage = /authentication (?:failed|error)|credentials required|invalid username or password/i.test(detail);
  const kind = (cause !== null && AUTH_CAUSES.has(cause)) || authByMessage ? "auth_failed" : "jmx_unreachable";
  return { kind, target: target === null ? null : clip(target, 120), cause, message: clip(detail, 240) };
}
