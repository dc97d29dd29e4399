/**
 * What a command's run came to, and the one table that turns it into an exit
 * code (src/contract/CONTRACT.md section 3, "Exit codes"). Domain code returns
 * these outcomes, never exit numbers; only `src/cli` calls `exitCodeOf`.
 */
import { EXIT } from "./exit-codes.js";
import type { Status } from "./status.js";

/**
 * A report cycle (`report`, `run`): what became of this cycle's report. The
 * first six are the exchange's results with Mission Control; the last two are
 * the cycle lock's.
 */
export type CycleOutcome =
  | "delivered" // 200/204: received
  | "refused" // 400, 401, 403, 409, 422: no retry
  | "kept" // not delivered: kept in the outbox for the next cycle
  | "answer-invalid" // delivered, but the answer failed validation: nothing applied
  | "not-configured" // no missionControl.url: nothing sent, nothing stored
  | "config-error" // a token, TLS or URL setting that cannot be used
  | "locked" // another cycle holds the lock
  | "lock-error"; // the lock could not be taken (the state folder refuses): not delivered

/** `wait --until`: the condition held, the deadline passed, or the expression is not one. */
export type WaitOutcome = "condition-true" | "timed-out" | "bad-expression";

/** `verify-install`: every file matches its manifest, or something differs. */
export type VerifyOutcome = "install-matches" | "install-differs";

/** `diagnose`: the worst finding, or a configuration that cannot be loaded at all. */
export type DiagnoseOutcome = "diagnose-ok" | "diagnose-warning" | "diagnose-error" | "diagnose-config-broken";

/** `dev`: the demo ran but did not go as scripted (it went as scripted: "done"; Ctrl-C: "interrupted-sigint"). */
export type DevOutcome = "demo-not-as-scripted";

/** How any command can end whatever it does: done; told wrong (argv, configuration); stopped by a signal; crashed. */
export type GeneralOutcome = "done" | "usage" | "interrupted-sigint" | "interrupted-sigterm" | "crashed" | "crashed-nagios";

/** `status` and `check` end with the node's health: the worst status decides (Nagios). */
export type HealthOutcome = { readonly health: Status };

export type NamedOutcome = CycleOutcome | WaitOutcome | VerifyOutcome | DiagnoseOutcome | DevOutcome | GeneralOutcome;
export type Outcome = NamedOutcome | HealthOutcome;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT] | 70 | 130 | 143;

/** The table. Every outcome has exactly one exit code; the compiler checks that none is missing. */
const EXIT_OF: Readonly<Record<NamedOutcome, ExitCode>> = {
  // report, run (contract section 3): the cycle, not the node's health.
  "delivered": EXIT.OK,
  "refused": EXIT.REFUSED,
  "kept": EXIT.NOT_DELIVERED,
  "answer-invalid": EXIT.ANSWER_INVALID,
  "not-configured": EXIT.USAGE,
  "config-error": EXIT.USAGE,
  "locked": EXIT.LOCKED,
  // Not 75: a lock that cannot be taken is not another cycle at work; the report is not delivered.
  "lock-error": EXIT.NOT_DELIVERED,
  // wait: as GNU timeout(1) exits.
  "condition-true": EXIT.OK,
  "timed-out": EXIT.TIMEOUT,
  "bad-expression": EXIT.USAGE,
  // verify-install
  "install-matches": EXIT.OK,
  "install-differs": EXIT.CRITICAL,
  // diagnose: as a Nagios plugin would rank its findings.
  "diagnose-ok": EXIT.OK,
  "diagnose-warning": EXIT.WARNING,
  "diagnose-error": EXIT.CRITICAL,
  "diagnose-config-broken": EXIT.USAGE,
  // dev: 1, as the demo has always exited when its summary names a problem.
  "demo-not-as-scripted": 1,
  // any command
  "done": EXIT.OK,
  "usage": EXIT.USAGE,
  // 128 + the signal's number, as shells report a process a signal ended.
  "interrupted-sigint": 130,
  "interrupted-sigterm": 143,
  // EX_SOFTWARE (sysexits.h). Not 5 for report/run: a crash must not look like
  // "kept in the outbox", which a timer unit counts as success.
  "crashed": 70,
  // status and check speak Nagios: a crash is UNKNOWN, not CRITICAL.
  "crashed-nagios": EXIT.UNKNOWN,
};

/** Nagios: 0 OK, 1 WARNING, 2 CRITICAL (our ERROR), 3 UNKNOWN; an optional component that is absent is not a fault. */
const HEALTH_EXIT: Readonly<Record<Status, ExitCode>> = {
  OK: EXIT.OK,
  NOT_INSTALLED: EXIT.OK,
  WARNING: EXIT.WARNING,
  ERROR: EXIT.CRITICAL,
  UNKNOWN: EXIT.UNKNOWN,
};

export function exitCodeOf(outcome: Outcome): ExitCode {
  return typeof outcome === "string" ? EXIT_OF[outcome] : HEALTH_EXIT[outcome.health];
}

/** The cycle outcome a report was delivered under: Mission Control has it (self-monitoring counts these). */
export function cycleDelivered(outcome: CycleOutcome): boolean {
  return outcome === "delivered" || outcome === "answer-invalid";
}
