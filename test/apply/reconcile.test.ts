import assert from "node:assert/strict";
import { test } from "node:test";
import { RemediationConfigSchema } from "../../src/config/remediation.js";
import { explainApplyState, shellCommand } from "../../src/apply/explain.js";
import { planCycle } from "../../src/apply/reconcile.js";
import { repairTurn, retryDelayMs } from "../../src/apply/plan/actions.js";
import { vetAnswer } from "../../src/apply/plan/intake.js";
import { markStarted, recordResults } from "../../src/apply/plan/results.js";
import type { PlanInput } from "../../src/apply/plan/types.js";
import { detachMode, REPAIR_WRAPPER, repairLaunchArgv } from "../../src/apply/repair.js";
import { ApplyStateSchema, initialApplyState, phaRepairStatusFor } from "../../src/state/apply-state.js";
import { CLUSTER, healthyFacts, instructions, START } from "./helpers.js";

const config = RemediationConfigSchema.parse({});
const MIN = 60_000;

function input(overrides: Partial<PlanInput> = {}): PlanInput {
  return {
    state: initialApplyState(), answer: null, clusterId: CLUSTER, nodeId: "node-1", facts: healthyFacts,
    repairObservation: null, repairDoneMarker: false, config, mode: { dryRun: false, maintenance: false },
    now: START, nowBoot: { bootId: "boot-1", bootMs: 3_600_000 + (overrides.now ?? START) - START }, paths: { resultFile: "/s/r", logFile: "/s/l", doneMarkerFile: "/s/d" }, newRepairRunId: "run-1",
    ...overrides,
  };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object") {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

test("vetAnswer: accepted, replay, and the reasons of a rejection", () => {
  const good = instructions("r1");
  assert.equal(vetAnswer({ reportId: "r1", instructions: good }, CLUSTER, []).kind, "accepted");
  assert.equal(vetAnswer({ reportId: "r1", instructions: good }, CLUSTER, ["r1"]).kind, "duplicate");
  const reason = (reportId: unknown, body: unknown) => {
    const v = vetAnswer({ reportId, instructions: body }, CLUSTER, []);
    return v.kind === "rejected" ? v.reason : v.kind;
  };
  assert.equal(reason("r2", good), "the answer names report r1, not r2");
  assert.equal(reason("r1", { ...good, clusterId: "x" }), `the answer names cluster x, not ${CLUSTER}`);
  assert.match(reason("r1", { ...good, cassandraQuorumOverride: 1 }), /^invalid answer: cassandraQuorumOverride: /);
  assert.equal(reason(42, good), "the answer comes without the id of the report it answers");
  assert.equal(reason("r1", { ...good, responsibilityNodeIds: [""] }), "invalid answer: responsibilityNodeIds: an empty node id");
});

test("retry delays: 1, 2, 4, 8, 16 min, then 30 min", () => {
  assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 40].map((n) => retryDelayMs(n, config) / MIN), [1, 2, 4, 8, 16, 30, 30, 30]);
});

test("repair turn: position by node id among the nodes Mission Control lists, this node included", () => {
  const i = instructions("r", { nodeStatuses: [{ nodeId: "b", status: "OK" }, { nodeId: "c", status: "OK" }] });
  assert.deepEqual(repairTurn("a", i), { position: 0, of: 3 });
  assert.deepEqual(repairTurn("c", i), { position: 1, of: 2 });
  assert.deepEqual(repairTurn("d", i), { position: 2, of: 3 });
  assert.deepEqual(repairTurn("z", null), { position: 0, of: 1 });
});

test("planCycle is pure: the input state is not touched, and the same input gives the same plan", () => {
  const state = deepFreeze(initialApplyState());
  const answer = { reportId: "r1", instructions: instructions("r1", { phaFailoverRemediation: true }), confirms: true };
  const a = planCycle(input({ state, answer }));
  const b = planCycle(input({ state, answer }));
  assert.deepEqual(a, b);
  assert.deepEqual(state, initialApplyState());
  assert.equal(ApplyStateSchema.safeParse(a.state).success, true);
});

test("quorum override with an unknown server start time: re-asserted every 10 min, not every cycle", () => {
  let state = initialApplyState();
  const facts = { ...healthyFacts, serverStartedAt: null };
  const answer = { reportId: "q1", instructions: instructions("q1", { cassandraQuorumOverride: true }), confirms: true };
  const first = planCycle(input({ state, answer, facts }));
  assert.deepEqual(first.actions.map((a) => a.kind), ["responsibility-override", "quorum-override"]);
  state = { ...first.state, applied: { ...first.state.applied, quorum: { value: "CL_LOCAL_QUORUM", at: new Date(START).toISOString(), reportId: "q1", serverStartedAt: null, serverSeenDown: false, boot: null } } };
  state.applied.responsibility = { nodeIds: ["node-1", "node-2"], at: new Date(START).toISOString(), reportId: "q1" };
  assert.deepEqual(planCycle(input({ state, facts, now: START + 9 * MIN })).actions, []);
  assert.deepEqual(planCycle(input({ state, facts, now: START + 10 * MIN })).actions.map((a) => a.kind), ["quorum-override"]);
});

test("markStarted writes the repair as IN_PROGRESS before it is launched", () => {
  const state = initialApplyState();
  state.repair = { ...state.repair, status: "REQUIRED", episodeId: "e1" };
  const started = markStarted(state, [{ kind: "cassandra-repair", target: "e1", argv: ["r"], runId: "run-9", before: "REQUIRED", after: "IN_PROGRESS", reason: "x", reportId: null }], START);
  assert.equal(phaRepairStatusFor(started), "IN_PROGRESS");
  assert.equal(started.repair.runId, "run-9");
  assert.equal(phaRepairStatusFor(state), "REQUIRED");
});

test("in flight: marked before acting, cleared by the result; one left over is reported once by the next plan", () => {
  const stop = { kind: "stop-server", target: "dynatrace-server", argv: ["stop"], episodeId: "e1", before: "running", after: "stopped", reason: "x", reportId: "r7" } as const;
  const started = markStarted(initialApplyState(), [stop], START);
  assert.deepEqual(started.inFlight, [{ action: "stop-server", target: "dynatrace-server", startedAt: "2025-03-01T10:00:00.000Z", reportId: "r7", pgid: null, boot: null }]);
  assert.deepEqual(recordResults(started, [{ action: stop, ok: false, error: "exit 1" }], healthyFacts, config, START).inFlight, [], "a failure is a result too");

  // Killed before the result was written: the state on disk still has it in flight.
  const plan = planCycle(input({ state: started, now: START + MIN }));
  assert.deepEqual(plan.events.filter((e) => e.event === "action-interrupted"), [{
    event: "action-interrupted", before: "stop-server started at 2025-03-01T10:00:00.000Z", after: "no result recorded",
    reason: "nodekeeper was stopped while it ran (kill -9, a crash, the node's restart), or could not write its result; it is done again if still due",
    reportId: "r7",
  }]);
  assert.deepEqual(plan.state.inFlight, []);
  assert.deepEqual(planCycle(input({ state: plan.state, now: START + 2 * MIN })).events.filter((e) => e.event === "action-interrupted"), [], "once");

  // A state file written before the field existed reads as nothing in flight.
  const { inFlight: _gone, ...older } = initialApplyState();
  assert.deepEqual(ApplyStateSchema.parse(older).inFlight, []);
});

test("shellCommand quotes what a shell would split or expand", () => {
  assert.equal(shellCommand(["/opt/x/repair.sh", "--keyspace", "a b", "it's", "$HOME"]), "/opt/x/repair.sh --keyspace 'a b' 'it'\\''s' '$HOME'");
});

test("explain: a fresh node, and a node counting a failover flag", () => {
  assert.deepEqual(explainApplyState(initialApplyState(), START), [
    "Mission Control has not sent any instructions to this node yet.",
    "What nodekeeper did:",
    "  - responsibility override: not set by nodekeeper yet.",
    "  - Cassandra quorum override: not set by nodekeeper yet.",
    "  - Cassandra repair: not required (no failover has needed a repair).",
    "Left for a person: nothing.",
  ]);
  const answer = { reportId: "r1", instructions: instructions("r1", { phaFailoverRemediation: true }), confirms: true };
  const text = explainApplyState(planCycle(input({ answer })).state, START + 3 * MIN).join("\n");
  assert.match(text, /answer to report r1, received 2025-03-01T10:00:00.000Z, 3 min ago/);
  assert.match(text, /failover remediation \(stop the local server\): on, in 1 consecutive answer/);
  assert.match(text, /asked in 1 consecutive answer\(s\): not acted upon yet/);
});

test("repair launch: systemd-run puts the wrapper in its own transient unit; background runs it behind a launcher", () => {
  const paths = { resultFile: "/s/cassandra-repair.result", logFile: "/s/cassandra-repair.log", doneMarkerFile: "/s/d" };
  const viaSystemd = repairLaunchArgv(["/opt/r.sh", "-x"], "run-7", paths, { repairTimeoutMs: 3_600_000, repairDetach: "systemd-run" });
  assert.deepEqual(viaSystemd, [
    "systemd-run", "--quiet", "--collect", "--unit=nodekeeper-cassandra-repair", "--description=nodekeeper Cassandra repair",
    "/bin/sh", "-c", REPAIR_WRAPPER, "nodekeeper-repair", "/s/cassandra-repair.result", "3600", "/s/cassandra-repair.log", "run-7", "/opt/r.sh", "-x",
  ]);
  const background = repairLaunchArgv(["/opt/r.sh"], "run-7", paths, { repairTimeoutMs: 1_500, repairDetach: "background" });
  assert.deepEqual(background.slice(0, 2), ["/bin/sh", "-c"]);
  assert.deepEqual(background.slice(4), [REPAIR_WRAPPER, "/s/cassandra-repair.result", "2", "/s/cassandra-repair.log", "run-7", "/opt/r.sh"]);
  assert.equal(detachMode("background"), "background");
});
