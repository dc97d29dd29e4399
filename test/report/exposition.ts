/**
 * A strict parser for the Prometheus text exposition format (0.0.4), as
 * node_exporter's textfile collector reads it, plus the naming conventions
 * nodekeeper holds itself to. Written independently of src/report/prometheus.ts.
 *
 * Fails on: a line that is not HELP, TYPE or a sample; a sample before its
 * metric's HELP and TYPE; HELP or TYPE twice; a family's samples not together;
 * a duplicate series; bad names, label names or escapes; a timestamp (the
 * textfile collector refuses them); a missing final newline.
 */
import assert from "node:assert/strict";

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface MetricFamily {
  readonly name: string;
  readonly help: string;
  readonly type: string;
  readonly samples: Sample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const FLOAT = /^(?:[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|[+-]?Inf|NaN)$/;
const TYPES = new Set(["counter", "gauge", "histogram", "summary", "untyped"]);

export function parseExposition(text: string): Map<string, MetricFamily> {
  assert.ok(text.endsWith("\n"), "the file must end with a newline");
  const families = new Map<string, MetricFamily>();
  const help = new Map<string, string>();
  const types = new Map<string, string>();
  const series = new Set<string>();
  const closed = new Set<string>();
  let current: string | null = null;
  const lines = text.slice(0, -1).split("\n");
  lines.forEach((line, index) => {
    const where = `line ${index + 1}: ${JSON.stringify(line)}`;
    assert.ok(line.length > 0, `${where}: empty line`);
    if (line.startsWith("#")) {
      const m = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line);
      assert.ok(m, `${where}: a comment that is neither HELP nor TYPE`);
      const [, kind, name, rest] = m as unknown as [string, string, string, string];
      assert.match(name, METRIC_NAME, where);
      assert.ok(!closed.has(name) && (current === null || current === name || !families.has(name)), `${where}: ${name} was already written`);
      if (kind === "HELP") {
        assert.ok(!help.has(name), `${where}: second HELP`);
        assert.ok(!/\\[^\\n]/.test(rest.replace(/\\\\/g, "")), `${where}: bad escape in HELP`);
        help.set(name, rest.replace(/\\n/g, "\n").replace(/\\\\/g, "\\"));
      } else {
        assert.ok(!types.has(name), `${where}: second TYPE`);
        assert.ok(TYPES.has(rest), `${where}: unknown type ${rest}`);
        types.set(name, rest);
      }
      if (current !== null && current !== name) closed.add(current);
      current = name;
      return;
    }
    const sample = parseSample(line, where);
    assert.equal(sample.name, current, `${where}: sample of ${sample.name} outside its family (HELP/TYPE ${current ?? "none"})`);
    assert.ok(help.has(sample.name), `${where}: no HELP before the sample`);
    assert.ok(types.has(sample.name), `${where}: no TYPE before the sample`);
    const key = `${sample.name}{${Object.entries(sample.labels).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(",")}}`;
    assert.ok(!series.has(key), `${where}: duplicate series ${key}`);
    series.add(key);
    let family = families.get(sample.name);
    if (family === undefined) {
      family = { name: sample.name, help: help.get(sample.name)!, type: types.get(sample.name)!, samples: [] };
      families.set(sample.name, family);
    }
    family.samples.push(sample);
  });
  for (const name of [...help.keys(), ...types.keys()]) assert.ok(families.has(name), `${name}: HELP/TYPE without samples`);
  return families;
}

function parseSample(line: string, where: string): Sample {
  const nameMatch = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line);
  assert.ok(nameMatch, `${where}: no metric name`);
  const name = nameMatch[0];
  let i = name.length;
  const labels: Record<string, string> = {};
  if (line[i] === "{") {
    i++;
    while (line[i] !== "}") {
      const ln = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(line.slice(i));
      assert.ok(ln, `${where}: bad label name at ${i}`);
      const labelName = ln[0];
      assert.match(labelName, LABEL_NAME);
      assert.ok(!labelName.startsWith("__"), `${where}: reserved label name ${labelName}`);
      assert.ok(!(labelName in labels), `${where}: label ${labelName} twice`);
      i += labelName.length;
      assert.equal(line.slice(i, i + 2), '="', `${where}: expected =" after ${labelName}`);
      i += 2;
      let value = "";
      for (;;) {
        const c = line[i];
        assert.ok(c !== undefined, `${where}: unterminated label value`);
        if (c === '"') break;
        if (c === "\\") {
          const e = line[i + 1];
          assert.ok(e === "\\" || e === '"' || e === "n", `${where}: bad escape \\${e ?? ""}`);
          value += e === "n" ? "\n" : e;
          i += 2;
          continue;
        }
        value += c;
        i++;
      }
      i++; // closing quote
      labels[labelName] = value;
      if (line[i] === ",") i++;
      else assert.equal(line[i], "}", `${where}: expected , or } at ${i}`);
    }
    i++; // }
  }
  assert.equal(line[i], " ", `${where}: one space before the value`);
  const rest = line.slice(i + 1);
  assert.ok(!rest.includes(" "), `${where}: a timestamp or trailing text (the textfile collector refuses timestamps)`);
  assert.match(rest, FLOAT, `${where}: bad value`);
  const value = rest === "+Inf" || rest === "Inf" ? Infinity : rest === "-Inf" ? -Infinity : Number(rest);
  return { name, labels, value };
}

/** nodekeeper's naming rules on top of the format (prometheus.io/docs/practices/naming). */
export function assertNamingConventions(families: Map<string, MetricFamily>): void {
  for (const f of families.values()) {
    assert.ok(f.name.startsWith("nodekeeper_"), `${f.name}: prefix`);
    assert.match(f.name, /^[a-z0-9_]+$/, `${f.name}: snake_case`);
    assert.equal(f.name.endsWith("_total"), f.type === "counter", `${f.name}: _total exactly on counters`);
    assert.doesNotMatch(f.name, /_(ms|milliseconds|percent|kb|mb|gb|minutes|hours)(_|$)/, `${f.name}: base units only`);
    assert.ok(f.help.length > 10, `${f.name}: a real HELP text`);
  }
}
