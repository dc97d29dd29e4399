/**
 * The cycle lock: never two cycles (`report`, `run`) on one node at once
 * (src/contract/CONTRACT.md section 3: a second one exits with 75).
 *
 * File: `{stateDir}/cycle.lock`, JSON: `{version: 1, lockId, pid, startTime,
 * bootId, hostname, command, acquiredAt}`; `startTime` is field 22 of
 * /proc/<pid>/stat (clock ticks after boot), `bootId` is
 * /proc/sys/kernel/random/boot_id.
 *
 * Taking it: the holder record is written and fsynced in a temp file, then
 * hard-linked to `cycle.lock` (link fails if the name exists, atomically), so
 * the lock file is never seen half-written. Where hard links are not supported
 * the lock file is created with O_EXCL instead.
 *
 * A lock is stale, and taken over, when its holder cannot be running:
 * recorded before the last reboot (other boot id), its pid is gone or a zombie,
 * or the pid now belongs to another process (other start time: pids are
 * reused). A crashed or `kill -9`ed cycle thus never leaves the node stuck.
 * A lock file that does not parse (corruption) is stale too. Taking over
 * renames the stale file away and checks, by inode, that the file renamed is
 * the one judged stale; if another process took it over first, its lock is
 * put back and this attempt starts over.
 *
 * Release removes the file only if it still holds our `lockId`, tries twice,
 * and says when it failed (the caller logs it). A lock that this very process
 * left behind (same pid, start time and boot id, and not one it holds now: a
 * release that failed) is recognised as such and taken over, so a long-lived
 * `run` cannot lock itself out for good. Nothing here throws: failures come
 * back as `{status: "error"}` (not "busy": exit code 75 must mean that
 * another cycle runs).
 *
 * Limits: the state directory must be local to the node (pids and boot ids
 * mean nothing across machines).
 */
import { randomUUID } from "node:crypto";
import { link, open, readFile, rename, rm, stat } from "node:fs/promises";
import { hostname as osHostname } from "node:os";
import { dirname, join } from "node:path";
import * as z from "zod";
import { ensureDir, fsyncDir } from "./atomic.js";
import { handOver, ownerFor } from "./owner.js";
import type { Clock } from "../effects/clock.js";

export const LOCK_FILE = "cycle.lock";

export const LockHolderSchema = z.object({
  version: z.literal(1),
  lockId: z.string().min(1),
  pid: z.number().int().positive(),
  startTime: z.string().nullable(),
  bootId: z.string().nullable(),
  hostname: z.string(),
  command: z.string(),
  acquiredAt: z.string(),
});
export type LockHolder = z.infer<typeof LockHolderSchema>;

export interface LockInfo {
  /** What holds the lock, for the message a second cycle prints: "report", "run". */
  readonly command: string;
}

export interface CycleLock {
  readonly path: string;
  readonly holder: LockHolder;
  /** Removes the lock if it is still ours. Never throws: a failure is returned, for the log. */
  release(): Promise<LockRelease>;
}

export type LockRelease = { ok: true } | { ok: false; error: string };

/** The lockIds this process holds now: a record with our pid and another lockId was left by a failed release. */
const heldHere = new Set<string>();

export type LockAttempt =
  | { held: true; status: "acquired"; lock: CycleLock; tookOverFrom: { holder: LockHolder | null; why: string } | null }
  /** Another cycle runs: exit 75. `holder` null only if its record could not be read. */
  | { held: false; status: "busy"; holder: LockHolder | null; message: string }
  /** The lock could not be taken for another reason (permissions, read-only disk…). */
  | { held: false; status: "error"; holder: null; message: string };

/** Rounds of take-over before giving up: each needs a holder to die or a race to be lost. */
const MAX_ROUNDS = 5;
/** An unreadable lock file younger than this may still be being written (O_EXCL fallback). */
const FRESH_CORRUPT_MS = 10_000; // 10 s

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" ? code : undefined;
}

async function readBootId(): Promise<string | null> {
  try {
    return (await readFile("/proc/sys/kernel/random/boot_id", "utf8")).trim() || null;
  } catch {
    return null;
  }
}

interface ProcStat {
  readonly state: string;
  readonly startTime: string;
}

/** State and start time of a process from /proc; null when unreadable. */
async function readProcStat(pid: number | "self"): Promise<ProcStat | null> {
  try {
    const text = await readFile(`/proc/${pid}/stat`, "utf8");
    // Field 2 (comm) is in parentheses and may hold spaces or ")": split after the last ")".
    const rest = text.slice(text.lastIndexOf(")") + 2).split(" ");
    const state = rest[0];
    const startTime = rest[19]; // field 22; rest[0] is field 3
    if (state === undefined || startTime === undefined || !/^\d+$/.test(startTime)) return null;
    return { state, startTime };
  } catch {
    return null;
  }
}

/** Why the holder cannot be running, or null when it may be. */
async function whyStale(holder: LockHolder, ourBootId: string | null, self: ProcStat | null = null): Promise<string | null> {
  if (holder.bootId !== null && ourBootId !== null && holder.bootId !== ourBootId) {
    return "taken before the last reboot";
  }
  // This very process (pid, start time and boot id all ours), but not a lock it holds now: a release that failed.
  if (holder.pid === process.pid && self !== null && holder.startTime === self.startTime && holder.bootId !== null &&
      holder.bootId === ourBootId && !heldHere.has(holder.lockId)) {
    return `left by this process (pid ${process.pid}) after a release that failed`;
  }
  try {
    process.kill(holder.pid, 0); // signal 0: existence check only
  } catch (error) {
    if (codeOf(error) === "ESRCH") return `process ${holder.pid} is gone`;
    // EPERM: it exists, owned by another user.
  }
  const proc = await readProcStat(holder.pid);
  if (proc === null) return null; // exists but /proc hides it (hidepid): assume it runs
  if (proc.state === "Z" || proc.state === "X") return `process ${holder.pid} has exited`;
  if (holder.startTime !== null && proc.startTime !== holder.startTime) {
    return `pid ${holder.pid} now belongs to another process`;
  }
  return null;
}

type LockRead =
  | { kind: "absent" }
  | { kind: "ok"; ino: number; holder: LockHolder }
  | { kind: "corrupt"; ino: number; mtimeMs: number; reason: string };

async function readLock(path: string): Promise<LockRead> {
  let handle;
  try {
    handle = await open(path, "r");
  } catch (error) {
    if (codeOf(error) === "ENOENT") return { kind: "absent" };
    throw error;
  }
  try {
    const s = await handle.stat();
    const text = s.size > 64 * 1024 ? "" : await handle.readFile("utf8"); // 64 KiB: a record is ~200 bytes
    try {
      const parsed = LockHolderSchema.safeParse(JSON.parse(text));
      if (parsed.success) return { kind: "ok", ino: s.ino, holder: parsed.data };
      return { kind: "corrupt", ino: s.ino, mtimeMs: s.mtimeMs, reason: "lock file is not a valid record" };
    } catch {
      return { kind: "corrupt", ino: s.ino, mtimeMs: s.mtimeMs, reason: "lock file is not JSON" };
    }
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/** "pid 1234 (report) on node-3 since 2025-01-01T03:00:00.000Z, 42 s ago". */
export function describeHolder(holder: LockHolder, nowMs: number): string {
  const since = Date.parse(holder.acquiredAt);
  const age = Number.isFinite(since) ? `, ${Math.max(0, Math.round((nowMs - since) / 1000))} s ago` : "";
  return `pid ${holder.pid} (${holder.command}) on ${holder.hostname} since ${holder.acquiredAt}${age}`;
}

/** Creates `path` with `content`; returns its mtime (ms), a time on the clock that stamps files. */
async function writeNew(path: string, content: string): Promise<number> {
  const handle = await open(path, "wx", 0o640);
  try {
    await handle.writeFile(content);
    // Run as root: the lock is the state folder owner's, so the service user can read and take it over.
    await handOver(handle, await ownerFor(dirname(path)));
    await handle.sync();
    return (await handle.stat()).mtimeMs;
  } finally {
    await handle.close();
  }
}

/**
 * Creates the lock file with our record; false when it already exists.
 * Hard link from a complete temp file; O_EXCL where links are not supported.
 */
async function createLock(path: string, tmp: string, content: string): Promise<boolean> {
  try {
    await link(tmp, path);
    return true;
  } catch (error) {
    const code = codeOf(error);
    if (code === "EEXIST") return false;
    if (code !== "EPERM" && code !== "ENOTSUP" && code !== "EOPNOTSUPP" && code !== "EMLINK") throw error;
  }
  try {
    await writeNew(path, content);
    return true;
  } catch (error) {
    if (codeOf(error) === "EEXIST") return false;
    throw error;
  }
}

/** Moves a stale lock away, if it is still the very file judged stale. */
async function takeOver(path: string, staleIno: number): Promise<void> {
  const aside = `${path}.stale-${randomUUID()}`;
  try {
    await rename(path, aside);
  } catch (error) {
    if (codeOf(error) === "ENOENT") return; // someone else removed it: just retry
    throw error;
  }
  const moved = await stat(aside);
  if (moved.ino !== staleIno) {
    // We moved a lock someone took meanwhile: put it back (link fails rather than overwrite).
    await link(aside, path).catch(() => undefined);
  }
  await rm(aside, { force: true });
}

/** `clock`: the wall time recorded as `acquiredAt` and told in the "since ..., N s ago" of a busy lock. */
export async function acquireCycleLock(stateDir: string, info: LockInfo, clock: Pick<Clock, "now">): Promise<LockAttempt> {
  const path = join(stateDir, LOCK_FILE);
  const lockId = randomUUID();
  const tmp = join(stateDir, `.${LOCK_FILE}.${lockId}.tmp`);
  try {
    await ensureDir(stateDir);
    const [self, bootId] = await Promise.all([readProcStat("self"), readBootId()]);
    const holder: LockHolder = {
      version: 1, lockId, pid: process.pid, startTime: self?.startTime ?? null, bootId,
      hostname: osHostname(), command: info.command, acquiredAt: new Date(clock.now()).toISOString(),
    };
    const content = JSON.stringify(holder) + "\n";
    // The temp file's mtime is "now" on the clock that stamps a corrupt lock file's mtime.
    const fileNowMs = await writeNew(tmp, content);
    let tookOverFrom: { holder: LockHolder | null; why: string } | null = null;
    for (let round = 0; round < MAX_ROUNDS; round++) {
      if (await createLock(path, tmp, content)) {
        heldHere.add(lockId);
        await fsyncDir(stateDir).catch(() => undefined); // durability of the name only; the lock works without
        return { held: true, status: "acquired", lock: makeLock(path, holder), tookOverFrom };
      }
      const current = await readLock(path);
      if (current.kind === "absent") continue; // released meanwhile
      let why: string;
      if (current.kind === "ok") {
        const stale = await whyStale(current.holder, bootId, self);
        if (stale === null) {
          return {
            held: false, status: "busy", holder: current.holder,
            message: `another cycle holds ${path}: ${describeHolder(current.holder, clock.now())}`,
          };
        }
        why = stale;
      } else {
        // Only the O_EXCL fallback can show a lock being written: give it time.
        if (fileNowMs - current.mtimeMs < FRESH_CORRUPT_MS) {
          return { held: false, status: "busy", holder: null, message: `another cycle is taking ${path} (${current.reason})` };
        }
        why = current.reason;
      }
      tookOverFrom = { holder: current.kind === "ok" ? current.holder : null, why };
      await takeOver(path, current.ino);
    }
    const last = await readLock(path).catch(() => ({ kind: "absent" }) as const);
    return {
      held: false, status: "busy", holder: last.kind === "ok" ? last.holder : null,
      message: `the lock ${path} kept changing hands; another cycle is starting`,
    };
  } catch (error) {
    return { held: false, status: "error", holder: null, message: `cannot take the lock ${path}: ${(error as Error).message}` };
  } finally {
    await rm(tmp, { force: true }).catch(() => undefined);
  }
}

function makeLock(path: string, holder: LockHolder): CycleLock {
  let released = false;
  return {
    path,
    holder,
    async release() {
      if (released) return { ok: true };
      released = true;
      // Once more after a failure (a passing I/O error); what is left after that the next acquire repairs (whyStale).
      let result = await releaseCycleLock(path, holder.lockId);
      if (!result.ok) result = await releaseCycleLock(path, holder.lockId);
      heldHere.delete(holder.lockId);
      return result;
    },
  };
}

/** Removes the lock at `path` if it still holds `lockId`. Never throws: a failure is returned. */
export async function releaseCycleLock(path: string, lockId: string): Promise<LockRelease> {
  try {
    const current = await readLock(path);
    if (current.kind === "ok" && current.holder.lockId === lockId) await rm(path, { force: true });
    return { ok: true };
  } catch (error) {
    // Left in place: the next acquire, here or in another process, sees it is stale and takes it over.
    return { ok: false, error: `cannot release the lock ${path}: ${(error as Error).message}` };
  }
}

/** For `status`: who holds the lock now, if anyone (stale holders are reported as such). Never throws. */
export async function readCycleLock(
  stateDir: string,
): Promise<{ state: "free" } | { state: "held"; holder: LockHolder } | { state: "stale"; holder: LockHolder | null; why: string } | { state: "unreadable"; reason: string }> {
  try {
    const current = await readLock(join(stateDir, LOCK_FILE));
    if (current.kind === "absent") return { state: "free" };
    if (current.kind === "corrupt") return { state: "stale", holder: null, why: current.reason };
    const why = await whyStale(current.holder, await readBootId());
    return why === null ? { state: "held", holder: current.holder } : { state: "stale", holder: current.holder, why };
  } catch (error) {
    return { state: "unreadable", reason: (error as Error).message };
  }
}
