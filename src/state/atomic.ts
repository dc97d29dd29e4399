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

export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  options: { mode?: number } = {},
): Promise<void> {
  const dir = dirname(path);
  await ensureDir(dir);
  const owner = await ownerFor(dir);
  // The temp name starts with a dot and ends in .tmp so that readers listing the
  // folder (the outbox) can skip leftovers of a crash.
  const tmp = join(dir, `.${basename(path)}.${randomUUID()}.tmp`);
  const file = await open(tmp, "wx", options.mode ?? 0o640);
  try {
    await file.writeFile(data);
    await handOver(file, owner);
    await file.sync();
  } finally {
    await file.close();
  }
  try {
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
  await fsyncDir(dir);
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
