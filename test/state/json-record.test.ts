import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { readLastExchange } from "../../src/state/last-exchange.js";
import { readSelfState } from "../../src/state/self-state.js";
import { tempDir } from "../helpers/temp.js";

test("last-exchange.json and self.json: absent, unreadable, not JSON, not in shape, each with its reason", async (t) => {
  const dir = tempDir(t, "nk-records-");
  assert.deepEqual(await readLastExchange(dir), { state: "absent" });
  assert.deepEqual(await readSelfState(dir), { state: "absent" });
  writeFileSync(join(dir, "last-exchange.json"), "{");
  writeFileSync(join(dir, "self.json"), "{");
  assert.deepEqual(await readLastExchange(dir), { state: "unreadable", reason: "last-exchange.json is not valid JSON" });
  assert.deepEqual(await readSelfState(dir), { state: "unreadable", reason: "self.json is not valid JSON" });
  writeFileSync(join(dir, "last-exchange.json"), JSON.stringify({ version: 1 }));
  writeFileSync(join(dir, "self.json"), JSON.stringify({ version: 1 }));
  const exchange = await readLastExchange(dir);
  assert.equal(exchange.state, "unreadable");
  assert.match(exchange.state === "unreadable" ? exchange.reason : "", /^last-exchange\.json: startedAt: /);
  assert.deepEqual(await readSelfState(dir), { state: "unreadable", reason: "self.json: not in the expected shape" });
  const folder = join(dir, "as-folder");
  mkdirSync(join(folder, "self.json"), { recursive: true });
  assert.deepEqual(await readSelfState(folder), { state: "unreadable", reason: "self.json: EISDIR: illegal operation on a directory, read" });
});
