/**
 * The bearer token for Mission Control, read from `missionControl.tokenFile`
 * with the rules of every secret file (src/config/secret-file.ts).
 */
import { readSecretFile } from "../config/secret-file.js";
import type { TokenRead } from "../config/secret-file.js";
import { redactText } from "../contract/text.js";

export { codeOf } from "../config/secret-file.js";
export type { TokenRead } from "../config/secret-file.js";

export function readBearerToken(tokenFile: string): Promise<TokenRead> {
  return readSecretFile("missionControl.tokenFile", tokenFile);
}

/**
 * Replaces every occurrence of a secret in text bound for a log, an audit line
 * or a message, whatever the secret's length. Belt and braces: nothing should
 * carry the token in the first place, but an answer body that echoes it must
 * not put it on disk.
 */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  return redactText(text, secrets);
}
