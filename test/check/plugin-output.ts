/**
 * A strict parser for the first line of Nagios plugin output as nodekeeper
 * writes it (Nagios plugin development guidelines), written independently of
 * src/check so that the tests do not check the formatter against itself:
 *
 *   NODEKEEPER <AREA> <STATE> - <text>[ | <perfdata>]
 *   perfdata: 'label'=value[UOM];[warn];[crit];[min];[max] separated by spaces
 */
import assert from "node:assert/strict";

export interface ParsedPerf {
  readonly label: string;
  readonly value: number | "U";
  readonly uom: string;
  readonly warn: string | null;
  readonly crit: string | null;
  readonly min: number | null;
  readonly max: number | null;
}

export interface ParsedPluginOutput {
  readonly area: string;
  readonly state: "OK" | "WARNING" | "CRITICAL" | "UNKNOWN";
  readonly text: string;
  readonly perfdata: readonly ParsedPerf[];
}

const HEAD = /^NODEKEEPER ([A-Z]+) (OK|WARNING|CRITICAL|UNKNOWN) - (\S.*)$/u;
const NUM = String.raw`[-+]?\d+(?:\.\d+)?`;
const VALUE = new RegExp(String.raw`^(U|-?\d+(?:\.\d+)?)(us|ms|s|%|B|KB|MB|GB|TB|c)?$`);
const RANGE = new RegExp(String.raw`^@?(?:~|${NUM})?(?::(?:${NUM})?)?$`);
const NUMBER = new RegExp(`^${NUM}$`);

/** Throws (an AssertionError) with the reason when `output` is not valid plugin output. */
export function parsePluginOutput(output: string): ParsedPluginOutput {
  assert.ok(!output.includes("\n") && !output.includes("\r"), `a newline in the line: ${JSON.stringify(output)}`);
  assert.ok(!/[\u0000-\u001f\u007f]/.test(output), `a control character in the line: ${JSON.stringify(output)}`);
  const bar = output.indexOf("|");
  const head = bar < 0 ? output : output.slice(0, bar);
  const perfText = bar < 0 ? "" : output.slice(bar + 1);
  if (bar >= 0) {
    assert.ok(head.endsWith(" ") && perfText.startsWith(" "), `"|" must be surrounded by spaces: ${output}`);
  }
  const m = HEAD.exec(head.trimEnd());
  assert.ok(m, `not NODEKEEPER <AREA> <STATE> - <text>: ${JSON.stringify(head)}`);
  const perfdata = parsePerfdata(perfText.trim());
  if (bar >= 0) assert.ok(perfdata.length > 0, "a | without perfdata");
  const labels = perfdata.map((p) => p.label);
  assert.equal(new Set(labels).size, labels.length, `duplicate perfdata labels: ${labels.join(", ")}`);
  return { area: m[1]!, state: m[2] as ParsedPluginOutput["state"], text: m[3]!, perfdata };
}

function parsePerfdata(text: string): ParsedPerf[] {
  const out: ParsedPerf[] = [];
  let i = 0;
  while (i < text.length) {
    while (text[i] === " ") i++;
    if (i >= text.length) break;
    let label = "";
    if (text[i] === "'") {
      i++;
      for (;;) {
        assert.ok(i < text.length, `unterminated quoted label in ${JSON.stringify(text)}`);
        if (text[i] === "'") {
          if (text[i + 1] === "'") {
            label += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        label += text[i];
        i++;
      }
    } else {
      const start = i;
      while (i < text.length && text[i] !== "=" && text[i] !== " " && text[i] !== "'") i++;
      label = text.slice(start, i);
      assert.ok(!/[;]/.test(label), `unquoted label with ";": ${label}`);
    }
    assert.ok(label.length > 0, `empty label at ${i} in ${JSON.stringify(text)}`);
    assert.equal(text[i], "=", `no "=" after label ${JSON.stringify(label)} in ${JSON.stringify(text)}`);
    i++;
    const end = text.indexOf(" ", i);
    const rest = text.slice(i, end < 0 ? text.length : end);
    i = end < 0 ? text.length : end;
    const fields = rest.split(";");
    assert.ok(fields.length <= 5, `more than 5 fields: ${rest}`);
    const vm = VALUE.exec(fields[0] ?? "");
    assert.ok(vm, `bad value ${JSON.stringify(fields[0])} for ${label}`);
    const [warn, crit, min, max] = [fields[1] ?? "", fields[2] ?? "", fields[3] ?? "", fields[4] ?? ""];
    for (const r of [warn, crit]) assert.ok(r === "" || RANGE.test(r), `bad range ${JSON.stringify(r)} for ${label}`);
    for (const n of [min, max]) assert.ok(n === "" || NUMBER.test(n), `bad min/max ${JSON.stringify(n)} for ${label}`);
    out.push({
      label,
      value: vm[1] === "U" ? "U" : Number(vm[1]),
      uom: vm[2] ?? "",
      warn: warn === "" ? null : warn,
      crit: crit === "" ? null : crit,
      min: min === "" ? null : Number(min),
      max: max === "" ? null : Number(max),
    });
  }
  return out;
}
