/**
 * Issue 6, end to end: when nodekeeper must NOT act. Actions off (kill switch,
 * maintenance mode, dry run) are only logged as "would run"; no adversarial
 * answer of Mission Control leads to an action. Every cycle is one
 * `nodekeeper report` process (see support.ts); the tests run concurrently.
 */
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { HealthReportSchema } from "../../src/contract/report.js";
import { instructionsFor } from "../mission-control/server.js";
import type { RecordedRequest, Reply } from "../mission-control/server.js";
import { answer, FLAG_OFF, FLAG_ON, makeE2eNode } from "./support.js";
import type { E2eNode } from "./support.js";

const STOP = "stop-server dynatrace-server";

/** Instructions that would act at once if taken: stop (the flag's second answer), quorum on, new responsibility nodes. */
const EVIL = { phaFailoverRemediation: true, cassandraQuorumOverride: true, responsibilityNodeIds: ["node-9"] };
const FLAG_AND_QUORUM = answer({ phaFailoverRemediation: true, cassandraQuorumOverride: true });

interface ApplyStateFile {
  desired: { reportId: string } | null;
  failover: { consecutiveOn: number; episode: { active: boolean } | null };
  answers: { lastRejected: { reportId: string | null; reason: string } | null };
}

function applyState(node: E2eNode): ApplyStateFile {
  return JSON.parse(readFileSync(join(node.fixture.stateDir, "apply-state.json"), "utf8")) as ApplyStateFile;
}

function wouldRunLines(node: E2eNode) {
  return node.audit().filter((e) => e.type === "action" && e["result"] === "would-run");
}

/** Actions are off: the would-run audit lines, nothing done, nothing PUT. */
function assertNothingDone(node: E2eNode, because: string) {
  assert.deepEqual(node.commands(), [], "no command run");
  assert.deepEqual(node.puts(), [], "no PUT to the server API");
  assert.ok(node.auditedActions().every((a) => a.endsWith(":would-run")), node.auditedActions().join(" "));
  const lines = wouldRunLines(node);
  assert.deepEqual(
    lines.map((e) => `${String(e["action"])} ${String(e["after"])}`).sort(),
    ["quorum-override CL_LOCAL_QUORUM", "responsibility-override [node-1]", "stop-server server stopped"],
    "each due action logged once as would run",
  );
  for (const e of lines) {
    assert.equal(e["wouldRun"], true);
    assert.equal(e["dryRun"], false);
    assert.equal(e["notDoneBecause"], because);
    assert.equal(typeof e["reason"], "string");
    assert.match(String(e["reportId"]), /^[0-9a-f-]{36}$/);
  }
}

interface AdversarialCase {
  readonly name: string;
  readonly reply: Reply;
  /** The `report` exit code (contract section 3). */
  readonly exit: number;
  /** The exchange's audit line: its outcome and reason. */
  readonly outcome: string;
  readonly reason: RegExp;
}

/**
 * A valid first answer (the overrides are set, the flag counted once: one more valid answer with it stops the
 * server), then one cycle per case: each answer carries instructions that would act at once if taken.
 */
async function adversarial(node: E2eNode, cases: readonly AdversarialCase[]): Promise<void> {
  node.mc.reply(FLAG_ON);
  await node.cycle();
  const firstId = node.reports()[0]!.reportId;
  assert.equal(node.puts().length, 2);
  assert.equal(applyState(node).failover.consecutiveOn, 1);

  for (const c of cases) {
    const sent = node.mc.requests.length;
    node.mc.reply(c.reply);
    const r = await node.report();
    assert.equal(r.code, c.exit, `${c.name}: exit code\n${r.stdout}\n${r.stderr.slice(0, 2000)}`);
    assert.equal(node.mc.requests.length, sent + 1, `${c.name}: sent once, not retried`);
    const reportId = node.reports().at(-1)!.reportId;
    const exchange = node.audit().filter((e) => e.type === "exchange" && e["reportId"] === reportId);
    assert.equal(exchange.length, 1, `${c.name}: one audit line for the exchange`);
    assert.equal(exchange[0]!["outcome"], c.outcome, c.name);
    assert.match(String(exchange[0]!["reason"]), c.reason, c.name);
    assert.deepEqual(node.commands(), [], `${c.name}: no command run`);
    assert.equal(node.puts().length, 2, `${c.name}: no PUT`);
    const state = applyState(node);
    assert.equal(state.desired?.reportId, firstId, `${c.name}: the first answer stays in force`);
    assert.equal(state.failover.consecutiveOn, 1, `${c.name}: the flag is not counted`);
  }
  const outbox = readdirSync(join(node.fixture.stateDir, "outbox")).filter((f) => f.endsWith(".json") && f !== "dropped.json");
  assert.deepEqual(outbox, [], "a refused or invalid answer still means delivered: nothing is sent again");
}

/** The server was stopped once, following the newest answer; the PUTs wait while it is stopped. */
function assertStoppedByNewest(node: E2eNode): void {
  assert.deepEqual(node.commands(), [STOP]);
  const stop = node.audit().filter((e) => e.type === "action" && e["action"] === "stop-server");
  assert.equal(stop.length, 1);
  assert.equal(stop[0]!["reportId"], node.reports().at(-1)!.reportId, "the stop follows the newest answer");
  assert.equal(stop[0]!["result"], "done");
  assert.equal(node.puts().length, 2, "no PUT while the server is being stopped");
}

describe("e2e apply safety", { concurrency: true }, () => {
  test('kill switch (remediation.enabled: false): nothing done, "would run" logged once per action, status says actions are off', async (t) => {
    const node = await makeE2eNode({ remediation: { enabled: false } });
    t.after(() => node.close());
    node.mc.reply(FLAG_AND_QUORUM, FLAG_AND_QUORUM, FLAG_AND_QUORUM);
    const c1 = await node.cycle();
    assert.match(c1.stdout, /actions: 0 done, 0 failed, 2 would run/);
    const c2 = await node.cycle();
    assert.match(c2.stdout, /actions: 0 done, 0 failed, 3 would run/, "the stop is due, and the PUTs with it: nothing is stopped, so nothing waits");
    await node.cycle();
    assertNothingDone(node, "remediation.enabled is false");

    const status = await node.cli(["status"]);
    assert.match(status.stdout, /Actions are OFF \(remediation\.enabled is false\): due actions are only logged as "would run", nothing is done\./);
    assert.match(status.stdout, /failover remediation ON since .*: the local server was NOT stopped \(actions were off; it would have been at \S+\)/);
    assert.match(status.stdout, /stop the local server \(failover remediation\): would run, not done: remediation\.enabled is false/);
    await t.test("status does not say the server is being stopped when nothing is stopped", () => {
      assert.doesNotMatch(status.stdout, /being stopped in this cycle/);
    });

    // The failover ends: nothing to start, since nothing was stopped.
    node.mc.reply(FLAG_OFF);
    await node.cycle();
    assert.deepEqual(node.commands(), []);
    assert.ok(node.auditedActions().every((a) => a.endsWith(":would-run")), node.auditedActions().join(" "));
  });

  test('maintenance mode, then a dry run: nothing done, "would run" logged; then a real cycle acts on the current instructions', async (t) => {
    const node = await makeE2eNode();
    t.after(() => node.close());

    await t.test('maintenance mode: nothing done, "would run" logged, the reports say maintenanceMode', async () => {
      const on = await node.cli(["maintenance", "on", "--reason", "disk swap"]);
      assert.equal(on.code, 0, on.stdout + on.stderr);
      assert.match(on.stdout, /maintenance mode ON since \S+ \(disk swap\)/);
      node.mc.reply(FLAG_AND_QUORUM, FLAG_AND_QUORUM);
      await node.cycle();
      const c2 = await node.cycle();
      assert.match(c2.stdout, /actions: 0 done, 0 failed, 3 would run/);
      assertNothingDone(node, "maintenance mode");
      assert.ok(node.reports().every((r) => r.maintenanceMode), "the reports say maintenanceMode: true");
      const status = await node.cli(["status"]);
      assert.match(status.stdout, /MAINTENANCE MODE since \S+ by \S+: disk swap/);
      assert.match(status.stdout, /Actions are OFF \(the node is in maintenance mode\)/);
      const off = await node.cli(["maintenance", "off"]);
      assert.equal(off.code, 0, off.stdout + off.stderr);
      assert.match(off.stdout, /maintenance mode OFF/);
    });

    // Maintenance is off and Mission Control asked twice for the failover: a stop is due now.
    const stateFile = join(node.fixture.stateDir, "apply-state.json");
    const stateBefore = readFileSync(stateFile, "utf8");
    const auditBefore = node.audit().length;
    const sentBefore = node.mc.requests.length;
    const dry = await node.report({ dryRun: true });

    await t.test("dry run: prints the body, exit 0; sends nothing, runs nothing, PUTs nothing, writes no state", () => {
      assert.equal(dry.code, 0, dry.stdout + dry.stderr);
      const body = HealthReportSchema.parse(JSON.parse(dry.stdout));
      assert.equal(body.clusterId, "cluster-a");
      assert.equal(body.maintenanceMode, false);
      assert.equal(node.mc.requests.length, sentBefore, "nothing sent");
      assert.deepEqual(node.commands(), [], "nothing run");
      assert.deepEqual(node.puts(), [], "nothing PUT");
      assert.equal(readFileSync(stateFile, "utf8"), stateBefore, "the apply state is untouched");
      assert.ok(node.audit().slice(auditBefore).every((e) => e["dryRun"] === true), "nothing but dry-run lines audited");
      const outbox = join(node.fixture.stateDir, "outbox");
      assert.deepEqual(existsSync(outbox) ? readdirSync(outbox).filter((f) => f.endsWith(".json") && f !== "dropped.json") : [], [], "nothing queued");
    });

    await t.test('dry run: the due stop is logged as "would run" (contract section 2)', () => {
      const lines = node.audit().slice(auditBefore).filter((e) => e.type === "action");
      const said = /would run/i.test(dry.stderr) || lines.some((e) => e["action"] === "stop-server" && e["wouldRun"] === true && e["dryRun"] === true);
      assert.ok(said, `no would-run line for the due stop-server; stderr: ${dry.stderr.slice(0, 500)}`);
    });

    await t.test("actions on again: Mission Control still asks for the failover, so the server is stopped, once", async () => {
      node.mc.reply(FLAG_AND_QUORUM);
      await node.cycle();
      assert.equal(node.reports().at(-1)!.maintenanceMode, false);
      assert.deepEqual(node.commands(), [STOP]);
      assert.deepEqual(node.puts(), [], "the PUTs wait while the server is stopped");
      assert.deepEqual(node.auditedActions().filter((a) => !a.endsWith(":would-run")), ["stop-server:done"]);
    });
  });

  test("adversarial answers with status 200 (another report, another cluster, invalid JSON, a missing or mistyped field, schemaVersion 2): exit 6, nothing applied", async (t) => {
    const node = await makeE2eNode();
    t.after(() => node.close());
    const previousId = (req: RecordedRequest) => (node.mc.requests[req.index - 1]!.json as { reportId: string }).reportId;
    const without = (req: RecordedRequest, field: string) => {
      const body = instructionsFor(req, EVIL);
      delete body[field];
      return body;
    };
    await adversarial(node, [
      { name: "the answer to another report (replay of the previous one)", exit: 6, outcome: "answer-invalid", reason: /answer names report .*, not /,
        reply: (req) => ({ status: 200, body: instructionsFor(req, { ...EVIL, reportId: previousId(req) }) }) },
      { name: "another cluster's answer", exit: 6, outcome: "answer-invalid", reason: /answer names cluster cluster-b, not cluster-a/,
        reply: (req) => ({ status: 200, body: instructionsFor(req, { ...EVIL, clusterId: "cluster-b" }) }) },
      { name: "invalid JSON", exit: 6, outcome: "answer-invalid", reason: /answer is not JSON/,
        reply: (req) => ({ status: 200, headers: { "content-type": "application/json" }, body: JSON.stringify(instructionsFor(req, EVIL)).slice(0, -20) }) },
      { name: "a missing field (responsibilityNodeIds)", exit: 6, outcome: "answer-invalid", reason: /responsibilityNodeIds/,
        reply: (req) => ({ status: 200, body: without(req, "responsibilityNodeIds") }) },
      { name: "a mistyped field (\"true\" for a boolean)", exit: 6, outcome: "answer-invalid", reason: /phaFailoverRemediation/,
        reply: (req) => ({ status: 200, body: instructionsFor(req, { ...EVIL, phaFailoverRemediation: "true" }) }) },
      { name: "schemaVersion 2", exit: 6, outcome: "answer-invalid", reason: /schemaVersion/,
        reply: (req) => ({ status: 200, body: instructionsFor(req, { ...EVIL, schemaVersion: 2 }) }) },
    ]);
    // A valid answer with unknown fields: they are ignored, and it is the flag's second valid answer: the stop.
    node.mc.reply(answer({ ...EVIL, responsibilityNodeIds: ["node-1"], surprise: { nested: [1, 2] }, clusterStatusExtra: "x" }));
    await node.cycle(0);
    assertStoppedByNewest(node);
  });

  test("adversarial answers: 2 MiB bodies (exit 6), 409 and 400 with instructions, 401 (exit 4): nothing applied; only the newest answer of a flush applies", async (t) => {
    const node = await makeE2eNode();
    t.after(() => node.close());
    const big = (req: RecordedRequest) => JSON.stringify({ ...instructionsFor(req, EVIL), padding: "x".repeat(2 * 1024 * 1024) });
    await adversarial(node, [
      { name: "a 2 MiB body (valid instructions plus padding)", exit: 6, outcome: "answer-invalid", reason: /limit/,
        reply: (req) => ({ status: 200, headers: { "content-type": "application/json" }, body: big(req) }) },
      { name: "a 2 MiB body, chunked (no Content-Length)", exit: 6, outcome: "answer-invalid", reason: /limit/,
        reply: (req) => ({ status: 200, headers: { "content-type": "application/json" }, body: big(req), chunked: true }) },
      { name: "409 with instructions in the body", exit: 4, outcome: "mismatch", reason: /409/,
        reply: (req) => ({ status: 409, body: instructionsFor(req, EVIL) }) },
      { name: "400 with instructions in the body", exit: 4, outcome: "rejected", reason: /400/,
        reply: (req) => ({ status: 400, body: instructionsFor(req, EVIL) }) },
    ]);

    // 401: refused (exit 4), nothing applied; the report stays in the outbox for the next cycle.
    node.mc.reply((req) => ({ status: 401, body: instructionsFor(req, EVIL) }));
    const unauthorised = await node.report();
    assert.equal(unauthorised.code, 4, unauthorised.stdout + unauthorised.stderr);
    assert.deepEqual(node.commands(), []);
    assert.equal(node.puts().length, 2);

    // Then the kept report and a new one are sent. The kept one's answer (flag off: it would reset the count) is
    // not applied, only the newest's, with unknown fields that are ignored: the flag's second valid answer, the stop.
    const sent = node.mc.requests.length;
    node.mc.reply(FLAG_OFF, answer({ ...EVIL, responsibilityNodeIds: ["node-1"], surprise: { nested: [1, 2] } }));
    await node.cycle(0);
    assert.equal(node.mc.requests.length, sent + 2, "the kept report, then this cycle's");
    assertStoppedByNewest(node);
  });
});
