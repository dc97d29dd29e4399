import assert from "node:assert/strict";
import { test } from "node:test";
import { HealthReportSchema } from "../../src/report/schema.js";
import { runCli } from "../helpers/cli.js";
import { makeNodeFixture, FAILED } from "../helpers/node-fixture.js";
import { NODE_STATUS_PATH, startServerApi } from "../helpers/server-api.js";

test("legacy source (server.factsSource node-status): node facts from the one endpoint; maintenance mode shows in the report", async (t) => {
  const api = await startServerApi();
  t.after(() => api.close());
  const node = makeNodeFixture();
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
  const node = makeNodeFixture();
  node.unit("dynatrace-server.service", FAILED);
  const config = node.config({ nodeIp: "127.0.0.1", directories: [], server: { url: api.url, caFile: api.caFile } });
  const r = await runCli(["--config", config, "report", "--dry-run"], { env: node.env });
  const body = HealthReportSchema.parse(JSON.parse(r.stdout));
  assert.deepEqual([body.nodeState, body.serverState, body.masterNode, body.clusterState], ["OFFLINE", "OFFLINE", false, "UNDEFINED"]);
});
