import assert from "node:assert/strict";
import { hostname } from "node:os";
import { test } from "node:test";
import { HealthReportSchema } from "../../src/contract/report.js";
import { runCli } from "../helpers/cli.js";
import { makeNodeFixture, RUNNING } from "../helpers/node-fixture.js";

test("report --dry-run prints a contract-valid body with documented unknowns and no host name", async (t) => {
  const node = makeNodeFixture(t);
  node.unit("dynatrace-server.service", RUNNING);
  const config = node.config({
    nodeIp: "127.0.0.1",
    directories: [{ path: node.dir }],
    peers: [{ nodeId: "node-2", address: "127.0.0.2" }],
  });
  const r = await runCli(["--config", config, "report", "--dry-run"], { env: node.env });
  assert.equal(r.code, 0, r.stderr);
  const body = HealthReportSchema.parse(JSON.parse(r.stdout));
  assert.equal(body.schemaVersion, 1);
  assert.equal(body.clusterId, "cluster-a");
  assert.equal(body.nodeId, "node-1");
  assert.equal(body.nodekeeperIp, "127.0.0.1");
  assert.equal(body.cassandraRepairState, "UNKNOWN");
  assert.equal(body.connectivityMetrics.length, 1);
  assert.equal(body.directoryStatuses[0]?.status, "OK");
  assert.equal(body.directoryStatuses[0]?.nodeId, "node-1");
  assert.deepEqual(body.componentStatuses.find((c) => c.name === "dynatrace-server"), { name: "dynatrace-server", status: "OK", description: body.componentStatuses.find((c) => c.name === "dynatrace-server")?.description, resultCode: 0 });
  assert.ok(body.componentVersions.some((v) => v.name === "nodekeeper" && v.version !== null));
  assert.ok(!r.stdout.includes(hostname()), "the host name appears nowhere in the body");
  // Every report has a new id.
  const again = await runCli(["--config", config, "report", "--dry-run"], { env: node.env });
  assert.notEqual(JSON.parse(again.stdout).reportId, body.reportId);
});

test("report --dry-run without nodeIp uses an interface address, never a host name", async (t) => {
  const node = makeNodeFixture(t);
  const config = node.config({ directories: [] });
  const r = await runCli(["--config", config, "report", "--dry-run"], { env: node.env });
  assert.equal(r.code, 0, r.stderr);
  const body = HealthReportSchema.parse(JSON.parse(r.stdout));
  assert.match(body.nodekeeperIp, /^[\d.]+$|:/);
  assert.ok(!r.stdout.includes(hostname()));
});
