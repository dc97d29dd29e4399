/**
 * The file-system effect for probes: the few calls whose failure modes matter
 * (a hung NFS mount never answers statfs). Tests replace single calls to make
 * a directory "stuck" without a real hung mount.
 */
import { constants } from "node:fs";
import { open, readFile, realpath, rm, stat, statfs } from "node:fs/promises";
import type { StatsFs } from "node:fs";
import { join } from "node:path";
import { randomUUID } from "node:crypto";

export interface FileSystem {
  stat(path: string): Promise<{ isDirectory: boolean }>;
  statfs(path: string): Promise<Pick<StatsFs, "bsize" | "blocks" | "bavail" | "files" | "ffree">>;
  /** Creates, writes, fsyncs and removes a small file in `dir`. */
  writeTest(dir: string): Promise<void>;
  realpath(path: string): Promise<string>;
  readMountInfo(): Promise<string>;
  readFile(path: string): Promise<string>;
}

const PROBE_BYTES = Buffer.alloc(4096, 0x6e); // one page: enough to reach the device

export const realFileSystem: FileSystem = {
  async stat(path) {
    const s = await stat(path);
    return { isDirectory: s.isDirectory() };
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
  readFile: (path) => readFile(path, "utf8"),
};
