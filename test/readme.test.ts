import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { ALL_RESULT_CODES } from "../src/contract/all-result-codes.js";
import { ROOT } from "./helpers/cli.js";

const readme = readFileSync(join(ROOT, "README.md"), "utf8");

test("the README's first two commands are exactly what .ci/run runs", () => {
  const block = /## Quick start[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? "";
  const commands = block.split("\n").filter((l) => l.trim() !== "");
  assert.equal(commands.length, 2);
  const ci = [...readFileSync(join(ROOT, ".ci/run"), "utf8").matchAll(/^step '(.*)'$/gm)].map((m) => m[1]);
  assert.deepEqual(ci, commands);
  assert.match(commands[0] ?? "", /^npm ci /, "a clean install, not someone's node_modules");
});

test("every result code the program can emit is in the README table, with its meaning", () => {
  for (const c of ALL_RESULT_CODES) {
    const row = new RegExp(`^\\| ${c.code} \\| ${c.name} \\| ${c.status} \\| (.+) \\|$`, "m").exec(readme);
    assert.ok(row, `README lacks the row for code ${c.code} ${c.name}`);
  }
  const codes = ALL_RESULT_CODES.map((c) => c.code);
  assert.equal(new Set(codes).size, codes.length, "codes are unique");
});
