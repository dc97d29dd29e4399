/**
 * `check self`: nodekeeper's own health. probes/self.ts decides the status
 * against the configured selfMonitoring thresholds; this module writes it as
 * a plugin line whose perfdata carries those same thresholds as Nagios ranges.
 */
import type { SelfHealth, SelfThresholds } from "../probes/self.js";
import { stateOfStatus, type PerfDatum } from "./nagios.js";
import { parseRange, type Range } from "./range.js";
import { checkResult, type CheckResult } from "./result.js";

/**
 * A threshold "at or above n" as a Nagios range for perfdata (alert when above
 * the range's end). For a count (`integer`), n - 1: "at or above 3" alerts
 * above 2. Undefined when the number makes no range.
 */
export function atOrAbove(n: number, integer: boolean): Range | undefined {
  const parsed = parseRange(String(integer ? n - 1 : n));
  return parsed.ok ? parsed.range : undefined;
}

function optional<K extends string>(key: K, range: Range | undefined): Partial<Record<K, Range>> {
  return range === undefined ? {} : ({ [key]: range } as Record<K, Range>);
}

/**
 * nodekeeper's own health (probes/self.ts decides the status against the
 * configured thresholds). perfdata: the last cycle's duration (s, max its
 * deadline), cycles in a row without delivery, the outbox depth, seconds
 * since the last delivery (U when never or not knowable), and whether the
 * last cycle's apply had a failed action (0/1).
 */
export function checkSelf(self: SelfHealth, t: SelfThresholds): CheckResult {
  const f = self.figures;
  const deadlineS = f.cycleDeadlineMs === null ? undefined : f.cycleDeadlineMs / 1000;
  const perfdata: PerfDatum[] = [
    { label: "cycle_duration", value: f.lastCycleDurationMs === null ? null : f.lastCycleDurationMs / 1000, uom: "s", min: 0,
      ...(deadlineS !== undefined ? { max: deadlineS } : {}),
      ...optional("warn", deadlineS === undefined ? undefined : atOrAbove((deadlineS * t.cycleDurationWarningPercent) / 100, false)),
      ...optional("crit", deadlineS === undefined ? undefined : atOrAbove((deadlineS * t.cycleDurationErrorPercent) / 100, false)) },
    { label: "undelivered", value: f.consecutiveUndelivered, min: 0, ...optional("warn", atOrAbove(t.undeliveredWarning, true)), ...optional("crit", atOrAbove(t.undeliveredError, true)) },
    { label: "outbox", value: f.outboxDepth, min: 0, ...optional("warn", atOrAbove(t.outboxWarning, true)), ...optional("crit", atOrAbove(t.outboxError, true)) },
    { label: "last_delivery_age", value: f.sinceLastDeliveryMs === null ? null : f.sinceLastDeliveryMs / 1000, uom: "s", min: 0,
      ...optional("warn", atOrAbove(t.lastDeliveryWarningMs / 1000, false)), ...optional("crit", atOrAbove(t.lastDeliveryErrorMs / 1000, false)) },
    { label: "apply_failed", value: f.applyFailedLastCycle === null ? null : f.applyFailedLastCycle ? 1 : 0, min: 0, max: 1 },
  ];
  // The line already starts with NODEKEEPER SELF: the description's leading "nodekeeper <version>; " is left out.
  const text = self.description.replace(/^nodekeeper \S+; /, "");
  return checkResult("self", stateOfStatus(self.status), text, perfdata, self.resultCode !== 0 ? [`nodekeeper: ${self.status} (code ${self.resultCode}) ${self.description}`] : [],
    { status: self.status, resultCode: self.resultCode, figures: f, thresholds: t });
}
