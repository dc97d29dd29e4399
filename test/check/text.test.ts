import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { byStatusSeverity, firstSentence, formatAge, pct, plural } from "../../src/check/text.js";

describe("text", () => {
  test("formatAge", () => {
    assert.equal(formatAge(0), "0 s");
    assert.equal(formatAge(119_000), "119 s");
    assert.equal(formatAge(7 * 60_000), "7 min");
    assert.equal(formatAge(3 * 3_600_000), "3 h");
    assert.equal(formatAge(72 * 3_600_000), "3 d");
  });

  test("plural and pct", () => {
    assert.equal(plural(1, "peer"), "1 peer");
    assert.equal(plural(0, "peer"), "0 peers");
    assert.equal(plural(2, "directory", "directories"), "2 directories");
    assert.equal(pct(12.345), "12.3%");
    assert.equal(pct(5), "5.0%");
  });

  test("firstSentence: up to the first . ! or ? followed by a space or the end; cut with … beyond max", () => {
    assert.equal(firstSentence("  Two peers down. Hints pile up.", 100), "Two peers down");
    assert.equal(firstSentence("Cassandra 4.1.6 is UN on this node.", 100), "Cassandra 4.1.6 is UN on this node");
    assert.equal(firstSentence("nodetool failed! again", 100), "nodetool failed");
    assert.equal(firstSentence("abcdefghij", 5), "abcd…");
    assert.equal(firstSentence("abcde", 5), "abcde");
  });

  test("byStatusSeverity: worst first (ERROR, UNKNOWN, WARNING, OK), input order kept among equals", () => {
    const items = [
      { id: 1, status: "WARNING" }, { id: 2, status: "OK" }, { id: 3, status: "ERROR" },
      { id: 4, status: "UNKNOWN" }, { id: 5, status: "WARNING" }, { id: 6, status: "NOT_INSTALLED" },
    ] as const;
    assert.deepEqual(byStatusSeverity(items).map((i) => i.id), [3, 4, 1, 5, 2, 6]);
  });
});
