/**
 * The audit log: what left the node and what came back, one JSON line per
 * exchange, so an operator can see exactly what was sent (`jq` friendly).
 *
 * File: `{stateDir}/audit.jsonl`, rotated before a line would take it past
 * `maxBytes` (default 10 MiB): audit.jsonl → audit.jsonl.1 → … → .{keep}
 * (default 3), the oldest deleted. The log therefore never takes more than
 * (keep + 1) × maxBytes.
 *
 * Lines written by the exchange (src/mission-control/flush.ts) have `type: "exchange"`; other
 * parts of a cycle (the apply step) may append their own `type`s here too.
 * Every line is redacted of the secrets given (the tokens, any length), string
 * by string, before it touches the disk: the request headers are logged with
 * `Authorization: Bearer [REDACTED]`, and an answer that echoes a token is
 * redacted too. Every string is cleaned of control characters and capped
 * (src/contract/text.ts), and no line is longer than `maxBytes`: a bigger one
 * is replaced by a short record saying so. The bound therefore holds exactly:
 * no file is ever over `maxBytes`.
 *
 * Each line is appended with one write and fsynced. A crash mid-write can
 * leave a torn last line: the next append starts on a fresh line, and readers
 * skip lines that do not parse.
 *
 * One writer at a time (the cycle lock). Never throws: an audit failure is
 * reported to the caller, which logs it; it never fails a cycle.
 */
import { open, readFile, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import type { AuditConfig } from "../config/mission-control.js";
import { cleanDeep, redactDeep } from "../contract/text.js";
import { ensureDir } from "./atomic.js";
import { handOver, ownerFor } from "./owner.js";

export const AUDIT_FILE = "audit.jsonl";

export type AuditLimits = Pick<AuditConfig, "maxBytes" | "keep">;
export const DEFAULT_AUDIT_LIMITS: AuditLimits = { maxBytes: 10 * 1024 * 1024, keep: 3 };

export function auditPath(stateDir: string): string {
  return join(stateDir, AUDIT_FILE);
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch (error) {
    if ((error as { code?: unknown }).code === "ENOENT") return 0;
    throw error;
  }
}

async function rotate(path: string, keep: number): Promise<void> {
  if (keep === 0) {
    await rm(path, { force: true });
    return;
  }
  await rm(`${path}.${keep}`, { force: true });
  for (let i = keep - 1; i >= 1; i--) {
    await rename(`${path}.${i}`, `${path}.${i + 1}`).catch((error: unknown) => {
      if ((error as { code?: unknown }).code !== "ENOENT") throw error;
    });
  }
  await rename(path, `${path}.1`);
}

/** The longest string kept in an audit line: 64 KiB of characters (text from outside is capped far below, at its boundary). */
const AUDIT_STRING_MAX_CHARS = 64 * 1024;

/**
 * One audit line: secrets redacted (any length) and every string cleaned of
 * control characters and capped, on the record (not its JSON text). A line
 * that would not fit in `maxBytes` on its own is replaced by a short record
 * saying so, so the bound holds exactly; null if even that does not fit.
 */
export function auditLine(record: Readonly<Record<string, unknown>>, secrets: readonly string[], maxBytes: number, now?: number): string | null {
  const clean = cleanDeep(redactDeep(record, secrets), AUDIT_STRING_MAX_CHARS);
  const line = `${JSON.stringify(clean)}\n`;
  const bytes = Buffer.byteLength(line);
  if (bytes <= maxBytes) return line;
  const short = `${JSON.stringify({
    type: typeof clean["type"] === "string" ? clean["type"] : "unknown",
    // Every writer stamps its lines; a record without one gets the time it is written, when given.
    at: typeof clean["at"] === "string" ? clean["at"] : now !== undefined ? new Date(now).toISOString() : null,
    reportId: typeof clean["reportId"] === "string" ? clean["reportId"] : null,
    omitted: `a ${bytes}-byte audit line, over the ${maxBytes}-byte bound of the audit log`,
  })}\n`;
  return Buffer.byteLength(short) <= maxBytes ? short : null;
}

export type AuditWrite = { ok: true } | { ok: false; reason: string };

export async function appendAudit(
  stateDir: string,
  record: Readonly<Record<string, unknown>>,
  /** now: wall-clock ms (effects.clock.now()), for the short record of a line too big to keep. */
  options: { limits?: AuditLimits; secrets?: readonly string[]; now?: number } = {},
): Promise<AuditWrite> {
  const limits = options.limits ?? DEFAULT_AUDIT_LIMITS;
  try {
    const line = auditLine(record, options.secrets ?? [], limits.maxBytes, options.now);
    if (line === null) return { ok: false, reason: `audit log not written: a line does not fit in ${limits.maxBytes} bytes even shortened` };
    const bytes = Buffer.byteLength(line);
    await ensureDir(stateDir);
    const owner = await ownerFor(stateDir);
    const path = auditPath(stateDir);
    let size = await sizeOf(path);
    // +1: the newline a torn last line may need before this one.
    if (size > 0 && size + bytes + 1 > limits.maxBytes) {
      await rotate(path, limits.keep);
      size = 0;
    }
    const handle = await open(path, "a+", 0o640);
    try {
      // Run as root: the log stays the state folder owner's (src/state/owner.ts).
      await handOver(handle, owner);
      let prefix = "";
      if (size > 0) {
        // A torn last line (crash mid-append) must not swallow this one.
        const last = Buffer.alloc(1);
        const { bytesRead } = await handle.read(last, 0, 1, size - 1);
        if (bytesRead === 1 && last[0] !== 0x0a) prefix = "\n";
      }
      await handle.writeFile(prefix + line);
      await handle.sync();
    } finally {
      await handle.close();
    }
    return { ok: true };
  } catch (error) {
    return { ok: false, reason: `audit log not written: ${(error as Error).message}` };
  }
}

/** One audit line as `explain` reads it: its text and, when it parses, the object. */
export interface AuditEntry {
  /** Position in the log, oldest first, across the rotated files. */
  readonly index: number;
  readonly text: string;
}

/**
 * The audit log's lines, oldest first (audit.jsonl.{keep} … .1, then
 * audit.jsonl), as text: callers parse only the lines they need. Files that
 * do not exist are skipped; never throws for a missing log.
 */
export async function readAuditLines(stateDir: string, keep: number = DEFAULT_AUDIT_LIMITS.keep): Promise<AuditEntry[]> {
  const path = auditPath(stateDir);
  const files = [...Array.from({ length: keep }, (_, i) => `${path}.${keep - i}`), path];
  const out: AuditEntry[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (error) {
      if ((error as { code?: unknown }).code === "ENOENT") continue;
      throw error;
    }
    for (const line of text.split("\n")) if (line.trim() !== "") out.push({ index: out.length, text: line });
  }
  return out;
}

/** The line's object, or null when it does not parse (a torn last line). */
export function parseAuditLine(entry: AuditEntry): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(entry.text);
    return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
