import assert from "node:assert/strict";
import { test } from "node:test";
import { CODES } from "../../src/contract/result-codes.js";
import type { ComponentResult } from "../../src/probes/components.js";
import {
  CLUSTER_CONFIGURATION_PATH, CLUSTER_NODES_PATH, FACT_NAMES, factsFromClusterApi, factsFromNodeStatus, findThisNode,
  hostOf, parseClusterNodes, parseConfigNodes, withServerUnit,
} from "../../src/probes/node-facts.js";
import { parseSystemctlShow, unitIdentity } from "../../src/probes/systemd.js";
import { mulberry32 } from "../helpers/random.js";

const random = mulberry32(16);
const randomInt = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));

// The documented example of GET /api/v1.0/onpremise/cluster (Cluster API v1), with loopback addresses.
const NODES = [
  { id: 1, clusterMemberAddress: "10.10.4.2:5701", operationState: "RUNNING", buildVersion: "1.216.10.20210429-124335", osInfo: "Platform: Linux", jvmInfo: "VM: OpenJDK", dnsEntryPointUris: null, restServiceRootUris: ["https://10.10.4.2:8021/api"], communicationUris: ["https://10.10.4.2:8020"] },
  { id: 2, clusterMemberAddress: "10.10.4.6:5701", operationState: "STARTUP", buildVersion: null, osInfo: null, jvmInfo: null, dnsEntryPointUris: null, restServiceRootUris: null, communicationUris: null },
];
// The documented example of GET /api/v1.0/onpremise/cluster/configuration.
const CONFIG = { clusterNodes: [
  { id: 1, ipAddress: "10.10.4.2", webUI: false, agent: true, datacenter: "datacenter-1", kubernetesRole: "" },
  { id: 2, ipAddress: "10.10.4.6", webUI: true, agent: false, datacenter: "datacenter-1", kubernetesRole: "" },
] };
const ok = (path: string, body: unknown) => ({ path, status: 200, body });

test("hostOf: addresses with and without ports, IPv6 bracketed or bare", () => {
  assert.equal(hostOf("10.10.4.2:5701"), "10.10.4.2");
  assert.equal(hostOf("10.10.4.2"), "10.10.4.2");
  assert.equal(hostOf("[::1]:5701"), "::1");
  assert.equal(hostOf("::1"), "::1");
  assert.equal(hostOf("FE80::1"), "fe80::1");
});

test("this node by server.nodeId (integer), else by ipAddress, else by clusterMemberAddress with its port", () => {
  const nodes = parseClusterNodes(NODES)!;
  const conf = parseConfigNodes(CONFIG)!;
  assert.deepEqual(findThisNode(nodes, conf, 2, "10.10.4.2").thisNode, { id: 2, matchedBy: "server.nodeId" });
  assert.equal(findThisNode(nodes, conf, 2, "10.10.4.2").node?.operationState, "STARTUP");
  assert.deepEqual(findThisNode(nodes, conf, undefined, "10.10.4.6").thisNode, { id: 2, matchedBy: "ipAddress" });
  assert.deepEqual(findThisNode(nodes, null, undefined, "10.10.4.2").thisNode, { id: 1, matchedBy: "clusterMemberAddress" });
  assert.equal(findThisNode(nodes, conf, 9, "10.10.4.2").thisNode, null, "a configured id wins over the address");
  assert.equal(findThisNode(nodes, conf, undefined, "10.10.4.9").thisNode, null);
});

test("documented shapes: states, version and traffic flags of this node; the rest unknown, saying why", () => {
  const f = factsFromClusterApi(ok(CLUSTER_NODES_PATH, NODES), ok(CLUSTER_CONFIGURATION_PATH, CONFIG), { nodeId: undefined }, "10.10.4.2");
  assert.deepEqual(
    [f.source, f.nodeState, f.serverState, f.serverVersion, f.webUiTrafficEnabled, f.oneAgentTrafficEnabled, f.masterNode, f.clusterState, f.multiDcMigrationState],
    ["server", "RUNNING", "RUNNING", "1.216.10.20210429-124335", false, true, false, "UNDEFINED", "NOT_STARTED"],
  );
  assert.equal(f.origins.nodeState.known, true);
  assert.match(f.origins.nodeState.detail, /GET \/api\/v1\.0\/onpremise\/cluster: operationState of node 1, found by ipAddress/);
  assert.match(f.origins.webUiTrafficEnabled.detail, /cluster\/configuration: webUI of node 1/);
  assert.equal(f.origins.clusterState.known, false);
  assert.match(f.origins.clusterState.detail, /no source is configured \(server\.clusterState\)/);
  assert.equal(f.missingFromNodeList, null);
});

test("nulls: an operationState or buildVersion null is unknown, not a guess", () => {
  const nodes = [{ ...NODES[0], operationState: null, buildVersion: null }];
  const f = factsFromClusterApi(ok(CLUSTER_NODES_PATH, nodes), ok(CLUSTER_CONFIGURATION_PATH, { clusterNodes: [{ id: 1, ipAddress: null, webUI: null, agent: null, datacenter: null, kubernetesRole: null }] }), { nodeId: 1 }, "127.0.0.1");
  assert.deepEqual([f.nodeState, f.serverVersion, f.origins.nodeState.known, f.origins.serverVersion.known, f.origins.webUiTrafficEnabled.known], ["UNDEFINED", null, false, false, false]);
  assert.match(f.origins.nodeState.detail, /operationState of node 1, found by server\.nodeId is null/);
  const odd = factsFromClusterApi(ok(CLUSTER_NODES_PATH, [{ ...NODES[0], operationState: "\u001b[31mWEIRD" }]), ok(CLUSTER_CONFIGURATION_PATH, CONFIG), { nodeId: 1 }, "127.0.0.1");
  assert.equal(odd.nodeState, "UNDEFINED");
  assert.equal(odd.operationState, "WEIRD", "the escape sequence stripped whole (contract/text.ts)");
  assert.match(odd.origins.nodeState.detail, /not a node state the report knows/);
});

test("a node list without this node: missingFromNodeList says so in one line", () => {
  const f = factsFromClusterApi(ok(CLUSTER_NODES_PATH, NODES), ok(CLUSTER_CONFIGURATION_PATH, CONFIG), { nodeId: undefined }, "127.0.0.1");
  assert.equal(f.source, "fallback");
  assert.match(f.missingFromNodeList ?? "", /has no entry for this node's address 127\.0\.0\.1/);
  assert.equal(f.note, f.missingFromNodeList);
  assert.ok(!f.missingFromNodeList!.includes("\n"));
});

test("404 and 401 on the facts endpoints: every fact unknown, with the status as the reason", () => {
  const f = factsFromClusterApi(
    { path: CLUSTER_NODES_PATH, status: 404, problem: `GET ${CLUSTER_NODES_PATH} answered 404` },
    { path: CLUSTER_CONFIGURATION_PATH, status: 401, problem: `GET ${CLUSTER_CONFIGURATION_PATH} answered 401: the API token ...` },
    { nodeId: 1 }, "127.0.0.1",
  );
  assert.equal(f.source, "fallback");
  assert.match(f.origins.nodeState.detail, /answered 404/);
  assert.match(f.origins.webUiTrafficEnabled.detail, /answered 401/);
  assert.ok(FACT_NAMES.every((n) => !f.origins[n].known));
  assert.equal(f.missingFromNodeList, null, "a 404 is not a node list without this node");
});

const unit = (props: Record<string, string>): ComponentResult => {
  const p = { Id: "dynatrace-server.service", ...props };
  const active = props["ActiveState"] === "active";
  return {
    name: "dynatrace-server", status: active ? "OK" : "ERROR", description: active ? "active (running)" : "stopped (inactive, dead)",
    resultCode: active ? 0 : CODES.UNIT_INACTIVE, version: null, unit: unitIdentity("dynatrace-server.service", p),
  };
};

test("the server's unit: known down when inactive; its run identity from InvocationID, else MainPID and start", () => {
  const facts = factsFromClusterApi(ok(CLUSTER_NODES_PATH, NODES), ok(CLUSTER_CONFIGURATION_PATH, CONFIG), { nodeId: 1 }, "127.0.0.1");
  const running = withServerUnit(facts, unit({ ActiveState: "active", MainPID: "4242", ExecMainStartTimestamp: "Sat 2026-11-21 05:00:00 UTC", ExecMainStartTimestampMonotonic: "123456789", InvocationID: "0123456789ABCDEF0123456789abcdef" }));
  assert.deepEqual([running.serverRunning, running.serverDown, running.serverStartId], [true, null, "unit:0123456789abcdef0123456789abcdef"]);
  const noInvocation = withServerUnit(facts, unit({ ActiveState: "active", MainPID: "4242", ExecMainStartTimestampMonotonic: "123456789", InvocationID: "" }));
  assert.equal(noInvocation.serverStartId, "unit:pid4242@123456789");
  const down = withServerUnit(factsFromClusterApi({ path: CLUSTER_NODES_PATH, problem: "x" }, { path: CLUSTER_CONFIGURATION_PATH, problem: "x" }, { nodeId: 1 }, "127.0.0.1"),
    unit({ ActiveState: "inactive", MainPID: "0", InvocationID: "" }));
  assert.deepEqual([down.serverRunning, down.serverDown, down.serverStartId, down.nodeState, down.serverState], [false, "its unit dynatrace-server.service is inactive", null, "OFFLINE", "OFFLINE"]);
  const unknown = withServerUnit(factsFromClusterApi({ path: CLUSTER_NODES_PATH, status: 404, problem: "404" }, { path: CLUSTER_CONFIGURATION_PATH, status: 404, problem: "404" }, { nodeId: 1 }, "127.0.0.1"), undefined);
  assert.deepEqual([unknown.serverRunning, unknown.serverDown, unknown.nodeState], [null, null, "UNDEFINED"], "unknown is not down");
  const refused = withServerUnit(factsFromClusterApi({ path: CLUSTER_NODES_PATH, problem: "refused", refused: true }, { path: CLUSTER_CONFIGURATION_PATH, problem: "refused", refused: true }, { nodeId: 1 }, "127.0.0.1"), undefined);
  assert.deepEqual([refused.serverRunning, refused.serverDown], [false, "its API refuses connections"]);
});

test("systemctl show: MainPID, ExecMainStartTimestamp(Monotonic) and InvocationID in the same block as the state", () => {
  const [block] = parseSystemctlShow([
    "Id=dynatrace-server.service", "LoadState=loaded", "ActiveState=active", "SubState=running", "Result=success",
    "ActiveEnterTimestamp=Sat 2026-11-21 05:00:01 UTC", "MainPID=1234", "ExecMainStartTimestamp=Sat 2026-11-21 05:00:00 UTC",
    "ExecMainStartTimestampMonotonic=98765432", "InvocationID=7c6d2f1e8a0b4c3d9e8f7a6b5c4d3e2f", "",
  ].join("\n"));
  assert.deepEqual(unitIdentity("dynatrace-server.service", block!), {
    unit: "dynatrace-server.service", activeState: "active", mainPid: 1234, startedAt: "Sat 2026-11-21 05:00:00 UTC",
    startedMonotonicUs: "98765432", invocationId: "7c6d2f1e8a0b4c3d9e8f7a6b5c4d3e2f",
  });
  assert.deepEqual(unitIdentity("x", { MainPID: "0", InvocationID: "", ExecMainStartTimestampMonotonic: "0" }),
    { unit: "x", activeState: "", mainPid: null, startedAt: null, startedMonotonicUs: null, invocationId: null });
});

test("legacy node-status source still reads the configured fields", () => {
  const f = factsFromNodeStatus(ok("/s", { nodeState: "RUNNING", serverState: "RUNNING", masterNode: true, startedAt: "2026-11-21T00:00:00Z" }), {
    nodeStatusPath: "/s",
    fields: { masterNode: "masterNode", nodeState: "nodeState", serverState: "serverState", oneAgentTrafficEnabled: "a", webUiTrafficEnabled: "w", multiDcMigrationState: "m", clusterState: "c", startedAt: "startedAt" },
  });
  assert.deepEqual([f.source, f.api, f.nodeState, f.masterNode, f.apiStartedAt, f.origins.webUiTrafficEnabled.known], ["server", "node-status", "RUNNING", true, "2026-11-21T00:00:00Z", false]);
});

test("fuzz: any JSON in either answer never throws and always yields contract values", () => {
  const atoms: unknown[] = [null, true, false, 0, -1, 1.5, 2 ** 53, "", "RUNNING", "10.10.4.2", "10.10.4.2:5701", "\u0000\u001b", "x".repeat(5000), [], {}];
  const rand = (depth: number): unknown => {
    const k = randomInt(0, depth > 2 ? 0 : 4);
    if (k === 0) return atoms[randomInt(0, atoms.length - 1)];
    if (k === 1) return Array.from({ length: randomInt(0, 4) }, () => rand(depth + 1));
    const keys = ["id", "clusterMemberAddress", "operationState", "buildVersion", "ipAddress", "webUI", "agent", "clusterNodes", "other"];
    return Object.fromEntries(Array.from({ length: randomInt(0, 6) }, () => [keys[randomInt(0, keys.length - 1)]!, rand(depth + 1)]));
  };
  for (let i = 0; i < 2000; i++) {
    const nodes = randomInt(0, 1) ? Array.from({ length: randomInt(0, 5) }, () => rand(1)) : rand(0);
    const conf = randomInt(0, 1) ? { clusterNodes: Array.from({ length: randomInt(0, 5) }, () => rand(1)) } : rand(0);
    const f = withServerUnit(factsFromClusterApi(ok(CLUSTER_NODES_PATH, nodes), ok(CLUSTER_CONFIGURATION_PATH, conf), { nodeId: randomInt(0, 1) ? 1 : undefined }, "10.10.4.2"), undefined);
    assert.equal(typeof f.webUiTrafficEnabled, "boolean");
    assert.ok((f.serverVersion ?? "").length <= 65);
    assert.ok(!/[\u0000-\u001f]/.test(JSON.stringify([f.operationState, f.serverVersion]).replace(/\\u00[01][0-9a-f]/g, "")));
  }
});
