import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { checkConnectivity, type PeerCheckInput } from "../../src/check/connectivity.js";
import { perf, thresholds } from "./support.js";
import { verified } from "./verify-result.js";

const peer = (nodeId: string, over: Partial<PeerCheckInput> = {}): PeerCheckInput => ({
  nodeId, hostConnected: true, serverConnected: true, cassandraConnected: true, hostLatencyMs: 0.4, serverLatencyMs: 12.3, ...over,
});

describe("checkConnectivity", () => {
  test("all connected: OK with the worst latency", () => {
    const r = checkConnectivity([peer("node-2"), peer("node-3", { serverLatencyMs: 15.25 })]);
    verified(r);
    assert.equal(r.line, "NODEKEEPER CONNECTIVITY OK - 2 peers connected, worst latency 15.3 ms (node-3 server) | down=0;;;0;2 latency=15.25ms;;;0");
  });

  test("a peer with a view down is WARNING, named with the views", () => {
    const r = checkConnectivity([
      peer("node-2", { cassandraConnected: false }),
      peer("node-3", { serverConnected: false, serverLatencyMs: null }),
      peer("node-4"),
    ]);
    const p = verified(r);
    assert.equal(r.state, "WARNING");
    assert.equal(p.text, "2 of 3 peers not fully connected: node-2 (cassandra down), node-3 (server down), worst latency 12.3 ms (node-2 server)");
    assert.equal(perf(p, "down")?.value, 2);
    assert.deepEqual(r.details, ["node-2: cassandra down; host 0.4 ms, server 12.3 ms", "node-3: server down; host 0.4 ms, server -"]);
  });

  test("no peer reachable at all is CRITICAL", () => {
    const down = { hostConnected: false, serverConnected: false, cassandraConnected: false, hostLatencyMs: null, serverLatencyMs: null };
    const r = checkConnectivity([peer("node-2", down), peer("node-3", down)]);
    const p = verified(r);
    assert.equal(r.state, "CRITICAL");
    assert.equal(p.text, "2 of 2 peers unreachable, this node may be cut off: node-2, node-3");
    assert.equal(perf(p, "latency")?.value, "U");
  });

  test("more than half of the peers unreachable on every view is CRITICAL, as in status; half is WARNING", () => {
    const down = { hostConnected: false, serverConnected: false, cassandraConnected: false, hostLatencyMs: null, serverLatencyMs: null };
    assert.equal(checkConnectivity([peer("a", down), peer("b", down), peer("c")]).state, "CRITICAL");
    assert.equal(checkConnectivity([peer("a", down), peer("b")]).state, "WARNING");
    // Hosts down but servers answering: not cut off.
    const hostOnly = { hostConnected: false, hostLatencyMs: null };
    assert.equal(checkConnectivity([peer("a", hostOnly), peer("b", hostOnly)]).state, "WARNING");
  });

  test("latency thresholds judge the worst latency, in ms", () => {
    const t = thresholds("connectivity", "100", "500");
    const r = checkConnectivity([peer("a", { serverLatencyMs: 250 }), peer("b")], t);
    const p = verified(r);
    assert.equal(r.state, "WARNING");
    assert.deepEqual(perf(p, "latency"), { label: "latency", value: 250, uom: "ms", warn: "100", crit: "500", min: 0, max: null });
    assert.equal(checkConnectivity([peer("a", { hostLatencyMs: 501 })], t).state, "CRITICAL");
    assert.equal(checkConnectivity([peer("a")], t).state, "OK");
  });

  test("a down threshold replaces the default rules", () => {
    const oneDown = [peer("a", { cassandraConnected: false }), peer("b"), peer("c")];
    assert.equal(checkConnectivity(oneDown, thresholds("connectivity", "down=1")).state, "OK");
    assert.equal(checkConnectivity(oneDown, thresholds("connectivity", "down=0")).state, "WARNING");
    assert.equal(checkConnectivity(oneDown, thresholds("connectivity", undefined, "down=0")).state, "CRITICAL");
  });

  test("a peer that was not probed makes it UNKNOWN", () => {
    const r = checkConnectivity([peer("a"), peer("b", { probed: false, hostConnected: false, serverConnected: false, cassandraConnected: false, hostLatencyMs: null, serverLatencyMs: null })]);
    const p = verified(r);
    assert.equal(r.state, "UNKNOWN");
    assert.equal(p.text, "1 peer connected, 1 not probed: b, worst latency 12.3 ms (a server)");
  });

  test("latency thresholds without any measured latency: not OK", () => {
    const r = checkConnectivity([peer("a", { probed: false })], thresholds("connectivity", "100"));
    assert.equal(verified(r).state, "UNKNOWN");
  });

  test("no peers (a single-node cluster) is OK", () => {
    const r = checkConnectivity([]);
    verified(r);
    assert.equal(r.line, "NODEKEEPER CONNECTIVITY OK - no peers configured | down=0;;;0;0 latency=U;;;0");
  });
});
