import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeEach, test } from "node:test";
import { applyCycle } from "../../src/apply/execute.js";
import { readApplyState } from "../../src/state/apply-state.js";
import { explainApplyState } from "../../src/apply/explain.js";
import { createHttpClient } from "../../src/effects/http.js";
import { createProcessRunner } from "../../src/effects/process.js";
import type { Instructions } from "../../src/contract/answer.js";
import { auditedActions, CLUSTER, healthyFacts, instructions, makeWorld, nextReportId } from "./helpers.js";
import type { World } from "./helpers.js";
import { eachTest } from "../helpers/temp.js";

let w: World;
beforeEach(async (t) => {
  w = await makeWorld(eachTest(t));
});

const MIN = 60_000;
const on = () => instructions(nextReportId(), { phaFailoverRemediation: true, cassandraQuorumOverride: true });

test("dry run: nothing done, nothing written, every due action logged as would run", async () => {
  const first = await w.cycle({ answer: on(), mode: { dryRun: true } });
  w.clock.advance(MIN);
  assert.deepEqual(first.wouldRun.map((a) => a.action), ["responsibility-override", "quorum-override"]);
  assert.equal(first.persisted, false);
  assert.equal(existsSync(join(w.stateDir, "apply-state.json")), false, "a dry run writes no state");

  // With a state on disk (two real answers in maintenance mode), a dry run changes no byte of it.
  await w.cycle({ answer: on(), mode: { maintenance: true } });
  w.clock.advance(MIN);
  await w.cycle({ answer: on(), mode: { maintenance: true } });
  w.clock.advance(MIN);
  const before = readFileSync(join(w.stateDir, "apply-state.json"), "utf8");
  w.audit.length = 0;
  const dry = await w.cycle({ answer: on(), mode: { dryRun: true } });
  // Nothing is stopped in a dry run, so nothing waits for a stop: all three would run.
  assert.deepEqual(dry.wouldRun.map((a) => a.action), ["stop-server", "responsibility-override", "quorum-override"]);
  assert.deepEqual(dry.pending.map((p) => [p.action, p.reason]).sort(), [
    ["quorum-override", "would run, not done: dry run"],
    ["responsibility-override", "would run, not done: dry run"],
    ["stop-server", "would run, not done: dry run"],
  ]);
  assert.equal(readFileSync(join(w.stateDir, "apply-state.json"), "utf8"), before);
  assert.deepEqual(w.audit.map((a) => (a as { action: string }).action), ["stop-server", "responsibility-override", "quorum-override"]);
  assert.deepEqual(w.audit.slice(0, 1), [{
    type: "action", action: "stop-server", before: "server running", after: "server stopped",
    reason: "failover remediation on in 3 consecutive answers (2 needed)", reportId: dry.state.desired?.reportId,
    result: "would-run", error: null, dryRun: true, wouldRun: true, notDoneBecause: "dry run", at: "2025-03-01T10:03:00.000Z",
  }]);
  assert.deepEqual(w.commands(), []);
  assert.deepEqual(w.api.requests, []);
});

for (const [name, setup] of [
  ["kill switch (remediation.enabled: false)", (world: World) => { world.config = { ...world.config, enabled: false }; return {}; }],
  ["maintenance mode", () => ({ maintenance: true })],
] as const) {
  test(`${name}: nothing done, "would run" logged once, instructions still recorded`, async () => {
    const mode = setup(w);
    for (let i = 0; i < 4; i++) {
      const out = await w.cycle({ answer: on(), mode, facts: { cassandraUp: i !== 1 } });
      assert.deepEqual([out.done, out.failed], [[], []]);
      w.clock.advance(MIN);
    }
    const off = await w.cycle({ answer: instructions(nextReportId()), mode });
    assert.deepEqual(off.done, []);
    assert.deepEqual(w.commands(), []);
    assert.deepEqual(w.api.requests, []);
    assert.deepEqual(auditedActions(w.audit), [
      "responsibility-override:would-run", "quorum-override:would-run", // first answer
      "stop-server:would-run", // second answer (nothing is stopped, so the server API actions stay "would run", already noted)
      "quorum-override:would-run", // failover over: a new target (UNSET), noted once
      "cassandra-repair:would-run", // Cassandra was down during the failover
    ]);
    const { state } = await readApplyState(w.stateDir, w.clock);
    assert.equal(state.desired?.reportId, off.state.desired?.reportId);
    const text = explainApplyState(state, w.clock.now()).join("\n");
    assert.match(text, /Actions are OFF/);
    assert.match(text, /the local server was NOT stopped \(actions were off/);
    assert.match(text, /Pending:\n.*would run, not done/);
    // The server was never stopped, so there is nothing to start; the repair the failover needs is not run.
    assert.equal(state.repair.status, "REQUIRED");
    assert.match(text, /run the Cassandra repair: would run, not done: (remediation.enabled is false|maintenance mode)/);
  });
}

test("turning actions back on while Mission Control still asks for the failover acts on the current instructions", async () => {
  w.config = { ...w.config, enabled: false };
  await w.cycle({ answer: on() });
  w.clock.advance(MIN);
  await w.cycle({ answer: on() });
  w.clock.advance(MIN);
  w.config = { ...w.config, enabled: true };
  const enabled = await w.cycle({ answer: on() });
  assert.deepEqual(enabled.done.map((a) => a.action), ["stop-server"]);
  assert.deepEqual(w.commands(), ["systemctl stop dynatrace-server"]);
  assert.deepEqual(w.api.requests, [], "the server API waits while the server is stopped");
});

function adversarial(): Array<[string, string, unknown]> {
  const good = instructions(nextReportId(), { phaFailoverRemediation: true, responsibilityNodeIds: ["evil"], cassandraQuorumOverride: true });
  const without = (key: keyof Instructions) => Object.fromEntries(Object.entries(good).filter(([k]) => k !== key));
  return [
    ["answer to another report", good.reportId, { ...good, reportId: "11111111-1111-4111-8111-111111111111" }],
    ["another cluster", good.reportId, { ...good, clusterId: "someone-elses-cluster" }],
    ["missing field", good.reportId, without("phaFailoverRemediation")],
    ["mistyped flag", good.reportId, { ...good, phaFailoverRemediation: "true" }],
    ["mistyped node ids", good.reportId, { ...good, responsibilityNodeIds: "node-1" }],
    ["schema version 2", good.reportId, { ...good, schemaVersion: 2 }],
    ["empty node id", good.reportId, { ...good, responsibilityNodeIds: ["node-1", " "] }],
    ["null body", good.reportId, null],
    ["array body", good.reportId, [good]],
    ["empty report id", "", good],
  ];
}

test("adversarial answers change nothing: no request, no command, no instruction recorded", async () => {
  for (let round = 0; round < 3; round++) {
    for (const [name, reportId, body] of adversarial()) {
      const out = await w.cycle({ raw: { reportId, instructions: body } });
      assert.equal(out.answer, "rejected", name);
      assert.ok(out.rejection, name);
      assert.deepEqual([out.done, out.wouldRun, out.failed], [[], [], []], name);
      w.clock.advance(MIN);
    }
  }
  assert.deepEqual(w.commands(), []);
  assert.deepEqual(w.api.requests, []);
  assert.deepEqual(auditedActions(w.audit), []);
  assert.equal(w.audit.filter((e) => e.event === "answer-rejected").length, 30);
  const { state } = await readApplyState(w.stateDir, w.clock);
  assert.equal(state.desired, null);
  assert.equal(state.failover.consecutiveOn, 0);
  assert.match(explainApplyState(state, w.clock.now()).join("\n"), /The last rejected answer .* changed nothing: the answer comes without the id/);
});

test("adversarial answers after a good one: the good instructions stay in force", async () => {
  const good = instructions(nextReportId());
  await w.cycle({ answer: good });
  const requests = w.api.requests.length;
  for (const [name, reportId, body] of adversarial()) {
    w.clock.advance(MIN);
    const out = await w.cycle({ raw: { reportId, instructions: body } });
    assert.equal(out.answer, "rejected", name);
    assert.deepEqual(out.done, [], name);
  }
  assert.equal(w.api.requests.length, requests);
  assert.deepEqual(w.commands(), []);
  assert.equal((await readApplyState(w.stateDir, w.clock)).state.desired?.reportId, good.reportId);
});

test("a replayed answer does not count twice towards stopping the server", async () => {
  const once = on();
  for (let i = 0; i < 5; i++) {
    const out = await w.cycle({ answer: once });
    assert.equal(out.answer, i === 0 ? "applied" : "duplicate");
    w.clock.advance(MIN);
  }
  assert.deepEqual(w.commands(), []);
});

test("if the state cannot be written before acting, nothing is done", async () => {
  await w.cycle({ answer: on() });
  w.clock.advance(MIN);
  const bak = join(w.stateDir, "apply-state.json.bak");
  rmSync(bak);
  mkdirSync(join(bak, "blocker"), { recursive: true }); // renaming a file over a non-empty folder fails
  const out = await w.cycle({ answer: on() });
  assert.deepEqual(out.failed.map((a) => [a.action, a.result]), [["stop-server", "not-done"]]);
  assert.match(out.errors.join("\n"), /could not be written before acting, so nothing was done/);
  assert.deepEqual(w.commands(), []);
  assert.deepEqual(auditedActions(w.audit).slice(-1), ["stop-server:not-done"]);
});

test("a corrupt state file: the last good copy is used, the bad one kept, and status says so", async () => {
  await w.cycle({ answer: instructions(nextReportId(), { responsibilityNodeIds: ["node-9"] }) });
  const main = join(w.stateDir, "apply-state.json");
  writeFileSync(main, '{"schemaVersion": 1, "desired": {"repo'); // torn
  w.clock.advance(MIN);
  const out = await w.cycle({});
  assert.equal(out.recovery?.used, "backup");
  assert.match(out.recovery?.problem ?? "", /not valid JSON/);
  assert.equal(readFileSync(`${main}.corrupt`, "utf8"), '{"schemaVersion": 1, "desired": {"repo');
  assert.equal(w.api.requests.length, 2, "what was applied is remembered: no new PUT");
  const read = await readApplyState(w.stateDir, w.clock);
  assert.equal(read.recovery, null, "the next write repaired the main copy");
  assert.match(explainApplyState(read.state, w.clock.now()).join("\n"), /was found damaged .*not valid JSON.*went on with its last good copy; the damaged copy is kept as .*apply-state\.json\.corrupt/);
  assert.ok(w.audit.some((e) => e.event === "state-recovered"));
});

test("both copies corrupt: a fresh state, repair status UNKNOWN, and status says what a person must check", async () => {
  await w.cycle({ answer: instructions(nextReportId()) });
  writeFileSync(join(w.stateDir, "apply-state.json"), "");
  writeFileSync(join(w.stateDir, "apply-state.json.bak"), '{"schemaVersion": 7}');
  w.clock.advance(MIN);
  const out = await w.cycle({});
  assert.equal(out.recovery?.used, "initial");
  assert.equal(out.cassandraPhaRepairStatus, "UNKNOWN");
  const text = explainApplyState(out.state, w.clock.now()).join("\n");
  assert.match(text, /nodekeeper lost its state/);
  assert.match(text, /started afresh/);
});

test("applyCycle never throws: an unusable state dir, a failing audit log", async () => {
  const file = join(w.dir, "not-a-dir");
  writeFileSync(file, "x");
  const runner = createProcessRunner();
  const deps = { runner, http: createHttpClient, clock: w.clock, audit: () => Promise.reject(new Error("disk full")) };
  const input = {
    stateDir: join(file, "state"), clusterId: CLUSTER, nodeId: "node-1", remediation: w.config,
    server: { url: w.api.url, timeoutMs: 1_000 }, answer: { reportId: "r", instructions: instructions("r"), confirms: true },
    facts: healthyFacts, mode: { dryRun: false, maintenance: false },
  };
  const out = await applyCycle(deps, input);
  assert.match(out.errors.join("\n"), /state unreadable, nothing applied/);
  assert.deepEqual(out.done, []);
  assert.equal(w.api.requests.length, 0);

  const ok = await applyCycle(deps, { ...input, stateDir: w.stateDir });
  assert.deepEqual(ok.done.map((a) => a.action), ["responsibility-override", "quorum-override"]);
  assert.match(ok.errors.join("\n"), /audit log: disk full/);
});
