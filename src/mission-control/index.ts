/**
 * The Mission Control exchange, for the CLI (`report`, `run`, `status`).
 *
 * `report` / `run`, per cycle:
 *   const lock = await acquireCycleLock(stateDir, { command: "report" });   // src/state/lock.ts
 *   if (!lock.held) exit(lock.status === "busy" ? 75 : 64 or 5, lock.message)
 *   try { const outcome = await exchange(deps, input); … outcome.exitCode } finally { await lock.lock.release() }
 * `status`: readOutboxSummary, readLastExchange, clockOffsetStatus / describeClockOffset,
 *   readInstructions (src/state/instructions.ts), readCycleLock (src/state/lock.ts).
 */
export { exchange } from "./exchange.js";
export type { ExchangeDeps, ExchangeExitCode, ExchangeInput, ExchangeOutcome, ExchangeResult, ReportExchange } from "./exchange.js";
export { readOutboxSummary } from "./outbox.js";
export type { OutboxSummary } from "./outbox.js";
export { readLastExchange, LAST_EXCHANGE_FILE } from "./last-exchange.js";
export type { LastExchange, LastExchangeRead } from "./last-exchange.js";
export { CLOCK_OFFSET_WARNING_MS, clockOffsetStatus, describeClockOffset } from "./clock-offset.js";
export { readBearerToken, redactSecrets } from "./token.js";
export type { TokenRead } from "./token.js";
export { appendAudit, auditPath, AUDIT_FILE } from "./audit.js";
export { MissionControlConfigSchema } from "../config/mission-control.js";
export type { MissionControlConfig, MissionControlConfigInput } from "../config/mission-control.js";
