/**
 * Logging: pino JSON lines to stderr, or to a file from the configuration.
 * Synchronous writes, so that a line written just before process.exit is not
 * lost. Secrets are redacted by key wherever they appear, and any string the
 * caller registers as secret (the bearer token's value) is scrubbed from every
 * line, so a token that slipped into an error message never reaches the log.
 */
import type { Logger } from "pino";

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
  const secrets = (options.secrets ?? []).filter((s) => s.length >= 8);
  const stream = secrets.length === 0 ? destination : {
    write(line: string) {
      let clean = line;
      for (const secret of secrets) clean = clean.split(secret).join("[redacted]");
      destination.write(clean);
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
