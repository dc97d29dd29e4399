/**
 * The apply library's public API (issue 6): one apply cycle and its
 * explanation in plain words. See execute.ts
 * (the cycle and its safety rules), reconcile.ts (the decisions, one phase
 * per file in plan/; plan/actions.ts has the one-node-at-a-time rule of the
 * repair) and state/apply-state.ts (the state file).
 */
export { applyCycle } from "./execute.js";
export type { ActionReport, ApplyDeps, ApplyInput, ApplyOutcome } from "./execute.js";
export { explainApplyState } from "./explain.js";
export type { ApplyFacts, CycleMode, StateEvent } from "./plan/types.js";
export type { ServerApiConfig } from "./server-api.js";
