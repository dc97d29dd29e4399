/**
 * The demo's embedded Mission Control: its failover policy, report by report,
 * and its side of the contract over real HTTPS (certificates from the demo's
 * own PKI code, verified).
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { request } from "node:https";
import { after, before, test } from "node:test";
import { NODES, THIS_NODE_ID } from "../../src/dev/cluster.js";
import { EmbeddedMissionControl, FailoverPolicy, HEALTH_PATH } from "../../src/dev/mission-control.js";
import { makeDemoPki } from "../../src/dev/pki.js";
import { createProcessRunner } from "../../src/effects/process.js";
import { checkInstructions } from "../../src/contract/answer.js";
import { HealthReportSchema } from "../../src/contract/report.js";
import type { HealthReport } from "../../src/contract/report.js";
import { suiteOwner, tempDir } from "../helpers/temp.js";

/** A valid report from node-1 in which `down` (node ids) have their Cassandra down. */
function report(down: readonly string[] = [], extra: Partial<HealthReport> = {}): HealthReport {
  return HealthReportSchema.parse({
    schemaVersion: 1, reportId: randomUUID(), generatedAt: new Date().toISOString(),
    clusterId: "demo-cluster", nodeId: THIS_NODE_ID, nodekeeperVersion: "0.1.0", nodekeeperIp: "127.0.0.1",
    masterNode: true, nodeState: "RUNNING", serverState: "RUNNING", oneAgentTrafficEnabled: true, webUiTrafficEnabled: true,
    componentVersions: [{ name: "cassandra", version: "4.1.6" }],
    componentStatuses: [{ name: "cassandra", status: down.includes(THIS_NODE_ID) ? "ERROR" : "OK", description: "", resultCode: down.includes(THIS_NODE_ID) ? 301 : 0 }],
    multiDcMigrationState: "NOT_STARTED", clusterState: "RUNNING", cassandraPhaRepairStatus: "NOT_REQUIRED", cassandraRepairState: "IDLE",
    directoryStatuses: [],
    connectivityMetrics: NODES.filter((n) => n.id !== THIS_NODE_ID).map((n) => ({
      nodeId: n.id, serverConnected: true, serverLatencyMs: 1, hostConnected: true, hostLatencyMs: 1,
      cassandraConnected: !down.includes(n.id), cassandraHints: 0,
    })),
    maintenanceMode: false,
    ...extra,
  });
}

test("policy: two dc2 nodes down for two reports → remediation on for dc2 only; back for two reports → off", () => {
  const policy = new FailoverPolicy();
  const flags: boolean[] = [];
  const steps: Array<readonly string[]> = [[], ["node-5"], ["node-5", "node-6"], ["node-5", "node-6"], ["node-1", "node-5", "node-6"], [], [], []];
  for (const down of steps) {
    const d = policy.decide(report(down), Date.now());
    flags.push(d.instructions.phaFailoverRemediation);
    assert.deepEqual(d.down, [...down].sort());
  }
  assert.deepEqual(flags, [false, false, false, true, true, true, false, false]);
  assert.equal(policy.failoverOn("dc1"), false);

  // Another node's view: node-2 is in dc1, which is not in failover.
  const p2 = new FailoverPolicy();
  for (let i = 0; i < 3; i++) {
    const d = p2.decide({ ...report(["node-5", "node-6"]), nodeId: "node-2" }, Date.now());
    assert.equal(d.instructions.phaFailoverRemediation, false);
  }
  assert.equal(p2.failoverOn("dc2"), true);
});

test("policy: the answer during a failover: quorum override on, responsibility to the healthy data center, node statuses", () => {
  const policy = new FailoverPolicy();
  const first = policy.decide(report(), Date.now());
  assert.deepEqual(first.instructions.responsibilityNodeIds, ["node-1", "node-2"]);
  assert.equal(first.instructions.clusterStatus, "HEALTHY");
  policy.decide(report(["node-5", "node-6"]), Date.now());
  const on = policy.decide(report(["node-5", "node-6"]), Date.now());
  assert.deepEqual(on.turnedOn, ["dc2"]);
  assert.equal(on.instructions.cassandraQuorumOverride, true);
  assert.deepEqual(on.instructions.responsibilityNodeIds, ["node-2"]);
  assert.equal(on.instructions.clusterStatus, "FAILOVER");
  assert.equal(on.instructions.phaDowntimeLongerThan72h, false);
  assert.deepEqual(on.instructions.nodeStatuses.map((n) => n.status), ["OFFLINE", "RUNNING", "RUNNING", "RUNNING", "DATABASE_DISCONNECTED", "DATABASE_DISCONNECTED"]);
  // A data center in failover for over 72 h: the data can no longer be repaired.
  assert.equal(policy.decide(report(["node-5", "node-6"]), Date.now() + 73 * 3_600_000).instructions.phaDowntimeLongerThan72h, true);
});

const files = suiteOwner();
let dir = "";
let mc: EmbeddedMissionControl;
let ca = "";
const TOKEN = "demo-token-0123456789abcdef";

before(async () => {
  dir = tempDir(files, "nk-dev-mc-");
  const pki = await makeDemoPki(createProcessRunner(), dir);
  ca = readFileSync(pki.caFile, "utf8");
  mc = new EmbeddedMissionControl({
    host: "127.0.0.10", token: TOKEN, clusterId: "demo-cluster", clock: { now: () => Date.now() },
    tls: { cert: readFileSync(pki.certFile, "utf8"), key: readFileSync(pki.keyFile, "utf8") },
  });
  await mc.start();
});

after(async () => {
  await mc.close();
});

function post(body: string, headers: Record<string, string> = {}, path = HEALTH_PATH): Promise<{ status: number; json: unknown }> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, mc.url);
    const req = request(url, { method: "POST", ca, headers: { "content-type": "application/json", ...headers }, timeout: 5_000 }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (text += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : null }));
    });
    req.on("timeout", () => req.destroy(new Error("no answer within 5 s")));
    req.on("error", reject);
    req.end(body);
  });
}

const auth = { authorization: `Bearer ${TOKEN}` };

test("HTTPS exchange: 200 echoes reportId and clusterId with valid instructions; a replay gets the same answer", async () => {
  const r = report();
  const answer = await post(JSON.stringify(r), { ...auth, "idempotency-key": r.reportId });
  assert.equal(answer.status, 200);
  const check = checkInstructions(answer.json, { reportId: r.reportId, clusterId: "demo-cluster" });
  assert.ok(check.ok, check.ok ? "" : check.reason);
  const decisions = mc.decisions.length;
  const again = await post(JSON.stringify(r), { ...auth, "idempotency-key": r.reportId });
  assert.deepEqual(again, answer);
  assert.equal(mc.decisions.length, decisions, "a replay changes nothing");
});

test("HTTPS exchange: the contract's refusals", async () => {
  const r = report();
  assert.equal((await post(JSON.stringify(r))).status, 401, "no token");
  assert.equal((await post(JSON.stringify(r), { authorization: "Bearer wrong" })).status, 401, "wrong token");
  assert.equal((await post("{not json", auth)).status, 400);
  assert.equal((await post(JSON.stringify(r), { ...auth, "idempotency-key": randomUUID() })).status, 400, "Idempotency-Key is not the reportId");
  assert.equal((await post(JSON.stringify({ ...r, nodekeeperIp: "db-host" }), auth)).status, 422);
  assert.equal((await post(JSON.stringify({ ...r, reportId: randomUUID(), clusterId: "prod-eu" }), auth)).status, 409);
  assert.equal((await post(JSON.stringify({ ...r, reportId: randomUUID(), nodeId: "node-9" }), auth)).status, 409);
  assert.equal((await post(JSON.stringify(r), auth, "/api/v1/other")).status, 404);
  assert.equal((await post("x".repeat(1024 * 1024 + 1), auth)).status, 413);
});
