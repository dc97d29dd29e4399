import assert from "node:assert/strict";
import { test } from "node:test";
import {
  formatLabel, formatLine, formatNumber, formatPerfDatum, healthOutcome, MAX_TEXT_CHARS, NAGIOS_STATES, shortList, stateOfStatus, worstState,
} from "../../src/check/nagios.js";
import { exitCodeOf } from "../../src/contract/outcomes.js";
import { parseRange } from "../../src/check/range.js";
import type { Range } from "../../src/check/range.js";
import { parsePluginOutput } from "./plugin-output.js";

const r = (text: string): Range => {
  const p = parseRange(text);
  assert.ok(p.ok);
  return p.range;
};

test("formatLine: the issue's example, byte for byte", () => {
  const line = formatLine("cassandra", "WARNING", "2 peers down, 29 hint files", [
    { label: "hints", value: 29, warn: r("100"), crit: r("1000") },
    { label: "down", value: 2 },
  ]);
  assert.equal(line, "NODEKEEPER CASSANDRA WARNING - 2 peers down, 29 hint files | hints=29;100;1000 down=2");
  const parsed = parsePluginOutput(line);
  assert.equal(parsed.state, "WARNING");
  assert.deepEqual(parsed.perfdata[0], { label: "hints", value: 29, uom: "", warn: "100", crit: "1000", min: null, max: null });
});

test("formatLine: no perfdata, no bar; newlines, tabs and | in the text never reach the line", () => {
  assert.equal(formatLine("cluster", "UNKNOWN", "no answer"), "NODEKEEPER CLUSTER UNKNOWN - no answer");
  const line = formatLine("components", "CRITICAL", "a\nb\r\nc\td | e", [{ label: "x", value: 1 }]);
  assert.equal(line, "NODEKEEPER COMPONENTS CRITICAL - a b c d / e | x=1");
  parsePluginOutput(line);
  assert.equal(formatLine("components", "OK", "\n\n"), "NODEKEEPER COMPONENTS OK - OK", "an empty text becomes the state");
});

test("formatLine: a long text is cut to MAX_TEXT_CHARS, ending in …", () => {
  const line = formatLine("directories", "WARNING", "x".repeat(500));
  const text = parsePluginOutput(line).text;
  assert.equal(Array.from(text).length, MAX_TEXT_CHARS);
  assert.ok(text.endsWith("…"));
  // A cut never splits a surrogate pair.
  const emoji = formatLine("directories", "WARNING", "💾".repeat(300));
  assert.ok(!/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/.test(emoji), "no lone high surrogate");
});

test("shortList: three items, then …", () => {
  assert.equal(shortList(["/a", "/b", "/c"]), "/a, /b, /c");
  assert.equal(shortList(["/a", "/b", "/c", "/d"]), "/a, /b, /c, …");
  assert.equal(shortList(["/a", "/b", "/c"], 2), "/a, /b, …");
  assert.equal(shortList([]), "");
});

test("formatLabel: quoted when it holds a space, = or '; quotes doubled; control characters and | removed", () => {
  assert.equal(formatLabel("hints"), "hints");
  assert.equal(formatLabel("/var/opt/data"), "/var/opt/data");
  assert.equal(formatLabel("/data/my disk"), "'/data/my disk'");
  assert.equal(formatLabel("a=b"), "'a=b'");
  assert.equal(formatLabel("it's"), "'it''s'");
  assert.equal(formatLabel("x;y"), "'x;y'");
  assert.equal(formatLabel("a\nb"), "'a b'");
  assert.equal(formatLabel("a|b"), "a/b");
  assert.equal(formatLabel(""), "value");
  for (const label of ["/data/my disk", "a=b", "it's", "'''", "x;y", "a\nb"]) {
    const parsed = parsePluginOutput(formatLine("x", "OK", "t", [{ label, value: 1 }]));
    assert.equal(parsed.perfdata[0]?.label, label.replace("\n", " "), `round trip of ${JSON.stringify(label)}`);
  }
});

test("formatNumber / formatPerfDatum: plain decimals, U for unknown, trailing empty fields dropped", () => {
  assert.equal(formatNumber(29), "29");
  assert.equal(formatNumber(12.5), "12.5");
  assert.equal(formatNumber(1 / 3), "0.333");
  assert.equal(formatNumber(0.0001), "0");
  assert.equal(formatNumber(-0.0001), "0");
  assert.equal(formatNumber(2 ** 60), "1152921504606846976");
  assert.equal(formatNumber(1e21), "1000000000000000000000");
  assert.equal(formatNumber(Number.NaN), "U");
  assert.equal(formatPerfDatum({ label: "down", value: 2 }), "down=2");
  assert.equal(formatPerfDatum({ label: "hints", value: null, warn: r("100") }), "hints=U;100");
  assert.equal(formatPerfDatum({ label: "free", value: 4.25, uom: "%", crit: r("5:"), min: 0, max: 100 }), "free=4.25%;;5:;0;100");
  assert.equal(formatPerfDatum({ label: "lat", value: 3, uom: "ms", warn: r("@10:20"), crit: r("~:50"), min: 0 }), "lat=3ms;@10:20;~:50;0");
  assert.equal(formatPerfDatum({ label: "x", value: Number.POSITIVE_INFINITY }), "x=U");
});

test("states: contract statuses in Nagios words, exit codes, worst wins", () => {
  assert.equal(stateOfStatus("OK"), "OK");
  assert.equal(stateOfStatus("NOT_INSTALLED"), "OK");
  assert.equal(stateOfStatus("WARNING"), "WARNING");
  assert.equal(stateOfStatus("ERROR"), "CRITICAL");
  assert.equal(stateOfStatus("UNKNOWN"), "UNKNOWN");
  // The exit code of each state, through the contract's one table.
  assert.deepEqual(Object.fromEntries(NAGIOS_STATES.map((s) => [s, exitCodeOf(healthOutcome(s))])), { OK: 0, WARNING: 1, CRITICAL: 2, UNKNOWN: 3 });
  assert.equal(worstState([]), "OK");
  assert.equal(worstState(["OK", "WARNING"]), "WARNING");
  assert.equal(worstState(["WARNING", "UNKNOWN"]), "UNKNOWN");
  assert.equal(worstState(["UNKNOWN", "CRITICAL", "WARNING"]), "CRITICAL");
});

test("healthOutcome: a Nagios state as the contract's health, the inverse of stateOfStatus", () => {
  assert.deepEqual(NAGIOS_STATES.map((s) => healthOutcome(s).health), ["OK", "WARNING", "ERROR", "UNKNOWN"]);
  for (const s of NAGIOS_STATES) assert.equal(stateOfStatus(healthOutcome(s).health), s);
});
