/**
 * Issue 3, done when: `nodekeeper report --dry-run` and `nodekeeper status
 * --json`, run as real processes of the built CLI against a fake nodetool that
 * serves the version's samples, report a node whose ring shows its second data
 * center down (the peers, their hints, the repair state) for 3.11, 4.0, 4.1
 * and 5.0; a hanging nodetool is killed within its deadline with nothing left
 * running; JMX refused (both JDK wordings) is ERROR 301 with the repair state
 * UNKNOWN; ten report cycles stay within the JVM budget.
 *
 * Traffic stays on loopback. The samples' ring members are 10.10.1.x and
 * 10.20.1.x, and a configured peer is probed for connectivity: TCP to its
 * host port, HTTPS to its server, and TCP to ports 9042/7000 of its
 * `cassandraAddress` (src/probes/connectivity/probe.ts, peerTargets: the
 * Cassandra view connects to `cassandraAddress ?? address`). Mapping peers to
 * 127.0.0.x is therefore not enough: the Cassandra probe needs the ring
 * address (as `cassandraAddress`, or as `address`) to find a peer in the ring,
 * and the connectivity probe then connects to exactly that address, and no
 * per-peer setting moves those ports to another address. So every run whose
 * configuration names a 10.x address runs in a network namespace of its own
 * (`unshare -rn`, see peers.ts): only `lo` exists there, the six ring
 * addresses are put on it, and whatever connects to them is refused by that
 * `lo`, which the tests assert (every view `refused`). The runner refuses to
 * start if the namespace has any other interface. Runs with no 10.x address in
 * their configuration (the hanging and the refusing nodetool) need no
 * namespace. Without namespace support the namespace tests are skipped, never
 * run outside one.
 *
 * Order of runs (issue 17): the first cycle on a fresh state folder reads
 * every fact of the report (at most 9 JVMs), later cycles at most 2.5 JVMs on
 * average (the JVM-budget test shows that). Each version test first runs
 * `status --json --fresh` (reads every fact now and fills the cache), then
 * `report --dry-run`, which must give the same answer from `status` plus the
 * cache.
 *
 * Samples: 3.11 and 4.1 are the shared ones (../shared/nodetool); their `info`
 * is served as the sample's text with this ring's host ID (the 3.11 sample's
 * ID is no member of the multi-DC ring; the only 4.1 sample has gossip and
 * CQL off, turned on here), see peers.ts. For 4.0 and
 * 5.0, test/fixtures/nodetool/{4.0,5.0}/status-multidc-down.txt, 4.0/
 * tpstats-json-idle.txt, compactionstats-idle.txt, netstats-idle.txt and 5.0/
 * listpendinghints-multidc-down.txt, netstats-idle.txt, version.txt,
 * repair_admin-list-empty.txt were written for these tests by the
 * `TableBuilder`/printf/Jackson rules of FORMATS.md, with a generator that
 * reproduces the 4.1 samples byte for byte. The 4.0 tpstats JSON is the 4.1
 * sample without what 4.1 added (PaxosRepairStage, the 21 PAXOS2_* verbs:
 * 66 verbs left, as 4.0 has) and without repair activity.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import type { StatusView } from "../../src/commands/status.js";
import { HealthReportSchema } from "../../src/contract/report.js";
import type { HealthReport } from "../../src/contract/report.js";
import { makeNodeFixture } from "../helpers/node-fixture.js";
import { suiteOwner } from "../helpers/temp.js";
import {
  DOWN_ADDRESSES,
  FAKE_NODETOOL,
  RING_ADDRESSES,
  SCENARIOS,
  VERSIONS,
  json,
  netnsSupport,
  nodetoolCalls,
  runNodekeeper,
  scenarioPeers,
  waitGone,
  type CassandraScenario,
  type FakeAnswer,
} from "./peers.js";

type StatusJson = Omit<StatusView, "snapshot">;

const NAGIOS_EXIT: Record<string, number> = { OK: 0, NOT_INSTALLED: 0, WARNING: 1, ERROR: 2, UNKNOWN: 3 };
const NETNS = netnsSupport();
const needsNetns = NETNS.ok ? {} : { skip: `no network namespace here (${NETNS.reason}); the samples' 10.x peers are never probed outside one` };

interface TestNode {
  readonly configFile: string;
  readonly env: Record<string, string>;
  readonly log: string;
  readonly dir: string;
}

const files = suiteOwner();

/** A node whose nodetool is the fake one, answering from `map` (or in `mode`). */
function cassandraNode(options: {
  map?: Readonly<Record<string, FakeAnswer>>;
  env?: Record<string, string>;
  peers?: readonly unknown[];
  cassandra?: Record<string, unknown>;
  probes?: Record<string, unknown>;
}): TestNode {
  const node = makeNodeFixture(files);
  const log = join(node.dir, "nodetool.log");
  const configFile = node.config({
    nodeIp: "127.0.0.1",
    server: { timeoutMs: 1_000 }, // node facts: nothing listens on the default https://127.0.0.1:8021
    components: [],
    directories: [],
    cassandra: { nodetool: [process.execPath, FAKE_NODETOOL], ...options.cassandra },
    peers: options.peers ?? [],
    connectivity: { timeoutMs: 1_000 },
    ...(options.probes ? { probes: options.probes } : {}),
  });
  return {
    configFile,
    dir: node.dir,
    log,
    env: {
      ...node.env,
      FAKE_NODETOOL_LOG: log,
      ...(options.map ? { FAKE_NODETOOL_MAP: JSON.stringify(options.map) } : {}),
      ...options.env,
    },
  };
}

function expectedHints(s: CassandraScenario, address: string): number | null {
  return s.hints === null ? null : (s.hints[address] ?? null);
}

function sorted<T>(rows: T[]): T[] {
  return [...rows].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

// Independent nodes (own folders, own fake nodetool log): run side by side, the long JVM-budget run first.
describe("issue 3 through the CLI", { concurrency: 3 }, () => {
  // Issue 17 replaced issue 3's budget (at most 2 JVMs a cycle, facts trickling in over cycles): the first
  // cycle reads every fact (at most 9 JVMs), the cycles after it at most 2.5 JVMs each on average.
  test("JVM budget: ten consecutive report --dry-run cycles: at most 9 JVMs in the first, at most 2.5 a cycle after it", needsNetns, async (t) => {
    const s = SCENARIOS["4.1"];
    const peers = scenarioPeers(s);
    const node = cassandraNode({ map: s.map, peers: peers.map((p) => p.config) });
    const perRun: number[] = [];
    let body: HealthReport | undefined;
    for (let i = 0; i < 10; i++) {
      const before = nodetoolCalls(node.log).length;
      const r = await runNodekeeper(["--config", node.configFile, "report", "--dry-run"], { env: node.env, netns: RING_ADDRESSES });
      assert.equal(r.code, 0, r.stderr);
      body = HealthReportSchema.parse(json(r));
      perRun.push(nodetoolCalls(node.log).length - before);
    }
    const total = nodetoolCalls(node.log).length;
    const figure = `JVM budget: ${total} nodetool invocations in 10 report --dry-run cycles (per cycle: ${perRun.join(", ")})`;
    t.diagnostic(figure);
    console.log(figure);
    assert.ok((perRun[0] ?? 0) <= 9, figure);
    assert.ok(perRun.slice(1).reduce((a, b) => a + b, 0) / 9 <= 2.5, figure);
    assert.ok(perRun.every((n) => n >= 1 && n <= 9), figure);
    assert.ok(body);
    assert.equal(body.cassandraRepairState, s.repairState);
    assert.deepEqual(
      body.connectivityMetrics.map((m) => [m.nodeId, m.cassandraHints]),
      peers.map((p) => [p.nodeId, expectedHints(s, p.ring.address)]),
    );
  });

  describe("multi-DC, second DC down: status --json and report --dry-run through the CLI", { concurrency: 2 }, () => {
    for (const version of VERSIONS) {
      test(`Cassandra ${version}: the down peers, their hints and the repair state`, needsNetns, async () => {
        const s = SCENARIOS[version];
        const peers = scenarioPeers(s);
        const node = cassandraNode({ map: s.map, peers: peers.map((p) => p.config) });

        // --- status --json --fresh: reads every fact now (and fills the cache)
        const st = await runNodekeeper(["--config", node.configFile, "status", "--json", "--fresh"], { env: node.env, netns: RING_ADDRESSES });
        const view = json<StatusJson>(st);
        const c = view.cassandra;
        assert.equal(c.version, s.release, c.health.description);
        assert.deepEqual({ status: c.health.status, resultCode: c.health.resultCode }, { status: "WARNING", resultCode: 320 }, c.health.description);
        assert.match(c.health.description, /^3 other ring members are down or unknown: /);
        for (const address of DOWN_ADDRESSES) assert.ok(c.health.description.includes(`${address} (DN, dc2)`), c.health.description);
        assert.equal(c.localRingState, "UN");
        assert.deepEqual({ address: c.local.address, dc: c.local.dataCenter, by: c.local.identifiedBy }, { address: s.local, dc: "dc1", by: "hostId" });
        assert.ok(c.ring);
        assert.equal(c.ring.members, 6);
        assert.deepEqual(
          sorted(c.ring.dataCenters.map((d) => [d.name, d.members, d.up, d.down, d.unknown])),
          [["dc1", 3, 3, 0, 0], ["dc2", 3, 0, 3, 0]],
        );
        assert.deepEqual(
          sorted(c.ring.downMembers.map((m) => [m.address, m.ringState, m.dataCenter])),
          DOWN_ADDRESSES.map((a) => [a, "DN", "dc2"]),
        );
        // Every configured peer, in configuration order: its ring state and the hint files held for it.
        assert.deepEqual(
          c.peers.map((p) => [p.nodeId, p.ringState, p.dataCenter, p.hints]),
          peers.map((p) => [p.nodeId, p.ring.ringState, p.ring.dataCenter, expectedHints(s, p.ring.address)]),
        );
        assert.equal(c.repairState, s.repairState, c.repairDetail);
        assert.equal(c.totalHints, s.hints === null ? null : Object.values(s.hints).reduce((a, b) => a + b, 0));
        // Every fact of this version was read, but the supplementary ones (issue 17: at most 9 runs; netstats and
        // compactionstats are no repair source where repair_admin exists, and come in the next cycle).
        assert.deepEqual(c.facts.filter((f) => f.source === "none" && f.name !== "netstats" && f.name !== "compactionstats"), [], "every fact of this version was read");
        // The ring states reach the peer table; connectivity ran inside the namespace,
        // where nothing listens: every view of every peer (10.x included) refused on its lo.
        for (const p of view.connectivity.peers) {
          assert.deepEqual([p.nodeId, p.host.outcome, p.server.outcome, p.cassandra.outcome], [p.nodeId, "refused", "refused", "refused"], p.cassandra.detail);
        }
        assert.equal(view.connectivity.summary.status, "ERROR");
        assert.equal(view.overall, "ERROR");
        assert.equal(st.code, NAGIOS_EXIT[view.overall]);

        const calls = nodetoolCalls(node.log).map((call) => call.argv.join(" "));
        for (const command of s.neverRun) {
          assert.ok(!calls.some((a) => a.startsWith(command)), `${command} is not run on ${version}: ${calls.join(", ")}`);
        }

        // --- report --dry-run: the same answer, from `status` plus the cache
        const before = nodetoolCalls(node.log).length;
        const dry = await runNodekeeper(["--config", node.configFile, "report", "--dry-run"], { env: node.env, netns: RING_ADDRESSES });
        assert.equal(dry.code, 0, dry.stderr);
        const body: HealthReport = HealthReportSchema.parse(json(dry));
        assert.equal(body.cassandraRepairState, s.repairState);
        const component = body.componentStatuses.find((x) => x.name === "cassandra");
        assert.ok(component, "a cassandra component");
        assert.deepEqual({ status: component.status, resultCode: component.resultCode }, { status: "WARNING", resultCode: 320 }, component.description);
        for (const address of DOWN_ADDRESSES) assert.ok(component.description.includes(address), component.description);
        assert.equal(body.componentVersions.find((x) => x.name === "cassandra")?.version, s.release);
        assert.deepEqual(
          body.connectivityMetrics.map((m) => [m.nodeId, m.cassandraHints, m.hostConnected, m.serverConnected, m.cassandraConnected]),
          peers.map((p) => [p.nodeId, expectedHints(s, p.ring.address), false, false, false]),
        );
        // Every fact of the report was fresh in the cache: the cycle ran `status`, and only the supplementary
        // facts the 9-run fresh read had no room for (issue 17).
        const next = nodetoolCalls(node.log).slice(before).map((call) => call.argv.join(" "));
        assert.equal(next[0], "status");
        assert.deepEqual(next.slice(1).filter((a) => a !== "netstats" && a !== "compactionstats"), [], next.join(", "));
      });
    }
  });

  test("a hanging nodetool: killed at its deadline with its grandchild, Cassandra UNKNOWN 304", async () => {
    const timeoutMs = 1_000; // the smallest cassandra.timeoutMs the configuration accepts
    const node = cassandraNode({
      cassandra: { timeoutMs },
      probes: { deadlineMs: 10_000 },
      env: { FAKE_NODETOOL_MODE: "hang" },
    });
    const pidFile = join(node.dir, "nodetool.pids");
    const r = await runNodekeeper(["--config", node.configFile, "status", "--json"], {
      env: { ...node.env, FAKE_NODETOOL_PIDFILE: pidFile },
      timeoutMs: 30_000,
    });
    const view = json<StatusJson>(r);
    const c = view.cassandra;
    assert.deepEqual({ status: c.health.status, resultCode: c.health.resultCode }, { status: "UNKNOWN", resultCode: 304 }, c.health.description);
    assert.match(c.health.description, /did not finish within 1 s and was killed with its process group/);
    assert.equal(c.repairState, "UNKNOWN");
    assert.equal(view.overall, "UNKNOWN");
    assert.equal(r.code, 3);
    // Killed at its deadline (not before, not at the pass's 10 s backstop), and nothing waited for the hung
    // process afterwards: the probing pass ended with it, and the process did not linger (the wall-clock bound
    // is loose: starting node on a busy two-core machine takes seconds).
    assert.ok(c.durationMs >= timeoutMs - 50 && c.durationMs < timeoutMs + 4_000, `Cassandra probe took ${c.durationMs} ms`);
    assert.ok(view.durationMs < timeoutMs + 4_000, `probing took ${view.durationMs} ms`);
    assert.ok(r.durationMs < 25_000, `status took ${Math.round(r.durationMs)} ms`);
    // After a timeout no further JVM is started.
    assert.equal(nodetoolCalls(node.log).length, 1);
    const pids = readFileSync(pidFile, "utf8").trim().split(/\s+/).map(Number);
    assert.equal(pids.length, 2, "the fake nodetool and its grandchild");
    assert.ok(pids.every((pid) => Number.isInteger(pid) && pid > 1), String(pids));
    assert.deepEqual(await waitGone(pids, 2_000), [], "nodetool and its grandchild are gone");
  });

  describe("JMX refused", () => {
    for (const jdk of ["8", "11"] as const) {
      const wording = jdk === "8" ? "'Connection refused (Connection refused)'" : "'Connection refused'";
      test(`JDK ${jdk} wording ${wording}: ERROR 301, repair state and hints unknown, one JVM`, async () => {
        // Loopback peers only: this run needs no namespace.
        const peers = [{ nodeId: "node-2", address: "127.0.3.31" }, { nodeId: "node-3", address: "127.0.3.32" }];
        const node = cassandraNode({ peers, env: { FAKE_NODETOOL_MODE: "refuse", FAKE_NODETOOL_JDK: jdk } });
        const r = await runNodekeeper(["--config", node.configFile, "report", "--dry-run"], { env: node.env });
        assert.equal(r.code, 0, r.stderr);
        const body = HealthReportSchema.parse(json(r));
        const component = body.componentStatuses.find((x) => x.name === "cassandra");
        assert.ok(component);
        assert.deepEqual({ status: component.status, resultCode: component.resultCode }, { status: "ERROR", resultCode: 301 }, component.description);
        assert.ok(component.description.includes("127.0.0.1:7199"), component.description);
        assert.ok(component.description.includes(`ConnectException ${wording}`), component.description);
        assert.equal(body.cassandraRepairState, "UNKNOWN");
        assert.deepEqual(body.connectivityMetrics.map((m) => [m.nodeId, m.cassandraHints]), [["node-2", null], ["node-3", null]]);
        assert.equal(body.componentVersions.find((x) => x.name === "cassandra")?.version, null);
        assert.deepEqual(nodetoolCalls(node.log).map((call) => call.argv.join(" ")), ["status"], "no JVM after JMX refused");
      });
    }
  });
});
