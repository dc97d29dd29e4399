/**
 * Does nodekeeper's own executable still match the manifest of its hash that
 * the release build sealed into it (src/effects/executable.ts)? Only the
 * release executable has one; run through node (bin/nodekeeper.js) there is
 * nothing to check and the self component is left as it is.
 *
 * Cheap enough for a process started every minute: hashing the ~90 MB file
 * takes a few hundred ms of CPU, so a full hash runs at most once an hour; in
 * between, each start compares the file's identity (device, inode, size,
 * mtime, ctime: one fstat) with the one recorded at the last full hash in the
 * state folder (`self-check.json`). Any write to the file moves its ctime,
 * which no one can set back, so a change is seen at the next start; what a
 * write cannot explain (a disk that flips bits) is seen within the hour.
 * The hour is measured on the wall clock, as it must be across processes; a
 * record from the future (the clock stepped back) is never recent.
 */
import { fileIdentity, ownManifest, sealedHash } from "../effects/executable.js";
import type { SelfManifest } from "../effects/executable.js";
import { readSelfCheckRecord, SELF_CHECK_FILE, writeSelfCheckRecord } from "../state/self-check.js";
import type { SelfCheckRecord as Record } from "../state/self-check.js";
import type { ComponentResult } from "./components.js";
import { CODES } from "../contract/result-codes.js";
import type { Status } from "../contract/status.js";

export const FULL_CHECK_EVERY_MS = 3_600_000; // 1 h
export const RECORD_FILE = SELF_CHECK_FILE;


export interface SelfIntegrityDeps {
  readonly manifest: () => Promise<SelfManifest | null>;
  readonly executable: string;
  readonly identity: (file: string) => Promise<Record["identity"]>;
  readonly hash: (file: string, manifest: SelfManifest) => Promise<string>;
  /** Wall-clock ms. */
  readonly now: () => number;
  /** Where the record of the last full hash lives; null: none kept (every start hashes). */
  readonly stateDir: string | null;
}

export interface SelfIntegrity {
  readonly status: Status;
  readonly resultCode: number;
  readonly description: string;
  /** A full hash ran for this answer (false: the recorded one was reused). */
  readonly hashed: boolean;
}

/** The last record of this process (the `run` loop): saves reading the file each cycle. */
let memo: Record | null = null;

/** null when this is not the release executable (nothing to check). Never throws. */
export async function checkSelfIntegrity(deps: SelfIntegrityDeps): Promise<SelfIntegrity | null> {
  let manifest: SelfManifest | null;
  try {
    manifest = await deps.manifest();
  } catch {
    manifest = null;
  }
  if (manifest === null) return null;
  try {
    const identity = await deps.identity(deps.executable);
    const stateDir = deps.stateDir;
    const previous = memo ?? (stateDir === null ? null : await readSelfCheckRecord(stateDir));
    const now = deps.now();
    const reusable = previous !== null && previous.executable === deps.executable && previous.expected === manifest.sha256
      && sameIdentity(previous.identity, identity) && now >= previous.checkedAt && now - previous.checkedAt < FULL_CHECK_EVERY_MS;
    const record: Record = reusable
      ? previous
      : { v: 1, executable: deps.executable, identity, expected: manifest.sha256, actual: await deps.hash(deps.executable, manifest), checkedAt: now };
    memo = record;
    if (!reusable && stateDir !== null) await writeSelfCheckRecord(stateDir, record);
    const at = new Date(record.checkedAt).toISOString();
    return record.actual === record.expected
      ? { status: "OK", resultCode: 0, description: `executable ${deps.executable} matches its manifest (checked ${at})`, hashed: !reusable }
      : {
          status: "ERROR", resultCode: CODES.SELF_EXECUTABLE_CHANGED, hashed: !reusable,
          description: `executable ${deps.executable} CHANGED since the release build: sha256 ${record.actual.slice(0, 16)}…, its manifest says ${record.expected.slice(0, 16)}… (checked ${at}); run nodekeeper verify-install and reinstall`,
        };
  } catch (error) {
    memo = null;
    const why = (error as { code?: string } | null)?.code ?? (error instanceof Error ? error.message : String(error));
    return { status: "UNKNOWN", resultCode: CODES.SELF_EXECUTABLE_UNREADABLE, description: `cannot read the executable ${deps.executable} to check it (${why})`, hashed: false };
  }
}

/** The self component with the check's verdict; unchanged when there is nothing to check or it matches. */
export function withSelfIntegrity(self: ComponentResult, integrity: SelfIntegrity | null): ComponentResult {
  if (integrity === null || integrity.status === "OK") return self;
  return { ...self, status: integrity.status, resultCode: integrity.resultCode, description: `${self.description}; ${integrity.description}` };
}

/** The check with the real executable, its embedded manifest and the state folder. */
export function selfIntegrity(stateDir: string, now: () => number): Promise<SelfIntegrity | null> {
  return checkSelfIntegrity({ manifest: ownManifest, executable: process.execPath, identity: fileIdentity, hash: sealedHash, now, stateDir });
}

/** Forget the in-process record (tests). */
export function resetSelfIntegrityMemo(): void {
  memo = null;
}

function sameIdentity(a: Record["identity"], b: Record["identity"]): boolean {
  return a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs;
}
