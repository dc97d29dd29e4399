/**
 * The Mission Control exchange, for the commands (`report`, `run`, `status`).
 *
 * `report` / `run`, per cycle (src/commands/cycle.ts):
 *   const lock = await acquireCycleLock(stateDir, { command: "report" });   // src/state/lock.ts
 *   if (!lock.held) outcome "locked" or "lock-error"
 *   try { const outcome = await exchange(deps, input); … outcome.result } finally { await lock.lock.release() }
 * The cli turns the result into the exit code (exitCodeOf, src/contract/outcomes.ts).
 * `status`: clockOffsetStatus / describeClockOffset here; readOutboxSummary, readLastExchange and appendAudit are in src/state/,
 *   readInstructions (src/state/instructions.ts), readCycleLock (src/state/lock.ts).
 */
export { exchange } from "./exchange.js";
export type { ExchangeDeps, ExchangeInput } from "./exchange.js";
export { summarizeExchange } from "./outcome.js";
export type { ExchangeFacts, ExchangeOutcome, ExchangeResult, ExchangeSummary, ReportExchange } from "./outcome.js";
export { CLOCK_OFFSET_WARNING_MS, clockOffsetStatus, describeClockOffset } from "./clock-offset.js";
export { readBearerToken, redactSecrets } from "./token.js";
export type { TokenRead } from "./token.js";
