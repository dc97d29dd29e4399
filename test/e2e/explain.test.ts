/**
 * `nodekeeper explain` after a real failover cycle sequence (every cycle a
 * `report` process against the Mission Control test server, the server API
 * double and the node's scripts: see support.ts): what was sent, what came
 * back, which rule fired or held back, what was done and its result.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Explanation } from "../../src/commands/explain.js";
import { answer, FLAG_OFF, FLAG_ON, makeE2eNode, waitFor } from "./support.js";
import type { E2eNode } from "./support.js";

async function explain(node: E2eNode, target?: string): Promise<{ json: Explanation; text: string }> {
  const args = target === undefined ? ["explain"] : ["explain", target];
  const text = await node.cli(args);
  assert.equal(text.code, 0, text.stderr);
  const json = await node.cli([...args, "--json"]);
  assert.equal(json.code, 0, json.stderr);
  return { json: JSON.parse(json.stdout) as Explanation, text: text.stdout };
}

const rules = (e: Explanation, verdict: string) => e.rules.filter((r) => r.verdict === verdict).map((r) => r.text);

describe("e2e explain", { concurrency: true }, () => {
  test("a whole failover, report by report: held back by the two confirmations, fired, Cassandra down, ended, repair run and its result", async (t) => {
    const node = await makeE2eNode();
    t.after(() => node.close());
    const ids: string[] = [];
    const cycle = async () => {
      await node.cycle();
      ids.push(node.reports().at(-1)!.reportId);
    };

    node.mc.reply(FLAG_ON);
    await cycle(); // c0: the flag once
    node.mc.reply(FLAG_ON);
    await cycle(); // c1: twice: the server is stopped
    node.cassandraDown();
    node.mc.reply(FLAG_ON);
    await cycle(); // c2: Cassandra down during the failover
    node.cassandraUp();
    node.mc.reply(FLAG_OFF);
    await cycle(); // c3: the failover ends: the server is started
    await cycle(); // c4: the repair is launched
    await waitFor(() => node.commands().length === 3, "the repair script starts");
    node.releaseRepair();
    await waitFor(() => node.commands().length === 3 && node.audit().length > 0, "audit");

    // c0, by an 8-character prefix as the cycle's summary shows it.
    const first = await explain(node, ids[0]!.slice(0, 8));
    const text = first.text;
    let e = first.json;
    assert.equal(e.reportId, ids[0]);
    assert.deepEqual(e.cycle && { command: e.cycle.command, exitCode: e.cycle.exitCode }, { command: "report", exitCode: 0 });
    assert.deepEqual(e.sent.notOk, []);
    assert.equal(e.sent.delivered, true);
    assert.deepEqual([e.answer.httpStatus, e.answer.outcome, e.answer.instructions?.["phaFailoverRemediation"]], [200, "accepted", true]);
    assert.deepEqual(rules(e, "held"), ["Two-confirmation rule: failover remediation was asked in 1 consecutive answer(s), 2 are needed before the local server is stopped: held back (a single answer may be a blink)."]);
    assert.deepEqual(e.actions.map((a) => `${a.action}:${a.result}`), ["responsibility-override:done", "quorum-override:done"]);
    assert.match(text, /^Report \S+, built by `report` at \S+; that cycle ended with exit code 0\.\nWhat was sent:\n {2}Everything in it was OK \(3 components, 1 directories, 0 peers\)\.\nWhat Mission Control answered:\n {2}At \S+: HTTP 200 after 1 attempt\(s\); Mission Control accepted it: 200 with valid instructions\.\n {2}Its instructions:\n {4}- responsibility nodes: node-1\n/);
    assert.match(text, /\n {2}- \[held back\] Two-confirmation rule: failover remediation was asked in 1 consecutive answer\(s\), 2 are needed/);

    // c1: the rule fired, the server was stopped.
    e = (await explain(node, ids[1])).json;
    assert.deepEqual(rules(e, "fired").slice(0, 2), [
      "The answer passed nodekeeper's own checks and became the instructions in force.",
      "Two-confirmation rule: failover remediation was asked in 2 consecutive answers (2 needed): the failover began; the local server is to be stopped.",
    ]);
    assert.deepEqual(e.actions, [{ action: "stop-server", target: ids[1], result: "done", error: null }]);

    // c2: what was not OK in the report; the repair becomes REQUIRED and waits.
    e = (await explain(node, ids[2])).json;
    // The server's unit is inactive and its API refuses connections: the server is known OFFLINE (issue 16).
    assert.equal(e.sent.notOk[0], "node state OFFLINE, server state OFFLINE (not RUNNING)");
    // The stopped server's unit (the stop script stops it as systemd would) and Cassandra down.
    assert.match(e.sent.notOk[1]!, /^component dynatrace-server: ERROR \(code 103\): stopped \(inactive, dead\)/);
    assert.ok(e.sent.notOk.some((l: string) => /^component cassandra: ERROR \(code 301\): /.test(l)), JSON.stringify(e.sent.notOk));
    assert.ok(rules(e, "fired").some((r) => r.startsWith("A Cassandra repair became REQUIRED: Cassandra on this node was down at ")));
    assert.ok(rules(e, "held").some((r) => r.startsWith("Not yet: run the Cassandra repair, because the failover is still on; Cassandra on this node is down")));
    assert.deepEqual(e.actions, []);

    // c3: the failover ended, the server was started.
    e = (await explain(node, ids[3])).json;
    assert.ok(rules(e, "fired").includes("Failover remediation ended: Mission Control no longer asks for it."));
    assert.deepEqual(e.actions.map((a) => `${a.action}:${a.result}`), ["start-server:done"]);

    // c4 is the last: the repair launched; after one more cycle its result is there.
    e = (await explain(node, "last")).json;
    assert.equal(e.reportId, ids[4]);
    assert.deepEqual(e.actions.map((a) => `${a.action}:${a.result}`), ["cassandra-repair:done"]);
    assert.ok(e.sections.find((s) => s.title === "What was done")!.lines.includes("- The Cassandra repair it started has not reported its end yet (still running, or the next cycle has not looked)."));
    await cycle(); // c5 sees the result
    const done = (await explain(node, ids[4])).json.sections.find((s) => s.title === "What was done")!.lines;
    assert.match(done.at(-1)!, /^- Later, at \S+: the Cassandra repair finished: SUCCEEDED \(the Cassandra repair finished successfully at \S+\)\.$/);
    assert.deepEqual((await explain(node)).json.sections.at(-1)!.lines, ["Nothing."]);
  });

  test("maintenance and the 72 h rule hold back; a refused report says what is left for a person; unknown ids exit 64", async (t) => {
    const node = await makeE2eNode();
    t.after(() => node.close());
    const on = await node.cli(["maintenance", "on", "--reason", "disk swap"]);
    assert.equal(on.code, 0, on.stderr);
    node.mc.reply(FLAG_ON);
    await node.cycle();
    node.mc.reply(FLAG_ON);
    await node.cycle();
    let e = (await explain(node)).json;
    assert.ok(rules(e, "held").includes('Actions were OFF (maintenance mode): due actions were only logged as "would run", none was done.'));
    assert.ok(e.sent.notOk.includes("maintenance mode: on"));
    assert.deepEqual(e.actions.map((a) => `${a.action}:${a.result}`), ["stop-server:would-run", "responsibility-override:would-run", "quorum-override:would-run"]);
    assert.deepEqual(node.commands(), [], "nothing was stopped");

    await node.cli(["maintenance", "off"]);
    node.mc.reply(answer({ phaDowntimeLongerThan72h: true }));
    await node.cycle();
    e = (await explain(node)).json;
    assert.ok(rules(e, "held").includes("Mission Control reports a downtime longer than 72 h: the node is NOT_REPAIRABLE, no automatic repair runs, the data center must be rebuilt."), JSON.stringify(e.rules));
    assert.match(e.sections.at(-1)!.lines.join("\n"), /data center must be rebuilt/);

    node.mc.reply({ status: 401, body: "bad token" });
    await node.cycle(4);
    e = (await explain(node)).json;
    assert.equal(e.answer.outcome, "unauthorised");
    assert.equal(e.answer.httpStatus, 401);
    assert.ok(rules(e, "held").includes("Mission Control refused the report or nodekeeper: no new instructions were taken; the apply step still ran on the instructions in force (retries of decided actions, the repair watch, the quorum re-assert)."), JSON.stringify(e.rules));
    assert.match(e.sections.at(-1)!.lines[0]!, /^- Mission Control refused nodekeeper's credentials \(401\/403\): check the token in missionControl\.tokenFile/);

    for (const bad of ["ffffffff", "x!", "12"]) {
      const r = await node.cli(["explain", bad]);
      assert.equal(r.code, 64, bad);
      assert.match(r.stderr, bad === "ffffffff" ? /^nodekeeper: explain: no report ffffffff in the audit log/ : /is not a report id/);
    }
  });
});
