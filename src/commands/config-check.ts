/** `config check`: validates the configuration and returns the effective one, secrets redacted. */
import { loadConfig, redactConfig } from "../config/load.js";

export interface ConfigCheckResult {
  readonly file: string | null;
  readonly effective: unknown;
}

/** Throws ConfigError (exit 64) when the file is invalid. */
export async function configCheck(file: string | undefined): Promise<ConfigCheckResult> {
  const loaded = await loadConfig(file);
  return { file: loaded.file, effective: redactConfig(loaded.config) };
}
