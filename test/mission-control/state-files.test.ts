/** instructions.json (src/state/instructions.ts), the audit log and last-exchange.json. */
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync, writeFileSync, appendFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { appendAudit, auditPath } from "../../src/state/audit.js";
import { readLastExchange } from "../../src/state/last-exchange.js";
import { InstructionsSchema } from "../../src/contract/answer.js";
import type { Instructions } from "../../src/contract/answer.js";
import {
  INSTRUCTIONS_FILE, PREVIOUS_INSTRUCTIONS_FILE, readInstructions, recordInstructions,
} from "../../src/state/instructions.js";
import { makeToken } from "./support.js";
import { tempDir } from "../helpers/temp.js";


function instructions(reportId: string, overrides: Partial<Instructions> = {}): Instructions {
  return InstructionsSchema.parse({
    schemaVersion: 1, reportId, clusterId: "c", responsibilityNodeIds: ["n1"], clusterStatus: "HEALTHY",
    clusterStatusDescription: "", cassandraQuorumOverride: false, phaDowntimeLongerThan72h: false,
    phaFailoverRemediation: false, nodeStatuses: [], componentStatuses: [], ...overrides,
  });
}

test("instructions: absent, recorded, read back; the previous one kept", async (t) => {
  const dir = tempDir(t, "nk-instr-");
  assert.deepEqual(await readInstructions(dir), { state: "absent" });
  const first = await recordInstructions(dir, { receivedAt: "2025-01-01T00:00:00.000Z", reportId: "r1", instructions: instructions("r1") });
  assert.ok(first.ok);
  const second = await recordInstructions(dir, { receivedAt: "2025-01-01T00:01:00.000Z", reportId: "r2", instructions: instructions("r2", { cassandraQuorumOverride: true }) });
  assert.ok(second.ok);
  const read = await readInstructions(dir);
  assert.equal(read.state, "ok");
  assert.ok(read.state === "ok");
  assert.equal(read.record.reportId, "r2");
  assert.equal(read.record.instructions.cassandraQuorumOverride, true);
  const prev = JSON.parse(readFileSync(join(dir, PREVIOUS_INSTRUCTIONS_FILE), "utf8")) as { reportId: string };
  assert.equal(prev.reportId, "r1");
  assert.equal(statSync(join(dir, INSTRUCTIONS_FILE)).mode & 0o777, 0o640);
});

test("instructions: a torn or corrupt file never throws; falls back to the previous and says why", async (t) => {
  const dir = tempDir(t, "nk-instr-");
  await recordInstructions(dir, { receivedAt: "2025-01-01T00:00:00.000Z", reportId: "r1", instructions: instructions("r1") });
  await recordInstructions(dir, { receivedAt: "2025-01-01T00:01:00.000Z", reportId: "r2", instructions: instructions("r2") });
  const full = readFileSync(join(dir, INSTRUCTIONS_FILE), "utf8");
  writeFileSync(join(dir, INSTRUCTIONS_FILE), full.slice(0, full.length / 2)); // torn
  const torn = await readInstructions(dir);
  assert.equal(torn.state, "fallback");
  assert.ok(torn.state === "fallback");
  assert.equal(torn.record.reportId, "r1");
  assert.match(torn.reason, /not valid JSON/);

  writeFileSync(join(dir, INSTRUCTIONS_FILE), JSON.stringify({ version: 1, receivedAt: "x", reportId: "r3", instructions: { schemaVersion: 1 } }));
  const invalid = await readInstructions(dir);
  assert.ok(invalid.state === "fallback");
  assert.match(invalid.reason, /instructions\./);

  writeFileSync(join(dir, PREVIOUS_INSTRUCTIONS_FILE), "");
  const none = await readInstructions(dir);
  assert.equal(none.state, "unreadable");
  assert.ok(none.state === "unreadable");
  assert.match(none.reason, /instructions\.prev\.json is empty/);

  // A corrupt current record is not kept as "previous" by the next write.
  const next = await recordInstructions(dir, { receivedAt: "2025-01-01T00:02:00.000Z", reportId: "r4", instructions: instructions("r4") });
  assert.ok(next.ok);
  assert.equal((await readInstructions(dir)).state, "ok");
});

test("instructions: a state directory that is a file is reported, not thrown", async (t) => {
  const dir = tempDir(t, "nk-instr-");
  const file = join(dir, "file");
  writeFileSync(file, "");
  const write = await recordInstructions(file, { receivedAt: "2025-01-01T00:00:00.000Z", reportId: "r1", instructions: instructions("r1") });
  assert.equal(write.ok, false);
  const read = await readInstructions(file);
  assert.equal(read.state, "unreadable");
});

test("audit: one JSON line per record, secrets redacted, rotated at the bound", async (t) => {
  const dir = tempDir(t, "nk-audit-");
  const token = makeToken();
  const limits = { maxBytes: 64 * 1024, keep: 2 };
  const record = { type: "exchange", note: `Bearer ${token}`, padding: "x".repeat(10_000) };
  for (let i = 0; i < 20; i++) {
    const written = await appendAudit(dir, { ...record, i }, { limits, secrets: [token] });
    assert.deepEqual(written, { ok: true });
  }
  const files = readdirSync(dir).filter((f) => f.startsWith("audit.jsonl")).sort();
  assert.deepEqual(files, ["audit.jsonl", "audit.jsonl.1", "audit.jsonl.2"]);
  const seen: number[] = [];
  for (const file of files) {
    const text = readFileSync(join(dir, file), "utf8");
    assert.ok(Buffer.byteLength(text) <= limits.maxBytes, `${file} within the bound`);
    assert.equal(text.includes(token), false);
    for (const line of text.trim().split("\n")) {
      const parsed = JSON.parse(line) as { i: number; note: string };
      assert.equal(parsed.note, "Bearer [REDACTED]");
      seen.push(parsed.i);
    }
  }
  // The newest lines are kept; older ones rotated out.
  assert.ok(seen.includes(19));
  assert.ok(!seen.includes(0));
});

test("audit: a torn last line (crash mid-append) does not swallow the next one", async (t) => {
  const dir = tempDir(t, "nk-audit-");
  await appendAudit(dir, { i: 1 });
  appendFileSync(auditPath(dir), "{\"i\":2,\"torn");
  await appendAudit(dir, { i: 3 });
  const lines = readFileSync(auditPath(dir), "utf8").trim().split("\n");
  assert.equal(lines.length, 3);
  assert.deepEqual(JSON.parse(lines[2]!), { i: 3 });
});

test("audit: an unwritable place is reported, not thrown", async (t) => {
  const dir = tempDir(t, "nk-audit-");
  writeFileSync(join(dir, "file"), "");
  const written = await appendAudit(join(dir, "file"), { i: 1 });
  assert.equal(written.ok, false);
});

test("last-exchange.json: absent, corrupt, never throws", async (t) => {
  const dir = tempDir(t, "nk-last-");
  assert.deepEqual(await readLastExchange(dir), { state: "absent" });
  writeFileSync(join(dir, "last-exchange.json"), "{");
  assert.equal((await readLastExchange(dir)).state, "unreadable");
  writeFileSync(join(dir, "last-exchange.json"), JSON.stringify({ version: 1 }));
  assert.equal((await readLastExchange(dir)).state, "unreadable");
});
