/**
 * File ownership in the state folder. The rule: every file and folder that
 * nodekeeper writes in the state folder belongs to the state folder's owner,
 * whoever runs the command. A `report` or `maintenance on` run by hand as
 * root would otherwise leave root-owned files (mode 0640) that the service
 * user can no longer read or replace: maintenance read as off, an
 * `apply-state.json` that every later cycle finds unreadable, outbox entries
 * dropped as corrupt.
 *
 * So, when the process runs as root (euid 0) and the folder a file is written
 * into belongs to another user, the file is handed to that folder's owner and
 * group (chown before it gets its final name, where the writer allows it).
 * Any other user cannot give files away, and does not need to: it can only
 * write into the folder if it owns it or shares it on purpose.
 */
import { chown, lchown, lstat, readdir, stat } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import { join } from "node:path";

export interface Owner {
  readonly uid: number;
  readonly gid: number;
}

/** True when this process can and must hand files over (it runs as root). */
function runsAsRoot(): boolean {
  return typeof process.geteuid === "function" && process.geteuid() === 0;
}

/** The owner files written into `dir` must get, or null when nothing is to be done (not root, or a root-owned folder). */
export async function ownerFor(dir: string): Promise<Owner | null> {
  if (!runsAsRoot()) return null;
  try {
    const info = await stat(dir);
    if (info.uid === 0 && info.gid === 0) return null;
    return { uid: info.uid, gid: info.gid };
  } catch {
    return null; // no folder yet: whoever creates it owns it
  }
}

/** Gives an open file to `owner` (null: nothing to do). */
export async function handOver(handle: FileHandle, owner: Owner | null): Promise<void> {
  if (owner !== null) await handle.chown(owner.uid, owner.gid);
}

/** Gives `path` to the owner of the folder it was written into, `dir`. */
export async function matchFolderOwner(path: string, dir: string): Promise<void> {
  const owner = await ownerFor(dir);
  if (owner !== null) await chown(path, owner.uid, owner.gid);
}

/**
 * Hands every root-owned entry of the state folder (and of its `outbox/`) to
 * the folder's owner: files a child process made as root (the repair's log
 * and result) and leftovers of an older version. Best effort, never throws;
 * returns what it changed.
 */
export async function adoptStateFiles(stateDir: string): Promise<string[]> {
  const owner = await ownerFor(stateDir);
  if (owner === null) return [];
  const changed: string[] = [];
  const walk = async (dir: string, depth: number): Promise<void> => {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      return;
    }
    for (const name of names) {
      const path = join(dir, name);
      try {
        const info = await lstat(path);
        if (info.uid !== owner.uid || info.gid !== owner.gid) {
          await lchown(path, owner.uid, owner.gid);
          changed.push(path);
        }
        if (info.isDirectory() && depth < 1) await walk(path, depth + 1);
      } catch {
        // gone meanwhile, or not ours to change: the next run tries again
      }
    }
  };
  await walk(stateDir, 0);
  return changed;
}
