/**
 * Self-monitoring: the status of the `nodekeeper` component, from its record
 * of its own cycles (state/self-state.ts) against the thresholds of
 * `selfMonitoring` in the configuration. Every figure is also returned as
 * data, for `status --json`, `check self` and the Prometheus textfile.
 *
 * The worst finding decides the status and its result code (14x, README);
 * the description carries every figure either way.
 */
import type { Config } from "../config/schema.js";
import { elapsedMs } from "../state/self-state.js";
import type { BootNow, SelfStateRead } from "../state/self-state.js";
import { NODEKEEPER_VERSION } from "../contract/version.js";
import { CODES, OK } from "../contract/result-codes.js";
import { worstStatus } from "../contract/status.js";
import type { Status } from "../contract/status.js";

export type SelfThresholds = Config["selfMonitoring"];

export interface SelfFigures {
  /** Nothing recorded yet (no `report`/`run` cycle on this node), or the record is unreadable. */
  readonly recorded: boolean;
  readonly lastCycleAt: string | null;
  readonly lastCycleDurationMs: number | null;
  readonly cycleDeadlineMs: number | null;
  readonly consecutiveUndelivered: number | null;
  readonly outboxDepth: number | null;
  readonly lastApplyError: { readonly at: string; readonly action: string; readonly message: string } | null;
  readonly applyFailedLastCycle: boolean | null;
  readonly lastDeliveredAt: string | null;
  /** Milliseconds since the last delivery, safe against clock steps; null when never or not knowable. */
  readonly sinceLastDeliveryMs: number | null;
}

export interface SelfHealth {
  readonly status: Status;
  readonly description: string;
  readonly resultCode: number;
  readonly figures: SelfFigures;
}

interface Finding {
  readonly status: Status;
  readonly code: number;
  readonly text: string;
}

export function seconds(ms: number): string {
  const s = ms / 1000;
  if (s < 120) return `${s < 10 ? s.toFixed(1) : Math.round(s)} s`;
  if (s < 7_200) return `${Math.round(s / 60)} min`;
  if (s < 172_800) return `${Math.round(s / 3_600)} h`;
  return `${Math.round(s / 86_400)} d`;
}

const EMPTY: SelfFigures = {
  recorded: false, lastCycleAt: null, lastCycleDurationMs: null, cycleDeadlineMs: null, consecutiveUndelivered: null,
  outboxDepth: null, lastApplyError: null, applyFailedLastCycle: null, lastDeliveredAt: null, sinceLastDeliveryMs: null,
};

/**
 * `deliveryExpected`: Mission Control is configured; without it nothing is
 * ever delivered and the delivery figures judge nothing.
 */
export function evaluateSelf(read: SelfStateRead, now: BootNow, t: SelfThresholds, deliveryExpected: boolean): SelfHealth {
  const who = `nodekeeper ${NODEKEEPER_VERSION}`;
  if (read.state === "absent") {
    return { status: "OK", resultCode: OK, description: `${who}; no report cycle recorded on this node yet`, figures: EMPTY };
  }
  if (read.state === "unreadable") {
    return { status: "UNKNOWN", resultCode: CODES.SELF_STATE_UNREADABLE, description: `${who}; its record of its own cycles cannot be read (${read.reason}); the next cycle rewrites it`, figures: EMPTY };
  }
  const s = read.value;
  const c = s.lastCycle;
  const since = s.lastDelivered ? elapsedMs(s.lastDelivered, now) : null;
  const figures: SelfFigures = {
    recorded: true, lastCycleAt: c.finished.at, lastCycleDurationMs: c.durationMs, cycleDeadlineMs: c.deadlineMs,
    consecutiveUndelivered: s.consecutiveUndelivered, outboxDepth: c.outboxDepth,
    lastApplyError: s.lastApplyError, applyFailedLastCycle: s.applyFailedLastCycle,
    lastDeliveredAt: s.lastDelivered?.at ?? null, sinceLastDeliveryMs: since,
  };
  const findings: Finding[] = [];
  const share = (100 * c.durationMs) / c.deadlineMs;
  const cycleText = `last cycle took ${seconds(c.durationMs)} of its ${seconds(c.deadlineMs)} deadline (${Math.round(share)} %)`;
  if (share >= t.cycleDurationErrorPercent) findings.push({ status: "ERROR", code: CODES.SELF_CYCLE_OVER_DEADLINE, text: cycleText });
  else if (share >= t.cycleDurationWarningPercent) findings.push({ status: "WARNING", code: CODES.SELF_CYCLE_SLOW, text: cycleText });

  if (deliveryExpected) {
    const n = s.consecutiveUndelivered;
    const undeliveredText = `${n} cycle${n === 1 ? "" : "s"} in a row could not deliver`;
    if (n >= t.undeliveredError) findings.push({ status: "ERROR", code: CODES.SELF_DELIVERY_FAILING, text: undeliveredText });
    else if (n >= t.undeliveredWarning) findings.push({ status: "WARNING", code: CODES.SELF_DELIVERY_LATE, text: undeliveredText });
    if (s.lastDelivered !== null) {
      if (since === null) {
        findings.push({ status: "ERROR", code: CODES.SELF_DELIVERY_FAILING, text: `the last delivery is dated ${s.lastDelivered.at}, in the future (the clock was set back?): not counted as recent` });
      } else if (since >= t.lastDeliveryErrorMs) {
        findings.push({ status: "ERROR", code: CODES.SELF_DELIVERY_FAILING, text: `no report delivered for ${seconds(since)}` });
      } else if (since >= t.lastDeliveryWarningMs) {
        findings.push({ status: "WARNING", code: CODES.SELF_DELIVERY_LATE, text: `no report delivered for ${seconds(since)}` });
      }
    }
    const depth = c.outboxDepth;
    if (depth >= t.outboxError) findings.push({ status: "ERROR", code: CODES.SELF_OUTBOX_FULL, text: `${depth} reports wait in the outbox` });
    else if (depth >= t.outboxWarning) findings.push({ status: "WARNING", code: CODES.SELF_OUTBOX_GROWING, text: `${depth} reports wait in the outbox` });
  }
  if (s.applyFailedLastCycle && s.lastApplyError) {
    findings.push({ status: "WARNING", code: CODES.SELF_APPLY_FAILED, text: `an action failed in the last cycle (${s.lastApplyError.action}: ${s.lastApplyError.message})` });
  }

  const status = worstStatus(findings.map((f) => f.status));
  const decisive = findings.find((f) => f.status === status);
  const facts = [
    ...(findings.some((f) => f.code === CODES.SELF_CYCLE_SLOW || f.code === CODES.SELF_CYCLE_OVER_DEADLINE) ? [] : [cycleText]),
    ...(!deliveryExpected ? ["missionControl.url is not set: nothing is delivered"]
      : [
          s.lastDelivered === null ? "no report delivered yet" : since === null ? null : `last delivery ${seconds(since)} ago`,
          `${c.outboxDepth} in the outbox`,
        ].filter((x): x is string => x !== null)),
    ...(s.applyFailedLastCycle ? [] : [s.lastApplyError ? `no action failed in the last cycle (last error ${s.lastApplyError.at}, ${s.lastApplyError.action})` : "no action error recorded"]),
  ];
  const description = [who, ...findings.map((f) => f.text), ...facts].join("; ");
  return { status, resultCode: decisive?.code ?? OK, description, figures };
}

/** Reads the record and judges it: what `status`, the report and `check` show for nodekeeper itself. Never throws. */
export async function probeSelf(config: Config, wallMs: number): Promise<SelfHealth> {
  const { bootNow, readSelfState } = await import("../state/self-state.js");
  const [read, now] = await Promise.all([readSelfState(config.stateDir), bootNow(wallMs)]);
  return evaluateSelf(read, now, config.selfMonitoring, config.missionControl.url !== undefined);
}
