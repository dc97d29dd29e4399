/**
 * The directory probe: exists and is a directory; not on a read-only mount;
 * free space (bavail: what an unprivileged writer gets, not bfree) and inodes
 * against thresholds; a real write test with its latency. A statfs or write
 * that hangs (a dead NFS server) is reported as a stuck directory and never
 * holds up the other probes: the engine returns at the deadline.
 */
import type { Directory } from "../config/schema.js";
import type { Effects } from "../effects/index.js";
import type { ProbeEngine, ProbeFailure } from "./engine.js";
import { errorMessage } from "./engine.js";
import { mountFor, parseMountInfo } from "./mountinfo.js";
import type { MountEntry } from "./mountinfo.js";
import { CODES, OK } from "../contract/result-codes.js";
import { worstStatus } from "../contract/status.js";
import type { Status } from "../contract/status.js";

export interface DirectoryResult {
  readonly path: string;
  readonly status: Status;
  readonly details: string;
  readonly resultCode: number;
  readonly freeBytes: number | null;
  readonly totalBytes: number | null;
  readonly freePercent: number | null;
  readonly freeInodesPercent: number | null;
  readonly writeLatencyMs: number | null;
  readonly readOnly: boolean | null;
}

type Phase = "stat" | "statfs" | "write test";

interface Finding {
  status: Status;
  code: number;
  text: string;
}

const empty = { freeBytes: null, totalBytes: null, freePercent: null, freeInodesPercent: null, writeLatencyMs: null, readOnly: null };

export async function probeDirectories(
  effects: Effects,
  engine: ProbeEngine,
  directories: readonly Directory[],
): Promise<DirectoryResult[]> {
  // mountinfo is read once per cycle, for all directories.
  const mounts = directories.length === 0 ? Promise.resolve<MountEntry[]>([])
    : effects.fs.readMountInfo().then(parseMountInfo, () => [] as MountEntry[]);
  return Promise.all(
    directories.map((dir) => {
      const progress: { phase: Phase } = { phase: "stat" };
      return engine.run(
        `directory:${dir.path}`,
        dir.timeoutMs,
        () => probeOne(effects, dir, mounts, progress),
        (failure) => stuck(dir, failure, progress.phase),
      );
    }),
  );
}

function stuck(dir: Directory, failure: ProbeFailure, phase: Phase): DirectoryResult {
  if (failure.kind === "timeout") {
    return { path: dir.path, status: "ERROR", resultCode: CODES.DIR_STUCK, details: `stuck: ${phase} did not return within ${dir.timeoutMs} ms (hung file system?)`, ...empty };
  }
  return { path: dir.path, status: "UNKNOWN", resultCode: failure.code, details: failure.reason, ...empty };
}

async function probeOne(
  effects: Effects,
  dir: Directory,
  mountsPromise: Promise<MountEntry[]>,
  progress: { phase: Phase },
): Promise<DirectoryResult> {
  const fail = (status: Status, resultCode: number, details: string): DirectoryResult => ({ path: dir.path, status, resultCode, details, ...empty });
  progress.phase = "stat";
  try {
    const s = await effects.fs.stat(dir.path);
    if (!s.isDirectory) return fail("ERROR", CODES.DIR_NOT_A_DIRECTORY, "exists but is not a directory");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return fail("ERROR", CODES.DIR_MISSING, "does not exist");
    if (code === "EACCES" || code === "EPERM") return fail("ERROR", CODES.DIR_PERMISSION_DENIED, "permission denied");
    if (code === "ENOTDIR") return fail("ERROR", CODES.DIR_NOT_A_DIRECTORY, "a parent is not a directory");
    return fail("ERROR", CODES.DIR_STAT_FAILED, `cannot stat: ${errorMessage(error)}`);
  }

  const real = await effects.fs.realpath(dir.path).catch(() => dir.path);
  const mount = mountFor(await mountsPromise, real);
  const readOnly = mount?.readOnly ?? null;

  progress.phase = "statfs";
  let freeBytes: number | null = null;
  let totalBytes: number | null = null;
  let freePercent: number | null = null;
  let freeInodesPercent: number | null = null;
  const findings: Finding[] = [];
  try {
    const fs = await effects.fs.statfs(dir.path);
    totalBytes = fs.blocks * fs.bsize;
    freeBytes = fs.bavail * fs.bsize;
    freePercent = fs.blocks > 0 ? (fs.bavail / fs.blocks) * 100 : null;
    // Some file systems (btrfs, some FUSE) report no inode count at all: nothing to judge.
    freeInodesPercent = fs.files > 0 ? (fs.ffree / fs.files) * 100 : null;
  } catch (error) {
    findings.push({ status: "UNKNOWN", code: CODES.DIR_STAT_FAILED, text: `statfs failed: ${errorMessage(error)}` });
  }
  if (freePercent !== null) {
    if (freePercent < dir.minFreePercent) findings.push({ status: "ERROR", code: CODES.DIR_SPACE_CRITICAL, text: `free space ${freePercent.toFixed(1)}% is below ${dir.minFreePercent}%` });
    else if (freeBytes !== null && freeBytes < dir.minFreeBytes) findings.push({ status: "ERROR", code: CODES.DIR_SPACE_CRITICAL, text: `free space ${formatBytes(freeBytes)} is below ${formatBytes(dir.minFreeBytes)}` });
    else if (freePercent < dir.warnFreePercent) findings.push({ status: "WARNING", code: CODES.DIR_SPACE_LOW, text: `free space ${freePercent.toFixed(1)}% is below ${dir.warnFreePercent}%` });
  }
  if (freeInodesPercent !== null) {
    if (freeInodesPercent < dir.minFreeInodesPercent) findings.push({ status: "ERROR", code: CODES.DIR_INODES_CRITICAL, text: `free inodes ${freeInodesPercent.toFixed(1)}% are below ${dir.minFreeInodesPercent}%` });
    else if (freeInodesPercent < dir.warnFreeInodesPercent) findings.push({ status: "WARNING", code: CODES.DIR_INODES_LOW, text: `free inodes ${freeInodesPercent.toFixed(1)}% are below ${dir.warnFreeInodesPercent}%` });
  }

  let writeLatencyMs: number | null = null;
  if (readOnly === true) {
    findings.push({ status: "ERROR", code: CODES.DIR_READ_ONLY, text: `read-only mount (${mount?.mountPoint ?? "?"} ${mount?.fsType ?? ""})` });
  } else if (dir.writeTest) {
    progress.phase = "write test";
    const started = performance.now();
    try {
      await effects.fs.writeTest(dir.path);
      writeLatencyMs = performance.now() - started;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "EROFS") findings.push({ status: "ERROR", code: CODES.DIR_READ_ONLY, text: "read-only file system (write refused with EROFS)" });
      else if (code === "EACCES" || code === "EPERM") findings.push({ status: "ERROR", code: CODES.DIR_PERMISSION_DENIED, text: "write test: permission denied" });
      else findings.push({ status: "ERROR", code: CODES.DIR_WRITE_FAILED, text: `write test failed: ${errorMessage(error)}` });
    }
  }

  const status = worstStatus(findings.map((f) => f.status));
  const deciding = findings.find((f) => f.status === status);
  const facts = [
    freeBytes !== null && totalBytes !== null ? `${formatBytes(freeBytes)} free of ${formatBytes(totalBytes)}${freePercent !== null ? ` (${freePercent.toFixed(1)}%)` : ""}` : null,
    freeInodesPercent !== null ? `inodes ${freeInodesPercent.toFixed(1)}% free` : null,
    writeLatencyMs !== null ? `write ${writeLatencyMs.toFixed(1)} ms` : null,
  ].filter((x): x is string => x !== null);
  const details = [...findings.map((f) => f.text), ...facts].join("; ");
  return {
    path: dir.path,
    status,
    resultCode: deciding?.code ?? OK,
    details,
    freeBytes, totalBytes, freePercent, freeInodesPercent, writeLatencyMs, readOnly,
  };
}

export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit] ?? "B"}`;
}
