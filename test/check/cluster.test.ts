import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { checkCluster, clusterStatusState } from "../../src/check/cluster.js";
import { exitCodeOf } from "../../src/contract/outcomes.js";
import { perf } from "./support.js";
import { verified } from "./verify-result.js";

describe("checkCluster", () => {
  const now = new Date("2026-11-21T05:10:00Z");
  const answer = (over: Partial<{ clusterStatus: string; clusterStatusDescription: string; nodeStatuses: Array<{ nodeId: string; status: string }>; receivedAt: string }> = {}) => ({
    clusterStatus: "RUNNING",
    clusterStatusDescription: "",
    nodeStatuses: [{ nodeId: "node-1", status: "RUNNING" }, { nodeId: "node-2", status: "RUNNING" }, { nodeId: "node-3", status: "RUNNING" }],
    receivedAt: "2026-11-21T05:09:30Z",
    ...over,
  });
  const maxAgeMs = 180_000;

  test("fresh, all RUNNING: OK, says how old the answer is", () => {
    const r = checkCluster({ answer: answer(), now, maxAgeMs });
    verified(r);
    assert.equal(r.line, "NODEKEEPER CLUSTER OK - cluster RUNNING; 3 nodes RUNNING (answer 30 s old) | age=30s;;;0 nodes=3;;;0 nodes_not_running=0;;;0;3");
  });

  test("no answer ever recorded: UNKNOWN", () => {
    const r = checkCluster({ answer: null, now, maxAgeMs });
    verified(r);
    assert.equal(r.state, "UNKNOWN");
    assert.equal(exitCodeOf(r.outcome), 3);
    assert.equal(r.text, "no answer from Mission Control recorded yet");
  });

  test("a stale answer is UNKNOWN, not OK, and says how old", () => {
    const r = checkCluster({ answer: answer({ receivedAt: "2026-11-21T05:03:00Z" }), now, maxAgeMs });
    verified(r);
    assert.equal(r.state, "UNKNOWN");
    assert.equal(r.text, "last answer from Mission Control is 7 min old (limit 3 min); cluster was RUNNING then");
    const exactly = checkCluster({ answer: answer({ receivedAt: "2026-11-21T05:07:00Z" }), now, maxAgeMs });
    assert.equal(exactly.state, "OK", "exactly maxAgeMs old is still fresh");
    const days = checkCluster({ answer: answer({ receivedAt: "2026-11-18T05:10:00Z" }), now, maxAgeMs });
    assert.match(days.text, /is 3 d old/);
  });

  test("an answer from the future (clock set back) or without a readable time is UNKNOWN", () => {
    const future = checkCluster({ answer: answer({ receivedAt: "2026-11-21T06:10:00Z" }), now, maxAgeMs });
    verified(future);
    assert.equal(future.state, "UNKNOWN");
    assert.match(future.text, /dated 60 min in the future/);
    assert.equal(checkCluster({ answer: answer({ receivedAt: "2026-11-21T05:10:30Z" }), now, maxAgeMs }).state, "OK", "30 s ahead is within tolerance");
    for (const receivedAt of ["yesterday", "2026-11-21", "2026-11-21 05:09:30"]) {
      const r = checkCluster({ answer: answer({ receivedAt }), now, maxAgeMs });
      verified(r);
      assert.equal(r.state, "UNKNOWN", receivedAt);
      assert.match(r.text, /no readable time/);
    }
    assert.equal(checkCluster({ answer: answer({ receivedAt: "2026-11-21T07:09:30+02:00" }), now, maxAgeMs }).state, "OK", "an offset is read");
  });

  test("a node not RUNNING is WARNING and named", () => {
    const r = checkCluster({ answer: answer({ nodeStatuses: [{ nodeId: "node-1", status: "RUNNING" }, { nodeId: "node-2", status: "OFFLINE" }] }), now, maxAgeMs });
    const p = verified(r);
    assert.equal(r.state, "WARNING");
    assert.equal(p.text, "cluster RUNNING; 1 of 2 nodes not RUNNING: node-2 OFFLINE (answer 30 s old)");
    // OK and HEALTHY count for a node as they do for the cluster (the contract leaves the words open).
    assert.equal(checkCluster({ answer: answer({ nodeStatuses: [{ nodeId: "node-1", status: "OK" }, { nodeId: "node-2", status: "healthy" }] }), now, maxAgeMs }).state, "OK");
    assert.equal(perf(p, "nodes_not_running")?.value, 1);
  });

  test("a critical cluster status is CRITICAL, with its description", () => {
    const r = checkCluster({ answer: answer({ clusterStatus: "EMERGENCY", clusterStatusDescription: "Cassandra quorum lost. Details follow." }), now, maxAgeMs });
    assert.equal(verified(r).text, "cluster EMERGENCY: Cassandra quorum lost; 3 nodes RUNNING (answer 30 s old)");
    assert.equal(exitCodeOf(r.outcome), 2);
  });

  test("clusterStatusState: the documented mapping; unknown words are WARNING, never OK", () => {
    const table: ReadonlyArray<[string, string]> = [
      ["RUNNING", "OK"], ["running", "OK"], [" OK ", "OK"], ["HEALTHY", "OK"],
      ["ERROR", "CRITICAL"], ["DOWN", "CRITICAL"], ["SHUTDOWN", "CRITICAL"], ["EMERGENCY", "CRITICAL"], ["FAILED", "CRITICAL"],
      ["DATABASE_DISCONNECTED", "CRITICAL"], ["OFFLINE", "CRITICAL"], ["PARTIAL_ERROR", "CRITICAL"],
      ["DEGRADED", "WARNING"], ["STARTUP", "WARNING"], ["RUNNING_FORSAKEN", "WARNING"], ["BANANA", "WARNING"], ["MAINTENANCE", "WARNING"],
      ["UNKNOWN", "UNKNOWN"], ["undefined", "UNKNOWN"], ["", "UNKNOWN"], ["  ", "UNKNOWN"],
    ];
    for (const [word, state] of table) assert.equal(clusterStatusState(word), state, JSON.stringify(word));
  });
});
