import assert from "node:assert/strict";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeEach, test } from "node:test";
import { explainApplyState } from "../../src/apply/explain.js";
import type { ApplyOutcome } from "../../src/apply/execute.js";
import { phaRepairStatusFor, readApplyState } from "../../src/state/apply-state.js";
import { auditedActions, DOWN, instructions, makeWorld, nextReportId } from "./helpers.js";
import type { World } from "./helpers.js";
import { eachTest } from "../helpers/temp.js";

let w: World;
beforeEach(async (t) => {
  w = await makeWorld(eachTest(t));
});

const MIN = 60_000;
const on = (extra: object = {}) => instructions(nextReportId(), { phaFailoverRemediation: true, ...extra });
const off = (extra: object = {}) => instructions(nextReportId(), { phaFailoverRemediation: false, ...extra });

test("whole failover: flag on twice → server stopped once → flag off → started → repair run once → SUCCEEDED", async () => {
  const statuses: string[] = [];
  const step = async (o: Parameters<World["cycle"]>[0]) => {
    const out = await w.cycle(o);
    assert.deepEqual(out.errors, []);
    assert.equal(out.persisted, true);
    statuses.push(out.cassandraPhaRepairStatus);
    w.clock.advance(MIN);
    return out;
  };

  const first = await step({ answer: off() });
  assert.deepEqual(first.done.map((a) => a.action), ["responsibility-override", "quorum-override"]);

  const on1 = on();
  const c1 = await step({ answer: on1 });
  assert.deepEqual(c1.done, [], "one answer with the flag stops nothing");
  assert.deepEqual(w.commands(), []);

  const on2 = on();
  const c2 = await step({ answer: on2 });
  assert.deepEqual(c2.done.map((a) => [a.action, a.reportId]), [["stop-server", on2.reportId]]);
  assert.deepEqual(w.commands(), ["systemctl stop dynatrace-server"]);

  // The failover goes on: the server is down, this node's Cassandra goes down too.
  await step({ answer: null, facts: { serverRunning: false, serverDown: DOWN, serverStartedAt: null, cassandraUp: false } });
  await step({ answer: on(), facts: { serverRunning: false, serverDown: DOWN, serverStartedAt: null, cassandraUp: true } });
  await step({ answer: on(), facts: { serverRunning: false, serverDown: DOWN, serverStartedAt: null } });
  assert.deepEqual(w.commands(), ["systemctl stop dynatrace-server"], "stopped once per activation");

  const offAnswer = off();
  const c3 = await step({ answer: offAnswer, facts: { serverRunning: false, serverDown: DOWN, serverStartedAt: null } });
  assert.deepEqual(c3.done.map((a) => [a.action, a.reportId]), [["start-server", offAnswer.reportId]]);
  assert.deepEqual(w.commands(), ["systemctl stop dynatrace-server", "systemctl start dynatrace-server"]);

  const c4 = await step({ answer: null, facts: { serverStartedAt: "2025-03-01T10:07:30.000Z" } });
  assert.deepEqual(c4.done.map((a) => a.action), ["cassandra-repair"]);
  assert.equal(c4.cassandraPhaRepairStatus, "IN_PROGRESS");
  await w.waitForRepairResult();

  const c5 = await step({ answer: null, facts: { serverStartedAt: "2025-03-01T10:07:30.000Z" } });
  assert.equal(c5.cassandraPhaRepairStatus, "SUCCEEDED");
  for (let i = 0; i < 3; i++) await step({ answer: i === 0 ? off() : null, facts: { serverStartedAt: "2025-03-01T10:07:30.000Z" } });

  assert.deepEqual(w.commands(), ["systemctl stop dynatrace-server", "systemctl start dynatrace-server", "repair"]);
  assert.deepEqual(statuses, [
    "NOT_REQUIRED", "NOT_REQUIRED", "NOT_REQUIRED", // off, on ×2 (stop)
    "REQUIRED", "REQUIRED", "REQUIRED", "REQUIRED", // Cassandra seen down, failover goes on, flag off (start)
    "IN_PROGRESS", "SUCCEEDED", "SUCCEEDED", "SUCCEEDED", "SUCCEEDED",
  ]);
  assert.deepEqual(auditedActions(w.audit), [
    "responsibility-override:done", "quorum-override:done", "stop-server:done", "start-server:done", "cassandra-repair:done",
  ]);
  const repairAudit = w.audit.find((e) => e.type === "state" && e.event === "cassandra-repair-finished");
  assert.equal(repairAudit?.after, "SUCCEEDED");
  const stopAudit = w.audit.find((e) => e.action === "stop-server");
  assert.deepEqual(
    { before: stopAudit?.before, after: stopAudit?.after, reportId: stopAudit?.reportId, dryRun: stopAudit?.dryRun, wouldRun: stopAudit?.wouldRun },
    { before: "server running", after: "server stopped", reportId: on2.reportId, dryRun: false, wouldRun: false },
  );
  assert.match(String(stopAudit?.reason), /2 consecutive answers/);

  const read = await readApplyState(w.stateDir, w.clock);
  assert.equal(read.error, null);
  assert.equal(phaRepairStatusFor(read.state), "SUCCEEDED");
  const text = explainApplyState(read.state, w.clock.now()).join("\n");
  assert.match(text, /last failover remediation: from .* the local server was stopped at .*; it was started again at/);
  assert.match(text, /Cassandra on this node was down at 2025-03-01T10:03:00.000Z, during the failover/);
  assert.match(text, /Cassandra repair: SUCCEEDED/);
  assert.match(text, /Left for a person: nothing\./);
  assert.match(readFileSync(join(w.stateDir, "cassandra-repair.log"), "utf8"), /repairing keyspaces/);
});

test("a failing repair: FAILED, not rerun; status says how to rerun by hand; the marker file then gives SUCCEEDED", async () => {
  w.setExit("repair", 3);
  const launch = await failoverUntilRepairLaunch();
  assert.equal(launch.cassandraPhaRepairStatus, "IN_PROGRESS");
  await w.waitForRepairResult();
  const statuses: string[] = [];
  for (let i = 0; i < 4; i++) {
    w.clock.advance(MIN);
    statuses.push((await w.cycle({ answer: i === 1 ? off() : null })).cassandraPhaRepairStatus);
  }
  assert.deepEqual(statuses, ["FAILED", "FAILED", "FAILED", "FAILED"]);
  assert.deepEqual(w.commands(), ["systemctl stop dynatrace-server", "systemctl start dynatrace-server", "repair"], "the repair ran once");

  const { state } = await readApplyState(w.stateDir, w.clock);
  assert.equal(state.repair.exitCode, 3);
  assert.match(state.repair.error ?? "", /exited with code 3; last output: .*keyspace dynatrace failed/);
  const text = explainApplyState(state, w.clock.now()).join("\n");
  assert.match(text, /Cassandra repair: FAILED/);
  assert.match(text, /will NOT run it again by itself/);
  assert.ok(text.includes(`Rerun it by hand, as root on this node, when no other node is repairing: ${w.config.repairCommand[0]}`), text);
  const marker = join(w.stateDir, "cassandra-repair.done");
  assert.ok(text.includes(`touch ${marker}`), text);

  writeFileSync(marker, "");
  w.clock.advance(MIN);
  const acked = await w.cycle({});
  assert.equal(acked.cassandraPhaRepairStatus, "SUCCEEDED");
  assert.equal(existsSync(marker), false, "the marker is consumed");
  assert.match(explainApplyState(acked.state, w.clock.now()).join("\n"), /SUCCEEDED, done by hand/);
  assert.equal(w.commands().filter((c) => c === "repair").length, 1);
});

test("a flag that blinks on for one answer stops nothing", async () => {
  await w.cycle({ answer: off() });
  for (let i = 0; i < 5; i++) {
    w.clock.advance(MIN);
    await w.cycle({ answer: i === 1 ? on() : off() });
    w.clock.advance(MIN);
    await w.cycle({ answer: null }); // a 204 in between neither counts nor resets
  }
  assert.deepEqual(w.commands(), []);
  const { state } = await readApplyState(w.stateDir, w.clock);
  assert.equal(state.failover.episode, null);
  assert.equal(state.failover.consecutiveOn, 0);
});

test("two flag answers too far apart do not count as consecutive; the stop waits for fresh ones", async () => {
  await w.cycle({ answer: on() });
  w.clock.advance(11 * MIN); // over consecutiveAnswersWithinMs (10 min)
  const second = await w.cycle({ answer: on() });
  assert.deepEqual(second.done, []);
  assert.equal(second.state.failover.consecutiveOn, 1);
  w.clock.advance(MIN);
  const third = await w.cycle({ answer: on() });
  assert.deepEqual(third.done.map((a) => a.action), ["stop-server"]);
});

test("a failed stop is retried in later cycles with back-off, and shown with its error", async () => {
  w.setExit("systemctl", 1);
  await w.cycle({ answer: on() });
  w.clock.advance(MIN);
  const first = await w.cycle({ answer: on() });
  assert.equal(first.failed.length, 1);
  assert.match(first.failed[0]?.error ?? "", /exited with code 1: systemctl: simulated failure/);
  assert.equal(first.state.failures[0]?.nextAttemptAt, "2025-03-01T10:02:00.000Z");

  w.clock.advance(30_000); // not due yet
  const early = await w.cycle({ answer: on() });
  assert.deepEqual([early.done, early.failed], [[], []]);
  assert.match(explainApplyState(early.state, w.clock.now()).join("\n"), /stop the local server \(failover remediation\): failed 1 time\(s\).*simulated failure/);

  w.clock.advance(30_000);
  const second = await w.cycle({ answer: on() });
  assert.equal(second.failed.length, 1);
  assert.equal(second.state.failures[0]?.attempts, 2);
  assert.equal(second.state.failures[0]?.nextAttemptAt, "2025-03-01T10:04:00.000Z", "2 min after the second failure");

  w.setExit("systemctl", 0);
  w.clock.advance(2 * MIN);
  const third = await w.cycle({ answer: on() });
  assert.deepEqual(third.done.map((a) => a.action), ["stop-server"]);
  assert.deepEqual(third.state.failures, []);
  w.clock.advance(MIN);
  await w.cycle({ answer: on() });
  assert.deepEqual(w.commands(), Array(3).fill("systemctl stop dynatrace-server"));
});

test("downtime longer than 72 h: NOT_REPAIRABLE, no automatic repair, status says the data center must be rebuilt", async () => {
  await w.cycle({ answer: on(), facts: { cassandraUp: false } });
  w.clock.advance(MIN);
  await w.cycle({ answer: on({ phaDowntimeLongerThan72h: true }) });
  w.clock.advance(MIN);
  const end = await w.cycle({ answer: off({ phaDowntimeLongerThan72h: true }), facts: { serverRunning: false, serverDown: DOWN } });
  assert.equal(end.cassandraPhaRepairStatus, "NOT_REPAIRABLE");
  for (let i = 0; i < 3; i++) {
    w.clock.advance(30 * MIN);
    const out = await w.cycle({ answer: off({ phaDowntimeLongerThan72h: true }) });
    assert.equal(out.cassandraPhaRepairStatus, "NOT_REPAIRABLE");
  }
  assert.deepEqual(w.commands(), ["systemctl stop dynatrace-server", "systemctl start dynatrace-server"], "no repair");
  const { state } = await readApplyState(w.stateDir, w.clock);
  const text = explainApplyState(state, w.clock.now()).join("\n");
  assert.match(text, /more than 72 hours.*no automatic repair will run\. The data center must be rebuilt/);
  assert.match(text, /downtime longer than 72 h: yes/);

  // Mission Control clears the flag (the data center was rebuilt): no repair of that failover after all.
  w.clock.advance(MIN);
  const cleared = await w.cycle({ answer: off() });
  assert.equal(cleared.cassandraPhaRepairStatus, "NOT_REQUIRED");
  w.clock.advance(30 * MIN);
  await w.cycle({});
  assert.equal(w.commands().includes("repair"), false);
});

test("one node at a time: the repair waits for this node's turn and for no repair to be running", async () => {
  // node-3 is third of [node-1, node-2, node-3]: it starts 2 × repairStaggerMs (10 min) after the failover ended.
  const cycle = (o: Parameters<World["cycle"]>[0] = {}) => w.cycle({ nodeId: "node-3", ...o });
  await cycle({ answer: on(), facts: { cassandraUp: false } });
  w.clock.advance(MIN);
  await cycle({ answer: on() });
  w.clock.advance(MIN);
  await cycle({ answer: off(), facts: { serverRunning: false, serverDown: DOWN } });
  w.clock.advance(MIN);
  const waiting = await cycle({});
  assert.deepEqual(waiting.done, []);
  assert.match(waiting.pending.find((p) => p.action === "cassandra-repair")?.reason ?? "", /number 3 of 3 by node id, it starts no earlier than 2025-03-01T10:22:00.000Z/);

  w.clock.advance(20 * MIN); // its turn has come, but another node's repair is seen running
  const busy = await cycle({ facts: { cassandraRepairState: "RUNNING" } });
  assert.deepEqual(busy.done, []);
  assert.match(busy.pending[0]?.reason ?? "", /a Cassandra repair is running already/);
  w.clock.advance(MIN);
  const unknown = await cycle({ facts: { cassandraRepairState: "UNKNOWN" } });
  assert.deepEqual(unknown.done, []);
  w.clock.advance(MIN);
  const cassandraDown = await cycle({ facts: { cassandraUp: false } });
  assert.deepEqual(cassandraDown.done, []);
  assert.equal(w.commands().includes("repair"), false);

  w.clock.advance(MIN);
  const go = await cycle({});
  assert.deepEqual(go.done.map((a) => a.action), ["cassandra-repair"]);
  await w.waitForRepairResult();
});

test("nodekeeper not running for a long time during the failover counts as Cassandra down", async () => {
  await w.cycle({ answer: on() });
  w.clock.advance(MIN);
  await w.cycle({ answer: on() });
  w.clock.advance(45 * MIN); // the node was off
  const back = await w.cycle({ answer: on(), facts: { serverRunning: false, serverDown: DOWN } });
  assert.equal(back.cassandraPhaRepairStatus, "REQUIRED");
  assert.match(back.state.repair.reason, /nodekeeper did not run for 45 min during the failover/);
});

test("a failover that ends before the server was ever stopped starts nothing; a server stopped by someone else is left alone", async (t) => {
  w.setExit("systemctl", 1);
  await w.cycle({ answer: on() });
  w.clock.advance(MIN);
  const tried = await w.cycle({ answer: on() });
  assert.equal(tried.failed.length, 1);
  w.setExit("systemctl", 0);
  w.clock.advance(MIN);
  // Flag off: the stop was tried (it may have half-worked), so the server is started again.
  const end = await w.cycle({ answer: off() });
  assert.deepEqual(end.done.map((a) => a.action), ["start-server"]);

  // A fresh node sees the server down with no failover of its own: nothing to start.
  const other = await makeWorld(t);
    await other.cycle({ answer: off(), facts: { serverRunning: false, serverDown: DOWN } });
    other.clock.advance(MIN);
    await other.cycle({ answer: off(), facts: { serverRunning: false, serverDown: DOWN } });
    assert.deepEqual(other.commands(), []);
});

/** Cassandra down during a failover, the failover ends: the cycle that launches the repair. */
async function failoverUntilRepairLaunch(): Promise<ApplyOutcome> {
  await w.cycle({ answer: on(), facts: { cassandraUp: false } });
  w.clock.advance(MIN);
  await w.cycle({ answer: on() });
  w.clock.advance(MIN);
  await w.cycle({ answer: off(), facts: { serverRunning: false, serverDown: DOWN } });
  w.clock.advance(MIN);
  const launch = await w.cycle({});
  assert.deepEqual(launch.done.map((a) => a.action), ["cassandra-repair"]);
  return launch;
}

test("a repair still running is IN_PROGRESS however long it takes; its process is found by its run id", async () => {
  w.setRepairSleep(2);
  await failoverUntilRepairLaunch();
  w.clock.advance(30 * MIN); // far beyond the launch grace: only the process list says it is alive
  const running = await w.cycle({});
  assert.equal(running.cassandraPhaRepairStatus, "IN_PROGRESS");
  assert.match(explainApplyState(running.state, w.clock.now()).join("\n"), /Cassandra repair: IN_PROGRESS, started .*, 30 min ago; its output goes to .*cassandra-repair\.log/);
  await w.waitForRepairResult();
  w.clock.advance(MIN);
  assert.equal((await w.cycle({})).cassandraPhaRepairStatus, "SUCCEEDED");
  assert.equal(w.commands().filter((c) => c === "repair").length, 1);
});

test("a repair that vanished without a result (killed, node restarted) is FAILED, after a grace for a slow start", async () => {
  await failoverUntilRepairLaunch();
  await w.waitForRepairResult();
  rmSync(join(w.stateDir, "cassandra-repair.result"));
  w.clock.advance(MIN);
  assert.equal((await w.cycle({})).cassandraPhaRepairStatus, "IN_PROGRESS", "within the 2-min grace");
  w.clock.advance(2 * MIN);
  const gone = await w.cycle({});
  assert.equal(gone.cassandraPhaRepairStatus, "FAILED");
  assert.match(gone.state.repair.error ?? "", /ended without leaving a result.*repairing keyspaces/);
  w.clock.advance(MIN);
  await w.cycle({});
  assert.equal(w.commands().filter((c) => c === "repair").length, 1, "not rerun");
});

test("a stale result file from an earlier run is not taken for the new run", async () => {
  await failoverUntilRepairLaunch();
  await w.waitForRepairResult();
  const resultFile = join(w.stateDir, "cassandra-repair.result");
  writeFileSync(resultFile, "nk-repair-some-older-run 0\n");
  w.clock.advance(3 * MIN);
  const out = await w.cycle({});
  assert.equal(out.cassandraPhaRepairStatus, "FAILED", "the old run's success does not count");
});

test("a repair over repairTimeoutMs is stopped by its wrapper and FAILED", async () => {
  w.config = { ...w.config, repairTimeoutMs: 1_000 };
  w.setRepairSleep(20);
  await failoverUntilRepairLaunch();
  await w.waitForRepairResult();
  w.clock.advance(MIN);
  const out = await w.cycle({});
  assert.equal(out.cassandraPhaRepairStatus, "FAILED");
  assert.match(out.state.repair.error ?? "", /exited with code 124 \(stopped at its timeout\)/);
});
