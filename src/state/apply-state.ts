/**
 * The apply state: what Mission Control asked (desired), what this node has
 * done about it (applied), and everything needed to act once and only once
 * across cycles and restarts. One JSON file, `{stateDir}/apply-state.json`
 * (plus `.bak`, see store.ts), read through the schema below: a state read
 * from disk is parsed, never trusted.
 *
 * Times are RFC 3339 UTC strings from the injected clock. Objects are
 * `z.object` (unknown keys dropped) so that a newer nodekeeper's extra fields
 * do not make an older one discard the whole state.
 */
import { join } from "node:path";
import * as z from "zod";
import { InstructionsSchema } from "../contract/answer.js";
import { PhaRepairStatusSchema } from "../contract/report.js";
import type { PhaRepairStatus } from "../contract/report.js";
import { stateFile } from "./store.js";
import type { RecoveryNote, StateFile } from "./store.js";

export const APPLY_STATE_FILE = "apply-state.json";

const time = z.string().min(1);

/**
 * The boot stamp taken with a stored time (effects/clock.ts): within one boot,
 * elapsed time is measured on the boot clock, which NTP does not step. Absent
 * from state files written before it existed (null: only the wall time known).
 */
export const BootStampSchema = z.object({ bootId: z.string().min(1), bootMs: z.number().finite().min(0) });
const bootStamp = BootStampSchema.nullable().default(null);

export const RecoveryNoteSchema = z.object({
  at: time,
  file: z.string(),
  problem: z.string(),
  used: z.enum(["backup", "initial"]),
  preservedAs: z.string().nullable(),
}) satisfies z.ZodType<RecoveryNote>;

export const ActionKindSchema = z.enum([
  "responsibility-override",
  "quorum-override",
  "stop-server",
  "start-server",
  "cassandra-repair",
]);
export type ActionKind = z.infer<typeof ActionKindSchema>;

/** One failover remediation, from the answer that activated it to the restart after it. */
export const EpisodeSchema = z.object({
  /** The report id of the answer that completed the run of consecutive flags. */
  id: z.string(),
  activatedAt: time,
  /** true while Mission Control keeps phaFailoverRemediation on. */
  active: z.boolean(),
  deactivatedAt: time.nullable(),
  deactivatedBoot: bootStamp,
  deactivationReportId: z.string().nullable(),
  stop: z.object({
    /** Set before the stop command runs (write-ahead): the server may be stopped from then on. */
    attemptedAt: time.nullable(),
    doneAt: time.nullable(),
    /** The stop was due while actions were off (dry run aside): logged, not done. */
    wouldRunAt: time.nullable(),
  }),
  start: z.object({ attemptedAt: time.nullable(), doneAt: time.nullable() }),
  /** This node's Cassandra was seen down (or could not be watched) during the failover. */
  cassandraWasDown: z.boolean(),
  cassandraDownReason: z.string().nullable(),
  /** Mission Control said the downtime is over 72 h: this failover's repair is abandoned. */
  notRepairable: z.boolean(),
});
export type Episode = z.infer<typeof EpisodeSchema>;

export const RepairSchema = z.object({
  /** What the report says as cassandraPhaRepairStatus (see phaRepairStatusFor). */
  status: PhaRepairStatusSchema,
  since: time.nullable(),
  /** Why the status is what it is, in plain words. */
  reason: z.string(),
  episodeId: z.string().nullable(),
  requiredAt: time.nullable(),
  /** Identifies one launch: written into the result file and visible in the process list. */
  runId: z.string().nullable(),
  startedAt: time.nullable(),
  startedBoot: bootStamp,
  finishedAt: time.nullable(),
  exitCode: z.number().int().nullable(),
  error: z.string().nullable(),
  /** The command, log file and operator marker, kept so that `status` can say how to rerun by hand. */
  command: z.array(z.string()).nullable(),
  logFile: z.string().nullable(),
  doneMarkerFile: z.string().nullable(),
  /** SUCCEEDED because the operator said so (the marker file), not because nodekeeper saw it. */
  manual: z.boolean(),
});
export type RepairRecord = z.infer<typeof RepairSchema>;

export const FailureSchema = z.object({
  action: ActionKindSchema,
  /** What the action was trying to reach; a new target starts afresh. */
  target: z.string(),
  attempts: z.number().int().min(1),
  firstAt: time,
  lastAt: time,
  lastBoot: bootStamp,
  nextAttemptAt: time,
  error: z.string(),
});
export type Failure = z.infer<typeof FailureSchema>;

export const PendingSchema = z.object({
  action: ActionKindSchema,
  target: z.string(),
  /** Why it is not done yet, in plain words. */
  reason: z.string(),
  since: time,
});
export type Pending = z.infer<typeof PendingSchema>;

/** An action marked as started before it runs (write-ahead), until its result is recorded. */
export const InFlightSchema = z.object({
  action: ActionKindSchema,
  target: z.string(),
  startedAt: time,
  reportId: z.string().nullable(),
  /** The command's process group, once it runs (server stop/start): waited for or killed before the next server action. */
  pgid: z.number().int().positive().nullable().default(null),
  /** The boot of `pgid`: a process group id means nothing in another boot. */
  boot: bootStamp,
});
export type InFlight = z.infer<typeof InFlightSchema>;

export const ApplyStateSchema = z.object({
  schemaVersion: z.literal(1),
  /** The last valid answer: the instructions in force. */
  desired: z
    .object({ reportId: z.string(), receivedAt: time, instructions: InstructionsSchema })
    .nullable(),
  answers: z.object({
    /** Report ids of recent applied answers: a replayed answer is ignored. At most 50. */
    recentReportIds: z.array(z.string()).max(50),
    lastRejected: z.object({ at: time, reportId: z.string().nullable(), reason: z.string() }).nullable(),
  }),
  applied: z.object({
    responsibility: z.object({ nodeIds: z.array(z.string()), at: time, reportId: z.string() }).nullable(),
    quorum: z
      .object({
        /** The level PUT, or "UNSET". */
        value: z.string(),
        at: time,
        reportId: z.string(),
        /** The server start identity when it was asserted: a different one means a restart. */
        serverStartedAt: z.string().nullable(),
        /** The server was seen not running since: it forgot the override. */
        serverSeenDown: z.boolean(),
        boot: bootStamp,
      })
      .nullable(),
  }),
  failover: z.object({
    /** Consecutive valid answers with phaFailoverRemediation true. */
    consecutiveOn: z.number().int().min(0),
    lastOnAt: time.nullable(),
    lastOnBoot: bootStamp,
    /** Cassandra was seen down while the flags were being counted (before activation). */
    cassandraDownWhileCounting: z.boolean(),
    episode: EpisodeSchema.nullable(),
  }),
  repair: RepairSchema,
  /** Failed actions waiting for their retry. */
  failures: z.array(FailureSchema).max(10),
  /** What the last cycle left undone, and why. */
  pending: z.array(PendingSchema).max(20),
  /**
   * Actions started and not yet recorded. Any left at the next cycle were
   * interrupted (kill -9, a crash, the node's restart) or their result could
   * not be written. Absent from state files written before it existed.
   */
  inFlight: z.array(InFlightSchema).max(20).default([]),
  lastError: z.object({ at: time, action: z.string().nullable(), message: z.string() }).nullable(),
  lastCycle: z
    .object({
      at: time,
      /** Where the cycle sat on the boot clock: a new boot id means the node restarted since. */
      boot: bootStamp,
      maintenance: z.boolean(),
      remediationEnabled: z.boolean(),
      answer: z.enum(["applied", "rejected", "duplicate", "none"]),
    })
    .nullable(),
  /** "Would run" lines already audited: logged once, not every minute. At most 20. */
  wouldRunNoted: z.array(z.string()).max(20),
  /** The last bad state files found, newest last. At most 5. */
  recoveries: z.array(RecoveryNoteSchema).max(5),
});
export type ApplyState = z.infer<typeof ApplyStateSchema>;

export function initialRepair(): RepairRecord {
  return {
    status: "NOT_REQUIRED", since: null, reason: "no failover has needed a repair", episodeId: null,
    requiredAt: null, runId: null, startedAt: null, startedBoot: null, finishedAt: null, exitCode: null, error: null,
    command: null, logFile: null, doneMarkerFile: null, manual: false,
  };
}

/** A fresh state. `lost`: the old one could not be read, so the repair status is UNKNOWN. */
export function initialApplyState(options: { lost?: boolean } = {}): ApplyState {
  const repair = initialRepair();
  if (options.lost) {
    repair.status = "UNKNOWN";
    repair.reason = "nodekeeper lost its state file, so it cannot tell whether a failover left a repair to do";
  }
  return {
    schemaVersion: 1,
    desired: null,
    answers: { recentReportIds: [], lastRejected: null },
    applied: { responsibility: null, quorum: null },
    failover: { consecutiveOn: 0, lastOnAt: null, lastOnBoot: null, cassandraDownWhileCounting: false, episode: null },
    repair,
    failures: [],
    pending: [],
    inFlight: [],
    lastError: null,
    lastCycle: null,
    wouldRunNoted: [],
    recoveries: [],
  };
}

/**
 * The apply state file of a state directory. When no good copy is left the
 * store hands back a fresh state with a recovery note; use `initialApplyState({ lost: true })`
 * then (see readApplyState).
 */
export function applyStateFile(stateDir: string, now: () => number): StateFile<ApplyState> {
  return stateFile(join(stateDir, APPLY_STATE_FILE), ApplyStateSchema, { initial: () => initialApplyState(), now });
}

/** The cassandraPhaRepairStatus to report, from the state. */
export function phaRepairStatusFor(state: ApplyState): PhaRepairStatus {
  return state.repair.status;
}

export interface ApplyStateRead {
  readonly state: ApplyState;
  readonly source: "main" | "backup" | "initial";
  /** What was wrong with the state file, if anything. */
  readonly recovery: RecoveryNote | null;
  /** Neither copy could be read (I/O error): `state` is a placeholder. */
  readonly error: string | null;
}

/** Reads the apply state for `status` and the report builder; never writes, never throws. */
export async function readApplyState(stateDir: string, clock: { now(): number }): Promise<ApplyStateRead> {
  try {
    const read = await applyStateFile(stateDir, () => clock.now()).read();
    if (!read.ok) return { state: initialApplyState({ lost: true }), source: "initial", recovery: null, error: read.error };
    const state = read.source === "initial" && read.recovery !== null ? initialApplyState({ lost: true }) : read.value;
    return { state, source: read.source, recovery: read.recovery, error: null };
  } catch (error) {
    return { state: initialApplyState({ lost: true }), source: "initial", recovery: null, error: error instanceof Error ? error.message : String(error) };
  }
}
