/**
 * `check components`: the components' own statuses decide (the probes judged
 * them). No thresholds: there is no number to judge.
 */
import { worstStatus, type Status } from "../contract/status.js";
import type { ComponentResult } from "../probes/components.js";
import { shortList, stateOfStatus, type PerfDatum } from "./nagios.js";
import { checkResult, type CheckResult } from "./result.js";
import { byStatusSeverity, plural } from "./text.js";

export type ComponentCheckInput = Pick<ComponentResult, "name" | "status" | "description" | "resultCode">;

const STATUSES: readonly Status[] = ["OK", "WARNING", "ERROR", "UNKNOWN", "NOT_INSTALLED"];

/**
 * The worst component status decides. The text names the components that are
 * not OK (worst first); NOT_INSTALLED counts as OK and is named only when
 * nothing else is. perfdata: how many components have each status.
 * No components at all is UNKNOWN: nothing was checked.
 */
export function checkComponents(components: readonly ComponentCheckInput[]): CheckResult {
  const n = components.length;
  const counts = Object.fromEntries(STATUSES.map((s) => [s, components.filter((c) => c.status === s).length])) as Record<Status, number>;
  const perfdata: PerfDatum[] = STATUSES.map((s) => ({ label: s.toLowerCase(), value: counts[s], min: 0, max: n }));
  const data = {
    counts,
    components: components.map((c) => ({ name: c.name, status: c.status, state: stateOfStatus(c.status), resultCode: c.resultCode, description: c.description })),
  };
  if (n === 0) return checkResult("components", "UNKNOWN", "no components were probed", perfdata, [], data);

  const state = stateOfStatus(worstStatus(components.map((c) => c.status)));
  const bad = byStatusSeverity(components.filter((c) => stateOfStatus(c.status) !== "OK"));
  const absent = components.filter((c) => c.status === "NOT_INSTALLED");
  let text: string;
  if (bad.length > 0) {
    text = `${bad.length} of ${plural(n, "component")} not OK: ${shortList(bad.map((c) => `${c.name} ${c.status}`))}`;
  } else {
    text = `${plural(n, "component")} OK`;
    if (absent.length > 0) text += ` (${absent.length} not installed: ${shortList(absent.map((c) => c.name))})`;
  }
  const details = [...bad, ...absent].map((c) => `${c.name}: ${c.status} (code ${c.resultCode}) ${c.description}`);
  return checkResult("components", state, text, perfdata, details, data);
}
