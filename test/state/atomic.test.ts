import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import type { TestContext } from "node:test";
import { tempPrefix, writeFileAtomic } from "../../src/state/atomic.js";
import { removeStaleTemps, removeStaleTempsOf } from "../../src/state/store.js";
import { tempDir } from "../helpers/temp.js";

function scratch(t: TestContext): string {
  const dir = tempDir(t, "nk-atomic-");
  return dir;
}

const ago = (path: string, ms: number, from = Date.now()): void => {
  const at = new Date(from - ms);
  utimesSync(path, at, at);
};

test("writeFileAtomic in nodekeeper's own folder: creates missing folders, writes, leaves no temp file", async (t) => {
  const dir = scratch(t);
  const path = join(dir, "state", "deep", "thing.json");
  await writeFileAtomic(path, "one\n");
  await writeFileAtomic(path, "two\n");
  assert.equal(readFileSync(path, "utf8"), "two\n");
  assert.deepEqual(readdirSync(join(dir, "state", "deep")), ["thing.json"]);
});

test("writeFileAtomic in a folder that is not ours: never creates it (ENOENT), leaves nothing", async (t) => {
  const dir = scratch(t);
  await assert.rejects(writeFileAtomic(join(dir, "nope", "x.prom"), "x\n", { ownFolder: false, durable: false }), { code: "ENOENT" });
  assert.deepEqual(readdirSync(dir), []);
});

test("writeFileAtomic: exactMode gives the mode despite a strict umask; by default the umask narrows it, as before", async (t) => {
  const dir = scratch(t);
  const previous = process.umask(0o077); // as under the systemd units' UMask=0077
  try {
    await writeFileAtomic(join(dir, "exact.prom"), "x\n", { mode: 0o644, exactMode: true, ownFolder: false, durable: false });
    await writeFileAtomic(join(dir, "state.json"), "{}\n");
  } finally {
    process.umask(previous);
  }
  assert.equal(statSync(join(dir, "exact.prom")).mode & 0o777, 0o644);
  assert.equal(statSync(join(dir, "state.json")).mode & 0o777, 0o600);
});

test("writeFileAtomic: a failed rename throws, leaves the target as it was and removes its temp file", async (t) => {
  const dir = scratch(t);
  const target = join(dir, "busy");
  mkdirSync(join(target, "child"), { recursive: true }); // rename(file, non-empty dir) fails
  await assert.rejects(writeFileAtomic(target, "x\n"), /EISDIR|ENOTEMPTY|EEXIST/);
  assert.deepEqual(readdirSync(dir), ["busy"]);
  assert.deepEqual(readdirSync(target), ["child"]);
});

test("removeStaleTemps: only regular files with the prefix and .tmp, older than maxAgeMs before nowMs", async (t) => {
  const dir = scratch(t);
  const now = Date.now();
  const prefix = tempPrefix(join(dir, "thing.json"));
  assert.equal(prefix, ".thing.json.");
  const names = {
    stale: ".thing.json.a.tmp", staleBak: ".thing.json.bak.b.tmp", young: ".thing.json.c.tmp",
    otherFile: ".other.json.d.tmp", notTemp: ".thing.json.e.keep", folder: ".thing.json.f.tmp",
  };
  for (const [key, name] of Object.entries(names)) {
    if (key === "folder") mkdirSync(join(dir, name));
    else writeFileSync(join(dir, name), "x");
    ago(join(dir, name), key === "young" ? 30_000 : 120_000, now);
  }
  await removeStaleTemps(dir, { prefix, maxAgeMs: 60_000 }, now);
  assert.deepEqual(readdirSync(dir).sort(), [names.young, names.otherFile, names.notTemp, names.folder].sort());
  await removeStaleTemps(dir, { prefix, maxAgeMs: 60_000 }, now - 3_600_000); // a reference an hour back: nothing is old
  assert.equal(readdirSync(dir).length, 4);
  await removeStaleTemps(join(dir, "missing"), { prefix, maxAgeMs: 60_000 }, now); // never throws
});

test("removeStaleTempsOf ages temps against the written file's mtime, not the time of day", async (t) => {
  const dir = scratch(t);
  const path = join(dir, "thing.json");
  await writeFileAtomic(path, "{}\n");
  const fileNow = Date.now() - 3_600_000; // the file system's clock an hour behind this process's
  ago(path, 0, fileNow);
  const older = join(dir, ".thing.json.old.tmp");
  const recent = join(dir, ".thing.json.recent.tmp");
  writeFileSync(older, "x");
  writeFileSync(recent, "x");
  ago(older, 120_000, fileNow); // 2 min before the file's time: stale
  ago(recent, 30_000, fileNow); // 30 s before it: another writer at work, though an hour old by the time of day
  await removeStaleTempsOf(path, 60_000);
  assert.deepEqual([existsSync(older), existsSync(recent)], [false, true]);
  await removeStaleTempsOf(join(dir, "gone.json"), 60_000); // no file: nothing to age against, nothing removed
  assert.equal(existsSync(recent), true);
});
