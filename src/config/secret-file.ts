/**
 * Secret files: the Mission Control bearer token (`missionControl.tokenFile`)
 * and the server API token (`server.tokenFile`), one rule for both.
 *
 * Like ssh with private keys, a secret file that group or others can read or
 * write is refused: the token grants this node's voice in the control plane
 * (or the server's management API), and a world-readable copy of it is a leak
 * waiting to happen. The check is made on the opened descriptor (fstat), so
 * the file checked is the file read.
 *
 * Never throws, and no message ever contains the secret: errors name the key,
 * the file, its mode and the fix (`chmod 600 FILE`), nothing read from it.
 * The value read is then registered for redaction (logs, audit), whatever its
 * length (src/contract/text.ts).
 */
import { constants } from "node:fs";
import { open } from "node:fs/promises";

/** The errno code of a file-system error, if any. */
export function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

export type TokenRead = { ok: true; token: string } | { ok: false; reason: string };

/** A token is a few hundred bytes; anything bigger is not a token file. */
const MAX_TOKEN_FILE_BYTES = 64 * 1024; // 64 KiB

/**
 * What may go in `Authorization: Bearer …`: printable ASCII without spaces
 * (RFC 6750's b64token is a subset). A CR or LF would be header injection.
 */
const TOKEN_SYNTAX = /^[\x21-\x7e]+$/;

function describeAccess(mode: number): string {
  const who: string[] = [];
  if (mode & 0o060) who.push(`${mode & 0o040 ? "readable" : "writable"} by group`);
  if (mode & 0o006) who.push(`${mode & 0o004 ? "readable" : "writable"} by others`);
  if (who.length === 0) who.push("accessible by group or others"); // only execute bits
  return who.join(" and ");
}

/**
 * Reads the secret in `file`, named `key` in messages (`missionControl.tokenFile`,
 * `server.tokenFile`, `missionControl.keyFile`). `kind`: "token" (one header
 * value: printable ASCII, trimmed) or "pem" (a private key, as is). Never
 * throws; no message holds anything read from the file.
 */
export async function readSecretFile(key: string, tokenFile: string, kind: "token" | "pem" = "token"): Promise<TokenRead> {
  let handle;
  try {
    // O_NONBLOCK: a FIFO put in place of the file must not hang the cycle on open.
    handle = await open(tokenFile, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (error) {
    const code = codeOf(error);
    const why = code === "ENOENT" ? "does not exist" : code === "EACCES" ? "is not readable by this user" : `cannot be opened (${code ?? "error"})`;
    return { ok: false, reason: `${key} ${tokenFile} ${why}` };
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) {
      return { ok: false, reason: `${key} ${tokenFile} is not a regular file` };
    }
    const mode = stat.mode & 0o777;
    if (mode & 0o077) {
      return {
        ok: false,
        reason:
          `${key} ${tokenFile} is ${describeAccess(mode)} (mode ${mode.toString(8).padStart(4, "0")}); ` +
          `the ${kind === "pem" ? "private key" : "token"} must be private: run chmod 600 ${tokenFile}`,
      };
    }
    if (stat.size > MAX_TOKEN_FILE_BYTES) {
      return { ok: false, reason: `${key} ${tokenFile} is ${stat.size} bytes: too big for a token` };
    }
    const buffer = Buffer.alloc(MAX_TOKEN_FILE_BYTES + 1);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    // Trailing newline (echo > file) and surrounding blanks are not part of the token.
    const text = buffer.subarray(0, bytesRead).toString("utf8");
    buffer.fill(0);
    if (kind === "pem") return text.trim().length === 0 ? { ok: false, reason: `${key} ${tokenFile} is empty` } : { ok: true, token: text };
    const token = text.trim();
    if (token.length === 0) {
      return { ok: false, reason: `${key} ${tokenFile} is empty` };
    }
    if (!TOKEN_SYNTAX.test(token)) {
      return {
        ok: false,
        reason: `${key} ${tokenFile} holds characters that cannot go in an HTTP header (printable ASCII without spaces expected)`,
      };
    }
    return { ok: true, token };
  } catch (error) {
    const code = codeOf(error);
    return { ok: false, reason: `${key} ${tokenFile} cannot be read (${code ?? "error"})` };
  } finally {
    await handle.close().catch(() => undefined);
  }
}

