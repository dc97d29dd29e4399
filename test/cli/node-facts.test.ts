import assert from "node:assert/strict";
import { test } from "node:test";
import { HealthReportSchema } from "../../src/contract/report.js";
import { runCli } from "../helpers/cli.js";
import { makeNodeFixture, FAILED, RUNNING } from "../helpers/node-fixture.js";
import { BUILD_VERSION, NODE_STATUS_PATH, startServerApi } from "../helpers/server-api.js";

test("legacy source (server.factsSource node-status): node facts from the one endpoint; maintenance mode shows in the report", async (t) => {
  const api = await startServerApi();
  t.after(() => api.close());
  const node = makeNodeFixture(t);
  const config = node.config({ nodeIp: "127.0.0.1", directories: [], server: { url: api.url, caFile: api.caFile, factsSource: "node-status" } });
  let r = await runCli(["--config", config, "report", "--dry-run"], { env: node.env });
  assert.equal(r.code, 0, r.stderr);
  let body = HealthReportSchema.parse(JSON.parse(r.stdout));
  assert.deepEqual(
    [body.masterNode, body.nodeState, body.serverState, body.oneAgentTrafficEnabled, body.webUiTrafficEnabled, body.clusterState, body.maintenanceMode],
    [true, "RUNNING", "RUNNING", true, true, "RUNNING", false],
  );
  assert.equal(api.requests.filter((q) => q.path === NODE_STATUS_PATH).length, 1);

  assert.equal((await runCli(["--config", config, "maintenance", "on", "--reason", "disk swap"], { env: node.env })).code, 0);
  r = await runCli(["--config", config, "report", "--dry-run"], { env: node.env });
  body = HealthReportSchema.parse(JSON.parse(r.stdout));
  assert.equal(body.maintenanceMode, true);
  const status = await runCli(["--config", config, "status"], { env: node.env });
  assert.match(status.stdout, /MAINTENANCE MODE .* disk swap/);
  assert.equal((await runCli(["--config", config, "maintenance", "off"], { env: node.env })).code, 0);
  r = await runCli(["--config", config, "report", "--dry-run"], { env: node.env });
  assert.equal(HealthReportSchema.parse(JSON.parse(r.stdout)).maintenanceMode, false);
});

test("server API down: nodeState OFFLINE, serverState from the server's unit", async (t) => {
  const api = await startServerApi();
  t.after(() => api.close());
  api.nodes = 503;
  api.configuration = 503;
  const node = makeNodeFixture(t);
  node.unit("dynatrace-server.service", FAILED);
  const config = node.config({ nodeIp: "127.0.0.1", directories: [], server: { url: api.url, caFile: api.caFile } });
  const r = await runCli(["--config", config, "report", "--dry-run"], { env: node.env });
  const body = HealthReportSchema.parse(JSON.parse(r.stdout));
  assert.deepEqual([body.nodeState, body.serverState, body.masterNode, body.clusterState], ["OFFLINE", "OFFLINE", false, "UNDEFINED"]);
});

test("documented Cluster API by default; facts it does not carry from configured sources (a JSON string, a field, plain text)", async (t) => {
  const api = await startServerApi();
  t.after(() => api.close());
  api.extra = {
    "/api/v1.0/onpremise/cluster/clusterState": "RUNNING",
    "/custom/master": { node: { master: true } },
    "/custom/migration": "IN_PROGRESS",
  };
  const node = makeNodeFixture(t);
  node.unit("dynatrace-server.service", RUNNING);
  const config = node.config({
    nodeIp: "127.0.0.1", directories: [],
    server: {
      url: api.url, caFile: api.caFile, nodeId: 3,
      clusterState: { type: "http", path: "/api/v1.0/onpremise/cluster/clusterState" },
      masterNode: { type: "http", path: "/custom/master", field: "node.master" },
      multiDcMigrationState: { type: "http", path: "/custom/migration" },
    },
  });
  const r = await runCli(["--config", config, "report", "--dry-run"], { env: node.env });
  assert.equal(r.code, 0, r.stderr);
  const body = HealthReportSchema.parse(JSON.parse(r.stdout));
  // Node 3 of the double: RUNNING, web UI off, agent on.
  assert.deepEqual(
    [body.nodeState, body.serverState, body.webUiTrafficEnabled, body.oneAgentTrafficEnabled, body.masterNode, body.clusterState, body.multiDcMigrationState],
    ["RUNNING", "RUNNING", false, true, true, "RUNNING", "IN_PROGRESS"],
  );
  assert.equal(body.componentVersions.find((c) => c.name === "dynatrace-server")?.version, BUILD_VERSION);
  assert.equal(api.requests.filter((q) => q.path === NODE_STATUS_PATH).length, 0, "the legacy endpoint only when configured");
  assert.deepEqual(api.requests.map((q) => q.path).filter((p) => p.startsWith("/api/v1.0/onpremise/cluster")).sort(),
    ["/api/v1.0/onpremise/cluster", "/api/v1.0/onpremise/cluster/clusterState", "/api/v1.0/onpremise/cluster/configuration"]);
});
