import assert from "node:assert/strict";
import { test } from "node:test";
import { cleanDeep, cleanLines, cleanText, redactDeep, redactText } from "../../src/contract/text.js";
import { randomBytes } from "node:crypto";

const CONTROL = /[\p{Cc}\p{Cf}]/u;

test("cleanText: escape sequences, C0/C1 controls and bidi overrides go; the cap holds and says what was cut", () => {
  assert.equal(cleanText("\x1b[31mred\x1b[0m \x1b]0;title\x07ok\u202e\u009b2J"), "red ok");
  assert.equal(cleanText("a\r\nb\tc"), "a b c");
  const long = cleanText("A".repeat(200_000), 1024);
  assert.equal(long.length, 1024);
  assert.match(long, /… \[\+\d+ chars\]$/);
  assert.equal(cleanText("short", 1024), "short");
  assert.equal(cleanText("😀".repeat(600), 1001).length <= 1001, true);
});

test("cleanLines keeps tabs and line breaks for column parsers", () => {
  assert.equal(cleanLines("UN\t10.0.0.1\x1b[1m\r\nDN  x", 100), "UN\t10.0.0.1\nDN  x");
});

test("fuzz: cleanText/cleanLines never throw, never leave a control character, never exceed the cap", () => {
  for (let i = 0; i < 2_000; i++) {
    const bytes = randomBytes(1 + (i % 300));
    for (const text of [bytes.toString("utf8"), bytes.toString("latin1"), String.fromCharCode(...new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.length >> 1))]) {
      const cap = 1 + (i % 64);
      const out = cleanText(text, cap);
      assert.ok(out.length <= cap, `${out.length} > ${cap}`);
      assert.doesNotMatch(out, CONTROL);
      for (const line of cleanLines(text, cap).split("\n")) assert.doesNotMatch(line.replace(/\t/g, ""), CONTROL);
    }
  }
});

test("redactDeep: any length, keys too, JSON stays valid", () => {
  const record = { a: "x {} y", "{}": ["{}", 1, null], n: 3 };
  const out = redactDeep(record, ["{}"]);
  assert.deepEqual(out, { a: "x [REDACTED] y", "[REDACTED]": ["[REDACTED]", 1, null], n: 3 });
  assert.equal(redactText("tok", ["tok"]), "[REDACTED]");
  assert.deepEqual(cleanDeep({ k: "\x1bv" }), { k: "v" });
});
