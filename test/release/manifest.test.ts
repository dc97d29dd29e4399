/**
 * The executable's manifest of its own hash, and the self component's check of
 * it, on a synthetic "executable" (a few MB of random bytes with a manifest
 * line sealed into it the way .ci/release.mjs seals it): fast, no build. The
 * real executable is covered by release.test.ts.
 */
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { chmodSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileIdentity, manifestInFile, parseSelfManifest, sealedHash } from "../../src/effects/executable.js";
import type { SelfManifest } from "../../src/effects/executable.js";
import { parseManifest } from "../../src/commands/verify-install.js";
import { selfComponent } from "../../src/probes/components.js";
import { FULL_CHECK_EVERY_MS, RECORD_FILE, checkSelfIntegrity, resetSelfIntegrityMemo, withSelfIntegrity } from "../../src/probes/self-integrity.js";
import { tempDir } from "../helpers/temp.js";

const MARK = ["NODEKEEPER", "SELF", "MANIFEST", "1"].join("-");

/** A file with a sealed manifest line at `at` (the build's procedure: zeros, hash, write offset and hash). */
function sealedFile(dir: string, size: number, at: number): { file: string; manifest: SelfManifest } {
  const bytes = randomBytes(size);
  const line = Buffer.from(`${MARK} 9.8.7 ${"0".repeat(16)} ${"0".repeat(64)}\n`, "latin1");
  line.copy(bytes, at);
  const offset = at + `${MARK} 9.8.7 `.length;
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  bytes.write(String(offset).padStart(16, "0"), offset, "latin1");
  bytes.write(sha256, offset + 17, "latin1");
  const file = join(dir, "nodekeeper");
  writeFileSync(file, bytes);
  return { file, manifest: { version: "9.8.7", offset, sha256 } };
}

function flip(file: string, at: number): void {
  const bytes = readFileSync(file);
  bytes[at] = bytes[at]! ^ 0x01;
  writeFileSync(file, bytes);
}

test("manifestInFile finds the sealed line, also across a 1 MiB read boundary, and sealedHash matches it", async (t) => {
  const dir = tempDir(t);
  for (const at of [5, 1024 * 1024 - 40, 2 * 1024 * 1024 + 7]) {
    const { file, manifest } = sealedFile(dir, 3 * 1024 * 1024, at);
    assert.deepEqual(await manifestInFile(file), manifest, `line at ${at}`);
    assert.equal(await sealedHash(file, manifest), manifest.sha256);
  }
});

test("one byte changed anywhere outside the sealed fields: the hash differs; the fields themselves do not count", async (t) => {
  const dir = tempDir(t);
  const { file, manifest } = sealedFile(dir, 2 * 1024 * 1024, 1024 * 1024 - 10);
  flip(file, 1_500_000);
  assert.notEqual(await sealedHash(file, manifest), manifest.sha256);
  flip(file, 1_500_000); // back
  assert.equal(await sealedHash(file, manifest), manifest.sha256);
  // A byte of the manifest's version (not a sealed field) counts.
  flip(file, manifest.offset - 2);
  assert.notEqual(await sealedHash(file, manifest), manifest.sha256);
});

test("an unsealed manifest (offset 0) or none at all is not a manifest", async (t) => {
  const dir = tempDir(t);
  assert.equal(parseSelfManifest(`${MARK} 1.0.0 ${"0".repeat(16)} ${"0".repeat(64)}`), null);
  const file = join(dir, "plain");
  writeFileSync(file, randomBytes(100_000));
  assert.equal(await manifestInFile(file), null);
});

test("parsers of outside text never throw, and MANIFEST paths stay under the root", () => {
  for (let i = 0; i < 2_000; i++) {
    const text = randomBytes(i % 300).toString(i % 2 ? "latin1" : "utf8");
    assert.doesNotThrow(() => parseSelfManifest(`${MARK} ${text}`));
    assert.doesNotThrow(() => parseManifest(text));
  }
  const hex = "a".repeat(64);
  assert.deepEqual(parseManifest(`${hex}  usr/bin/nodekeeper\n${hex}  /etc/passwd\n${hex}  usr/../../etc/shadow\n${hex} *lib/x.service\nnot a line\n`), [
    { sha256: hex, path: "usr/bin/nodekeeper" },
    { sha256: hex, path: "lib/x.service" },
  ]);
});

test("the self check: hashes at start, reuses the record while the file is unchanged within the hour, hashes again after", async (t) => {
  const dir = tempDir(t);
  const { file, manifest } = sealedFile(dir, 300_000, 1000);
  let now = Date.parse("2026-12-07T10:00:00Z");
  let hashes = 0;
  const deps = {
    manifest: () => Promise.resolve(manifest), executable: file, identity: fileIdentity, now: () => now, stateDir: dir,
    hash: (f: string, m: SelfManifest) => { hashes++; return sealedHash(f, m); },
  };
  const check = async () => {
    resetSelfIntegrityMemo(); // as a new process (the timer's report): only the record in the state folder carries over
    return checkSelfIntegrity(deps);
  };
  assert.deepEqual(await check().then((r) => [r?.status, r?.resultCode, r?.hashed]), ["OK", 0, true]);
  assert.equal(hashes, 1);
  now += 59 * 60_000;
  assert.deepEqual(await check().then((r) => [r?.status, r?.hashed]), ["OK", false]);
  assert.equal(hashes, 1, "within the hour, an fstat compare only");
  now += 2 * 60_000; // past the hour
  assert.deepEqual(await check().then((r) => [r?.status, r?.hashed]), ["OK", true]);
  assert.equal(hashes, 2);
  now -= 3 * FULL_CHECK_EVERY_MS; // the clock stepped back: the record is from the future, never recent
  assert.deepEqual(await check().then((r) => r?.hashed), true);
  assert.equal(hashes, 3);
  // Also reused within one process (the run loop), without the record file.
  rmSync(join(dir, RECORD_FILE));
  await checkSelfIntegrity(deps);
  assert.equal(hashes, 3);
});

test("the self check: a changed executable is ERROR 149 at once (its ctime moved), an unreadable one UNKNOWN 150", async (t) => {
  const dir = tempDir(t);
  const { file, manifest } = sealedFile(dir, 300_000, 1000);
  const deps = { manifest: () => Promise.resolve(manifest), executable: file, identity: fileIdentity, hash: sealedHash, now: () => Date.now(), stateDir: dir };
  resetSelfIntegrityMemo();
  assert.equal((await checkSelfIntegrity(deps))?.status, "OK");
  const before = readFileSync(file);
  flip(file, 200_000);
  // Even with the modification time put back, the change time moved.
  utimesSync(file, new Date(0), new Date(0));
  resetSelfIntegrityMemo();
  const changed = await checkSelfIntegrity(deps);
  assert.deepEqual([changed?.status, changed?.resultCode, changed?.hashed], ["ERROR", 149, true]);
  assert.match(changed?.description ?? "", /CHANGED since the release build: sha256 [0-9a-f]{16}…, its manifest says [0-9a-f]{16}…/);
  const self = withSelfIntegrity(selfComponent(), changed);
  assert.deepEqual([self.name, self.status, self.resultCode], ["nodekeeper", "ERROR", 149]);
  writeFileSync(file, before);

  chmodSync(file, 0o000);
  rmSync(file);
  resetSelfIntegrityMemo();
  const gone = await checkSelfIntegrity(deps);
  assert.deepEqual([gone?.status, gone?.resultCode], ["UNKNOWN", 150]);
  assert.match(gone?.description ?? "", /ENOENT/);
});

test("not the release executable (no manifest): nothing to check, the self component is left as it is", async () => {
  resetSelfIntegrityMemo();
  const r = await checkSelfIntegrity({
    manifest: () => Promise.resolve(null), executable: "/nonexistent", identity: fileIdentity, hash: sealedHash, now: () => Date.now(), stateDir: null,
  });
  assert.equal(r, null);
  assert.deepEqual(withSelfIntegrity(selfComponent(), r), selfComponent());
});
