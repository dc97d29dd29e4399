/**
 * Issue 17, done when, through the built CLI (`report --dry-run` as a real
 * process, a fake nodetool printing the real formats, one state folder per
 * node) for the 3.11, 4.0, 4.1 and 5.0 samples:
 * - on a fresh state folder a single `report --dry-run` carries the right
 *   repair state, per-peer hints and component status, in at most 9 nodetool
 *   runs;
 * - over ten cycles on one state folder every report is right, and the runs
 *   after the first average ≤ 2.5;
 * - a repair that starts after cycle 10 is RUNNING in the report by cycle 12;
 * - hint debt is shown from a listpendinghints sample whose oldest hint is
 *   near the window; `report --dry-run --fresh` reads every fact again.
 *
 * The samples' ring is 10.10.1.x / 10.20.1.x, and the connectivity probe
 * connects to the peers' ring addresses: every run is in a network namespace
 * of its own whose only interface is `lo` (test/e2e/peers.ts runNodekeeper),
 * skipped where namespaces are not available. Timestamps in listpendinghints
 * and summarize-repaired samples are absolute: they are moved by the same
 * delta so that "now" is the moment the samples describe.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { HealthReportSchema, type HealthReport } from "../../src/contract/report.js";
import { makeNodeFixture } from "../helpers/node-fixture.js";
import { suiteOwner } from "../helpers/temp.js";
import {
  FAKE_NODETOOL, FIXTURES, RING_ADDRESSES, SCENARIOS, json, netnsSupport, nodetoolCalls, runNodekeeper, scenarioPeers,
  type FakeAnswer, type Version,
} from "../e2e/peers.js";

const NETNS = netnsSupport();
const needsNetns = NETNS.ok ? {} : { skip: `no network namespace here (${NETNS.reason})` };

const files = suiteOwner();

const read = (path: string) => readFileSync(join(FIXTURES, path), "utf8");
const two = (n: number, w = 2) => String(n).padStart(w, "0");

/** `yyyy-MM-dd HH:mm:ss,SSS` (UTC) timestamps moved by `deltaMs`: same width, so the table stays aligned. */
function shiftHintTimes(text: string, deltaMs: number): string {
  return text.replace(/(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2}),(\d{3})/g, (_m, y: string, mo: string, d: string, h: string, mi: string, s: string, ms: string) => {
    const t = new Date(Date.UTC(+y, +mo - 1, +d, +h, +mi, +s, +ms) + deltaMs);
    return `${t.getUTCFullYear()}-${two(t.getUTCMonth() + 1)}-${two(t.getUTCDate())} ${two(t.getUTCHours())}:${two(t.getUTCMinutes())}:${two(t.getUTCSeconds())},${two(t.getUTCMilliseconds(), 3)}`;
  });
}

/** 13-digit epoch milliseconds (summarize-repaired) moved by `deltaMs`. */
function shiftEpochMs(text: string, deltaMs: number): string {
  return text.replace(/\b1\d{12}\b/g, (m) => String(Number(m) + deltaMs));
}

/** The moment the 4.1 samples describe (the unit tests' FakeClock). */
const SAMPLE_NOW_41 = Date.UTC(2024, 5, 19, 12, 0, 0);

interface VersionPlan {
  /** The map of a node where no repair runs. */
  readonly idle: Record<string, FakeAnswer>;
  /** What changes when a repair starts on this node. */
  readonly repair: Record<string, FakeAnswer>;
  readonly idleState: "IDLE" | "FAILED";
  /** Hint files per peer ring address; null where the version cannot tell. */
  readonly hints: Record<string, number> | null;
}

function plans(): Record<Version, VersionPlan> {
  const delta41 = Date.now() - SAMPLE_NOW_41;
  const repaired41: FakeAnswer = { stdoutText: shiftEpochMs(read("4.1/summarize_repaired-several.txt"), delta41) };
  return {
    "3.11": {
      idle: { ...SCENARIOS["3.11"].map },
      repair: { tpstats: "3.11/tpstats-json-validation-active.txt", compactionstats: "3.11/compactionstats-validation.txt", netstats: "3.11/netstats-streaming-repair.txt" },
      idleState: "IDLE",
      hints: null,
    },
    "4.0": {
      // The latest incremental session FAILED: FAILED until a repair runs.
      idle: { ...SCENARIOS["4.0"].map, "repair_admin list": "4.0/repair_admin-list-all-failed.txt", "repair_admin summarize-repaired": { stdoutText: shiftEpochMs(read("4.0/summarize_repaired-two-tables.txt"), delta41) } },
      repair: { tpstats: "4.0/tpstats-repair-pool.txt", "repair_admin list": "4.1/repair_admin-list-running.txt" },
      idleState: "FAILED",
      hints: null,
    },
    "4.1": {
      idle: {
        ...SCENARIOS["4.1"].map,
        tpstats: "4.0/tpstats-json-idle.txt", compactionstats: "4.1/compactionstats-idle.txt",
        "repair_admin list": "4.1/repair_admin-list-empty.txt", "repair_admin summarize-repaired": repaired41,
        listpendinghints: { stdoutText: shiftHintTimes(read("4.1/listpendinghints-several.txt"), delta41) },
        getmaxhintwindow: "4.1/getmaxhintwindow-default.txt",
      },
      repair: { tpstats: "4.1/tpstats-json-repair-validation-active.txt", "repair_admin list": "4.1/repair_admin-list-running.txt", compactionstats: "4.1/compactionstats-validation-human.txt" },
      idleState: "IDLE",
      hints: { "10.10.1.12": 0, "10.10.1.13": 1, "10.20.1.11": 14, "10.20.1.12": 14, "10.20.1.13": 0 },
    },
    "5.0": {
      idle: {
        ...SCENARIOS["5.0"].map,
        tpstats: "5.0/tpstats-json-idle.txt", compactionstats: "5.0/compactionstats-idle.txt",
        "repair_admin list": "5.0/repair_admin-list-empty.txt", "repair_admin summarize-repaired": "5.0/summarize_repaired-none.txt",
        // The sample's oldest hint (05:02) is 1 h 30 min old at "now".
        listpendinghints: { stdoutText: shiftHintTimes(read("5.0/listpendinghints-multidc-down.txt"), Date.now() - Date.UTC(2024, 9, 20, 6, 32, 3)) },
        getmaxhintwindow: "5.0/getmaxhintwindow-default.txt",
      },
      repair: { tpstats: "5.0/tpstats-json-validation.txt", compactionstats: "5.0/compactionstats-validation.txt" },
      idleState: "IDLE",
      hints: { "10.10.1.12": 0, "10.10.1.13": 0, "10.20.1.11": 12, "10.20.1.12": 9, "10.20.1.13": 11 },
    },
  };
}

function node(version: Version) {
  const fixture = makeNodeFixture(files);
  const scenario = SCENARIOS[version];
  const peers = scenarioPeers(scenario);
  const log = join(fixture.dir, "nodetool.log");
  const configFile = fixture.config({
    nodeIp: "127.0.0.1",
    server: { timeoutMs: 1_000 },
    components: [],
    directories: [],
    cassandra: { nodetool: [process.execPath, FAKE_NODETOOL], lowPriority: false },
    peers: peers.map((p) => p.config),
    connectivity: { timeoutMs: 1_000 },
  });
  let map: Record<string, FakeAnswer> = {};
  return {
    peers,
    log,
    setMap(m: Record<string, FakeAnswer>) {
      map = m;
    },
    async report(extra: string[] = []): Promise<{ body: HealthReport; runs: string[] }> {
      const before = nodetoolCalls(log).length;
      const r = await runNodekeeper(["--config", configFile, "report", "--dry-run", ...extra], {
        env: { ...fixture.env, FAKE_NODETOOL_LOG: log, FAKE_NODETOOL_MAP: JSON.stringify(map) },
        netns: RING_ADDRESSES,
      });
      assert.equal(r.code, 0, r.stderr);
      return { body: HealthReportSchema.parse(json(r)), runs: nodetoolCalls(log).slice(before).map((c) => c.argv.join(" ")) };
    },
  };
}

function cassandraComponent(body: HealthReport) {
  const c = body.componentStatuses.find((x) => x.name === "cassandra");
  assert.ok(c, "a cassandra component");
  return c;
}

describe("issue 17 through the CLI: right from the first report, fresh every cycle, within the JVM budget", { concurrency: 2 }, () => {
  for (const version of ["3.11", "4.0", "4.1", "5.0"] as const) {
    test(`Cassandra ${version}: first report complete; ten cycles right within 2.5 runs; a repair started after cycle 10 is RUNNING by cycle 12`, needsNetns, async (t) => {
      const plan = plans()[version];
      const n = node(version);
      n.setMap(plan.idle);
      const expectedHints = n.peers.map((p) => [p.nodeId, plan.hints === null ? null : (plan.hints[p.ring.address] ?? null)]);
      const runs: number[] = [];
      for (let cycle = 1; cycle <= 12; cycle++) {
        if (cycle === 11) n.setMap({ ...plan.idle, ...plan.repair });
        const { body, runs: commands } = await n.report();
        runs.push(commands.length);
        const component = cassandraComponent(body);
        const where = `cycle ${cycle}: ${component.description}`;
        assert.deepEqual([component.status, component.resultCode], ["WARNING", 320], where);
        assert.equal(body.componentVersions.find((x) => x.name === "cassandra")?.version, SCENARIOS[version].release, where);
        assert.deepEqual(body.connectivityMetrics.map((m) => [m.nodeId, m.cassandraHints]), expectedHints, where);
        if (cycle <= 10) assert.equal(body.cassandraRepairState, plan.idleState, where);
        if (cycle === 12) assert.equal(body.cassandraRepairState, "RUNNING", `${where}: runs ${commands.join(", ")}`);
        if (cycle === 1) {
          assert.ok(commands.length <= 9, commands.join(", "));
          assert.equal(commands[0], "status");
          assert.ok(commands.includes("info") && commands.includes("version"), commands.join(", "));
        }
      }
      const after1 = runs.slice(1, 10);
      const average = after1.reduce((a, b) => a + b, 0) / after1.length;
      const figure = `Cassandra ${version}: nodetool runs per cycle ${runs.join(", ")} (cycles 2-10 average ${average.toFixed(2)})`;
      t.diagnostic(figure);
      console.log(figure);
      assert.ok(average <= 2.5, figure);
    });
  }

  test("hint debt: a listpendinghints sample whose oldest hint is near the window → WARNING with the hint's age and the window; --fresh reads every fact again", needsNetns, async () => {
    const plan = plans()["4.1"];
    const n = node("4.1");
    // 10.20.1.12's oldest hint is 2 h 20 min old of a 3 h window.
    n.setMap({ ...plan.idle, listpendinghints: { stdoutText: shiftHintTimes(read("4.1/listpendinghints-near-window.txt"), Date.now() - SAMPLE_NOW_41) } });
    const first = await n.report();
    const component = cassandraComponent(first.body);
    assert.equal(component.status, "WARNING");
    assert.match(component.description, /Hints for 10\.20\.1\.12 are 2 h (19|20) min old, Cassandra drops hints after 3 h: a repair will be needed if it does not come back\./);
    const byNode = Object.fromEntries(first.body.connectivityMetrics.map((m) => [m.nodeId, m.cassandraHints]));
    assert.deepEqual([byNode["dc2-node-11"], byNode["dc2-node-12"]], [8, 27]);

    const cached = await n.report();
    assert.match(cassandraComponent(cached.body).description, /Hints for 10\.20\.1\.12/);
    const fresh = await n.report(["--fresh"]);
    assert.ok(fresh.runs.length <= 9, fresh.runs.join(", "));
    for (const c of ["status", "info", "version", "listpendinghints", "getmaxhintwindow", "describecluster"]) assert.ok(fresh.runs.includes(c), `${c} in ${fresh.runs.join(", ")}`);
    assert.match(cassandraComponent(fresh.body).description, /Hints for 10\.20\.1\.12/);
  });
});
