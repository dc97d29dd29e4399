/**
 * The phases of a cycle's plan (src/apply/plan/), each called directly: pure
 * functions of the state, the facts and the time, so each rule is asserted on
 * its own values (planCycle, which calls them in order, is tested in
 * reconcile.test.ts and through applyCycle in the other files).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { RemediationConfigSchema } from "../../src/config/remediation.js";
import { planActions } from "../../src/apply/plan/actions.js";
import type { ActionsInput } from "../../src/apply/plan/actions.js";
import { followFailover } from "../../src/apply/plan/failover.js";
import { intake } from "../../src/apply/plan/intake.js";
import type { IntakeInput } from "../../src/apply/plan/intake.js";
import { actionsOffReason, applyMode } from "../../src/apply/plan/mode.js";
import { trackRepair } from "../../src/apply/plan/repair-status.js";
import type { RepairStatusInput } from "../../src/apply/plan/repair-status.js";
import type { Moment } from "../../src/effects/clock.js";
import { initialApplyState } from "../../src/state/apply-state.js";
import type { ApplyState } from "../../src/state/apply-state.js";
import { CLUSTER, healthyFacts, instructions, START } from "./helpers.js";

const config = RemediationConfigSchema.parse({});
const MIN = 60_000;
const WINDOW = config.consecutiveAnswersWithinMs;
const iso = (ms: number) => new Date(ms).toISOString();
/** `ms` after START on both clocks, in boot `bootId`. */
const at = (ms: number, bootId = "boot-1"): Moment => ({ wallMs: START + ms, boot: { bootId, bootMs: 3_600_000 + ms } });

function flagAnswer(reportId: string, flag: boolean, confirms = true): IntakeInput["answer"] {
  return { reportId, instructions: instructions(reportId, { phaFailoverRemediation: flag }), confirms };
}

function intakeAt(state: ApplyState, answer: IntakeInput["answer"], now: Moment) {
  return intake({ state, answer, clusterId: CLUSTER, cassandraUp: true, consecutiveAnswersWithinMs: WINDOW, now });
}

test("intake: two flag answers inside the window count 2; outside it (by the boot clock), the count starts again at 1", () => {
  const first = intakeAt(initialApplyState(), flagAnswer("r1", true), at(0));
  assert.equal(first.answer, "applied");
  assert.equal(first.state.failover.consecutiveOn, 1);
  assert.equal(first.state.failover.lastOnAt, iso(START));

  assert.equal(intakeAt(first.state, flagAnswer("r2", true), at(WINDOW)).state.failover.consecutiveOn, 2, "at the window's edge");
  assert.equal(intakeAt(first.state, flagAnswer("r2", true), at(WINDOW + 1)).state.failover.consecutiveOn, 1, "just outside");
  // The wall clock set back two hours while the boot clock ran on for two hours: not a chain.
  const stepped: Moment = { wallMs: START + MIN, boot: { bootId: "boot-1", bootMs: 3_600_000 + 2 * 3_600_000 } };
  assert.equal(intakeAt(first.state, flagAnswer("r2", true), stepped).state.failover.consecutiveOn, 1);
  // Another boot: elapsed time unknown, so not recent.
  assert.equal(intakeAt(first.state, flagAnswer("r2", true), at(MIN, "boot-2")).state.failover.consecutiveOn, 1);
  // An answer without the flag resets the count.
  const off = intakeAt(first.state, flagAnswer("r2", false), at(MIN)).state.failover;
  assert.deepEqual([off.consecutiveOn, off.lastOnAt, off.lastOnBoot], [0, null, null]);
});

test("intake: an answer to an older report is taken as desired but counts nothing; a bad one changes only its record", () => {
  const first = intakeAt(initialApplyState(), flagAnswer("r1", true), at(0));
  const older = intakeAt(first.state, flagAnswer("r0", true, false), at(MIN));
  assert.equal(older.answer, "applied");
  assert.equal(older.state.desired?.reportId, "r0");
  assert.equal(older.counted, null);
  assert.equal(older.accepted?.reportId, "r0");
  assert.equal(older.state.failover.consecutiveOn, 1);
  assert.deepEqual(older.events.map((e) => e.event), ["answer-not-counted"]);

  const bad = intakeAt(first.state, { reportId: "r2", instructions: { ...instructions("r2"), clusterId: "other" }, confirms: true }, at(MIN));
  assert.equal(bad.answer, "rejected");
  assert.equal(bad.rejection, "the answer names cluster other, not cluster-1");
  assert.equal(bad.state.desired?.reportId, "r1");
  assert.equal(bad.state.failover.consecutiveOn, 1);
  assert.deepEqual(bad.state.answers.lastRejected, { at: iso(START + MIN), reportId: "r2", reason: "the answer names cluster other, not cluster-1" });

  const replay = intakeAt(first.state, flagAnswer("r1", true), at(MIN));
  assert.equal(replay.answer, "duplicate");
  assert.equal(replay.state.failover.consecutiveOn, 1, "a replay does not count twice");
});

test("failover: the needed count begins an episode named after the answer; a counted answer without the flag ends it", () => {
  const counting = initialApplyState();
  counting.failover.consecutiveOn = 2;
  const r2 = { reportId: "r2", instructions: instructions("r2", { phaFailoverRemediation: true }) };
  const on = followFailover({ state: counting, counted: r2, cassandraUp: true, stopAfterConsecutiveAnswers: 2, now: at(MIN) });
  assert.equal(on.state.failover.episode?.id, "r2");
  assert.equal(on.state.failover.episode?.active, true);
  assert.equal(on.state.failover.episode?.cassandraWasDown, false);
  assert.deepEqual(on.events.map((e) => e.event), ["failover-activated"]);
  assert.equal(followFailover({ state: counting, counted: r2, cassandraUp: true, stopAfterConsecutiveAnswers: 3, now: at(MIN) }).state.failover.episode, null, "one short");

  const r3 = { reportId: "r3", instructions: instructions("r3") };
  const off = followFailover({ state: on.state, counted: r3, cassandraUp: true, stopAfterConsecutiveAnswers: 2, now: at(2 * MIN) });
  assert.equal(off.state.failover.episode?.active, false);
  assert.equal(off.state.failover.episode?.deactivatedAt, iso(START + 2 * MIN));
  assert.equal(off.state.failover.episode?.deactivationReportId, "r3");
  assert.equal(followFailover({ state: on.state, counted: null, cassandraUp: true, stopAfterConsecutiveAnswers: 2, now: at(2 * MIN) }).state.failover.episode?.active, true, "no counted answer ends nothing");
});

test("failover: during an episode, Cassandra down or a reboot marks it as needing a repair; a wall-clock jump does not", () => {
  const on = initialApplyState();
  on.failover.episode = {
    id: "r2", activatedAt: iso(START), active: true, deactivatedAt: null, deactivatedBoot: null, deactivationReportId: null,
    stop: { attemptedAt: null, doneAt: null, wouldRunAt: null }, start: { attemptedAt: null, doneAt: null },
    cassandraWasDown: false, cassandraDownReason: null, notRepairable: false,
  };
  on.lastCycle = { at: iso(START), boot: at(0).boot, maintenance: false, remediationEnabled: true, answer: "applied" };
  const follow = (cassandraUp: boolean, now: Moment) => followFailover({ state: on, counted: null, cassandraUp, stopAfterConsecutiveAnswers: 2, now }).state.failover.episode;
  assert.equal(follow(false, at(MIN))?.cassandraDownReason, `Cassandra on this node was down at ${iso(START + MIN)}, during the failover`);
  assert.match(follow(true, at(MIN, "boot-2"))?.cassandraDownReason ?? "", /^the node restarted during the failover/);
  assert.match(follow(true, at(11 * MIN))?.cassandraDownReason ?? "", /^nodekeeper did not run for 11 min during the failover/);
  const jumped: Moment = { wallMs: START + 5 * 3_600_000, boot: { bootId: "boot-1", bootMs: 3_600_000 + MIN } };
  assert.equal(follow(true, jumped)?.cassandraWasDown, false, "a wall clock stepped forward launches no repair");
});

function repairInput(state: ApplyState, overrides: Partial<RepairStatusInput> = {}): RepairStatusInput {
  return {
    state, observation: null, doneMarker: false, paths: { resultFile: "/s/r", logFile: "/s/l", doneMarkerFile: "/s/d" },
    repairCommand: ["repair"], acceptedReportId: null, now: at(MIN), ...overrides,
  };
}

test("repair status: a finished run makes IN_PROGRESS into SUCCEEDED or FAILED; a running one changes nothing", () => {
  const running = initialApplyState();
  running.repair = { ...running.repair, status: "IN_PROGRESS", runId: "run-1", episodeId: "r2" };
  const ok = trackRepair(repairInput(running, { observation: { kind: "finished", exitCode: 0, logTail: "" } })).state.repair;
  assert.deepEqual([ok.status, ok.exitCode, ok.finishedAt, ok.error], ["SUCCEEDED", 0, iso(START + MIN), null]);

  const timedOut = trackRepair(repairInput(running, { observation: { kind: "finished", exitCode: 124, logTail: "streaming" } }));
  assert.equal(timedOut.state.repair.status, "FAILED");
  assert.equal(timedOut.state.repair.exitCode, 124);
  assert.equal(timedOut.state.repair.error, "the repair command exited with code 124 (stopped at its timeout); last output: streaming");
  assert.deepEqual(timedOut.state.lastError?.action, "cassandra-repair");
  assert.deepEqual(timedOut.events.map((e) => [e.event, e.after]), [["cassandra-repair-finished", "FAILED"]]);

  const vanished = trackRepair(repairInput(running, { observation: { kind: "vanished", logTail: "" } })).state.repair;
  assert.deepEqual([vanished.status, vanished.exitCode], ["FAILED", null]);

  const still = trackRepair(repairInput(running, { observation: { kind: "running" } }));
  assert.equal(still.state.repair.status, "IN_PROGRESS");
  assert.deepEqual(still.events, []);
});

test("repair status: the marker turns FAILED into SUCCEEDED by hand; a failover that saw Cassandra down makes it REQUIRED; over 72 h, NOT_REPAIRABLE", () => {
  const failed = initialApplyState();
  failed.repair = { ...failed.repair, status: "FAILED" };
  const byHand = trackRepair(repairInput(failed, { doneMarker: true })).state.repair;
  assert.deepEqual([byHand.status, byHand.manual], ["SUCCEEDED", true]);

  const down = initialApplyState();
  down.failover.episode = {
    id: "r2", activatedAt: iso(START), active: true, deactivatedAt: null, deactivatedBoot: null, deactivationReportId: null,
    stop: { attemptedAt: null, doneAt: null, wouldRunAt: null }, start: { attemptedAt: null, doneAt: null },
    cassandraWasDown: true, cassandraDownReason: "Cassandra was down", notRepairable: false,
  };
  const required = trackRepair(repairInput(down, { acceptedReportId: "r3" }));
  assert.deepEqual([required.state.repair.status, required.state.repair.episodeId, required.state.repair.requiredAt], ["REQUIRED", "r2", iso(START + MIN)]);
  assert.deepEqual(required.state.repair.command, ["repair"]);
  assert.deepEqual(required.events.map((e) => [e.event, e.reportId]), [["cassandra-repair-required", "r3"]]);
  assert.equal(trackRepair(repairInput(required.state)).events.length, 0, "once per episode");

  down.desired = { reportId: "r3", receivedAt: iso(START), instructions: instructions("r3", { phaDowntimeLongerThan72h: true }) };
  const lost = trackRepair(repairInput(down)).state;
  assert.equal(lost.repair.status, "NOT_REPAIRABLE");
  assert.equal(lost.failover.episode?.notRepairable, true);
});

function actionsInput(state: ApplyState, overrides: Partial<ActionsInput> = {}): ActionsInput {
  return { state, facts: healthyFacts, config, nodeId: "node-1", newRepairRunId: "run-1", offReason: null, now: at(MIN), ...overrides };
}

test("actions: a failed PUT waits for its back-off on the boot clock (5 s early counts as due); the server down holds the API back", () => {
  const state = initialApplyState();
  state.desired = { reportId: "r1", receivedAt: iso(START), instructions: instructions("r1") };
  state.applied.quorum = { value: "UNSET", at: iso(START), reportId: "r1", serverStartedAt: null, serverSeenDown: false, boot: null };
  state.failures = [{
    action: "responsibility-override", target: '["node-1","node-2"]', attempts: 1, firstAt: iso(START), lastAt: iso(START),
    lastBoot: at(0).boot, nextAttemptAt: iso(START + MIN), error: "HTTP 503",
  }];
  const early = planActions(actionsInput(state, { now: at(30_000) }));
  assert.deepEqual(early.due, []);
  assert.deepEqual(early.waiting, [{
    action: "responsibility-override", target: '["node-1","node-2"]',
    reason: `failed 1 time(s), next try after ${iso(START + MIN)} (last error: HTTP 503)`,
  }]);
  assert.deepEqual(planActions(actionsInput(state, { now: at(55_000) })).due.map((a) => a.kind), ["responsibility-override"]);
  assert.deepEqual(planActions(actionsInput(state, { now: at(30_000, "boot-2") })).due.map((a) => a.kind), ["responsibility-override"], "another boot: due");

  const down = planActions(actionsInput(state, { now: at(2 * MIN), facts: { ...healthyFacts, serverDown: "unit inactive" } }));
  assert.deepEqual(down.due, []);
  assert.equal(down.waiting[0]?.reason, "waiting for the local server to run (unit inactive)");

  // Another target wanted: the old failure has nothing left to retry.
  const moved = structuredClone(state);
  moved.desired!.instructions.responsibilityNodeIds = ["node-3"];
  assert.deepEqual(planActions(actionsInput(moved)).state.failures, []);
});

test("actions: the stop is due only while the last flag is recent; with actions on it holds the API back, with actions off it does not", () => {
  const state = initialApplyState();
  state.desired = { reportId: "r2", receivedAt: iso(START), instructions: instructions("r2", { phaFailoverRemediation: true }) };
  state.failover = {
    consecutiveOn: 2, lastOnAt: iso(START), lastOnBoot: at(0).boot, cassandraDownWhileCounting: false,
    episode: {
      id: "r2", activatedAt: iso(START), active: true, deactivatedAt: null, deactivatedBoot: null, deactivationReportId: null,
      stop: { attemptedAt: null, doneAt: null, wouldRunAt: null }, start: { attemptedAt: null, doneAt: null },
      cassandraWasDown: false, cassandraDownReason: null, notRepairable: false,
    },
  };
  const on = planActions(actionsInput(state));
  assert.deepEqual(on.due.map((a) => a.kind), ["stop-server"]);
  assert.deepEqual(on.waiting.map((w) => [w.action, w.reason]), [
    ["responsibility-override", "the local server is being stopped in this cycle"],
    ["quorum-override", "the local server is being stopped in this cycle"],
  ]);
  assert.deepEqual(planActions(actionsInput(state, { offReason: "maintenance mode" })).due.map((a) => a.kind), ["stop-server", "responsibility-override", "quorum-override"]);
  const stale = planActions(actionsInput(state, { now: at(WINDOW + 1) }));
  assert.equal(stale.waiting[0]?.action, "stop-server");
  assert.match(stale.waiting[0]?.reason ?? "", /^waiting for a recent answer that still asks for failover remediation/);
});

test("mode: dry run, remediation off and maintenance, in that order; would-run audited once, pending keeps its first time", () => {
  assert.equal(actionsOffReason({ dryRun: true, maintenance: true }, false), "dry run");
  assert.equal(actionsOffReason({ dryRun: false, maintenance: true }, false), "remediation.enabled is false");
  assert.equal(actionsOffReason({ dryRun: false, maintenance: true }, true), "maintenance mode");
  assert.equal(actionsOffReason({ dryRun: false, maintenance: false }, true), null);

  const put = { kind: "quorum-override", target: "UNSET", level: "UNSET", before: "unknown", after: "UNSET", reason: "x", reportId: "r1" } as const;
  const mode = { dryRun: false, maintenance: true };
  const first = applyMode({ state: initialApplyState(), due: [put], waiting: [], offReason: "maintenance mode", mode, remediationEnabled: true, answer: "applied", now: at(0) });
  assert.deepEqual(first.actions, []);
  assert.deepEqual(first.wouldRunToAudit, [put]);
  assert.deepEqual(first.pending, [{ action: "quorum-override", target: "UNSET", reason: "would run, not done: maintenance mode", since: iso(START) }]);
  assert.deepEqual(first.state.lastCycle, { at: iso(START), boot: at(0).boot, maintenance: true, remediationEnabled: true, answer: "applied" });

  const second = applyMode({ state: first.state, due: [put], waiting: [], offReason: "maintenance mode", mode, remediationEnabled: true, answer: "none", now: at(MIN) });
  assert.deepEqual(second.wouldRunToAudit, [], "audited once");
  assert.equal(second.pending[0]?.since, iso(START));
  const dry = applyMode({ state: first.state, due: [put], waiting: [], offReason: "dry run", mode: { dryRun: true, maintenance: false }, remediationEnabled: true, answer: "none", now: at(MIN) });
  assert.deepEqual(dry.wouldRunToAudit, [put], "a dry run lists everything");

  const on = applyMode({ state: first.state, due: [put], waiting: [], offReason: null, mode: { dryRun: false, maintenance: false }, remediationEnabled: true, answer: "none", now: at(MIN) });
  assert.deepEqual([on.actions, on.wouldRun, on.pending, on.state.wouldRunNoted], [[put], [], [], []]);
});
