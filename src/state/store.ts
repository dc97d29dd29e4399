/**
 * A crash-safe JSON state file, validated by a zod schema on every read and
 * every write.
 *
 * Layout, for a state file `P`:
 * - `P`          the main copy;
 * - `P.bak`      the last good copy: the same bytes, written right after `P`;
 * - `P.corrupt`  the last main copy found torn or invalid (kept for forensics,
 *                only when the reader asks for it, one copy, overwritten);
 * - `.P.<uuid>.tmp`, `.P.bak.<uuid>.tmp`  leftovers of a write killed half-way
 *                (see `writeFileAtomic`); removed by later writes once they are
 *                older than a minute (`removeStaleTemps`, the one sweeper of
 *                temp files, also used for the Prometheus textfile).
 *
 * Writing: validate, serialise, then `writeFileAtomic` (temp file, fsync,
 * rename, fsync the folder) first for `P`, then for `P.bak`. A kill at any
 * moment leaves `P` as the old or the new state, never a torn one; a kill
 * between the two renames leaves `P` new and `P.bak` one write older, which is
 * still a good copy.
 *
 * Reading never throws and never writes `P` or `P.bak` (a `status` command may
 * read while a cycle writes): a torn, empty, oversized, non-JSON or
 * schema-invalid main copy falls back to `P.bak`, then to the caller's initial
 * value, and the result says what happened in plain words, so that nodekeeper
 * does not crash in a loop on a bad file and `status` can tell the operator.
 * An I/O error (EACCES, EIO...) is different from corruption: the file may be
 * fine behind a passing fault, so when no good copy can be read the result is
 * an error and the caller must not overwrite the state.
 */
import { lstat, open, readdir, rm, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { tempPrefix, writeFileAtomic } from "./atomic.js";

/** State files are small; anything bigger than this is not ours: 8 MiB. */
const DEFAULT_MAX_BYTES = 8 * 1024 * 1024;
/** A temp file younger than this may belong to a writer still at work: 60 s. */
const STALE_TEMP_AGE_MS = 60_000;

/**
 * What a state file needs of its schema: zod's `safeParse`. Structural, so that
 * this module does not load zod itself (the kill -9 test starts hundreds of
 * writer processes, and every one would pay for it); any zod schema fits.
 */
export interface StateSchema<T> {
  safeParse(data: unknown):
    | { success: true; data: T }
    | { success: false; error: { issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }> } };
}

/** What was wrong with a state file, and what was used instead (zod schema: RecoveryNoteSchema in apply-state.ts). */
export interface RecoveryNote {
  /** When the bad copy was found (RFC 3339 UTC). */
  at: string;
  /** The main copy's path. */
  file: string;
  /** What was wrong with the main copy, in plain words. */
  problem: string;
  /** Which copy was used instead: the `.bak` one, or the initial (empty) state. */
  used: "backup" | "initial";
  /** Where the bad bytes were kept, if they were. */
  preservedAs: string | null;
}

export type StateRead<T> =
  | { readonly ok: true; readonly value: T; readonly source: "main" | "backup" | "initial"; readonly recovery: RecoveryNote | null }
  | { readonly ok: false; readonly error: string };

export interface StateFile<T> {
  readonly path: string;
  readonly backupPath: string;
  readonly corruptPath: string;
  /**
   * Reads the state. `preserveCorrupt`: copy a bad main copy to `P.corrupt`
   * before it is overwritten by the next write (for the writer, not `status`).
   */
  read(options?: { preserveCorrupt?: boolean }): Promise<StateRead<T>>;
  /** Validates and writes atomically; rejects (with the reason) when it cannot. */
  write(value: T): Promise<void>;
}

export interface StateFileOptions<T> {
  /** The state to use when there is no file yet, or no good copy. */
  readonly initial: () => T;
  /** Wall-clock milliseconds, for the recovery note's time. */
  readonly now: () => number;
  readonly maxBytes?: number;
  /** File mode of the state files: 0640 by default. */
  readonly mode?: number;
}

type CopyRead<T> =
  | { kind: "missing" }
  | { kind: "io"; error: string }
  | { kind: "invalid"; problem: string; bytes: Buffer }
  | { kind: "ok"; value: T };

/** Reads and checks one copy of a state file; never throws. */
async function readCopy<T>(file: string, schema: StateSchema<T>, maxBytes: number): Promise<CopyRead<T>> {
  let bytes: Buffer;
  try {
    const handle = await open(file, "r");
    try {
      const info = await handle.stat();
      if (!info.isFile()) return { kind: "invalid", problem: "it is not a regular file", bytes: Buffer.alloc(0) };
      if (info.size > maxBytes) {
        return { kind: "invalid", problem: `it is ${info.size} bytes, over the ${maxBytes}-byte limit`, bytes: Buffer.alloc(0) };
      }
      bytes = await handle.readFile();
    } finally {
      await handle.close();
    }
  } catch (error) {
    if (errorCode(error) === "ENOENT") return { kind: "missing" };
    return { kind: "io", error: `cannot read ${file}: ${errorMessage(error)}` };
  }
  if (bytes.length === 0) return { kind: "invalid", problem: "it is empty (a torn write)", bytes };
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString("utf8"));
  } catch (error) {
    return { kind: "invalid", problem: `it is not valid JSON (${errorMessage(error)})`, bytes };
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? issue.path.map(String).join(".") : "(top level)";
    return { kind: "invalid", problem: `it does not match the state schema (${where}: ${issue?.message ?? "invalid"})`, bytes };
  }
  return { kind: "ok", value: parsed.data };
}

export function stateFile<T>(path: string, schema: StateSchema<T>, options: StateFileOptions<T>): StateFile<T> {
  const backupPath = `${path}.bak`;
  const corruptPath = `${path}.corrupt`;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;

  async function preserve(bytes: Buffer): Promise<string | null> {
    if (bytes.length === 0) return null;
    try {
      await writeFileAtomic(corruptPath, bytes, { mode: options.mode ?? 0o640 });
      return corruptPath;
    } catch {
      return null; // keeping the bad bytes is a courtesy; failing to is no reason to stop
    }
  }

  async function read(readOptions: { preserveCorrupt?: boolean } = {}): Promise<StateRead<T>> {
    const main = await readCopy(path, schema, maxBytes);
    if (main.kind === "ok") return { ok: true, value: main.value, source: "main", recovery: null };
    const backup = await readCopy(backupPath, schema, maxBytes);
    if (main.kind === "missing" && backup.kind === "missing") {
      return { ok: true, value: options.initial(), source: "initial", recovery: null }; // first run
    }
    const at = new Date(options.now()).toISOString();
    let problem: string;
    let preservedAs: string | null = null;
    if (main.kind === "missing") problem = "the main copy is missing";
    else if (main.kind === "io") problem = main.error;
    else {
      problem = `the main copy is unusable: ${main.problem}`;
      if (readOptions.preserveCorrupt) preservedAs = await preserve(main.bytes);
    }
    if (backup.kind === "ok") {
      return { ok: true, value: backup.value, source: "backup", recovery: { at, file: path, problem, used: "backup", preservedAs } };
    }
    if (main.kind === "io" || backup.kind === "io") {
      // Maybe a passing fault: do not replace a state we could not even read.
      const backupProblem = backup.kind === "io" ? backup.error : "the backup copy is unusable too";
      return { ok: false, error: `${problem}; ${backupProblem}` };
    }
    const backupProblem = backup.kind === "missing" ? "there is no backup copy" : `the backup copy is unusable too: ${backup.problem}`;
    return {
      ok: true,
      value: options.initial(),
      source: "initial",
      recovery: { at, file: path, problem: `${problem}; ${backupProblem}`, used: "initial", preservedAs },
    };
  }

  async function write(value: T): Promise<void> {
    const text = `${JSON.stringify(value, null, 2)}\n`;
    // Validate what will be read back, not the in-memory value: a Date, an
    // undefined or a NaN would not survive JSON, and an invalid state on disk
    // is exactly what this module exists to prevent.
    const check = schema.safeParse(JSON.parse(text));
    if (!check.success) {
      const issue = check.error.issues[0];
      throw new Error(`refusing to write an invalid state to ${path}: ${issue?.path.map(String).join(".") ?? ""}: ${issue?.message ?? "invalid"}`);
    }
    const size = Buffer.byteLength(text);
    if (size > maxBytes) throw new Error(`refusing to write ${size} bytes to ${path}: over the ${maxBytes}-byte limit, it could not be read back`);
    await writeFileAtomic(path, text, { mode: options.mode ?? 0o640 });
    // `.P.` also matches the backup copy's temps (`.P.bak.<uuid>.tmp`).
    await removeStaleTempsOf(path, STALE_TEMP_AGE_MS);
    await writeFileAtomic(backupPath, text, { mode: options.mode ?? 0o640 });
  }

  return { path, backupPath, corruptPath, read, write };
}

/**
 * The one stale-temp sweeper: removes the temp files of writes killed half-way
 * from `dir`: regular files whose names start with `prefix` and end in `.tmp`,
 * last modified more than `maxAgeMs` before `nowMs`. Younger ones may belong to
 * a writer still at work. Best effort: never throws (a file gone meanwhile, or
 * not ours to remove, is left to the next sweep).
 *
 * `nowMs` is a time on the clock that stamps file mtimes (the kernel's or the
 * file server's), not the injected clock, which tests set to a fixed or
 * stepped time: see `removeStaleTempsOf`.
 */
export async function removeStaleTemps(dir: string, match: { prefix: string; maxAgeMs: number }, nowMs: number): Promise<number> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return 0; // no folder: the write reports the real problem
  }
  let removed = 0;
  const cutoff = nowMs - match.maxAgeMs;
  for (const name of names) {
    if (!name.startsWith(match.prefix) || !name.endsWith(".tmp")) continue;
    const file = join(dir, name);
    try {
      const info = await lstat(file);
      if (info.isFile() && info.mtimeMs < cutoff) {
        await rm(file, { force: true });
        removed += 1;
      }
    } catch {
      // gone already, or not ours to remove: either way nothing to do
    }
  }
  return removed;
}

/**
 * After a write of `path` (writeFileAtomic): removes the stale temps of earlier
 * writes of it. Their age is measured against the mtime of the file just
 * written, so both times come from the clock that stamps files, whatever time
 * the injected clock tells.
 */
export async function removeStaleTempsOf(path: string, maxAgeMs: number): Promise<void> {
  let nowMs: number;
  try {
    nowMs = (await stat(path)).mtimeMs;
  } catch {
    return; // replaced or removed meanwhile: the next write sweeps
  }
  await removeStaleTemps(dirname(path), { prefix: tempPrefix(path), maxAgeMs }, nowMs);
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
