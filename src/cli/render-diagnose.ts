/** `diagnose` for people: one line per finding, verdict first, the fix at the end of the line. */
import type { DiagnoseResult, Verdict } from "../commands/diagnose.js";
import type { Status } from "../contract/status.js";
import { bold, paint, type Style } from "../render/table.js";

const COLOUR: Record<Verdict, Status> = { OK: "OK", WARNING: "WARNING", ERROR: "ERROR", SKIP: "NOT_INSTALLED" };

export function renderDiagnose(result: DiagnoseResult, style: Style): string {
  const width = Math.max(...result.findings.map((f) => f.check.length));
  const lines = result.findings.map((f) => {
    const verdict = paint(f.verdict.padEnd(7), COLOUR[f.verdict], style);
    return `${verdict} ${f.check.padEnd(width)}  ${f.detail}${f.fix ? `  → fix: ${f.fix}` : ""}`;
  });
  const counts = (["ERROR", "WARNING", "OK", "SKIP"] as const).map((v) => `${result.findings.filter((f) => f.verdict === v).length} ${v}`).join(", ");
  lines.push(bold(`diagnose: ${result.worst === "SKIP" ? "OK" : result.worst} (${counts}) in ${result.durationMs} ms`, style));
  return lines.join("\n") + "\n";
}
