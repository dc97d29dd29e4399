/**
 * The connectivity probe against real listeners on distinct loopback
 * addresses (all in child processes, see fixtures/): a healthy peer whose
 * server answers after 50 ms, a peer that refuses, a peer that never answers,
 * wrong answers, certificates from the wrong CA or expired, IPv6, fan-out and
 * the overall deadline.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { ConnectivityConfigSchema, type ConnectivityConfig, type Peer } from "../../../src/config/connectivity.js";
import { probeConnectivity, type PeerConnectivity } from "../../../src/probes/connectivity/probe.js";
import { toConnectivityMetric } from "../../../src/report/connectivity-metric.js";
import { connectivityStatus, toPeerTableRows } from "../../../src/probes/connectivity/status.js";
import { ConnectivityMetricSchema } from "../../../src/contract/report.js";
import { makeTestPki, type TestPki } from "../../helpers/tls.js";
import {
  ipv6Available,
  openResources,
  refusedPort,
  startPeerServers,
  startSilentListener,
  type PeerServers,
  type SilentListener,
} from "./fixtures/harness.js";
import type { ListenerSpec } from "./fixtures/peer-servers.js";

const HEALTHY = "127.0.0.2";
const REFUSING = "127.0.0.3";
const SILENT = "127.0.0.4";
const ANSWERS = "127.0.0.5"; // wrong answers
const CERTS = "127.0.0.6"; // bad certificates
const FLAPPING = "127.0.0.7";
const SLOW = "127.0.0.8";
const SERVER_DELAY_MS = 50;
const SLOW_DELAY_MS = 200;

let pki: TestPki;
let servers: PeerServers;
let silent: SilentListener;
let refused: number;
let v6: boolean;
/** Ports by role, filled in `before`. */
const port: Record<string, number> = {};

function config(overrides: Partial<ConnectivityConfig> = {}): ConnectivityConfig {
  return ConnectivityConfigSchema.parse({ caFile: pki.ca.certFile, timeoutMs: 1_000, ...overrides });
}

/** A peer whose views all go to `address`, on the given ports. */
function peer(nodeId: string, address: string, ports: { host: number; server: number; cassandra: number[] }): Peer {
  return { nodeId, address, hostPort: ports.host, serverPort: ports.server, cassandraPorts: ports.cassandra };
}

function healthyPeer(nodeId = "healthy"): Peer {
  return peer(nodeId, HEALTHY, { host: port.host!, server: port.server!, cassandra: [port.native!, port.storage!] });
}

function serverOnly(nodeId: string, address: string, serverPort: number): Peer {
  return peer(nodeId, address, { host: port.tcpAll!, server: serverPort, cassandra: [port.tcpAll!] });
}

function assertNotConnected(view: { connected: boolean; latencyMs: number | null }): void {
  assert.equal(view.connected, false);
  assert.equal(view.latencyMs, null);
}

before(async () => {
  pki = makeTestPki();
  v6 = await ipv6Available();
  const https = (hosts: string[], extra: Partial<Extract<ListenerSpec, { kind: "https" }>> = {}): ListenerSpec => ({
    kind: "https", hosts, certFile: pki.server.certFile, keyFile: pki.server.keyFile, delayMs: 0, ...extra,
  });
  const tcp = (hosts: string[]): ListenerSpec => ({ kind: "tcp", hosts });
  const roles: Array<[string, ListenerSpec]> = [
    ["server", https([HEALTHY], { delayMs: SERVER_DELAY_MS })],
    ["host", tcp([HEALTHY])],
    ["native", tcp([HEALTHY])],
    ["storage", tcp([HEALTHY])],
    ["tcpAll", tcp([ANSWERS, CERTS, FLAPPING, SLOW])],
    ["wrongBody", https([ANSWERS], { bodies: ["STARTING"] })],
    ["unavailable", https([ANSWERS], { status: 503 })],
    ["otherCa", https([CERTS], { certFile: pki.serverFromOtherCa.certFile, keyFile: pki.serverFromOtherCa.keyFile })],
    ["expired", https([CERTS], { certFile: pki.expiredServer.certFile, keyFile: pki.expiredServer.keyFile })],
    ["flapping", https([FLAPPING], { bodies: ["STARTING", "RUNNING", "RUNNING"] })],
    ["slow", https([SLOW], { delayMs: SLOW_DELAY_MS })],
    ...(v6 ? ([["v6server", https(["::1"], { delayMs: SERVER_DELAY_MS })], ["v6tcp", tcp(["::1"])]] as Array<[string, ListenerSpec]>) : []),
  ];
  [servers, silent, refused] = await Promise.all([
    startPeerServers({ listeners: roles.map(([, spec]) => spec) }),
    startSilentListener(SILENT),
    refusedPort(REFUSING),
  ]);
  roles.forEach(([role], i) => {
    port[role] = servers.ports[i]!;
  });
});

after(async () => {
  await Promise.all([servers?.close(), silent?.close()]);
});

describe("three local peers: healthy (50 ms server), refusing, silent", () => {
  let results: PeerConnectivity[];
  let elapsedMs: number;
  let leftOpen: Array<[string, number, number]>;
  const deadlineMs = 4_000;

  before(async () => {
    const peers = [
      healthyPeer(),
      peer("refusing", REFUSING, { host: refused, server: refused, cassandra: [refused] }),
      peer("silent", SILENT, { host: silent.port, server: silent.port, cassandra: [silent.port] }),
    ];
    const before = openResources();
    const start = performance.now();
    results = await probeConnectivity({ peers, config: config(), deadlineMs });
    elapsedMs = performance.now() - start;
    const afterProbe = openResources();
    leftOpen = [...new Set([...before.keys(), ...afterProbe.keys()])]
      .map((k): [string, number, number] => [k, before.get(k) ?? 0, afterProbe.get(k) ?? 0])
      .filter(([, b, a]) => a > b);
  });

  test("results come in the order of the peers", () => {
    assert.deepEqual(results.map((r) => r.nodeId), ["healthy", "refusing", "silent"]);
  });

  test("the healthy peer is connected on every view, the server's median at least its 50 ms delay", () => {
    const [h] = results;
    assert.ok(h);
    assert.equal(h.probed, true);
    for (const view of [h.host, h.server, h.cassandra]) {
      assert.equal(view.outcome, "ok", view.detail);
      assert.equal(view.connected, true);
      assert.equal(view.samplesOk, view === h.cassandra ? 6 : 3);
    }
    assert.ok(h.server.latencyMs! >= SERVER_DELAY_MS, `server median ${h.server.latencyMs} ms`);
    assert.ok(h.server.latencyMs! < 1_000, `server median ${h.server.latencyMs} ms`);
    assert.ok(h.host.latencyMs! >= 0 && h.host.latencyMs! < 500, `host ${h.host.latencyMs} ms`);
    assert.deepEqual(h.cassandra.ports.map((p) => [p.port, p.outcome]), [[port.native, "ok"], [port.storage, "ok"]]);
    assert.equal(h.server.tlsVerified, true);
    assert.equal(h.tlsVerificationSkipped, false);
    assert.match(h.server.detail, /TLS verified/);
  });

  test("the refusing peer is refused on every view, with no latency", () => {
    const r = results[1]!;
    for (const view of [r.host, r.server, r.cassandra]) {
      assertNotConnected(view);
      assert.equal(view.outcome, "refused", view.detail);
    }
    assert.match(r.host.detail, /refused/);
  });

  test("the silent peer times out on every view, with no latency", () => {
    const s = results[2]!;
    for (const view of [s.host, s.server, s.cassandra]) {
      assertNotConnected(view);
      assert.equal(view.outcome, "timeout", view.detail);
    }
    assert.match(s.server.detail, /connecting/);
  });

  test("the probe finished within its deadline, bounded by the views' 1 s deadlines", () => {
    assert.ok(elapsedMs < deadlineMs, `took ${elapsedMs} ms`);
    assert.ok(elapsedMs >= 1_000 - 50, `silent views are cut at their 1 s deadline, took ${elapsedMs} ms`);
  });

  test("no socket, TLS wrap or timer is left open once it resolves", () => {
    assert.deepEqual(leftOpen, []);
  });

  test("contract entries: connected with latency, or not connected with null", () => {
    const metrics = results.map((r, i) => toConnectivityMetric(r, i === 0 ? 4 : null));
    for (const m of metrics) ConnectivityMetricSchema.parse(m);
    assert.deepEqual(metrics.map((m) => [m.nodeId, m.hostConnected, m.serverConnected, m.cassandraConnected, m.cassandraHints]), [
      ["healthy", true, true, true, 4],
      ["refusing", false, false, false, null],
      ["silent", false, false, false, null],
    ]);
    assert.ok(metrics[0]!.serverLatencyMs! >= SERVER_DELAY_MS);
    assert.equal(metrics[1]!.hostLatencyMs, null);
    assert.equal(metrics[2]!.serverLatencyMs, null);
  });

  test("status: ERROR with two of three peers unreachable, WARNING with one of two, OK with the healthy one alone", () => {
    // Two of three peers answer on no view: this node looks cut off.
    assert.equal(connectivityStatus(results).status, "ERROR");
    assert.equal(connectivityStatus(results.slice(0, 2)).status, "WARNING");
    assert.equal(connectivityStatus(results.slice(0, 1)).status, "OK");
    const rows = toPeerTableRows(results, { hints: new Map([["healthy", 4]]), ring: new Map([["healthy", "UN"]]) });
    assert.deepEqual(rows.map((r) => [r.node, r.host.split(" ")[0], r.server.split(" ")[0], r.cassandra.split(" ")[0], r.hints, r.ring]), [
      ["healthy", "ok", "ok", "ok", "4", "UN"],
      ["refusing", "refused", "refused", "refused", "?", "?"],
      ["silent", "timeout", "timeout", "timeout", "?", "?"],
    ]);
    assert.equal(rows[0]!.problems.length, 0);
    assert.equal(rows[2]!.problems.length, 3);
  });
});

describe("the server view", () => {
  test("wrong body and wrong status are wrong answers", async () => {
    const [body, status] = await probeConnectivity({
      peers: [serverOnly("body", ANSWERS, port.wrongBody!), serverOnly("status", ANSWERS, port.unavailable!)],
      config: config(),
      deadlineMs: 5_000,
    });
    assert.equal(body!.server.outcome, "wrong-answer");
    assert.match(body!.server.detail, /"STARTING" \(expected "RUNNING"\)/);
    assertNotConnected(body!.server);
    assert.equal(status!.server.outcome, "wrong-answer");
    assert.match(status!.server.detail, /HTTP 503/);
    // The other views of the same peers are fine: one bad view does not spoil the rest.
    assert.equal(body!.host.outcome, "ok");
    assert.equal(status!.cassandra.outcome, "ok");
  });

  test("a configured expected body is honoured", async () => {
    const [r] = await probeConnectivity({
      peers: [serverOnly("body", ANSWERS, port.wrongBody!)],
      config: config({ serverExpectBody: "STARTING", samples: 1 }),
      deadlineMs: 5_000,
    });
    assert.equal(r!.server.outcome, "ok", r!.server.detail);
  });

  test("a certificate from another CA, or expired, is a TLS failure", async () => {
    const [other, expired] = await probeConnectivity({
      peers: [serverOnly("other", CERTS, port.otherCa!), serverOnly("expired", CERTS, port.expired!)],
      config: config(),
      deadlineMs: 5_000,
    });
    assert.equal(other!.server.outcome, "tls");
    assert.match(other!.server.detail, /trusted CA/);
    assertNotConnected(other!.server);
    assert.equal(expired!.server.outcome, "tls");
    assert.match(expired!.server.detail, /expired/);
  });

  test("without the cluster CA configured, the cluster's certificate is refused too", async () => {
    const [r] = await probeConnectivity({
      peers: [healthyPeer()],
      config: config({ caFile: undefined, samples: 1 }),
      deadlineMs: 5_000,
    });
    assert.equal(r!.server.outcome, "tls", r!.server.detail);
  });

  test("insecureSkipVerify, and only it, accepts the wrong CA, and says so everywhere", async () => {
    const [r] = await probeConnectivity({
      peers: [serverOnly("other", CERTS, port.otherCa!)],
      config: config({ insecureSkipVerify: true, samples: 1 }),
      deadlineMs: 5_000,
    });
    assert.equal(r!.server.outcome, "ok", r!.server.detail);
    assert.equal(r!.tlsVerificationSkipped, true);
    assert.equal(r!.server.tlsVerified, false);
    assert.match(r!.server.detail, /TLS NOT verified \(would fail: .+\)/);
    assert.match(connectivityStatus([r!]).summary, /TLS verification of peer servers is OFF/);
    assert.match(toPeerTableRows([r!])[0]!.server, /TLS unverified/);
  });

  test("an unreadable CA bundle fails the server view only", async () => {
    const [r] = await probeConnectivity({
      peers: [healthyPeer()],
      config: config({ caFile: `${pki.dir}/no-such-ca.pem`, samples: 1 }),
      deadlineMs: 5_000,
    });
    assert.equal(r!.server.outcome, "tls");
    assert.match(r!.server.detail, /cannot use CA bundle .*no-such-ca\.pem/);
    assert.equal(r!.host.outcome, "ok");
    assert.equal(r!.cassandra.outcome, "ok");
  });

  test("a CA bundle the file system refuses (effects.fs) fails the server view only, with the error", async () => {
    const read: string[] = [];
    const fs = {
      readFile: async (path: string) => {
        read.push(path);
        throw Object.assign(new Error(`EACCES: permission denied, open '${path}'`), { code: "EACCES" });
      },
    };
    const [r] = await probeConnectivity({ peers: [healthyPeer()], config: config({ caFile: "/etc/cluster/ca.pem", samples: 1 }), deadlineMs: 5_000, fs });
    assert.deepEqual(read, ["/etc/cluster/ca.pem"]);
    assert.equal(r!.server.outcome, "tls");
    assert.equal(r!.server.detail, "cannot use CA bundle /etc/cluster/ca.pem: EACCES: permission denied, open '/etc/cluster/ca.pem'");
    assert.equal(r!.host.outcome, "ok");
    assert.equal(r!.cassandra.outcome, "ok");
  });

  test("a CA bundle read that never ends (a hung mount) is aborted at the probe's deadline; no peer starts after it", async () => {
    let signal: AbortSignal | undefined;
    const fs = {
      readFile: (_path: string, options?: { signal?: AbortSignal | undefined }) => {
        signal = options?.signal;
        return new Promise<string>((_resolve, reject) => signal?.addEventListener("abort", () => reject(new Error("aborted")), { once: true }));
      },
    };
    const [r] = await probeConnectivity({ peers: [healthyPeer()], config: config({ samples: 1 }), deadlineMs: 300, fs });
    assert.equal(signal?.aborted, true, "the read was given the deadline's signal, and it fired");
    assert.equal(r!.probed, false);
    assert.equal(r!.host.outcome, "timeout");
    assert.match(r!.host.detail, /^not probed: the probe's 300 ms deadline passed before this peer's turn$/);
  });

  test("a port that hangs up before TLS is an error, not a timeout and not ok", async () => {
    const [r] = await probeConnectivity({
      peers: [serverOnly("hangs-up", ANSWERS, port.tcpAll!)],
      config: config({ samples: 1 }),
      deadlineMs: 5_000,
    });
    assert.equal(r!.server.outcome, "error", r!.server.detail);
    assert.match(r!.server.detail, /closed the connection during the TLS handshake|reset/);
    assertNotConnected(r!.server);
  });

  test("a server that fails one sample of three is connected, the failure kept in the detail", async () => {
    const [r] = await probeConnectivity({
      peers: [serverOnly("flapping", FLAPPING, port.flapping!)],
      config: config({ samples: 3 }),
      deadlineMs: 5_000,
    });
    assert.equal(r!.server.connected, true);
    assert.equal(r!.server.samplesOk, 2);
    assert.equal(r!.server.samplesTaken, 3);
    assert.match(r!.server.detail, /1 of 3 failed: .*STARTING/);
    assert.match(toPeerTableRows([r!])[0]!.server, /^ok .* \(2\/3\)$/);
  });
});

describe("deadlines, fan-out and cancellation", () => {
  test("the whole probe's deadline cuts views with longer deadlines, and peers not reached are marked", async () => {
    const peers = ["a", "b", "c"].map((id) => peer(id, SILENT, { host: silent.port, server: silent.port, cassandra: [silent.port] }));
    const deadlineMs = 700;
    const before = openResources();
    const start = performance.now();
    const results = await probeConnectivity({ peers, config: config({ timeoutMs: 10_000, concurrency: 1 }), deadlineMs });
    const elapsed = performance.now() - start;
    // Far below the views' 10 s: the whole probe's deadline ruled (slack for a loaded machine).
    assert.ok(elapsed < deadlineMs + 1_000, `took ${elapsed} ms for a ${deadlineMs} ms deadline`);
    assert.deepEqual(results.map((r) => [r.probed, r.host.outcome, r.server.outcome]), [
      [true, "timeout", "timeout"],
      [false, "timeout", "timeout"],
      [false, "timeout", "timeout"],
    ]);
    assert.match(results[1]!.host.detail, /not probed/);
    assert.deepEqual(openResources(), before);
  });

  test("peers run concurrently under the limit: 12 peers of 200 ms, 4 at a time", async () => {
    const peers = Array.from({ length: 12 }, (_, i) => serverOnly(`slow-${i}`, SLOW, port.slow!));
    const start = performance.now();
    const results = await probeConnectivity({ peers, config: config({ samples: 1, concurrency: 4 }), deadlineMs: 10_000 });
    const elapsed = performance.now() - start;
    assert.ok(results.every((r) => r.server.outcome === "ok" && r.server.latencyMs! >= SLOW_DELAY_MS));
    // Three rounds of 200 ms at least if the limit holds; far less than 12 rounds in a row.
    assert.ok(elapsed >= 3 * SLOW_DELAY_MS, `took ${elapsed} ms: the limit of 4 was not honoured`);
    assert.ok(elapsed < 12 * SLOW_DELAY_MS, `took ${elapsed} ms: peers were not probed concurrently`);
  });

  test("an abort ends the probe at once, closing everything", async () => {
    const peers = [peer("silent", SILENT, { host: silent.port, server: silent.port, cassandra: [silent.port] })];
    const controller = new AbortController();
    const before = openResources();
    const start = performance.now();
    const probing = probeConnectivity({ peers, config: config({ timeoutMs: 10_000 }), deadlineMs: 10_000, signal: controller.signal });
    await sleep(100);
    controller.abort();
    const [r] = await probing;
    const elapsed = performance.now() - start;
    assert.ok(elapsed < 2_000, `took ${elapsed} ms after an abort at 100 ms`);
    assert.equal(r!.host.outcome, "error");
    assert.match(r!.host.detail, /cancelled/);
    assert.deepEqual(openResources(), before);
  });

  test("a deadline of zero probes nothing and still answers for every peer", async () => {
    const results = await probeConnectivity({ peers: [healthyPeer("x"), healthyPeer("y")], config: config(), deadlineMs: 0 });
    assert.deepEqual(results.map((r) => [r.nodeId, r.probed, r.server.outcome]), [["x", false, "timeout"], ["y", false, "timeout"]]);
    assert.deepEqual(await probeConnectivity({ peers: [], config: config(), deadlineMs: 1_000 }), []);
  });
});

test("IPv6: a peer on ::1", async (t) => {
  if (!v6) {
    t.skip("::1 is not available on this machine");
    return;
  }
  const [r] = await probeConnectivity({
    peers: [peer("v6", "::1", { host: port.v6tcp!, server: port.v6server!, cassandra: [port.v6tcp!] })],
    config: config(),
    deadlineMs: 5_000,
  });
  assert.equal(r!.host.outcome, "ok", r!.host.detail);
  assert.equal(r!.server.outcome, "ok", r!.server.detail);
  assert.ok(r!.server.latencyMs! >= SERVER_DELAY_MS);
  assert.equal(r!.cassandra.outcome, "ok", r!.cassandra.detail);
  assert.match(r!.server.detail, /TLS verified/);
});
