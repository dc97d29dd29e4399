/**
 * The file-system effect: the few calls outside the state folder whose
 * failure modes matter (a hung NFS mount never answers statfs; a CA bundle on
 * such a mount is never read). Modules outside effects/, state/, config/ and
 * dev/ take it from `effects.fs` instead of importing node:fs (lint rule
 * `fs/no-direct-fs`), so tests replace single calls to make a directory
 * "stuck" or a file unreadable without a real hung mount or a chmod.
 */
import { constants } from "node:fs";
import { access, open, readdir, readFile, realpath, rm, stat, statfs } from "node:fs/promises";
import type { StatsFs } from "node:fs";
import { join } from "node:path";
import { randomUUID } from "node:crypto";

/** What `stat` tells: the fields nodekeeper reads (type, permission bits with type bits, owner, size in bytes). */
export interface FileStat {
  readonly isDirectory: boolean;
  readonly isFile: boolean;
  /** st_mode: file type and permission bits. */
  readonly mode: number;
  readonly uid: number;
  readonly size: number;
}

/** One entry of a folder, without following a symlink (a symlink is neither file nor folder). */
export interface DirEntry {
  readonly name: string;
  readonly isFile: boolean;
  readonly isDirectory: boolean;
}

/** What access(2) is asked: R_OK, W_OK, X_OK. */
export interface AccessWanted {
  readonly read?: boolean;
  readonly write?: boolean;
  readonly execute?: boolean;
}

export interface ReadOptions {
  /** Aborts the read (the promise rejects with an AbortError): a deadline on a file that may sit on a hung mount. */
  readonly signal?: AbortSignal | undefined;
}

/** The end of a file: at most `maxBytes` of its last bytes, and its size then. */
export interface FileTail {
  readonly bytes: Buffer;
  readonly size: number;
}

export interface FileSystem {
  /** Rejects as fs.stat does (error.code ENOENT, EACCES, …). */
  stat(path: string): Promise<FileStat>;
  statfs(path: string): Promise<Pick<StatsFs, "bsize" | "blocks" | "bavail" | "files" | "ffree">>;
  /** Creates, writes, fsyncs and removes a small file in `dir`. */
  writeTest(dir: string): Promise<void>;
  realpath(path: string): Promise<string>;
  readMountInfo(): Promise<string>;
  /** The file as UTF-8 text; rejects as fs.readFile does. */
  readFile(path: string, options?: ReadOptions): Promise<string>;
  /** The file as bytes (a DER certificate, a signature); rejects as fs.readFile does. */
  readBytes(path: string, options?: ReadOptions): Promise<Buffer>;
  /** Whether this process may do what is asked (access(2)); never rejects. */
  access(path: string, wanted: AccessWanted): Promise<boolean>;
  /** The entries of a folder; rejects as fs.readdir does. */
  readdir(path: string): Promise<DirEntry[]>;
  /**
   * The last `maxBytes` bytes of a file, opened O_NONBLOCK (a FIFO put in a
   * file's place does not block the open); rejects as fs.open does.
   */
  readTail(path: string, maxBytes: number): Promise<FileTail>;
}

const PROBE_BYTES = Buffer.alloc(4096, 0x6e); // one page: enough to reach the device

export const realFileSystem: FileSystem = {
  async stat(path) {
    const s = await stat(path);
    return { isDirectory: s.isDirectory(), isFile: s.isFile(), mode: s.mode, uid: s.uid, size: s.size };
  },
  statfs: (path) => statfs(path),
  async writeTest(dir) {
    const file = join(dir, `.nodekeeper-write-test-${randomUUID()}`);
    const handle = await open(file, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o600);
    try {
      await handle.write(PROBE_BYTES);
      await handle.sync();
    } finally {
      await handle.close().catch(() => undefined);
      await rm(file, { force: true });
    }
  },
  realpath: (path) => realpath(path),
  readMountInfo: () => readFile("/proc/self/mountinfo", "utf8"),
  readFile: (path, options) => readFile(path, { encoding: "utf8", signal: options?.signal }),
  readBytes: (path, options) => readFile(path, { signal: options?.signal }),
  access(path, wanted) {
    const mode = (wanted.read ? constants.R_OK : 0) | (wanted.write ? constants.W_OK : 0) | (wanted.execute ? constants.X_OK : 0);
    return access(path, mode === 0 ? constants.F_OK : mode).then(() => true, () => false);
  },
  async readdir(path) {
    const entries = await readdir(path, { withFileTypes: true });
    return entries.map((e) => ({ name: e.name, isFile: e.isFile(), isDirectory: e.isDirectory() }));
  },
  async readTail(path, maxBytes) {
    const handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      const { size } = await handle.stat();
      const length = Math.max(0, Math.min(size, maxBytes));
      const bytes = Buffer.alloc(length);
      await handle.read(bytes, 0, length, size - length);
      return { bytes, size };
    } finally {
      await handle.close().catch(() => undefined);
    }
  },
};
