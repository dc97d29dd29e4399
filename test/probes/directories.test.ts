import assert from "node:assert/strict";
import { mkdirSync, writeFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { DirectorySchema } from "../../src/config/schema.js";
import { systemClock } from "../../src/effects/clock.js";
import { realFileSystem } from "../../src/effects/fs.js";
import type { FileSystem } from "../../src/effects/fs.js";
import type { Effects } from "../../src/effects/index.js";
import { createProcessRunner } from "../../src/effects/process.js";
import { createHttpClient } from "../../src/effects/http.js";
import { probeDirectories } from "../../src/probes/directories.js";
import { createProbeEngine } from "../../src/probes/engine.js";
import { mountFor, parseMountInfo } from "../../src/probes/mountinfo.js";
import { tempDir } from "../helpers/temp.js";

function effectsWith(fs: Partial<FileSystem>): Effects {
  return { runner: createProcessRunner(), clock: systemClock, http: createHttpClient, fs: { ...realFileSystem, ...fs } };
}
const engine = () => createProbeEngine({ clock: systemClock, concurrency: 8, deadlineMs: 10_000 });
const dir = (path: string, extra: Record<string, unknown> = {}) => DirectorySchema.parse({ path, ...extra });
const GiB = 1024 ** 3;
const statfsOf = (freeFraction: number, inodeFraction = 0.5) => async () => ({ bsize: 4096, blocks: (100 * GiB) / 4096, bavail: (100 * GiB * freeFraction) / 4096, files: 1000, ffree: 1000 * inodeFraction });

test("a real directory: OK with free space, inodes and a write test that leaves nothing behind", async (t) => {
  const d = tempDir(t);
  const [r] = await probeDirectories(effectsWith({}), engine(), [dir(d)]);
  assert.equal(r?.status, "OK");
  assert.equal(r?.resultCode, 0);
  assert.ok((r?.freeBytes ?? 0) > 0 && (r?.totalBytes ?? 0) >= (r?.freeBytes ?? 0));
  assert.ok(r?.writeLatencyMs !== null && (r?.writeLatencyMs ?? -1) >= 0);
  assert.match(r?.details ?? "", /free of .* write \d/);
  assert.deepEqual(readdirSync(d), [], "the write-test file is removed");
});

test("missing, not a directory: ERROR with their own codes", async (t) => {
  const d = tempDir(t);
  writeFileSync(join(d, "file"), "x");
  const [missing, file] = await probeDirectories(effectsWith({}), engine(), [dir(join(d, "nope")), dir(join(d, "file"))]);
  assert.deepEqual([missing?.status, missing?.resultCode], ["ERROR", 201]);
  assert.deepEqual([file?.status, file?.resultCode], ["ERROR", 202]);
});

test("thresholds: free space and inodes against warn and min, bavail deciding", async (t) => {
  const d = tempDir(t);
  const cases: Array<[number, number, string, number]> = [
    [0.5, 0.5, "OK", 0],
    [0.10, 0.5, "WARNING", 210],
    [0.03, 0.5, "ERROR", 211],
    [0.5, 0.05, "WARNING", 212],
    [0.5, 0.01, "ERROR", 213],
    [0.10, 0.01, "ERROR", 213], // the worst finding decides the code
  ];
  for (const [space, inodes, status, code] of cases) {
    const [r] = await probeDirectories(effectsWith({ statfs: statfsOf(space, inodes) }), engine(), [dir(d)]);
    assert.deepEqual([r?.status, r?.resultCode], [status, code], `space ${space}, inodes ${inodes}: ${r?.details}`);
  }
  const [bytes] = await probeDirectories(effectsWith({ statfs: statfsOf(0.5) }), engine(), [dir(d, { minFreeBytes: 60 * GiB })]);
  assert.deepEqual([bytes?.status, bytes?.resultCode], ["ERROR", 211]);
  assert.equal(bytes?.freePercent, 50);
});

test("a hung statfs is a stuck directory (206) and does not hold up the others", async (t) => {
  const good = tempDir(t);
  const hung = tempDir(t);
  const fs: Partial<FileSystem> = {
    statfs: (path) => (path === hung ? new Promise(() => undefined) : realFileSystem.statfs(path)),
  };
  const started = performance.now();
  const [a, b] = await probeDirectories(effectsWith(fs), engine(), [dir(hung, { timeoutMs: 300 }), dir(good, { timeoutMs: 300 })]);
  assert.deepEqual([a?.status, a?.resultCode], ["ERROR", 206]);
  assert.match(a?.details ?? "", /statfs did not return within 300 ms/);
  assert.equal(b?.status, "OK");
  assert.ok(performance.now() - started < 3_000);
});

test("a hung write test is stuck too, naming the phase", async (t) => {
  const d = tempDir(t);
  const [r] = await probeDirectories(effectsWith({ writeTest: () => new Promise(() => undefined) }), engine(), [dir(d, { timeoutMs: 200 })]);
  assert.deepEqual([r?.status, r?.resultCode], ["ERROR", 206]);
  assert.match(r?.details ?? "", /write test did not return/);
});

test("read-only: from mountinfo (no write attempted) and from EROFS", async (t) => {
  const d = tempDir(t);
  const sub = join(d, "data");
  mkdirSync(sub);
  const mountinfo = `22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/vda rw\n99 22 8:2 / ${d} ro,relatime shared:2 - ext4 /dev/vdb ro,errors=remount-ro\n`;
  let wrote = false;
  const [r] = await probeDirectories(effectsWith({ readMountInfo: async () => mountinfo, writeTest: async () => { wrote = true; } }), engine(), [dir(sub)]);
  assert.deepEqual([r?.status, r?.resultCode, r?.readOnly], ["ERROR", 204, true]);
  assert.equal(wrote, false);
  const erofs = Object.assign(new Error("EROFS: read-only file system"), { code: "EROFS" });
  const [e] = await probeDirectories(effectsWith({ writeTest: () => Promise.reject(erofs) }), engine(), [dir(d)]);
  assert.deepEqual([e?.status, e?.resultCode], ["ERROR", 204]);
});

test("mountinfo: octal escapes, longest mount point wins, super options count", () => {
  const entries = parseMountInfo([
    "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/vda rw",
    "30 22 8:2 / /var/opt rw shared:2 - xfs /dev/vdb rw",
    "31 30 0:5 / /var/opt/my\\040data rw shared:3 - nfs srv:/x ro",
  ].join("\n"));
  assert.equal(entries.length, 3);
  assert.equal(mountFor(entries, "/var/opt/my data/cassandra")?.readOnly, true);
  assert.equal(mountFor(entries, "/var/opt/other")?.mountPoint, "/var/opt");
  assert.equal(mountFor(entries, "/var/optical")?.mountPoint, "/");
});
