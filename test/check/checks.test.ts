import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  checkCassandra, checkCluster, checkComponents, checkConnectivity, checkDirectories, clusterStatusState, formatAge, parseThresholdArgs,
  type CassandraCheckInput, type CheckArea, type ComponentCheckInput, type DirectoryCheckInput, type PeerCheckInput, type ThresholdsFor,
} from "../../src/check/checks.js";
import { exitCodeOf } from "../../src/contract/outcomes.js";
import { verified } from "./verify-result.js";

function thresholds<A extends CheckArea>(area: A, warning?: string, critical?: string): ThresholdsFor<A> {
  const parsed = parseThresholdArgs(area, { warning, critical });
  assert.ok(parsed.ok, parsed.ok ? "" : parsed.error.message);
  return parsed.thresholds;
}

const perf = (result: ReturnType<typeof verified>, label: string) => result.perfdata.find((p) => p.label === label);

// ---------------------------------------------------------------------------

describe("parseThresholdArgs", () => {
  test("a bare range applies to the area's first number; name=range to a named one", () => {
    const t = thresholds("cassandra", "100", "hints=1000,down=1");
    assert.equal(t.hints?.warning?.text, "100");
    assert.equal(t.hints?.critical?.text, "1000");
    assert.equal(t.down?.critical?.text, "1");
    assert.equal(t.down?.warning, undefined);
    const c = thresholds("connectivity", "@10:20");
    assert.deepEqual(c.latency?.warning, { text: "@10:20", start: 10, end: 20, inside: true });
    assert.deepEqual(thresholds("directories", "15:", "5:").free?.critical?.start, 5);
    assert.deepEqual(thresholds("cassandra"), {}, "no options, no thresholds");
  });

  test("bad text is a usage error (exit 64) that names the option", () => {
    const cases: ReadonlyArray<[CheckArea, { warning?: string; critical?: string }, RegExp]> = [
      ["cassandra", { warning: "abc" }, /^--warning: invalid range "abc"/],
      ["cassandra", { critical: "20:10" }, /^--critical: .*start 20 is greater than end 10/],
      ["cassandra", { warning: "latency=5" }, /^--warning: check cassandra has no number "latency" \(it has: hints, down\)/],
      ["cassandra", { warning: "hints=1,hints=2" }, /hints is given twice/],
      ["cassandra", { warning: "" }, /--warning: empty range/],
      ["directories", { warning: "15:,5:" }, /free is given twice/],
      ["components", { warning: "1" }, /check components takes no --warning: its state is decided by the probes' own statuses/],
      ["cluster", { critical: "1" }, /check cluster takes no --critical: its state is decided by Mission Control's answer/],
    ];
    for (const [area, args, why] of cases) {
      const parsed = parseThresholdArgs(area, args);
      assert.equal(parsed.ok, false, JSON.stringify(args));
      if (!parsed.ok) {
        assert.equal(parsed.error.outcome, "usage");
        assert.equal(exitCodeOf(parsed.error.outcome), 64);
        assert.match(parsed.error.message, why);
      }
    }
  });
});

// ---------------------------------------------------------------------------

const comp = (name: string, status: ComponentCheckInput["status"], resultCode = 0, description = "fine"): ComponentCheckInput => ({ name, status, resultCode, description });

describe("checkComponents", () => {
  test("all OK; NOT_INSTALLED counts as OK and is named since nothing else is said", () => {
    const r = checkComponents([comp("nodekeeper", "OK"), comp("dynatrace-server", "OK"), comp("dynatrace-nginx", "NOT_INSTALLED", 101, "unit not found")]);
    const p = verified(r);
    assert.equal(r.state, "OK");
    assert.equal(exitCodeOf(r.outcome), 0);
    assert.equal(p.text, "3 components OK (1 not installed: dynatrace-nginx)");
    assert.equal(perf(p, "ok")?.value, 2);
    assert.equal(perf(p, "not_installed")?.value, 1);
    assert.equal(perf(p, "error")?.value, 0);
    assert.equal(perf(p, "ok")?.max, 3);
    assert.equal(r.line, "NODEKEEPER COMPONENTS OK - 3 components OK (1 not installed: dynatrace-nginx) | ok=2;;;0;3 warning=0;;;0;3 error=0;;;0;3 unknown=0;;;0;3 not_installed=1;;;0;3");
  });

  test("the worst status decides; non-OK components are named worst first; NOT_INSTALLED is then left out", () => {
    const r = checkComponents([
      comp("a", "WARNING", 104, "starting"),
      comp("b", "UNKNOWN", 105, "systemd not running"),
      comp("nginx", "NOT_INSTALLED", 101),
      comp("cassandra", "ERROR", 102, "SubState=failed Result=exit-code"),
      comp("nodekeeper", "OK"),
    ]);
    const p = verified(r);
    assert.equal(r.state, "CRITICAL");
    assert.equal(exitCodeOf(r.outcome), 2);
    assert.equal(p.text, "3 of 5 components not OK: cassandra ERROR, b UNKNOWN, a WARNING");
    assert.doesNotMatch(p.text, /nginx/);
    assert.equal(r.details[0], "cassandra: ERROR (code 102) SubState=failed Result=exit-code");
    assert.ok(r.details.some((d) => d.startsWith("nginx: NOT_INSTALLED (code 101)")), "long output still lists it");
    assert.deepEqual((r.json.data as { counts: unknown }).counts, { OK: 1, WARNING: 1, ERROR: 1, UNKNOWN: 1, NOT_INSTALLED: 1 });
  });

  test("UNKNOWN alone is exit 3, WARNING alone exit 1", () => {
    assert.equal(verified(checkComponents([comp("a", "OK"), comp("b", "UNKNOWN", 107)])).state, "UNKNOWN");
    assert.equal(exitCodeOf(checkComponents([comp("a", "OK"), comp("b", "UNKNOWN", 107)]).outcome), 3);
    assert.equal(exitCodeOf(checkComponents([comp("a", "WARNING", 104)]).outcome), 1);
  });

  test("many failures: the list is cut, the line stays one short line", () => {
    const many = Array.from({ length: 12 }, (_, i) => comp(`dynatrace-component-with-a-long-name-${i}`, "ERROR", 103, "inactive\nsecond line"));
    const r = checkComponents(many);
    const p = verified(r);
    assert.match(p.text, /^12 of 12 components not OK: dynatrace-component-with-a-long-name-0 ERROR, .*…$/);
    assert.equal(r.details.length, 12);
  });

  test("no components at all is UNKNOWN, not OK", () => {
    const r = checkComponents([]);
    verified(r);
    assert.equal(r.state, "UNKNOWN");
    assert.equal(r.text, "no components were probed");
  });
});

// ---------------------------------------------------------------------------

const dir = (path: string, status: DirectoryCheckInput["status"], resultCode: number, freePercent: number | null, details = ""): DirectoryCheckInput => ({ path, status, resultCode, freePercent, details });

describe("checkDirectories", () => {
  test("without thresholds the probe's statuses decide; the text gives the reason in a word", () => {
    const r = checkDirectories([
      dir("/ok", "OK", 0, 42),
      dir("/missing", "ERROR", 201, null, "does not exist"),
      dir("/low", "WARNING", 210, 12, "free space 12.0% is below 15%"),
    ]);
    const p = verified(r);
    assert.equal(r.state, "CRITICAL");
    assert.equal(p.text, "2 of 3 directories not OK: /missing missing, /low space low (12.0% free)");
    assert.equal(perf(p, "min_free")?.value, 12);
    assert.equal(perf(p, "min_free")?.warn, null, "no thresholds shown when the probe decides");
    assert.equal(perf(p, "/missing")?.value, "U");
    assert.equal(perf(p, "/ok")?.uom, "%");
    assert.deepEqual(r.details, ["/missing: ERROR (code 201) does not exist", "/low: WARNING (code 210) free space 12.0% is below 15%"]);
  });

  test("all OK names the lowest free space", () => {
    const r = checkDirectories([dir("/a", "OK", 0, 80), dir("/b", "OK", 0, 42.04)]);
    assert.equal(verified(r).text, "2 directories OK, lowest free space 42.0% (/b)");
    assert.equal(exitCodeOf(r.outcome), 0);
  });

  test("with --warning/--critical the lowest free percent decides, and the low directories are named", () => {
    const t = thresholds("directories", "15:", "5:").free;
    const r = checkDirectories([
      dir("/a", "ERROR", 211, 4.2),
      dir("/b", "WARNING", 210, 9.9),
      dir("/c", "OK", 0, 50),
    ], t);
    const p = verified(r);
    assert.equal(r.state, "CRITICAL");
    assert.equal(p.text, "1 directory low on space: /a 4.2% free");
    assert.deepEqual(perf(p, "min_free"), { label: "min_free", value: 4.2, uom: "%", warn: "15:", crit: "5:", min: 0, max: 100 });
    const warnOnly = checkDirectories([dir("/a", "OK", 0, 14), dir("/b", "WARNING", 210, 9.9), dir("/c", "OK", 0, 50)], t);
    assert.equal(verified(warnOnly).text, "2 directories low on space: /b 9.9% free, /a 14.0% free");
    assert.equal(warnOnly.state, "WARNING");
  });

  test("thresholds can loosen the probe's own space rule: 12% free is OK under --warning 10:", () => {
    const r = checkDirectories([dir("/a", "WARNING", 210, 12), dir("/b", "ERROR", 211, 30, "free space 1.0 GiB is below 2.0 GiB")], thresholds("directories", "10:").free);
    verified(r);
    assert.equal(r.state, "OK");
    assert.equal(r.text, "2 directories OK, lowest free space 12.0% (/a)");
  });

  test("thresholds do not hide the probe's other findings: a missing or stuck directory stays CRITICAL", () => {
    const r = checkDirectories([dir("/gone", "ERROR", 201, null), dir("/nfs", "ERROR", 206, null), dir("/ok", "OK", 0, 60)], thresholds("directories", "10:", "5:").free);
    const p = verified(r);
    assert.equal(r.state, "CRITICAL");
    assert.equal(p.text, "2 of 3 directories not OK: /gone missing, /nfs stuck; lowest free space 60.0% (/ok)");
  });

  test("thresholds, but no directory could give its free space: UNKNOWN, never OK", () => {
    const r = checkDirectories([dir("/x", "UNKNOWN", 207, null)], thresholds("directories", "10:").free);
    verified(r);
    assert.equal(r.state, "UNKNOWN");
    assert.match(r.text, /free space unknown/);
  });

  test("an inside range (@) works on the lowest percent", () => {
    const t = thresholds("directories", undefined, "@0:3").free;
    assert.equal(checkDirectories([dir("/a", "OK", 0, 2.5)], t).state, "CRITICAL");
    assert.equal(checkDirectories([dir("/a", "OK", 0, 3.5)], t).state, "OK");
  });

  test("many low directories: counted in full, listed with …", () => {
    const dirs = Array.from({ length: 5 }, (_, i) => dir(`/data/${i}`, "WARNING", 210, 10 + i));
    const r = checkDirectories(dirs, thresholds("directories", "15:").free);
    assert.equal(verified(r).text, "5 directories low on space: /data/0 10.0% free, /data/1 11.0% free, /data/2 12.0% free, …");
  });

  test("paths with spaces and quotes become quoted perfdata labels", () => {
    const r = checkDirectories([dir("/data/my disk", "OK", 0, 50), dir("/it's", "OK", 0, 60)]);
    const p = verified(r);
    assert.deepEqual(p.perfdata.map((x) => x.label), ["min_free", "/data/my disk", "/it's"]);
  });

  test("no directories configured is UNKNOWN", () => {
    const r = checkDirectories([]);
    verified(r);
    assert.equal(r.state, "UNKNOWN");
    assert.equal(r.text, "no directories are configured");
  });
});

// ---------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------

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

  test("formatAge", () => {
    assert.equal(formatAge(0), "0 s");
    assert.equal(formatAge(119_000), "119 s");
    assert.equal(formatAge(7 * 60_000), "7 min");
    assert.equal(formatAge(3 * 3_600_000), "3 h");
    assert.equal(formatAge(72 * 3_600_000), "3 d");
  });
});
