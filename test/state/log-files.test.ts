import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { readRepairResult, repairLogEnd, repairPaths } from "../../src/state/repair-files.js";
import { commandOutput, openCommandLog } from "../../src/state/server-commands-log.js";
import { readTail } from "../../src/state/tail.js";
import { tempDir } from "../helpers/temp.js";

test("readTail: from an offset, at most the last maxBytes bytes; '' for a missing file", async (t) => {
  const dir = tempDir(t, "nk-tail-");
  const file = join(dir, "log");
  writeFileSync(file, "0123456789");
  assert.equal(await readTail(file, { maxBytes: 4 }), "6789");
  assert.equal(await readTail(file, { from: 7, maxBytes: 100 }), "789");
  assert.equal(await readTail(file, { from: 2, maxBytes: 5 }), "56789", "the size bound wins over an early offset");
  assert.equal(await readTail(file, { from: 10, maxBytes: 5 }), "");
  assert.equal(await readTail(join(dir, "none"), { maxBytes: 5 }), "");
});

test("server-commands.log: a header per command, and the command's output read from its own offset", async (t) => {
  const dir = tempDir(t, "nk-cmdlog-");
  const first = await openCommandLog(dir, { kind: "stop-server", argv: ["systemctl", "stop", "server"] }, Date.UTC(2026, 11, 7, 3, 0, 0));
  assert.ok(first.ok);
  writeFileSync(first.file, "stopping failed\n", { flag: "a" });
  const second = await openCommandLog(dir, { kind: "start-server", argv: ["systemctl", "start", "server"] }, Date.UTC(2026, 11, 7, 3, 1, 0));
  assert.ok(second.ok);
  writeFileSync(second.file, "start: unit not found\n", { flag: "a" });
  assert.equal(await commandOutput(second.file, second.offset), "start: unit not found\n");
  assert.equal(await readTail(first.file, { maxBytes: 10_000 }),
    "--- 2026-12-07T03:00:00.000Z stop-server: systemctl stop server\nstopping failed\n--- 2026-12-07T03:01:00.000Z start-server: systemctl start server\nstart: unit not found\n");
});

test("the repair's result counts only for its own run id; the log's end is read", async (t) => {
  const dir = tempDir(t, "nk-repair-files-");
  const paths = repairPaths(dir);
  assert.equal(await readRepairResult(paths, "nk-repair-a"), null, "no result yet");
  writeFileSync(paths.resultFile, "nk-repair-a 2\n");
  assert.equal(await readRepairResult(paths, "nk-repair-a"), 2);
  assert.equal(await readRepairResult(paths, "nk-repair-b"), null, "an old run's result is never the new run's");
  writeFileSync(paths.logFile, "x".repeat(5000) + "\nrepair failed: streaming error\n");
  const end = await repairLogEnd(paths);
  assert.equal(end.length, 2048);
  assert.ok(end.endsWith("repair failed: streaming error\n"));
});
