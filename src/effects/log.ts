/**
 * Logging: pino JSON lines to stderr, or to a file from the configuration.
 * Synchronous writes, so that a line written just before process.exit is not
 * lost. Secrets are redacted by key wherever they appear, and any string the
 * caller registers as secret (the tokens' values) is scrubbed from every
 * line, so a token that slipped into an error message never reaches the log.
 * Every string is cleaned of control characters and capped (src/contract/text.ts).
 */
import type { Logger } from "pino";
import { cleanDeep, cleanText, redactDeep, redactText } from "../contract/text.js";

export type { Logger };

const REDACT_PATHS = [
  "token", "*.token", "authorization", "*.authorization", "headers.authorization", "*.headers.authorization",
  "password", "*.password", "secret", "*.secret",
];

export interface LogOptions {
  readonly level: string;
  readonly file?: string | undefined;
  /** Strings that must never appear in a log line (token values). */
  readonly secrets?: readonly string[];
}

export async function createLogger(options: LogOptions): Promise<Logger> {
  const { default: pino } = await import("pino");
  const destination = options.file
    ? pino.destination({ dest: options.file, mkdir: true, sync: true })
    : pino.destination({ dest: 2, sync: true });
  const secrets = (options.secrets ?? []).filter((s) => s.length > 0);
  // The last line of defence for text from outside: every string of every line
  // is cleaned of control characters and capped, and every secret (any length)
  // redacted, on the parsed record so that a short secret cannot cut through
  // the JSON around it.
  const stream = {
    write(line: string) {
      destination.write(safeLogLine(line, secrets));
    },
  };
  return pino(
    {
      level: options.level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT_PATHS, censor: "[redacted]" },
      formatters: { level: (label) => ({ level: label }) },
    },
    stream,
  );
}

/** The longest string kept in a log line: 4 KiB of characters (a stack trace fits; a 200 KB answer does not). */
export const LOG_STRING_MAX_CHARS = 4096;

/** One log line, cleaned and redacted (see createLogger). Never throws. */
export function safeLogLine(line: string, secrets: readonly string[]): string {
  try {
    const record = JSON.parse(line) as unknown;
    return `${JSON.stringify(cleanDeep(redactDeep(record, secrets), LOG_STRING_MAX_CHARS))}\n`;
  } catch {
    return `${cleanText(redactText(line, secrets), LOG_STRING_MAX_CHARS)}\n`;
  }
}

/**
 * Logs a line only when `value` differs from the last one logged under `key`:
 * a node that is down for an hour says so once, not sixty times. `memory`
 * persists between cycles (the state directory for `report` from a timer).
 */
export function logOnChange(
  logger: Logger,
  memory: Map<string, string>,
  key: string,
  value: string,
  log: (logger: Logger) => void,
): void {
  if (memory.get(key) === value) return;
  memory.set(key, value);
  log(logger);
}
