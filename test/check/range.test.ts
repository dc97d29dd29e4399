import assert from "node:assert/strict";
import { test } from "node:test";
import { alerts, parseRange } from "../../src/check/range.js";
import type { Range } from "../../src/check/range.js";

function range(text: string): Range {
  const r = parseRange(text);
  assert.ok(r.ok, `${text}: ${r.ok ? "" : r.error}`);
  return r.range;
}

// The table of the Nagios plugin development guidelines, with values on both
// sides of every end (ends are inclusive).
const CASES: ReadonlyArray<{ text: string; start: number; end: number; inside: boolean; alert: number[]; quiet: number[] }> = [
  { text: "10", start: 0, end: 10, inside: false, alert: [-0.001, -1, 10.001, 11], quiet: [0, 5, 10] },
  { text: "10:", start: 10, end: Infinity, inside: false, alert: [9.999, 0, -5], quiet: [10, 11, 1e12] },
  { text: "~:10", start: -Infinity, end: 10, inside: false, alert: [10.001, 1e9], quiet: [-1e12, 0, 10] },
  { text: "10:20", start: 10, end: 20, inside: false, alert: [9.99, 20.01, 0], quiet: [10, 15, 20] },
  { text: "@10:20", start: 10, end: 20, inside: true, alert: [10, 15, 20], quiet: [9.99, 20.01, -3] },
  { text: ":10", start: 0, end: 10, inside: false, alert: [-1, 11], quiet: [0, 10] },
  { text: "-5:-1", start: -5, end: -1, inside: false, alert: [-6, 0], quiet: [-5, -3, -1] },
  { text: "1.5", start: 0, end: 1.5, inside: false, alert: [1.51], quiet: [1.5, 0] },
  { text: "@~:0", start: -Infinity, end: 0, inside: true, alert: [0, -7], quiet: [0.001] },
  { text: "~:", start: -Infinity, end: Infinity, inside: false, alert: [], quiet: [-1e300, 0, 1e300] },
  { text: "@0", start: 0, end: 0, inside: true, alert: [0], quiet: [1, -1] },
  { text: " 15: ", start: 15, end: Infinity, inside: false, alert: [14], quiet: [15] },
];

test("parseRange reads every form of the guidelines, with inclusive ends", () => {
  for (const c of CASES) {
    const r = range(c.text);
    assert.deepEqual(r, { text: c.text.trim(), start: c.start, end: c.end, inside: c.inside }, c.text);
    for (const v of c.alert) assert.equal(alerts(r, v), true, `${c.text} must alert at ${v}`);
    for (const v of c.quiet) assert.equal(alerts(r, v), false, `${c.text} must not alert at ${v}`);
  }
});

test("alerts: a value that is not a number always alerts", () => {
  assert.equal(alerts(range("~:"), Number.NaN), true);
  assert.equal(alerts(range("@10:20"), Number.NaN), true);
});

test("parseRange: bad text gives an error that names the text and the part; it never throws", () => {
  const bad: ReadonlyArray<[string, RegExp]> = [
    ["", /empty/],
    ["   ", /empty/],
    ["@", /nothing after @/],
    ["~", /needs a colon/],
    ["abc", /"abc" is not a number/],
    ["10x", /"10x" is not a number/],
    ["1e3", /not a number/],
    ["20:10", /start 20 is greater than end 10/],
    ["1:2:3", /more than one colon/],
    ["x:10", /start "x" is not a number or ~/],
    ["10:~", /end "~" is not a number/],
    ["@@1", /not a number/],
    ["1 0", /not a number/],
  ];
  for (const [text, why] of bad) {
    const r = parseRange(text);
    assert.equal(r.ok, false, `${JSON.stringify(text)} must be refused`);
    if (!r.ok) {
      assert.match(r.error, why, text);
      assert.ok(r.error.includes(JSON.stringify(text)), `the error names the text: ${r.error}`);
    }
  }
});
