/**
 * `diagnose` through the built CLI: real loopback HTTPS for Mission Control
 * and the server's Cluster API (certificates made at test time), the fake
 * systemctl and nodetool on PATH. Each broken dependency must be named in its
 * own line, with its fix.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { chmodSync, mkdirSync } from "node:fs";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { test } from "node:test";
import type { DiagnoseResult, Finding } from "../../src/commands/diagnose.js";
import { ROOT, runCli } from "../helpers/cli.js";
import { makeNodeFixture, RUNNING } from "../helpers/node-fixture.js";
import { makeTestPki } from "../helpers/tls.js";
import { startConnectProxy, startMissionControl } from "../mission-control/server.js";
import { makeToken, writeTokenFile } from "../mission-control/support.js";

type After = { after: (fn: () => Promise<void> | void) => void };

const FAKE_NODETOOL = join(ROOT, "test/helpers/fake-nodetool.mjs");

/** The server's Cluster API (GET /api/v1.0/onpremise/cluster): an array of nodes. */
async function startClusterApi(t: After, token: string, nodes: unknown[]) {
  const pki = makeTestPki();
  const server = createServer({ cert: pki.server.cert, key: pki.server.key }, (req, res) => {
    if (req.headers.authorization !== `Api-Token ${token}`) { res.statusCode = 401; res.end(); return; }
    if (req.method === "GET" && req.url === "/api/v1.0/onpremise/cluster") {
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify(nodes));
      return;
    }
    res.statusCode = 404;
    res.end();
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  t.after(() => { server.closeAllConnections(); server.close(); });
  return `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function mkdir(dir: string): string {
  mkdirSync(dir, { recursive: true });
  return dir;
}

function line(stdout: string, check: string): string {
  const found = stdout.split("\n").find((l) => l.split(/\s+/)[1] === check);
  assert.ok(found, `no line for ${check} in:\n${stdout}`);
  return found;
}

function finding(result: DiagnoseResult, check: string): Finding {
  const f = result.findings.find((x) => x.check === check);
  assert.ok(f, `no finding ${check}: ${JSON.stringify(result.findings.map((x) => x.check))}`);
  return f;
}

test("diagnose: a group-readable token, an expired client certificate, an untrusted Mission Control and an unreachable nodetool, each in its own line; exit 2", async (t) => {
  const pki = makeTestPki();
  const mc = await startMissionControl({ cert: pki.serverFromOtherCa });
  t.after(() => mc.close());
  const node = makeNodeFixture(t);
  mkdirSync(node.stateDir, { mode: 0o750 });
  node.unit("nodekeeper.timer", RUNNING);
  const token = makeToken();
  const tokenFile = writeTokenFile(node.dir, token, 0o640);
  const serverToken = makeToken();
  const serverTokenFile = writeTokenFile(mkdir(join(node.dir, "server")), serverToken);
  const api = await startClusterApi(t, serverToken, [{ id: 1, clusterMemberAddress: "127.0.0.1", operationState: "RUNNING" }]);
  const config = node.config({
    nodeIp: "127.0.0.1",
    directories: [{ path: node.dir }],
    missionControl: { url: mc.url, tokenFile, caFile: pki.ca.certFile, certFile: pki.expiredServer.certFile, keyFile: pki.expiredServer.keyFile },
    server: { url: api, caFile: pki.ca.certFile, tokenFile: serverTokenFile },
    cassandra: { nodetool: ["/usr/bin/env", "FAKE_NODETOOL_MODE=refuse", process.execPath, FAKE_NODETOOL] },
  });
  const r = await runCli(["--config", config, "diagnose"], { env: node.env, timeoutMs: 60_000 });
  assert.equal(r.code, 2, r.stdout + r.stderr);
  assert.match(line(r.stdout, "secrets.missionControl.tokenFile"), new RegExp(`^ERROR .*${tokenFile} is readable by group \\(mode 0640\\).*fix: chmod 600 ${tokenFile}$`));
  assert.match(line(r.stdout, "client-certificate"), /^ERROR .*expired 1 day ago.*fix: renew the client certificate/);
  assert.match(line(r.stdout, "mission-control.tls"), /^ERROR .*issued by CN=other-ca.* is not trusted: (UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY).*fix: set missionControl.caFile/);
  assert.match(line(r.stdout, "nodetool.jmx"), /^ERROR .*could not connect to Cassandra JMX.*fix: is Cassandra running/);
  // What works is said to work; what could not be reached is skipped, not guessed.
  assert.match(line(r.stdout, "mission-control.tcp"), /^OK /);
  assert.match(line(r.stdout, "mission-control.token"), /^SKIP .*TLS fails/);
  assert.match(line(r.stdout, "server-api.node"), /^OK .*this node \(127\.0\.0\.1\) is node 1 of 1, RUNNING/);
  assert.match(line(r.stdout, "systemd"), /^WARNING .*systemd is NOT PID 1/);
  assert.match(line(r.stdout, "systemd.units"), /^WARNING .*missing: nodekeeper\.service, nodekeeper-run\.service/);
  assert.equal(mc.requests.length, 0, "no request over an untrusted connection");
  for (const text of [r.stdout, r.stderr]) {
    assert.ok(!text.includes(token) && !text.includes(serverToken), "no token in the output");
  }
});

test("diagnose --json: a healthy Mission Control accepts the token on an empty body (no report), the clock agrees, nodetool reads the version; exit by the worst", async (t) => {
  const pki = makeTestPki();
  // An empty body is never a report: Mission Control refuses it (422) after authenticating.
  const mc = await startMissionControl({ fallback: (req) => (req.headers["authorization"] === `Bearer ${token}` ? { status: 422, body: "not a report" } : { status: 401 }) });
  t.after(() => mc.close());
  const node = makeNodeFixture(t);
  mkdirSync(node.stateDir, { mode: 0o750 });
  chmodSync(node.stateDir, 0o750);
  for (const unit of ["nodekeeper.service", "nodekeeper.timer", "nodekeeper-run.service"]) node.unit(unit, RUNNING);
  const token = makeToken();
  const tokenFile = writeTokenFile(node.dir, token);
  const serverToken = makeToken();
  const api = await startClusterApi(t, serverToken, [{ id: 7, ipAddress: "127.0.0.2" }]);
  const config = node.config({
    nodeIp: "127.0.0.1",
    directories: [{ path: node.dir }],
    missionControl: { url: mc.url, tokenFile, caFile: pki.ca.certFile, certFile: pki.client.certFile, keyFile: pki.client.keyFile },
    server: { url: api, caFile: pki.ca.certFile, tokenFile: writeTokenFile(mkdir(join(node.dir, "server")), makeToken()) },
    cassandra: { nodetool: ["/usr/bin/env", "FAKE_NODETOOL_MAP={\"version\":\"4.1/version.txt\"}", process.execPath, FAKE_NODETOOL] },
  });
  const r = await runCli(["--config", config, "diagnose", "--json"], { env: node.env, timeoutMs: 60_000 });
  const result = JSON.parse(r.stdout) as DiagnoseResult;
  assert.equal(result.diagnoseVersion, 1);
  assert.equal(finding(result, "mission-control.tls").verdict, "OK");
  assert.equal(finding(result, "mission-control.hostname").verdict, "OK");
  // The test CA signs for 2 days: under the 14-day warning.
  assert.equal(finding(result, "mission-control.certificate").verdict, "WARNING");
  assert.match(finding(result, "mission-control.certificate").detail, /expires in [01] days?/);
  assert.match(finding(result, "mission-control.token").detail, /token accepted .*HTTP 422/);
  assert.equal(finding(result, "mission-control.clock").verdict, "OK");
  assert.equal(finding(result, "secrets.missionControl.tokenFile").verdict, "OK");
  assert.equal(finding(result, "server-api.token").verdict, "ERROR", "the server refuses the wrong token");
  assert.equal(finding(result, "nodetool.version").detail, "Cassandra 4.1.6");
  assert.equal(finding(result, "systemd.units").verdict, "OK");
  assert.equal(finding(result, "state-dir.mode").detail, "mode 0750");
  assert.equal(finding(result, "thread-pool").verdict, "OK");
  assert.equal(result.worst, "ERROR");
  assert.equal(r.code, 2);
  // The only request: one POST of `{}`, with the token; no report was sent.
  assert.equal(mc.requests.length, 1);
  assert.equal(mc.requests[0]!.body, "{}");
  assert.equal(mc.requests[0]!.path, "/api/v1/nodekeeper/health");
});

test("diagnose: a configuration that does not validate is one line per problem, exit 64", async (t) => {
  const node = makeNodeFixture(t);
  const config = node.config({ missionControl: { url: "https://127.0.0.1:1", bogus: 1 } });
  const r = await runCli(["--config", config, "diagnose"], { env: node.env });
  assert.equal(r.code, 64, r.stdout + r.stderr);
  assert.match(line(r.stdout, "config"), /^ERROR .*missionControl\.bogus: unknown key/);
});

test("diagnose: through the configured proxy: TLS is inspected inside the CONNECT tunnel, the proxy's password is never printed", async (t) => {
  const pki = makeTestPki();
  const mc = await startMissionControl({ fallback: { status: 401 } });
  const proxy = await startConnectProxy("127.0.0.3");
  t.after(() => mc.close());
  t.after(() => proxy.close());
  const node = makeNodeFixture(t);
  mkdirSync(node.stateDir, { mode: 0o750 });
  const password = "proxy-secret-4711";
  const config = node.config({
    nodeIp: "127.0.0.1",
    directories: [{ path: node.dir }],
    missionControl: { url: mc.url, tokenFile: writeTokenFile(node.dir, makeToken()), caFile: pki.ca.certFile, proxy: proxy.url.replace("http://", `http://ops:${password}@`) },
    server: { url: "https://127.0.0.1:1" },
    cassandra: { nodetool: [join(node.dir, "no-nodetool")] },
  });
  chmodSync(config, 0o644);
  const r = await runCli(["--config", config, "diagnose"], { env: node.env, timeoutMs: 60_000 });
  assert.ok(!r.stdout.includes(password) && !r.stderr.includes(password), "the proxy password is not printed");
  assert.match(line(r.stdout, "mission-control.proxy"), new RegExp(`^OK .*through http://ops:\\*\\*\\*@${proxy.url.replace("http://", "")}/ \\(missionControl\\.proxy\\)`));
  assert.match(line(r.stdout, "mission-control.tcp"), /^OK .*the proxy 127\.0\.0\.3:/);
  assert.match(line(r.stdout, "mission-control.tls"), /^OK .*verified/);
  assert.match(line(r.stdout, "mission-control.token"), /^ERROR .*refused the token \(HTTP 401\)/);
  // The configuration holds the proxy password: it is a secret file too.
  assert.match(line(r.stdout, "secrets.config-file"), /^ERROR .*readable by group and readable by others \(mode 0644\).*fix: chmod 600/);
  assert.match(line(r.stdout, "server-api"), /^ERROR .*ECONNREFUSED/);
  assert.deepEqual(proxy.tunnels, [`${mc.host}:${mc.port}`, `${mc.host}:${mc.port}`], "one tunnel for the TLS inspection, one for the token");
  assert.equal(r.code, 2);
});

test("diagnose checks the token at the health endpoint under missionControl.url's path, as the sender posts reports", async (t) => {
  const pki = makeTestPki();
  const mc = await startMissionControl({ fallback: () => ({ status: 422, body: "not a report" }) });
  t.after(() => mc.close());
  const node = makeNodeFixture(t);
  mkdirSync(node.stateDir, { mode: 0o750 });
  const config = node.config({
    nodeIp: "127.0.0.1",
    directories: [{ path: node.dir }],
    missionControl: { url: `${mc.url}/mc/eu-1`, tokenFile: writeTokenFile(node.dir, makeToken()), caFile: pki.ca.certFile },
  });
  const r = await runCli(["--config", config, "diagnose", "--json"], { env: node.env, timeoutMs: 60_000 });
  const result = JSON.parse(r.stdout) as DiagnoseResult;
  assert.match(finding(result, "mission-control.token").detail, /token accepted .*HTTP 422/);
  assert.deepEqual(mc.requests.map((q) => q.path), ["/mc/eu-1/api/v1/nodekeeper/health"]);
});

test("diagnose finds this node in the documented /cluster list (clusterMemberAddress ip:port), and by server.nodeId, as status does", async (t) => {
  const pki = makeTestPki();
  const node = makeNodeFixture(t);
  mkdirSync(node.stateDir, { mode: 0o750 });
  const serverToken = makeToken();
  const serverTokenFile = writeTokenFile(mkdir(join(node.dir, "server")), serverToken);
  const api = await startClusterApi(t, serverToken, [
    { id: 2, clusterMemberAddress: "127.0.0.2:5701", operationState: "RUNNING" },
    { id: 3, clusterMemberAddress: "127.0.0.1:5701", operationState: "STARTING" },
  ]);
  const base = { nodeIp: "127.0.0.1", directories: [{ path: node.dir }], server: { url: api, caFile: pki.ca.certFile, tokenFile: serverTokenFile } };
  const byAddress = await runCli(["--config", node.config(base), "diagnose"], { env: node.env, timeoutMs: 60_000 });
  assert.match(line(byAddress.stdout, "server-api.node"), /^OK .*this node \(127\.0\.0\.1\) is node 3 of 2, STARTING/);
  const byId = await runCli(["--config", node.config({ ...base, server: { ...base.server, nodeId: 2 } }), "diagnose"], { env: node.env, timeoutMs: 60_000 });
  assert.match(line(byId.stdout, "server-api.node"), /^OK .*this node \(127\.0\.0\.1\) is node 2 of 2, RUNNING/);
});
