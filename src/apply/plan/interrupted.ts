/**
 * Before the phases: actions marked as started that left no result. Said
 * once, in the audit (their first attempt has no action line of its own).
 * What is still due is planned again by the actions phase, as any other time:
 * every action is idempotent.
 */
import type { ApplyState } from "../../state/apply-state.js";
import type { PhaseOutput } from "./types.js";

/** The in-flight marks left by an interrupted cycle, turned into events and cleared. Pure. */
export function noteInterrupted(state: ApplyState): PhaseOutput {
  const events = state.inFlight.map((f) => ({
    event: "action-interrupted", before: `${f.action} started at ${f.startedAt}`, after: "no result recorded",
    reason: "nodekeeper was stopped while it ran (kill -9, a crash, the node's restart), or could not write its result; it is done again if still due",
    reportId: f.reportId,
  }));
  return { state: { ...structuredClone(state), inFlight: [] }, events };
}
