import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeEach, test } from "node:test";
import * as z from "zod";
import { stateFile } from "../../src/state/store.js";
import { eachTest, tempDir } from "../helpers/temp.js";

const Schema = z.object({ n: z.number().int(), name: z.string() });
type Value = z.infer<typeof Schema>;
const NOW = Date.parse("2025-03-01T10:00:00.000Z");

let dir: string;
let path: string;
const open = () => stateFile<Value>(path, Schema, { initial: () => ({ n: 0, name: "initial" }), now: () => NOW });

beforeEach((t) => {
  dir = tempDir(eachTest(t), "nk-store-");
  path = join(dir, "state", "thing.json");
});

test("first run: the initial value, no recovery note", async () => {
  assert.deepEqual(await open().read(), { ok: true, value: { n: 0, name: "initial" }, source: "initial", recovery: null });
});

test("write then read; the .bak copy holds the same bytes", async () => {
  const file = open();
  await file.write({ n: 1, name: "one" });
  await file.write({ n: 2, name: "two" });
  assert.deepEqual(await file.read(), { ok: true, value: { n: 2, name: "two" }, source: "main", recovery: null });
  assert.equal(readFileSync(path, "utf8"), readFileSync(`${path}.bak`, "utf8"));
  assert.deepEqual(readdirSync(join(dir, "state")).sort(), ["thing.json", "thing.json.bak"], "no temp file left");
});

for (const [what, bytes, problem] of [
  ["torn JSON", '{"n": 3, "na', /not valid JSON/],
  ["an empty file", "", /empty \(a torn write\)/],
  ["a schema mismatch", '{"n": "3", "name": "x"}', /does not match the state schema \(n: /],
] as const) {
  test(`a main copy with ${what}: the .bak copy is used and the read says why; the reader writes nothing`, async () => {
    const file = open();
    await file.write({ n: 5, name: "good" });
    writeFileSync(path, bytes);
    const read = await file.read();
    assert.equal(read.ok, true);
    if (!read.ok) return;
    assert.deepEqual(read.value, { n: 5, name: "good" });
    assert.equal(read.source, "backup");
    assert.equal(read.recovery?.used, "backup");
    assert.equal(read.recovery?.at, "2025-03-01T10:00:00.000Z");
    assert.match(read.recovery?.problem ?? "", problem);
    assert.equal(read.recovery?.preservedAs, null);
    assert.equal(readFileSync(path, "utf8"), bytes, "a plain read leaves the files alone");
    assert.equal(existsSync(`${path}.corrupt`), false);
  });
}

test("preserveCorrupt keeps the bad bytes; the next write repairs the main copy", async () => {
  const file = open();
  await file.write({ n: 5, name: "good" });
  writeFileSync(path, "garbage");
  const read = await file.read({ preserveCorrupt: true });
  assert.equal(read.ok && read.recovery?.preservedAs, `${path}.corrupt`);
  assert.equal(readFileSync(`${path}.corrupt`, "utf8"), "garbage");
  await file.write({ n: 6, name: "next" });
  assert.deepEqual(await file.read(), { ok: true, value: { n: 6, name: "next" }, source: "main", recovery: null });
});

test("main copy missing but .bak present: the .bak copy, with a note", async () => {
  const file = open();
  await file.write({ n: 7, name: "seven" });
  rmSync(path);
  const read = await file.read();
  assert.equal(read.ok && read.source, "backup");
  assert.equal(read.ok && read.recovery?.problem, "the main copy is missing");
});

test("both copies bad: the initial value, with a note naming both problems", async () => {
  const file = open();
  await file.write({ n: 7, name: "seven" });
  writeFileSync(path, "{");
  writeFileSync(`${path}.bak`, "[]");
  const read = await file.read();
  assert.equal(read.ok, true);
  if (!read.ok) return;
  assert.equal(read.source, "initial");
  assert.equal(read.recovery?.used, "initial");
  assert.match(read.recovery?.problem ?? "", /main copy is unusable: it is not valid JSON.*backup copy is unusable too: it does not match/);
});

test("an oversized state is neither written nor read into memory", async () => {
  const file = stateFile<Value>(path, Schema, { initial: () => ({ n: 0, name: "i" }), now: () => NOW, maxBytes: 100 });
  await assert.rejects(file.write({ n: 1, name: "x".repeat(200) }), /over the 100-byte limit, it could not be read back/);
  assert.equal(existsSync(path), false);
  mkdirSync(join(dir, "state"));
  writeFileSync(path, JSON.stringify({ n: 1, name: "x".repeat(200) }));
  const read = await file.read();
  assert.equal(read.ok && read.recovery?.problem.includes("over the 100-byte limit"), true);
});

test("an I/O error (not corruption) is an error: the caller must not overwrite the state", async () => {
  writeFileSync(join(dir, "plain-file"), "");
  const file = stateFile<Value>(join(dir, "plain-file", "thing.json"), Schema, { initial: () => ({ n: 0, name: "i" }), now: () => NOW });
  const read = await file.read();
  assert.equal(read.ok, false);
  assert.match(read.ok ? "" : read.error, /ENOTDIR/);
});

test("an invalid value is refused before anything is written", async () => {
  const file = open();
  await file.write({ n: 1, name: "one" });
  await assert.rejects(file.write({ n: 1.5, name: "bad" }), /refusing to write an invalid state/);
  await assert.rejects(file.write({ n: Number.NaN, name: "nan" }), /refusing to write an invalid state/);
  assert.deepEqual(JSON.parse(readFileSync(path, "utf8")), { n: 1, name: "one" });
});

test("temp files left by killed writers are removed once older than a minute", async () => {
  const file = open();
  await file.write({ n: 1, name: "one" });
  const stale = join(dir, "state", ".thing.json.dead.tmp");
  const fresh = join(dir, "state", ".thing.json.bak.alive.tmp");
  const other = join(dir, "state", ".other.json.dead.tmp");
  for (const f of [stale, fresh, other]) writeFileSync(f, "x");
  const old = new Date(Date.now() - 120_000);
  utimesSync(stale, old, old);
  utimesSync(other, old, old);
  await file.write({ n: 2, name: "two" });
  assert.deepEqual([existsSync(stale), existsSync(fresh), existsSync(other)], [false, true, true]);
});
