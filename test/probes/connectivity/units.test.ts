/** The connectivity probe's pure parts: configuration, median, HTTP parsing, error kinds, contract entries, status. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ConnectivityConfigSchema, PeerSchema } from "../../../src/config/connectivity.js";
import { healthRequest, MAX_BODY_BYTES, parseResponse } from "../../../src/probes/connectivity/http1.js";
import { median, roundMs } from "../../../src/probes/connectivity/median.js";
import { classifyError } from "../../../src/probes/connectivity/outcome.js";
import { peerTargets, type PeerConnectivity, type ViewResult } from "../../../src/probes/connectivity/probe.js";
import { toConnectivityMetric } from "../../../src/report/connectivity-metric.js";
import { connectivityStatus, toPeerTableRows } from "../../../src/probes/connectivity/status.js";
import { ConnectivityMetricSchema } from "../../../src/contract/report.js";

describe("configuration", () => {
  test("defaults are the contract's: 8018, https 443 /rest/health RUNNING, Cassandra 9042 and 7000", () => {
    const c = ConnectivityConfigSchema.parse({});
    assert.equal(c.hostPort, 8018);
    assert.equal(c.serverPort, 443);
    assert.equal(c.serverHealthPath, "/rest/health");
    assert.equal(c.serverExpectBody, "RUNNING");
    assert.deepEqual(c.cassandraPorts, [9042, 7000]);
    assert.equal(c.samples, 3);
    assert.equal(c.concurrency, 32);
    assert.equal(c.insecureSkipVerify, false);
    assert.equal(c.caFile, undefined);
    assert.equal(c.timeoutMs, 2_000);
  });

  test("unknown keys and host names are refused", () => {
    assert.equal(ConnectivityConfigSchema.safeParse({ insecureSkipVerfy: true }).success, false);
    assert.equal(PeerSchema.safeParse({ nodeId: "a", address: "peer-a.example" }).success, false);
    assert.equal(PeerSchema.safeParse({ nodeId: "a", address: "10.0.0.1", port: 1 }).success, false);
    assert.equal(ConnectivityConfigSchema.safeParse({ serverHealthPath: "rest/health" }).success, false);
    assert.equal(ConnectivityConfigSchema.safeParse({ serverHealthPath: "/x HTTP/1.1\r\nX-Evil: 1" }).success, false);
    assert.equal(ConnectivityConfigSchema.safeParse({ serverHealthPath: "/rest/health?full=1" }).success, true);
  });

  test("per-peer overrides win, the rest comes from the cluster; IPv6 URLs are bracketed", () => {
    const c = ConnectivityConfigSchema.parse({ hostPort: 9018, cassandraPorts: [9042, 7001] });
    const plain = peerTargets(PeerSchema.parse({ nodeId: "a", address: "10.1.2.3" }), c);
    assert.deepEqual(
      [plain.hostPort, plain.serverPort, plain.serverUrl, plain.cassandraAddress, plain.cassandraPorts],
      [9018, 443, "https://10.1.2.3/rest/health", "10.1.2.3", [9042, 7001]],
    );
    const custom = peerTargets(
      PeerSchema.parse({
        nodeId: "b", address: "fd00::5", cassandraAddress: "fd00::6", serverPort: 8443,
        serverHealthPath: "/health", hostPort: 1, cassandraPorts: [9142],
      }),
      c,
    );
    assert.deepEqual(
      [custom.hostPort, custom.serverUrl, custom.cassandraAddress, custom.cassandraPorts],
      [1, "https://[fd00::5]:8443/health", "fd00::6", [9142]],
    );
    assert.equal(peerTargets(PeerSchema.parse({ nodeId: "c", address: "::1" }), c).serverUrl, "https://[::1]/rest/health");
  });
});

test("median: odd, even, unsorted, empty", () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(median([51.2]), 51.2);
  assert.equal(median([]), null);
  assert.equal(roundMs(1.23456789), 1.235);
});

describe("HTTP/1.1 answers", () => {
  const parse = (text: string, ended = false) => parseResponse(Buffer.from(text, "latin1"), ended);
  const done = (text: string, ended = false) => {
    const r = parse(text, ended);
    assert.equal(r.state, "done", JSON.stringify(r));
    return r as { status: number; body: Buffer };
  };

  test("the request names the path and the host, and closes", () => {
    assert.equal(
      healthRequest("/rest/health", "[::1]:8443"),
      "GET /rest/health HTTP/1.1\r\nHost: [::1]:8443\r\nUser-Agent: nodekeeper\r\nAccept: text/plain\r\nConnection: close\r\n\r\n",
    );
  });

  test("Content-Length: partial until the body is in", () => {
    assert.equal(parse("HTTP/1.1 200 OK\r\nContent-Length: 7\r\n").state, "partial");
    assert.equal(parse("HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\nRUN").state, "partial");
    const r = done("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\ncontent-length: 7\r\n\r\nRUNNING");
    assert.equal(r.status, 200);
    assert.equal(r.body.toString(), "RUNNING");
  });

  test("chunked bodies are reassembled; a closed connection ends an unframed body", () => {
    const chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nRUN\r\n4\r\nNING\r\n";
    assert.equal(parse(chunked).state, "partial");
    assert.equal(done(`${chunked}0\r\n\r\n`).body.toString(), "RUNNING");
    assert.equal(parse("HTTP/1.0 200 OK\r\n\r\nRUNNING").state, "partial");
    assert.equal(done("HTTP/1.0 200 OK\r\n\r\nRUNNING", true).body.toString(), "RUNNING");
  });

  test("interim 1xx answers are skipped; 204 has no body", () => {
    assert.equal(done("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 503 Busy\r\nContent-Length: 4\r\n\r\nbusy").status, 503);
    assert.equal(done("HTTP/1.1 204 No Content\r\n\r\n").body.length, 0);
  });

  test("what is not a well-formed answer is invalid, never guessed", () => {
    for (const [text, ended] of [
      ["SSH-2.0-OpenSSH_9.6\r\n\r\n", false],
      ["HTTP/2 200\r\n\r\n", false],
      ["HTTP/1.1 200 OK\r\nContent-Length: 7\r\nContent-Length: 8\r\n\r\nRUNNING", false],
      ["HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", false],
      ["HTTP/1.1 200 OK\r\nContent-Length: 7\r\nTransfer-Encoding: chunked\r\n\r\n", false],
      ["HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", false],
      ["HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", false],
      ["HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", false],
      [`HTTP/1.1 200 OK\r\nContent-Length: ${MAX_BODY_BYTES + 1}\r\n\r\n`, false],
      ["HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\nRUN", true],
      ["HTTP/1.1 200 OK\r\nConte", true],
      ["", true],
    ] as const) {
      assert.equal(parse(text, ended).state, "invalid", JSON.stringify(text));
    }
    assert.equal(parse(`HTTP/1.1 200 OK\r\nX: ${"a".repeat(20_000)}`).state, "invalid");
  });
});

describe("error kinds", () => {
  const err = (code: string, message = code) => Object.assign(new Error(message), { code });
  test("each socket error maps to the kind status shows", () => {
    assert.equal(classifyError(err("ECONNREFUSED"), "x").outcome, "refused");
    assert.equal(classifyError(err("ETIMEDOUT"), "x").outcome, "timeout");
    assert.equal(classifyError(err("ENOTFOUND"), "x").outcome, "dns");
    assert.equal(classifyError(err("EAI_AGAIN"), "x").outcome, "dns");
    assert.equal(classifyError(err("EHOSTUNREACH"), "x").outcome, "unreachable");
    assert.equal(classifyError(err("ENETUNREACH"), "x").outcome, "unreachable");
    assert.equal(classifyError(err("ECONNRESET"), "x").outcome, "error");
    assert.equal(classifyError(err("HPE_INVALID_CONSTANT"), "x").outcome, "wrong-answer");
    assert.equal(classifyError(new Error("weird"), "x").outcome, "error");
  });

  test("TLS failures say what is wrong with the certificate", () => {
    const expired = classifyError(err("CERT_HAS_EXPIRED", "certificate has expired"), "https://127.0.0.2:443/rest/health");
    assert.equal(expired.outcome, "tls");
    assert.match(expired.detail, /certificate expired \(CERT_HAS_EXPIRED\)/);
    assert.match(classifyError(err("UNABLE_TO_VERIFY_LEAF_SIGNATURE"), "x").detail, /not issued by a trusted CA/);
    assert.match(classifyError(err("ERR_TLS_CERT_ALTNAME_INVALID"), "x").detail, /does not name this address/);
    assert.equal(classifyError(err("ERR_SSL_WRONG_VERSION_NUMBER"), "x").outcome, "tls");
  });
});

function view(connected: boolean, latencyMs: number | null, outcome: ViewResult["outcome"] = connected ? "ok" : "refused"): ViewResult {
  return { connected, latencyMs, outcome, detail: connected ? "ok" : `${outcome} detail`, samplesOk: connected ? 3 : 0, samplesTaken: 3 };
}

function result(nodeId: string, host: ViewResult, server: ViewResult, cassandra: ViewResult, skipped = false): PeerConnectivity {
  return {
    nodeId,
    address: "127.0.0.2",
    host: { ...host, port: 8018 },
    server: { ...server, url: "https://127.0.0.2/rest/health", tlsVerified: server.connected && !skipped },
    cassandra: { ...cassandra, address: "127.0.0.2", ports: [] },
    tlsVerificationSkipped: skipped,
    probed: true,
    durationMs: 1,
  };
}

describe("contract entries", () => {
  test("connected views carry their latency; hints pass through when they are a count", () => {
    const m = toConnectivityMetric(result("a", view(true, 0.123), view(true, 51.5), view(true, 0.2)), 7);
    assert.deepEqual(m, {
      nodeId: "a", serverConnected: true, serverLatencyMs: 51.5, hostConnected: true, hostLatencyMs: 0.123,
      cassandraConnected: true, cassandraHints: 7,
    });
    ConnectivityMetricSchema.parse(m);
  });

  test("not connected means null latency, and a nonsense hint count is null", () => {
    const m = toConnectivityMetric(result("b", view(false, null, "timeout"), view(false, null, "tls"), view(false, null)), -1);
    assert.deepEqual(
      [m.hostConnected, m.hostLatencyMs, m.serverConnected, m.serverLatencyMs, m.cassandraConnected, m.cassandraHints],
      [false, null, false, null, false, null],
    );
    assert.equal(toConnectivityMetric(result("c", view(true, 1), view(true, 1), view(true, 1)), 1.5).cassandraHints, null);
    assert.equal(toConnectivityMetric(result("d", view(true, 1), view(true, 1), view(true, 1)), null).cassandraHints, null);
    ConnectivityMetricSchema.parse(m);
  });
});

describe("status", () => {
  const ok = (id: string, skipped = false) => result(id, view(true, 1), view(true, 50), view(true, 1), skipped);
  const down = (id: string) => result(id, view(false, null, "timeout"), view(false, null, "timeout"), view(false, null, "timeout"));
  const serverDown = (id: string) => result(id, view(true, 1), view(false, null, "tls"), view(true, 1));

  test("OK when every view of every peer answers, and with no peers", () => {
    assert.equal(connectivityStatus([ok("a"), ok("b")]).status, "OK");
    assert.deepEqual(connectivityStatus([]), { status: "OK", summary: "no peers configured" });
  });

  test("WARNING when some view of some peer does not answer, naming it", () => {
    const s = connectivityStatus([ok("a"), serverDown("b"), down("c")]);
    assert.equal(s.status, "WARNING");
    assert.match(s.summary, /2 of 3 peers/);
    assert.match(s.summary, /b: server tls/);
    assert.match(s.summary, /c: unreachable \(timeout\)/);
  });

  test("ERROR when more than half of the peers answer on no view: this node looks cut off", () => {
    assert.equal(connectivityStatus([ok("a"), down("b"), down("c")]).status, "ERROR");
    assert.equal(connectivityStatus([down("a")]).status, "ERROR");
    assert.equal(connectivityStatus([ok("a"), down("b")]).status, "WARNING");
  });

  test("skipped TLS verification is always said, without changing the status", () => {
    const s = connectivityStatus([ok("a", true)]);
    assert.equal(s.status, "OK");
    assert.match(s.summary, /TLS verification of peer servers is OFF/);
  });

  test("table rows: one per peer, states and latencies, hints and ring from the caller, problems spelled out", () => {
    const rows = toPeerTableRows([ok("a"), serverDown("b")], { hints: new Map([["a", 0], ["b", null]]), ring: new Map([["b", "DN"]]) });
    assert.deepEqual(rows, [
      { node: "a", address: "127.0.0.2", host: "ok 1.0 ms", server: "ok 50.0 ms", cassandra: "ok 1.0 ms", hints: "0", ring: "?", problems: [] },
      { node: "b", address: "127.0.0.2", host: "ok 1.0 ms", server: "tls", cassandra: "ok 1.0 ms", hints: "?", ring: "DN", problems: ["server: tls detail"] },
    ]);
  });
});
