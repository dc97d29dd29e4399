import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { formatAge } from "../../src/check/text.js";

describe("text", () => {
  test("formatAge", () => {
    assert.equal(formatAge(0), "0 s");
    assert.equal(formatAge(119_000), "119 s");
    assert.equal(formatAge(7 * 60_000), "7 min");
    assert.equal(formatAge(3 * 3_600_000), "3 h");
    assert.equal(formatAge(72 * 3_600_000), "3 d");
  });
});
