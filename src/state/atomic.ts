/**
 * Crash-safe file writes. A crash at any moment (kill -9, power loss) leaves
 * either the previous or the new content, never a torn file: write a temp file
 * in the same folder, fsync it, rename it over the target, fsync the folder so
 * the rename itself is durable.
 *
 * Ownership: run as root, the file is given to the owner of the folder it is
 * written into before it gets its name (src/state/owner.ts), so a command run
 * by hand as root never leaves a file the service user cannot read or replace.
 * The same for a folder this creates.
 */
import { randomUUID } from "node:crypto";
import { mkdir, open, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { handOver, matchFolderOwner, ownerFor } from "./owner.js";

export interface AtomicWriteOptions {
  /** File mode, 0640 by default; the process umask may narrow it unless `exactMode`. */
  readonly mode?: number;
  /**
   * Set the mode with fchmod, which the umask does not touch: for a file
   * another user must read (node_exporter's textfile) while the systemd units
   * set UMask=0077. Off by default: state files keep what the umask leaves.
   */
  readonly exactMode?: boolean;
  /**
   * The file lives in nodekeeper's own folders (the state folder, default):
   * missing folders are created, and run as root the file is given to the
   * folder's owner. Off for a folder that belongs to another program: it is
   * neither created (ENOENT instead) nor its files' owner changed.
   */
  readonly ownFolder?: boolean;
  /**
   * fsync the file before the rename and the folder after it (default): the
   * new content survives a power loss. Off where an older or empty file after
   * a power loss is harmless and a rewrite comes soon anyway.
   */
  readonly durable?: boolean;
}

/**
 * Writes `data` to `path` so that a reader (or a crash) sees the old or the
 * new content, never a mix. On any failure the temp file is removed and the
 * error thrown; the target is untouched.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): Promise<void> {
  const { mode = 0o640, exactMode = false, ownFolder = true, durable = true } = options;
  const dir = dirname(path);
  if (ownFolder) await ensureDir(dir);
  const owner = ownFolder ? await ownerFor(dir) : null;
  // The temp name starts with a dot and ends in .tmp so that readers listing the
  // folder (the outbox; node_exporter, which reads every `*.prom`) skip it and
  // the stale-temp sweeper (store.ts removeStaleTemps) finds leftovers of a crash.
  const tmp = join(dir, `${tempPrefix(path)}${randomUUID()}.tmp`);
  const file = await open(tmp, "wx", mode);
  try {
    try {
      await file.writeFile(data);
      if (exactMode) await file.chmod(mode);
      await handOver(file, owner);
      if (durable) await file.sync();
    } finally {
      await file.close();
    }
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
  if (durable) await fsyncDir(dir);
}

/** How the temp files of writes to `path` begin: `.NAME.` (a `.bak` copy's: `.NAME.bak.`). */
export function tempPrefix(path: string): string {
  return `.${basename(path)}.`;
}

/**
 * Creates `dir` (and missing parents) mode 0750; a folder created as root
 * inside a folder owned by another user is given to that user.
 */
export async function ensureDir(dir: string): Promise<void> {
  const first = await mkdir(dir, { recursive: true, mode: 0o750 });
  if (first === undefined) return; // it existed
  // mkdir returns the first folder it created: hand over each created one to its parent's owner.
  let current = first;
  for (;;) {
    await matchFolderOwner(current, dirname(current));
    if (current === dir) break;
    const next = dir.slice(0, dir.indexOf("/", current.length + 1) === -1 ? dir.length : dir.indexOf("/", current.length + 1));
    if (next === current) break;
    current = next;
  }
}

export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
