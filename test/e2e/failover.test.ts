/**
 * Issue 6, end to end: the failover remediation through the built CLI. Every
 * cycle is one `nodekeeper report` process against the Mission Control test
 * server, the server API double and the node's scripts (see support.ts).
 * The tests run concurrently, each with its own node folder and servers.
 */
import assert from "node:assert/strict";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { answer, cycleUntil, FLAG_OFF, FLAG_ON, makeE2eNode, QUORUM_PATH, RESPONSIBILITY_PATH, waitFor } from "./support.js";
import type { AuditLine, E2eNode } from "./support.js";

const STOP = "stop-server dynatrace-server";
const START = "start-server dynatrace-server";
const REPAIR = "repair --full";

function actionLine(node: E2eNode, action: string): AuditLine {
  const lines = node.audit().filter((e) => e.type === "action" && e["action"] === action);
  assert.equal(lines.length, 1, `one audit line for ${action}: ${JSON.stringify(lines)}`);
  return lines[0]!;
}

function stateEvents(node: E2eNode): string[] {
  return node.audit().filter((e) => e.type === "state").map((e) => `${String(e["event"])}:${String(e["after"])}`);
}

/** Consecutive duplicates collapsed: the path the status took. */
function path(statuses: readonly string[]): string[] {
  return statuses.filter((s, i) => i === 0 || statuses[i - 1] !== s);
}

describe("e2e failover remediation", { concurrency: true }, () => {
  test("whole failover: flag on twice → server stopped once → flag off → started → repair run once → SUCCEEDED; status explains it", async (t) => {
    const node = await makeE2eNode();
    t.after(() => node.close());
    const reportId = (i: number) => node.reports()[i]!.reportId;

    // c0: the flag once: nothing is stopped yet. The overrides are not known yet: both are PUT, once.
    node.mc.reply(FLAG_ON);
    await node.cycle();
    assert.deepEqual(node.commands(), []);
    assert.deepEqual(node.puts(), [
      { path: RESPONSIBILITY_PATH, body: JSON.stringify({ responsibilityNodeIds: ["node-1"] }) },
      { path: `${QUORUM_PATH}/UNSET`, body: "" },
    ]);
    assert.equal(node.api.requests.find((q) => q.path === RESPONSIBILITY_PATH)?.headers["content-type"], "application/json");

    // c1: the flag in a second consecutive answer: the server is stopped.
    node.mc.reply(FLAG_ON);
    const c1 = await node.cycle();
    assert.match(c1.stdout, /actions: 1 done, 0 failed, 0 would run/);
    assert.deepEqual(node.commands(), [STOP]);

    // c2: the failover goes on; this node's Cassandra is down meanwhile. No second stop.
    node.cassandraDown();
    node.mc.reply(FLAG_ON);
    await node.cycle();
    assert.deepEqual(node.commands(), [STOP], "stopped once per activation");
    const c2Report = node.reports()[2]!;
    assert.equal(c2Report.nodeState, "OFFLINE", "the report of c2 sees the server down (the API double answers 503)");
    assert.equal(c2Report.componentStatuses.find((c) => c.name === "cassandra")?.resultCode, 301, "and Cassandra down (JMX unreachable)");
    assert.equal(c2Report.cassandraRepairState, "UNKNOWN");

    // c3: Cassandra is back, Mission Control ends the failover: the server is started.
    node.cassandraUp();
    node.mc.reply(FLAG_OFF);
    await node.cycle();
    assert.deepEqual(node.commands(), [STOP, START]);

    // c4: the server runs again, Cassandra is UN and no repair runs (IDLE): the repair is launched, detached.
    await node.cycle();
    const c4Report = node.reports()[4]!;
    assert.equal(c4Report.nodeState, "RUNNING");
    assert.equal(c4Report.cassandraRepairState, "IDLE");
    assert.match(c4Report.componentStatuses.find((c) => c.name === "cassandra")?.description ?? "", /is UN on this node/);
    await waitFor(() => node.commands().length === 3, "the repair script starts");
    assert.deepEqual(node.commands(), [STOP, START, REPAIR]);

    // c5: the repair still runs (it waits for the test): its report says IN_PROGRESS.
    await node.cycle();
    assert.equal(node.reports().at(-1)!.cassandraPhaRepairStatus, "IN_PROGRESS");
    node.releaseRepair();
    // The report that says SUCCEEDED comes from a cycle after the one that saw the repair finish.
    await cycleUntil(node, () => node.reports().at(-1)!.cassandraPhaRepairStatus === "SUCCEEDED", { maxCycles: 10, maxMs: 25_000 });

    const statuses = node.repairStatuses();
    assert.deepEqual(statuses.slice(0, 6), [
      "NOT_REQUIRED", "NOT_REQUIRED", "NOT_REQUIRED", // c0-c2: each report is built before its cycle applies
      "REQUIRED", "REQUIRED", // c3 (after Cassandra was seen down in c2), c4
      "IN_PROGRESS", // c5
    ]);
    assert.deepEqual(path(statuses), ["NOT_REQUIRED", "REQUIRED", "IN_PROGRESS", "SUCCEEDED"]);

    // Exactly: stop once, start once, repair once; two PUTs in all (nothing re-PUT after the restart: UNSET needs no re-assertion).
    assert.deepEqual(node.commands(), [STOP, START, REPAIR]);
    assert.equal(node.puts().length, 2, JSON.stringify(node.puts()));

    // The audit log: one action line per action, with before, after, reason and the answer it follows from.
    assert.deepEqual(node.auditedActions(), [
      "responsibility-override:done", "quorum-override:done", "stop-server:done", "start-server:done", "cassandra-repair:done",
    ]);
    const pick = (e: AuditLine) => ({ before: e["before"], after: e["after"], reportId: e["reportId"], result: e["result"], dryRun: e["dryRun"], wouldRun: e["wouldRun"] });
    assert.deepEqual(pick(actionLine(node, "responsibility-override")), { before: "unknown", after: "[node-1]", reportId: reportId(0), result: "done", dryRun: false, wouldRun: false });
    assert.deepEqual(pick(actionLine(node, "quorum-override")), { before: "unknown", after: "UNSET", reportId: reportId(0), result: "done", dryRun: false, wouldRun: false });
    const stop = actionLine(node, "stop-server");
    assert.deepEqual(pick(stop), { before: "server running", after: "server stopped", reportId: reportId(1), result: "done", dryRun: false, wouldRun: false });
    assert.match(String(stop["reason"]), /failover remediation on in 2 consecutive answers \(2 needed\)/);
    const start = actionLine(node, "start-server");
    assert.deepEqual(pick(start), { before: "server stopped by nodekeeper", after: "server running", reportId: reportId(3), result: "done", dryRun: false, wouldRun: false });
    assert.match(String(start["reason"]), /failover remediation ended/);
    const repair = actionLine(node, "cassandra-repair");
    assert.deepEqual(pick(repair), { before: "REQUIRED", after: "IN_PROGRESS", reportId: reportId(4), result: "done", dryRun: false, wouldRun: false });
    assert.match(String(repair["reason"]), /Cassandra on this node was down at .*during the failover/);
    assert.deepEqual(stateEvents(node), [
      "failover-activated:on", "cassandra-repair-required:REQUIRED", "failover-deactivated:off", "cassandra-repair-finished:SUCCEEDED",
    ]);

    // status: what Mission Control asked, what nodekeeper did, what is left for a person.
    const status = await node.cli(["status"]);
    assert.equal(status.code, 0, status.stdout + status.stderr);
    const text = status.stdout;
    assert.match(text, /Instructions \(cassandraPhaRepairStatus SUCCEEDED\)/);
    assert.match(text, /Mission Control's instructions in force: the answer to report [0-9a-f-]{36}/);
    assert.match(text, /failover remediation \(stop the local server\): off/);
    assert.match(text, /last failover remediation: from \S+ to \S+: the local server was stopped at \S+; it was started again at \S+\./);
    assert.match(text, /During it: Cassandra on this node was down at \S+, during the failover\./);
    assert.match(text, /Cassandra repair: SUCCEEDED at /);
    assert.match(text, /Left for a person: nothing\./);
  });

  test("a failing repair: FAILED, not rerun; status says how to rerun it by hand; the operator's marker then gives SUCCEEDED", async (t) => {
    const node = await makeE2eNode({ scripts: { repairExit: 3 } });
    t.after(() => node.close());
    node.releaseRepair(); // the repair fails at once

    // Cassandra down while the flags are counted, then the failover ends.
    node.cassandraDown();
    node.mc.reply(FLAG_ON, FLAG_ON);
    await node.cycle();
    await node.cycle();
    assert.deepEqual(node.commands(), [STOP]);
    node.cassandraUp();
    node.mc.reply(FLAG_OFF);
    await node.cycle();
    // The report that says FAILED comes from a cycle after the one that saw the failure: it did not run the repair again.
    await cycleUntil(node, () => node.reports().at(-1)!.cassandraPhaRepairStatus === "FAILED", { maxCycles: 10, maxMs: 25_000 });
    assert.deepEqual(node.commands(), [STOP, START, REPAIR]);
    assert.deepEqual(path(node.repairStatuses()), ["NOT_REQUIRED", "REQUIRED", "IN_PROGRESS", "FAILED"]);
    const finished = node.audit().find((e) => e.type === "state" && e["event"] === "cassandra-repair-finished");
    assert.equal(finished?.["after"], "FAILED");
    assert.match(String(finished?.["reason"]), /the repair command exited with code 3; last output: repair: keyspaces repaired/);

    const status = await node.cli(["status"]);
    const text = status.stdout.replace(/\s+/g, " ");
    assert.match(text, /Instructions \(cassandraPhaRepairStatus FAILED\)/);
    assert.match(text, /Cassandra repair: FAILED at \S+, [^:]*: the repair command exited with code 3/);
    assert.match(text, /Left for a person: - The automatic Cassandra repair failed and nodekeeper will NOT run it again by itself\./);
    assert.ok(text.includes(`Rerun it by hand, as root on this node, when no other node is repairing: ${node.repairCommand} --full`), text);
    const marker = join(node.fixture.stateDir, "cassandra-repair.done");
    assert.ok(text.includes(`touch ${marker}`), text);

    // The operator reran it by hand and says so: SUCCEEDED (in the next report), and still not run again by nodekeeper.
    writeFileSync(marker, "");
    await node.cycle();
    assert.deepEqual(node.commands(), [STOP, START, REPAIR]);
    assert.equal(existsSync(marker), false, "the marker is taken");
    const after = await node.cli(["status"]);
    assert.match(after.stdout, /Instructions \(cassandraPhaRepairStatus SUCCEEDED\)/);
    assert.match(after.stdout, /Cassandra repair: SUCCEEDED, done by hand/);
    assert.match(after.stdout, /Left for a person: nothing\./);
  });

  test("quorum override: set once, re-asserted after a server restart and after the server was seen down, UNSET when off", async (t) => {
    const node = await makeE2eNode({ fallback: answer({ cassandraQuorumOverride: true }) });
    t.after(() => node.close());
    const quorumPuts = () => node.puts().filter((p) => p.path.startsWith(QUORUM_PATH)).map((p) => p.path.slice(QUORUM_PATH.length + 1));

    await node.cycle();
    await node.cycle();
    assert.deepEqual(quorumPuts(), ["CL_LOCAL_QUORUM"], "set once, not every cycle");

    node.restartServer(); // the server restarted on its own: a new start time, and it forgot the override
    await node.cycle();
    assert.deepEqual(quorumPuts(), ["CL_LOCAL_QUORUM", "CL_LOCAL_QUORUM"]);
    const reasserted = node.audit().filter((e) => e.type === "action" && e["action"] === "quorum-override").at(-1)!;
    assert.equal(reasserted["before"], "CL_LOCAL_QUORUM (forgotten by a restart)");
    assert.match(String(reasserted["reason"]), /the server restarted \(started \S+; the override was set for the start \S+\)/);

    // The server is down for a cycle (its API answers 503), then back with the same start time.
    node.serverDown(true);
    await node.cycle();
    assert.equal(quorumPuts().length, 2, "no PUT to a server that is not running");
    node.serverDown(false);
    await node.cycle();
    assert.deepEqual(quorumPuts(), ["CL_LOCAL_QUORUM", "CL_LOCAL_QUORUM", "CL_LOCAL_QUORUM"]);
    const afterDown = node.audit().filter((e) => e.type === "action" && e["action"] === "quorum-override").at(-1)!;
    assert.match(String(afterDown["reason"]), /the server was down since the override was set/);

    node.mc.setFallback(answer({ cassandraQuorumOverride: false }));
    await node.cycle();
    assert.deepEqual(quorumPuts(), ["CL_LOCAL_QUORUM", "CL_LOCAL_QUORUM", "CL_LOCAL_QUORUM", "UNSET"]);
    assert.equal(node.puts().filter((p) => p.path === RESPONSIBILITY_PATH).length, 1, "the responsibility override did not change: one PUT");
    assert.deepEqual(node.commands(), []);
    assert.ok(node.auditedActions().every((a) => a.endsWith(":done")), node.auditedActions().join(" "));
  });

  test("kill -9 of the cycle while it stops the server: the next cycle is not locked out, and the server is started after the failover", async (t) => {
    const node = await makeE2eNode({ scripts: { stopWaits: true } });
    t.after(() => node.close());
    node.mc.reply(FLAG_ON, FLAG_ON);
    await node.cycle();
    const killed = node.startReport();
    const closed = new Promise((resolve) => killed.on("close", resolve));
    await waitFor(() => node.commands().length === 1, "the stop script runs");
    killed.kill("SIGKILL"); // nodekeeper dies mid-action; the stop script (its own process group) goes on
    await closed;
    node.releaseStop();

    // Mission Control still asks: the stop whose outcome nodekeeper never saw is run again (stopping is idempotent).
    node.mc.reply(FLAG_ON);
    await node.cycle(0);
    assert.deepEqual(node.commands(), [STOP, STOP]);

    // The failover ends: the server nodekeeper stopped is started again.
    node.mc.reply(FLAG_OFF);
    await node.cycle(0);
    assert.deepEqual(node.commands(), [STOP, STOP, START]);
    assert.deepEqual(node.auditedActions(), ["responsibility-override:done", "quorum-override:done", "stop-server:done", "start-server:done"]);
    // The killed attempt has no action line of its own: the next cycle says it was interrupted, once, before the redo.
    const audit = node.audit();
    const interrupted = audit.filter((e) => e.type === "state" && e["event"] === "action-interrupted");
    assert.equal(interrupted.length, 1, JSON.stringify(interrupted));
    assert.match(String(interrupted[0]!["before"]), /^stop-server started at \d{4}-\d\d-\d\dT\S+Z$/);
    assert.equal(interrupted[0]!["after"], "no result recorded");
    assert.ok(audit.indexOf(interrupted[0]!) < audit.findIndex((e) => e["action"] === "stop-server"), "said before the redo's line");
    const status = await node.cli(["status"]);
    assert.match(status.stdout, /the local server was stopped at \S+; it was started again at \S+\./);
  });

  test("a flag that blinks on for one answer stops nothing", async (t) => {
    const node = await makeE2eNode();
    t.after(() => node.close());
    // On, off, on: never two consecutive answers with the flag.
    node.mc.reply(FLAG_ON, FLAG_OFF, FLAG_ON);
    await node.cycle();
    await node.cycle();
    await node.cycle();
    const status = await node.cli(["status"]);
    assert.match(status.stdout, /failover remediation asked in 1 consecutive answer\(s\): not acted upon yet \(a blink is ignored\)/);

    assert.deepEqual(node.commands(), [], "nothing stopped, nothing started, no repair");
    assert.deepEqual(node.auditedActions(), ["responsibility-override:done", "quorum-override:done"]);
    assert.deepEqual(stateEvents(node), [], "no failover began");
    assert.ok(node.repairStatuses().every((s) => s === "NOT_REQUIRED"));
  });
});
