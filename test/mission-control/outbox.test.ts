import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { test } from "node:test";
import {
  enqueueReport, listOutbox, outboxDir, readEntry, readOutboxSummary, removeEntry, removeLeftovers,
} from "../../src/state/outbox.js";
import type { OutboxLimits } from "../../src/state/outbox.js";
import { makeReport } from "./support.js";
import { tempDir } from "../helpers/temp.js";


const LIMITS: OutboxLimits = { maxReports: 60, maxBytes: 5 * 1024 * 1024 };
const now = () => new Date();

async function store(stateDir: string, limits: OutboxLimits = LIMITS, overrides = {}) {
  const report = makeReport(overrides);
  const result = await enqueueReport(stateDir, JSON.stringify(report), report.reportId, limits, now());
  return { report, result };
}

test("reports are kept oldest first, whole, and read back as sent", async (t) => {
  const dir = tempDir(t, "nk-outbox-");
  const stored = [];
  for (let i = 0; i < 4; i++) stored.push((await store(dir)).report);
  const entries = await listOutbox(dir);
  assert.deepEqual(entries.map((e) => e.reportId), stored.map((r) => r.reportId));
  assert.deepEqual(entries.map((e) => e.seq), [1, 2, 3, 4]);
  for (const [i, entry] of entries.entries()) {
    const read = await readEntry(entry);
    assert.ok(read.ok);
    assert.equal(read.body, JSON.stringify(stored[i]));
    assert.deepEqual(read.report, stored[i]);
  }
  // After a delivery, numbering goes on from the highest present.
  await removeEntry(entries[0]!);
  await store(dir);
  assert.deepEqual((await listOutbox(dir)).map((e) => e.seq), [2, 3, 4, 5]);
});

test("the same report stored twice is kept once", async (t) => {
  const dir = tempDir(t, "nk-outbox-");
  const report = makeReport();
  const first = await enqueueReport(dir, JSON.stringify(report), report.reportId, LIMITS, now());
  const again = await enqueueReport(dir, JSON.stringify(report), report.reportId, LIMITS, now());
  assert.equal(first.duplicate, false);
  assert.equal(again.duplicate, true);
  assert.equal((await listOutbox(dir)).length, 1);
});

test("count bound: the oldest are dropped and counted", async (t) => {
  const dir = tempDir(t, "nk-outbox-");
  const ids: string[] = [];
  for (let i = 0; i < 7; i++) ids.push((await store(dir, { maxReports: 5, maxBytes: LIMITS.maxBytes })).report.reportId);
  assert.deepEqual((await listOutbox(dir)).map((e) => e.reportId), ids.slice(2));
  const summary = await readOutboxSummary(dir);
  assert.equal(summary.depth, 5);
  assert.equal(summary.droppedTotal, 2);
  assert.equal(summary.lastDrop?.count, 1);
  assert.equal(summary.lastDrop?.reason, "outbox bound");
  assert.equal(summary.oldest?.reportId, ids[2]);
  assert.equal(summary.problem, null);
});

test("byte bound: the oldest are dropped; the newest is kept even alone over it", async (t) => {
  const dir = tempDir(t, "nk-outbox-");
  const first = await store(dir);
  const size = (await listOutbox(dir))[0]!.bytes;
  const limits = { maxReports: 60, maxBytes: size * 3 };
  await store(dir, limits);
  await store(dir, limits);
  const fourth = await store(dir, limits);
  assert.deepEqual(fourth.result.dropped.map((e) => e.reportId), [first.report.reportId]);
  const entries = await listOutbox(dir);
  assert.equal(entries.length, 3);
  assert.ok(entries.reduce((s, e) => s + e.bytes, 0) <= limits.maxBytes);

  const tiny = { maxReports: 60, maxBytes: 10 };
  const big = await store(dir, tiny);
  assert.deepEqual((await listOutbox(dir)).map((e) => e.reportId), [big.report.reportId]);
  assert.equal((await readOutboxSummary(dir)).droppedTotal, 4);
});

test("never trusts a file: bad JSON, an invalid report, a name/content mismatch are refused", async (t) => {
  const dir = tempDir(t, "nk-outbox-");
  const { report } = await store(dir);
  const [entry] = await listOutbox(dir);
  writeFileSync(entry!.path, "{\"schemaVersion\":1,");
  assert.deepEqual(await readEntry(entry!), { ok: false, reason: "not JSON" });
  writeFileSync(entry!.path, JSON.stringify({ ...report, nodeState: "HAPPY" }));
  assert.match((await readEntry(entry!) as { reason: string }).reason, /nodeState/);
  writeFileSync(entry!.path, JSON.stringify(makeReport()));
  assert.match((await readEntry(entry!) as { reason: string }).reason, /named/);
});

test("temp files and strangers are ignored; leftovers of a crash are cleaned; garbage dropped.json does not throw", async (t) => {
  const dir = tempDir(t, "nk-outbox-");
  await store(dir);
  writeFileSync(join(outboxDir(dir), ".000000000002-x.json.123.tmp"), "{");
  writeFileSync(join(outboxDir(dir), "README"), "hello");
  writeFileSync(join(outboxDir(dir), "dropped.json"), "garbage");
  assert.equal((await listOutbox(dir)).length, 1);
  const summary = await readOutboxSummary(dir);
  assert.equal(summary.depth, 1);
  assert.equal(summary.droppedTotal, 0);
  assert.match(summary.problem ?? "", /dropped\.json/);
  assert.equal(await removeLeftovers(dir, Date.now()), 0, "a fresh temp file may be a write in progress");
  assert.equal(await removeLeftovers(dir, Date.now() + 120_000), 1);
});

test("readOutboxSummary of a state directory that does not exist", async (t) => {
  const summary = await readOutboxSummary(join(tempDir(t, "nk-outbox-"), "nope"));
  assert.deepEqual(summary, { depth: 0, bytes: 0, oldest: null, droppedTotal: 0, lastDrop: null, problem: null });
});

test("crash safety: writers killed with -9, again and again, leave every stored report whole", async (t) => {
  const child = join(import.meta.dirname, "children", "outbox-writer.ts");
  const LANES = 2; // one outbox each, killed in parallel: the machine has two cores
  const KILLS_PER_LANE = 5;
  let leftovers = 0;
  // ~40 kB reports: a write takes long enough for a kill to land inside it.
  const template = join(tempDir(t, "nk-outbox-template-"), "report.json");
  writeFileSync(template, JSON.stringify(makeReport({
    componentStatuses: Array.from({ length: 400 }, (_, i) => ({
      name: `component-${i}`, status: "OK" as const, description: "active (running) since a while", resultCode: 0,
    })),
  })));

  async function killRepeatedly(dir: string): Promise<void> {
    for (let i = 0; i < KILLS_PER_LANE; i++) {
      const proc = spawn(process.execPath, ["--import", "tsx", child, dir, template], { stdio: ["ignore", "pipe", "inherit"] });
      const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("writer not ready within 20 s")), 20_000);
        createInterface({ input: proc.stdout }).once("line", () => {
          clearTimeout(timer);
          resolve();
        });
      });
      // Somewhere in the loop: a few to a few dozen writes in.
      await new Promise((resolve) => setTimeout(resolve, 5 + Math.floor(Math.random() * 120)));
      proc.kill("SIGKILL");
      await exited;
    }
  }

  async function check(dir: string): Promise<void> {
    const entries = await listOutbox(dir);
    assert.ok(entries.length > 0);
    assert.ok(entries.length <= 26, `bound 25, one over at most after a crash: ${entries.length}`);
    for (const entry of entries) {
      const read = await readEntry(entry);
      assert.ok(read.ok, `${entry.path}: ${read.ok ? "" : read.reason}`);
    }
    // Past the bound (25), dropped.json counts what went; on a loaded machine a
    // lane may be killed before it reaches the bound, and then there is none.
    const droppedFile = join(outboxDir(dir), "dropped.json");
    if (existsSync(droppedFile)) {
      const dropped = JSON.parse(readFileSync(droppedFile, "utf8")) as { droppedTotal: number };
      assert.ok(dropped.droppedTotal > 0);
    }
    // Every name is a report, dropped.json, or a temp file a crash left (ignored, cleaned later).
    for (const name of readdirSync(outboxDir(dir))) {
      assert.match(name, /^(\d{12}-[0-9a-f-]{36}\.json|dropped\.json|\..*\.tmp)$/);
      if (name.endsWith(".tmp")) leftovers += 1;
    }
    const summary = await readOutboxSummary(dir);
    assert.equal(summary.problem, null);
    assert.equal(summary.depth, entries.length);
  }

  const dirs = Array.from({ length: LANES }, () => tempDir(t, "nk-outbox-crash-"));
  await Promise.all(dirs.map(killRepeatedly));
  for (const dir of dirs) await check(dir);
  // Informative: how many kills landed inside a write (between temp file and rename).
  console.log(`outbox crash test: ${LANES * KILLS_PER_LANE} kills, ${leftovers} inside a write`);
});
