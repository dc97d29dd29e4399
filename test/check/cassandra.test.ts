import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { cassandraVerdicts, checkCassandra, rederivesProbeStatus, type CassandraCheckInput } from "../../src/check/cassandra.js";
import { exitCodeOf } from "../../src/contract/outcomes.js";
import { perf, thresholds } from "./support.js";
import { verified } from "./verify-result.js";

const cassandra = (over: Partial<CassandraCheckInput> = {}): CassandraCheckInput => ({
  status: "OK", description: "Cassandra 4.1.6 is UN on this node.", resultCode: 0, reachable: true,
  peersDown: 0, hintFiles: 0, schemaVersions: 1, repairState: "IDLE", ...over,
});

describe("checkCassandra", () => {
  test("the issue's example: 2 peers down, 29 hint files", () => {
    const r = checkCassandra(cassandra({ status: "WARNING", resultCode: 320, description: "2 other ring members are down or unknown: ...", peersDown: 2, hintFiles: 29 }));
    verified(r);
    assert.equal(r.line, "NODEKEEPER CASSANDRA WARNING - 2 peers down, 29 hint files | hints=29;100;1000 down=2");
    assert.equal(exitCodeOf(r.outcome), 1);
  });

  test("all well", () => {
    const r = checkCassandra(cassandra({ hintFiles: 1 }));
    verified(r);
    assert.equal(r.line, "NODEKEEPER CASSANDRA OK - 0 peers down, 1 hint file | hints=1;100;1000 down=0");
  });

  test("default hint thresholds: above 100 WARNING, above 1000 CRITICAL", () => {
    assert.equal(checkCassandra(cassandra({ hintFiles: 100 })).state, "OK");
    assert.equal(checkCassandra(cassandra({ status: "WARNING", resultCode: 322, hintFiles: 101 })).state, "WARNING");
    assert.equal(checkCassandra(cassandra({ status: "WARNING", resultCode: 322, hintFiles: 1001 })).state, "CRITICAL");
  });

  test("thresholds loosen: the probe's HINTS_PILING_UP at 150 files is OK under --warning 200", () => {
    const r = checkCassandra(cassandra({ status: "WARNING", resultCode: 322, hintFiles: 150 }), thresholds("cassandra", "200"));
    const p = verified(r);
    assert.equal(r.state, "OK");
    assert.deepEqual(perf(p, "hints"), { label: "hints", value: 150, uom: "", warn: "200", crit: null, min: null, max: null });
  });

  test("thresholds tighten: 29 hint files under --warning 10 --critical 20 is CRITICAL", () => {
    const r = checkCassandra(cassandra({ hintFiles: 29 }), thresholds("cassandra", "10", "20"));
    assert.equal(verified(r).state, "CRITICAL");
  });

  test("a down threshold replaces 'any peer down is WARNING'", () => {
    const input = cassandra({ status: "WARNING", resultCode: 320, peersDown: 1 });
    assert.equal(checkCassandra(input).state, "WARNING");
    const t = thresholds("cassandra", "down=1", "down=2");
    assert.equal(verified(checkCassandra(input, t)).state, "OK", "1 peer down is within 0..1");
    const r = checkCassandra({ ...input, peersDown: 3 }, t);
    assert.equal(verified(r).state, "CRITICAL");
    assert.match(r.line, / down=3;1;2$/);
  });

  test("this node not serving: the probe's status and its first sentence lead", () => {
    const r = checkCassandra(cassandra({
      status: "ERROR", resultCode: 311, peersDown: 0, hintFiles: 3,
      description: "This node is UJ in the ring: it is joining the ring (bootstrap or replace in progress). More text.",
    }));
    const p = verified(r);
    assert.equal(r.state, "CRITICAL");
    assert.equal(p.text, "This node is UJ in the ring: it is joining the ring (bootstrap or replace in progress), 0 peers down, 3 hint files");
    assert.equal(r.details[0], "Cassandra: ERROR (code 311) This node is UJ in the ring: it is joining the ring (bootstrap or replace in progress). More text.");
  });

  test("Cassandra unreachable: CRITICAL, numbers unknown (U)", () => {
    const r = checkCassandra(cassandra({ status: "ERROR", resultCode: 301, reachable: false, peersDown: null, hintFiles: null, schemaVersions: null, repairState: "UNKNOWN",
      description: "nodetool: Failed to connect to 127.0.0.1:7199. Cassandra is down." }));
    const p = verified(r);
    assert.equal(r.state, "CRITICAL");
    assert.equal(p.text, "nodetool: Failed to connect to 127.0.0.1:7199, peers unknown", "an address is not a sentence end");
    assert.equal(perf(p, "hints")?.value, "U");
    assert.equal(perf(p, "down")?.value, "U");
  });

  test("hint thresholds on a Cassandra that cannot count hints (before 4.1): UNKNOWN, not OK", () => {
    const r = checkCassandra(cassandra({ hintFiles: null }), thresholds("cassandra", "100"));
    verified(r);
    assert.equal(r.state, "UNKNOWN");
    assert.match(r.text, /hint files unknown/);
    assert.equal(verified(checkCassandra(cassandra({ hintFiles: null }))).state, "OK", "the default thresholds do not ask for it");
  });

  test("not installed on this node is OK and says so", () => {
    const r = checkCassandra(cassandra({ status: "NOT_INSTALLED", resultCode: 300, reachable: false, peersDown: null, hintFiles: null, schemaVersions: null, repairState: "UNKNOWN" }), thresholds("cassandra", "100"));
    verified(r);
    assert.equal(r.state, "OK");
    assert.equal(r.text, "Cassandra is not installed on this node");
  });

  test("schema disagreement and a failed repair are WARNING; a running repair is mentioned only", () => {
    assert.equal(verified(checkCassandra(cassandra({ status: "WARNING", resultCode: 321, schemaVersions: 2 }))).text, "0 peers down, 0 hint files, 2 schema versions");
    assert.equal(checkCassandra(cassandra({ status: "WARNING", resultCode: 321, schemaVersions: 2 })).state, "WARNING");
    const failed = checkCassandra(cassandra({ repairState: "FAILED" }));
    assert.equal(verified(failed).state, "WARNING");
    assert.match(failed.text, /last repair FAILED/);
    const running = checkCassandra(cassandra({ repairState: "RUNNING" }));
    assert.equal(running.state, "OK");
    assert.match(running.text, /repair running/);
  });

  test("the probe's warning stands when the number behind it is not known", () => {
    const r = checkCassandra(cassandra({ status: "WARNING", resultCode: 320, peersDown: null, description: "1 other ring member is down." }));
    assert.equal(verified(r).state, "WARNING");
    assert.equal((r.json.data as { probeStatusUsed: boolean }).probeStatusUsed, true);
  });

  test("a probe that says OK although nodetool got no answer is not believed", () => {
    const r = checkCassandra(cassandra({ reachable: false, peersDown: null, hintFiles: null }));
    assert.equal(verified(r).state, "UNKNOWN");
    assert.match(r.text, /nodetool got no answer/);
  });
});

describe("cassandraVerdicts", () => {
  test("a probe finding this check re-derives is set aside: its numbers decide, one verdict each", () => {
    const input = cassandra({ status: "WARNING", resultCode: 320, peersDown: 2, hintFiles: 150, schemaVersions: 2, repairState: "FAILED", hintDebtRatio: 0.8, repairAgeRatio: 1.5 });
    assert.deepEqual(cassandraVerdicts(input), [
      { what: "probe", state: "OK" },
      { what: "down", state: "WARNING" },
      { what: "hints", state: "WARNING" },
      { what: "schema", state: "WARNING" },
      { what: "repair", state: "WARNING" },
      { what: "hint_debt", state: "WARNING" },
      { what: "repair_age", state: "CRITICAL" },
    ]);
    assert.equal(rederivesProbeStatus(input), true);
  });

  test("the probe's own finding stands when its number is unknown, and an asked-for unknown number is UNKNOWN", () => {
    const input = cassandra({ status: "WARNING", resultCode: 322, hintFiles: null });
    assert.equal(rederivesProbeStatus(input), false);
    assert.deepEqual(cassandraVerdicts(input, thresholds("cassandra", "hints=10", "down=1")), [
      { what: "probe", state: "WARNING" },
      { what: "down", state: "OK" },
      { what: "hints", state: "UNKNOWN" },
    ]);
  });

  test("not installed: nothing unknown is asked of it", () => {
    const input = cassandra({ status: "NOT_INSTALLED", reachable: false, peersDown: null, hintFiles: null, schemaVersions: null });
    assert.deepEqual(cassandraVerdicts(input, thresholds("cassandra", "hints=10", "down=1")), [{ what: "probe", state: "OK" }]);
  });
});
