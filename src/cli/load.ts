/**
 * What an action loads before it calls its command: the configuration (from
 * --config or NODEKEEPER_CONFIG), the real effects with the signal handlers,
 * the cycle's logger. Each loads its modules lazily, so `--help` does not pay
 * for undici or the probes.
 */
import type { Config } from "../config/schema.js";
import { handleSignals } from "./signals.js";

export interface GlobalOptions {
  config?: string;
  debug?: boolean;
}

export function configFile(options: GlobalOptions): string | undefined {
  return options.config ?? (process.env["NODEKEEPER_CONFIG"] || undefined);
}

/**
 * The real effects, with the signal handlers installed (src/cli/signals.ts):
 * by default a signal is a hard stop; with `graceful` the first one aborts it
 * and `stopping` says what happens now.
 */
export async function loadEffects(graceful?: AbortController, stopping = "stopping after the current cycle") {
  // zod's settings before any schema is built: `dev` builds some before it reads a configuration.
  await import("../config/zod-settings.js");
  const { realEffects } = await import("../effects/real.js");
  const effects = realEffects();
  handleSignals(effects.runner, graceful, stopping);
  return effects;
}

export async function loadConfigFor(options: GlobalOptions) {
  const { loadConfig } = await import("../config/load.js");
  return loadConfig(configFile(options));
}

/**
 * Run as root, hands files that were made in the state folder without going
 * through the state writers (the repair's log, last-outcome) to the folder's
 * owner (src/state/owner.ts). Nothing to do for any other user.
 */
export async function adoptStateFiles(stateDir: string): Promise<void> {
  if (process.geteuid?.() !== 0) return;
  const { adoptStateFiles: adopt } = await import("../state/owner.js");
  await adopt(stateDir);
}

/** The logger of report/run, with every secret value (both tokens) registered to scrub from logs and the audit. */
export async function cycleLogger(config: Config) {
  const { createLogger } = await import("../effects/log.js");
  const { readSecretFile } = await import("../config/secret-file.js");
  const files: Array<[string, string | undefined]> = [["missionControl.tokenFile", config.missionControl.tokenFile], ["server.tokenFile", config.server.tokenFile]];
  const secrets: string[] = [];
  for (const [key, file] of files) {
    if (file === undefined) continue;
    const read = await readSecretFile(key, file);
    if (read.ok) secrets.push(read.token);
  }
  return { logger: await createLogger({ level: config.log.level, file: config.log.file, secrets }), secrets };
}

/** libuv's thread-pool size of this process, as it started (diagnose and support-bundle judge it). */
export function threadPoolSize(): number {
  return Number(process.env["UV_THREADPOOL_SIZE"] ?? 4);
}
