/**
 * Crash-safe file writes. A crash at any moment (kill -9, power loss) leaves
 * either the previous or the new content, never a torn file: write a temp file
 * in the same folder, fsync it, rename it over the target, fsync the folder so
 * the rename itself is durable.
 */
import { randomUUID } from "node:crypto";
import { mkdir, open, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  options: { mode?: number } = {},
): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true, mode: 0o750 });
  // The temp name starts with a dot and ends in .tmp so that readers listing the
  // folder (the outbox) can skip leftovers of a crash.
  const tmp = join(dir, `.${basename(path)}.${randomUUID()}.tmp`);
  const file = await open(tmp, "wx", options.mode ?? 0o640);
  try {
    await file.writeFile(data);
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

export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
