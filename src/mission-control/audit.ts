/**
 * The audit log: what left the node and what came back, one JSON line per
 * exchange, so an operator can see exactly what was sent (`jq` friendly).
 *
 * File: `{stateDir}/audit.jsonl`, rotated before a line would take it past
 * `maxBytes` (default 10 MiB): audit.jsonl → audit.jsonl.1 → … → .{keep}
 * (default 3), the oldest deleted. The log therefore never takes more than
 * (keep + 1) × maxBytes.
 *
 * Lines written by the exchange (exchange.ts) have `type: "exchange"`; other
 * parts of a cycle (the apply step) may append their own `type`s here too.
 * Every line is redacted of the secrets given (the bearer token), in raw and
 * JSON-escaped form, before it touches the disk: the request headers are
 * logged with `Authorization: Bearer [REDACTED]`, and an answer that echoes the
 * token is redacted too.
 *
 * Each line is appended with one write and fsynced. A crash mid-write can
 * leave a torn last line: the next append starts on a fresh line, and readers
 * skip lines that do not parse.
 *
 * One writer at a time (the cycle lock). Never throws: an audit failure is
 * reported to the caller, which logs it; it never fails a cycle.
 */
import { mkdir, open, readFile, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import type { AuditConfig } from "../config/mission-control.js";
import { redactSecrets } from "./token.js";

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

export type AuditWrite = { ok: true } | { ok: false; reason: string };

export async function appendAudit(
  stateDir: string,
  record: Readonly<Record<string, unknown>>,
  options: { limits?: AuditLimits; secrets?: readonly string[] } = {},
): Promise<AuditWrite> {
  const limits = options.limits ?? DEFAULT_AUDIT_LIMITS;
  try {
    const line = redactSecrets(JSON.stringify(record), options.secrets ?? []) + "\n";
    const bytes = Buffer.byteLength(line);
    await mkdir(stateDir, { recursive: true, mode: 0o750 });
    const path = auditPath(stateDir);
    let size = await sizeOf(path);
    if (size > 0 && size + bytes > limits.maxBytes) {
      await rotate(path, limits.keep);
      size = 0;
    }
    const handle = await open(path, "a+", 0o640);
    try {
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
