/**
 * `self-check.json` in the state folder: the record of the last full hash of
 * nodekeeper's own executable (src/probes/self-integrity.ts decides when to
 * hash again; this module only keeps the record).
 */
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import type { fileIdentity } from "../effects/executable.js";
import { writeFileAtomic } from "./atomic.js";

export const SELF_CHECK_FILE = "self-check.json";

type FileIdentity = Awaited<ReturnType<typeof fileIdentity>>;

export interface SelfCheckRecord {
  readonly v: 1;
  readonly executable: string;
  readonly identity: FileIdentity;
  readonly expected: string;
  readonly actual: string;
  readonly checkedAt: number;
}

export async function readSelfCheckRecord(stateDir: string): Promise<SelfCheckRecord | null> {
  const file = join(stateDir, SELF_CHECK_FILE);
  try {
    const r = JSON.parse(await readFile(file, "utf8")) as Partial<SelfCheckRecord> | null;
    const id = r?.identity;
    const ok = r?.v === 1 && typeof r.executable === "string" && typeof r.expected === "string" && typeof r.actual === "string"
      && typeof r.checkedAt === "number" && id !== undefined && [id.dev, id.ino, id.size, id.mtimeMs, id.ctimeMs].every((n) => typeof n === "number");
    return ok ? (r as SelfCheckRecord) : null;
  } catch {
    return null; // none yet, or damaged: hash again
  }
}

/** Best effort: a state folder that is missing (status before the first install) or not writable only costs a hash next time. */
export async function writeSelfCheckRecord(stateDir: string, record: SelfCheckRecord): Promise<void> {
  try {
    await stat(stateDir);
    await writeFileAtomic(join(stateDir, SELF_CHECK_FILE), `${JSON.stringify(record)}\n`);
  } catch {
    // not kept
  }
}
