/**
 * Issue 16, end to end through the built CLI: a local server that serves only
 * the documented Cluster API v1 shapes (support.ts: GET /cluster, GET
 * /cluster/configuration, the override PUTs) and a systemd unit with MainPID,
 * ExecMainStartTimestamp and InvocationID.
 */
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { once } from "node:events";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { describe, test } from "node:test";
import { HealthReportSchema } from "../../src/contract/report.js";
import { BUILD_VERSION, CLUSTER_PATH, CONFIGURATION_PATH } from "../helpers/server-api.js";
import { answer, makeE2eNode, QUORUM_PATH, RESPONSIBILITY_PATH } from "./support.js";
import type { E2eNode } from "./support.js";

const QUORUM_ON = answer({ cassandraQuorumOverride: true, responsibilityNodeIds: ["node-1", "node-2"] });

const quorumPuts = (node: E2eNode) => node.puts().filter((p) => p.path.startsWith(QUORUM_PATH)).map((p) => p.path.slice(QUORUM_PATH.length + 1));
const responsibilityPuts = (node: E2eNode) => node.puts().filter((p) => p.path === RESPONSIBILITY_PATH).map((p) => p.body);

interface StatusJson {
  nodeFacts: {
    source: string; nodeState: string; thisNode: { id: number | null; matchedBy: string } | null;
    missingFromNodeList: string | null; serverDown: string | null; serverStartId: string | null;
    origins: Record<string, { known: boolean; detail: string }>;
  };
  components: Array<{ name: string; version: string | null; unit?: { mainPid: number | null; invocationId: string | null } }>;
}

/** A loopback port nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, "close");
  return port;
}

describe("e2e: the local server as it really is", { concurrency: true }, () => {
  test("documented shapes: the report carries RUNNING, the traffic flags and the build version; the PUTs happen once; a restart re-asserts the quorum override exactly once", async (t) => {
    const node = await makeE2eNode({ fallback: QUORUM_ON });
    t.after(() => node.close());
    node.api.configuration = { clusterNodes: [
      { id: 1, ipAddress: "127.0.0.1", webUI: false, agent: true, datacenter: "datacenter-1", kubernetesRole: "" },
      { id: 3, ipAddress: "127.0.0.3", webUI: true, agent: true, datacenter: "datacenter-1", kubernetesRole: "" },
    ] };

    const dry = await node.report({ dryRun: true });
    assert.equal(dry.code, 0, dry.stderr);
    const body = HealthReportSchema.parse(JSON.parse(dry.stdout));
    assert.deepEqual(
      [body.nodeState, body.serverState, body.webUiTrafficEnabled, body.oneAgentTrafficEnabled, body.masterNode, body.clusterState, body.multiDcMigrationState],
      ["RUNNING", "RUNNING", false, true, false, "UNDEFINED", "NOT_STARTED"],
    );
    assert.equal(body.componentVersions.find((c) => c.name === "dynatrace-server")?.version, BUILD_VERSION);
    const gets = node.api.requests.filter((q) => q.method === "GET").map((q) => q.path).sort();
    assert.deepEqual(gets, [CLUSTER_PATH, CONFIGURATION_PATH], "the two documented GETs, once each");
    assert.deepEqual(node.puts(), [], "a dry run PUTs nothing");

    // The first valid answer: each override PUT once; the next cycle none.
    await node.cycle();
    await node.cycle();
    assert.deepEqual(quorumPuts(node), ["CL_LOCAL_QUORUM"]);
    assert.deepEqual(responsibilityPuts(node), [JSON.stringify({ responsibilityNodeIds: ["node-1", "node-2"] })]);

    // A restart: the unit's MainPID, start time and InvocationID change (the double keeps no override: it is gone).
    const before = JSON.parse((await node.cli(["status", "--json"])).stdout) as StatusJson;
    node.restartServer();
    const after = JSON.parse((await node.cli(["status", "--json"])).stdout) as StatusJson;
    const unitOf = (s: StatusJson) => s.components.find((c) => c.name === "dynatrace-server")?.unit;
    assert.notEqual(unitOf(after)?.mainPid, unitOf(before)?.mainPid);
    assert.notEqual(after.nodeFacts.serverStartId, before.nodeFacts.serverStartId);
    await node.cycle();
    await node.cycle();
    await node.cycle();
    assert.deepEqual(quorumPuts(node), ["CL_LOCAL_QUORUM", "CL_LOCAL_QUORUM"], "re-asserted exactly once after the restart");
    assert.equal(responsibilityPuts(node).length, 1, "the responsibility override survives a restart: not PUT again");
    const reassert = node.audit().filter((e) => e.type === "action" && e["action"] === "quorum-override").at(-1)!;
    assert.match(String(reassert["reason"]), /the server restarted \(started unit:\S+; the override was set for the start unit:\S+\)/);
  });

  test("both facts endpoints answer 404: the PUTs still happen; status says which facts are unknown and why", async (t) => {
    const node = await makeE2eNode({ fallback: QUORUM_ON });
    t.after(() => node.close());
    node.factsEndpoints(404);
    await node.cycle();
    assert.deepEqual(quorumPuts(node), ["CL_LOCAL_QUORUM"]);
    assert.equal(responsibilityPuts(node).length, 1);
    const report = node.reports().at(-1)!;
    assert.deepEqual([report.nodeState, report.serverState], ["UNDEFINED", "UNDEFINED"], "unknown, not OFFLINE: the unit runs");

    const human = await node.cli(["status"]);
    assert.match(human.stdout, /^ {2}Unknown nodeState, serverState, serverVersion: GET \/api\/v1\.0\/onpremise\/cluster answered 404\.$/m);
    assert.match(human.stdout, /^ {2}Unknown oneAgentTrafficEnabled, webUiTrafficEnabled: GET \/api\/v1\.0\/onpremise\/cluster\/configuration answered 404\.$/m);
    for (const fact of ["masterNode", "clusterState", "multiDcMigrationState"]) {
      assert.match(human.stdout, new RegExp(`^ {2}Unknown ${fact}: not carried by the Cluster API's node endpoints, and no source is configured \\(server\\.${fact}\\)\\.$`, "m"));
    }
    assert.doesNotMatch(human.stdout, /waiting for the local server/);
    const json = JSON.parse((await node.cli(["status", "--json"])).stdout) as StatusJson;
    assert.deepEqual(json.nodeFacts.origins["nodeState"], { known: false, detail: "GET /api/v1.0/onpremise/cluster answered 404" });
    assert.equal(json.nodeFacts.serverDown, null);

    // Facts back: nothing more to PUT (the server's start identity, from its unit, did not change).
    node.factsEndpoints(null);
    await node.cycle();
    assert.deepEqual(quorumPuts(node), ["CL_LOCAL_QUORUM"]);
  });

  test("a node list without this node: status says so in one line; server.nodeId finds it by id; 401 names the token", async (t) => {
    const node = await makeE2eNode();
    t.after(() => node.close());
    const config = JSON.parse(readFileSync(node.configFile, "utf8")) as { server: Record<string, unknown> };
    // This node (127.0.0.1) is absent: only node 3 is listed.
    node.api.configuration = { clusterNodes: [{ id: 3, ipAddress: "127.0.0.3", webUI: true, agent: false, datacenter: "dc", kubernetesRole: "" }] };
    node.api.nodes = [{ id: 3, clusterMemberAddress: "127.0.0.3:5701", operationState: "SHUTDOWN_IMMINENT", buildVersion: null, osInfo: null, jvmInfo: null, dnsEntryPointUris: null, restServiceRootUris: null, communicationUris: null }];
    const missing = await node.cli(["status"]);
    const lines = missing.stdout.split("\n").filter((l) => /missing from the server's node list/.test(l));
    assert.equal(lines.length, 1, missing.stdout);
    assert.match(lines[0]!, /has no entry for this node's address 127\.0\.0\.1/);

    writeFileSync(node.configFile, JSON.stringify({ ...config, server: { ...config.server, nodeId: 3 } }));
    const byId = JSON.parse((await node.cli(["status", "--json"])).stdout) as StatusJson;
    assert.deepEqual([byId.nodeFacts.thisNode, byId.nodeFacts.nodeState, byId.nodeFacts.missingFromNodeList], [{ id: 3, matchedBy: "server.nodeId" }, "SHUTDOWN_IMMINENT", null]);

    node.api.token = "the-right-token";
    const unauthorised = await node.cli(["status"]);
    assert.match(unauthorised.stdout, /Unknown nodeState, serverState, serverVersion: GET \/api\/v1\.0\/onpremise\/cluster answered 401: the API token \(server\.tokenFile\) is missing, wrong, or lacks the ServiceProviderAPI permission\./);
    // A secret file: 0600, or nodekeeper refuses it (config/secret-file.ts).
    writeFileSync(`${node.fixture.dir}/server-token`, "the-right-token\n", { mode: 0o600 });
    writeFileSync(node.configFile, JSON.stringify({ ...config, server: { ...config.server, nodeId: 3, tokenFile: "server-token" } }));
    const authorised = JSON.parse((await node.cli(["status", "--json"])).stdout) as StatusJson;
    assert.equal(authorised.nodeFacts.nodeState, "SHUTDOWN_IMMINENT");
    assert.ok(node.api.requests.filter((q) => q.method === "GET").slice(-2).every((q) => q.headers.authorization === "Api-Token the-right-token"));
  });

  test("a failed PUT is retried with back-off and shown by status with its error; waiting only while the API refuses connections", async (t) => {
    const node = await makeE2eNode({ fallback: QUORUM_ON });
    t.after(() => node.close());
    node.api.putStatus = 503;
    await node.cycle();
    assert.equal(quorumPuts(node).length, 1);
    await node.cycle();
    assert.equal(quorumPuts(node).length, 1, "not again before its back-off (1 min)");
    const human = await node.cli(["status"]);
    assert.match(human.stdout, /failed 1 time\(s\)/);
    assert.match(human.stdout, /last error: HTTP 503 from PUT \/api\/v1\.0\/onpremise\/nodeManagement\/cassandraQuorumOverride\/CL_LOCAL_QUORUM/);

    // Nothing listens on the server's port: known down, and said so.
    const config = JSON.parse(readFileSync(node.configFile, "utf8")) as { server: Record<string, unknown> };
    writeFileSync(node.configFile, JSON.stringify({ ...config, server: { ...config.server, url: `https://127.0.0.1:${await closedPort()}` } }));
    const refused = await node.cycle();
    assert.equal(refused.code, 0);
    const status = await node.cli(["status"]);
    assert.match(status.stdout, /The server is down: its API refuses connections\./);
    assert.match(status.stdout, /waiting for the local server to run \(its API refuses connections\)/);
    assert.equal(node.reports().at(-1)!.nodeState, "OFFLINE");
  });
});
