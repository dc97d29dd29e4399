/**
 * Issue 4, done when: `report --dry-run` against three local peers (one
 * healthy with a 50 ms server, one refusing, one silent) reports each
 * correctly and finishes within its deadline; run as real processes of the
 * built CLI. Then `status --json`, `status` and `check connectivity` on the
 * same peers.
 *
 * Everything is on loopback, in this machine's own network namespace: each
 * peer has its own 127.0.0.x address and non-privileged ports (per-peer
 * `hostPort`, `serverPort`, `cassandraPorts`), and nothing in the
 * configuration names another address (no `cassandraAddress`, `nodeIp` and
 * the local server on 127.0.0.1, no Mission Control). The listeners are the
 * connectivity tests' own (test/probes/connectivity/fixtures): the healthy peer's
 * HTTPS server answers `RUNNING` after 50 ms with a certificate of the test CA
 * (`connectivity.caFile`), the refusing peer's port was bound and closed, and
 * the silent peer is a listener whose accept queue is full, so the kernel
 * drops further SYNs, as a firewall that drops packets would.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { StatusView } from "../../src/commands/status.js";
import { HealthReportSchema } from "../../src/contract/report.js";
import { makeTestPki, type TestPki } from "../helpers/tls.js";
import { makeNodeFixture } from "../helpers/node-fixture.js";
import { suiteOwner } from "../helpers/temp.js";
import { refusedPort, startPeerServers, startSilentListener, type PeerServers, type SilentListener } from "../probes/connectivity/fixtures/harness.js";
import type { ListenerSpec } from "../probes/connectivity/fixtures/peer-servers.js";
import { json, runNodekeeper } from "./peers.js";

type StatusJson = Omit<StatusView, "snapshot">;

// Addresses no other test uses (test/probes/connectivity, which may run at the same time, has 127.0.0.2–8): no
// other listener can take the refusing peer's closed port, nor answer in the silent peer's place.
// The test CA's server certificate covers 127.0.0.1–9; the two bad peers never get as far as TLS.
const HEALTHY = "127.0.0.9";
const REFUSING = "127.0.3.8";
const SILENT = "127.0.3.9";
const SERVER_DELAY_MS = 50;
/** connectivity.timeoutMs: each view of a peer, all its samples included. */
const VIEW_TIMEOUT_MS = 4_000; // 4 s: three TLS samples on a loaded two-core machine; the silent peer waits this long
/** probes.deadlineMs: the whole probing pass. */
const DEADLINE_MS = 10_000;
/** Starting the CLI (node, module loading) on a busy two-core machine: generous, the probing itself is checked to the deadline in `status --json`. */
const START_SLACK_MS = 10_000;

const files = suiteOwner();
let pki: TestPki;
let servers: PeerServers | undefined;
let silent: SilentListener | undefined;
let configFile: string;
let env: Record<string, string>;

before(async () => {
  pki = makeTestPki();
  const tcp = (): ListenerSpec => ({ kind: "tcp", hosts: [HEALTHY] });
  let refused: number;
  [servers, silent, refused] = await Promise.all([
    startPeerServers({
      listeners: [
        { kind: "https", hosts: [HEALTHY], certFile: pki.server.certFile, keyFile: pki.server.keyFile, delayMs: SERVER_DELAY_MS },
        tcp(), // host (nodekeeper) port
        tcp(), // Cassandra native transport
        tcp(), // Cassandra storage
      ],
    }),
    startSilentListener(SILENT, 120_000),
    refusedPort(REFUSING),
  ]);
  const [server, host, native, storage] = servers.ports;
  const node = makeNodeFixture(files);
  env = node.env;
  configFile = node.config({
    nodeIp: "127.0.0.1",
    // The local server's API (node facts) stays at its default, https://127.0.0.1:8021, where nothing
    // listens; a short deadline all the same, so that a stranger listening there cannot slow the run.
    server: { timeoutMs: 1_000 },
    components: [],
    directories: [],
    // Not installed: no nodetool runs, hints are unknown (null).
    cassandra: { nodetool: [join(node.dir, "no-such-nodetool")] },
    peers: [
      { nodeId: "healthy", address: HEALTHY, hostPort: host, serverPort: server, cassandraPorts: [native, storage] },
      { nodeId: "refusing", address: REFUSING, hostPort: refused, serverPort: refused, cassandraPorts: [refused] },
      { nodeId: "silent", address: SILENT, hostPort: silent.port, serverPort: silent.port, cassandraPorts: [silent.port] },
    ],
    connectivity: { caFile: pki.ca.certFile, timeoutMs: VIEW_TIMEOUT_MS },
    probes: { deadlineMs: DEADLINE_MS },
  });
});

after(async () => {
  await Promise.all([servers?.close(), silent?.close()]);
});

const NOT_CONNECTED = { serverConnected: false, serverLatencyMs: null, hostConnected: false, hostLatencyMs: null, cassandraConnected: false, cassandraHints: null };

describe("three local peers through the CLI: healthy (50 ms server), refusing, silent", () => {
  test("report --dry-run: each peer's connectivityMetrics entry, within the deadline", async () => {
    const r = await runNodekeeper(["--config", configFile, "report", "--dry-run"], { env, timeoutMs: 30_000 });
    assert.equal(r.code, 0, r.stderr);
    const body = HealthReportSchema.parse(json(r));
    const [healthy, refusing, silentPeer] = body.connectivityMetrics;
    assert.equal(body.connectivityMetrics.length, 3);
    assert.ok(healthy && refusing && silentPeer);
    assert.ok(typeof healthy.serverLatencyMs === "number" && healthy.serverLatencyMs >= SERVER_DELAY_MS && healthy.serverLatencyMs < VIEW_TIMEOUT_MS,
      `server median ${healthy.serverLatencyMs} ms`);
    assert.ok(typeof healthy.hostLatencyMs === "number" && healthy.hostLatencyMs >= 0 && healthy.hostLatencyMs < VIEW_TIMEOUT_MS,
      `host median ${healthy.hostLatencyMs} ms`);
    assert.deepEqual(body.connectivityMetrics, [
      {
        nodeId: "healthy",
        serverConnected: true,
        serverLatencyMs: healthy.serverLatencyMs,
        hostConnected: true,
        hostLatencyMs: healthy.hostLatencyMs,
        cassandraConnected: true,
        cassandraHints: null,
      },
      { nodeId: "refusing", ...NOT_CONNECTED },
      { nodeId: "silent", ...NOT_CONNECTED },
    ]);
    // The silent peer's views were waited for up to their deadline, and the run ended within the pass's deadline.
    assert.ok(r.durationMs >= VIEW_TIMEOUT_MS, `took ${Math.round(r.durationMs)} ms`);
    assert.ok(r.durationMs < DEADLINE_MS + START_SLACK_MS, `took ${Math.round(r.durationMs)} ms, deadline ${DEADLINE_MS} ms + ${START_SLACK_MS} ms to start`);
    console.log(`report --dry-run with three peers: ${Math.round(r.durationMs)} ms (server median ${healthy.serverLatencyMs} ms)`);
  });

  test("status --json: refused vs timeout per view; probing within the deadline", async () => {
    const r = await runNodekeeper(["--config", configFile, "status", "--json"], { env, timeoutMs: 30_000 });
    const view = json<StatusJson>(r);
    const outcomes = view.connectivity.peers.map((p) => [p.nodeId, p.host.outcome, p.server.outcome, p.cassandra.outcome]);
    const details = view.connectivity.peers.map((p) => `${p.nodeId}: host ${p.host.detail}; server ${p.server.detail}; cassandra ${p.cassandra.detail}`).join("\n");
    assert.deepEqual(outcomes, [
      ["healthy", "ok", "ok", "ok"],
      ["refusing", "refused", "refused", "refused"],
      ["silent", "timeout", "timeout", "timeout"],
    ], details);
    const [healthy] = view.connectivity.peers;
    assert.ok(healthy);
    assert.equal(healthy.server.tlsVerified, true);
    assert.ok(healthy.server.latencyMs !== null && healthy.server.latencyMs >= SERVER_DELAY_MS, healthy.server.detail);
    assert.deepEqual(healthy.cassandra.ports.map((p) => p.outcome), ["ok", "ok"]);
    assert.ok(view.durationMs < DEADLINE_MS, `probing took ${view.durationMs} ms: ${JSON.stringify(view.probeTimings)}`);
    // Two of three peers answer on no view: `status` calls that ERROR (this node may be cut off).
    assert.equal(view.connectivity.summary.status, "ERROR", view.connectivity.summary.summary);
    assert.match(view.connectivity.summary.summary, /refusing: unreachable \(refused\); silent: unreachable \(timeout\)/);
    assert.equal(view.overall, "ERROR");
    assert.equal(r.code, 2);
  });

  test("status: the peer table shows refused vs timeout", async () => {
    const r = await runNodekeeper(["--config", configFile, "status"], { env, timeoutMs: 30_000 });
    assert.equal(r.code, 2, r.stderr);
    const lines = r.stdout.split("\n");
    const header = lines.findIndex((l) => /^NODE\s+ADDRESS\s+HOST\s+SERVER\s+CASSANDRA\s+HINTS\s+RING$/.test(l));
    assert.ok(header >= 0, r.stdout);
    const [healthyRow, refusingRow, silentRow] = lines.slice(header + 1, header + 4).map((l) => l.split(/ {2,}/));
    assert.ok(healthyRow && healthyRow.length === 7, lines[header + 1]);
    assert.deepEqual(healthyRow.slice(0, 2), ["healthy", HEALTHY]);
    for (const cell of healthyRow.slice(2, 5)) assert.match(cell, /^ok \d+\.\d ms$/);
    assert.deepEqual(healthyRow.slice(5), ["?", "?"]);
    assert.deepEqual(refusingRow, ["refusing", REFUSING, "refused", "refused", "refused", "?", "?"]);
    assert.deepEqual(silentRow, ["silent", SILENT, "timeout", "timeout", "timeout", "?", "?"]);
    // Under the table: what failed and how, per view.
    assert.match(r.stdout, /^ {2}refusing: host: .*refused/m);
    assert.match(r.stdout, /^ {2}silent: host: .*/m);
  });

  test("check connectivity: one Nagios line, CRITICAL (exit 2), as status says ERROR: 2 of 3 peers answer on no view", async () => {
    const r = await runNodekeeper(["--config", configFile, "check", "connectivity"], { env, timeoutMs: 30_000 });
    assert.equal(r.code, 2, r.stdout + r.stderr);
    const [line] = r.stdout.split("\n");
    assert.match(line ?? "", /^NODEKEEPER CONNECTIVITY CRITICAL - 2 of 3 peers unreachable, this node may be cut off: refusing, silent/);
    assert.match(line ?? "", /\| down=2;;;0;3 latency=\d+(\.\d+)?ms;;;0$/);
    assert.ok(r.durationMs < DEADLINE_MS + START_SLACK_MS, `took ${Math.round(r.durationMs)} ms`);
  });
});
