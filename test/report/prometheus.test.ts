import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { escapeLabelValue, renderMetrics, TEXTFILE_NAME, writeTextfile, type MetricsInput } from "../../src/report/prometheus.js";
import { tempDir } from "../helpers/temp.js";
import { assertNamingConventions, parseExposition, type MetricFamily } from "./exposition.js";

const INPUT: MetricsInput = {
  version: "0.1.0",
  components: [
    { name: "dynatrace-server", status: "OK", resultCode: 0 },
    { name: "dynatrace-cassandra", status: "ERROR", resultCode: 102 },
    { name: "dynatrace-nginx", status: "NOT_INSTALLED", resultCode: 101 },
  ],
  directories: [
    { path: "/var/opt/data", status: "WARNING", resultCode: 210, freeBytes: 10_737_418_240, totalBytes: 107_374_182_400, freePercent: 10 },
    { path: "/missing", status: "ERROR", resultCode: 201, freeBytes: null, totalBytes: null, freePercent: null },
  ],
  peers: [
    { nodeId: "node-2", hostConnected: true, serverConnected: true, cassandraConnected: true, hostLatencyMs: 0.5, serverLatencyMs: 12.25, cassandraHints: 29 },
    { nodeId: "node-3", hostConnected: false, serverConnected: false, cassandraConnected: false, hostLatencyMs: null, serverLatencyMs: null, cassandraHints: null },
  ],
  lastExchangeSuccessAt: new Date("2026-11-21T05:00:00.500Z"),
  outboxReports: 3,
  cycleDurationMs: 4_250,
};

function value(families: Map<string, MetricFamily>, name: string, labels: Record<string, string> = {}): number | undefined {
  const family = families.get(name);
  const sample = family?.samples.find((s) => Object.keys(labels).length === Object.keys(s.labels).length && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  return sample?.value;
}

test("renderMetrics: valid exposition format, conventions kept, values in base units", () => {
  const text = renderMetrics(INPUT);
  const families = parseExposition(text);
  assertNamingConventions(families);

  assert.equal(value(families, "nodekeeper_build_info", { version: "0.1.0" }), 1);
  // Status one-hot: exactly one 1 per component, over the five statuses.
  for (const c of INPUT.components) {
    const samples = families.get("nodekeeper_component_status")!.samples.filter((s) => s.labels["component"] === c.name);
    assert.deepEqual(samples.map((s) => s.labels["status"]).sort(), ["ERROR", "NOT_INSTALLED", "OK", "UNKNOWN", "WARNING"]);
    assert.deepEqual(samples.filter((s) => s.value === 1).map((s) => s.labels["status"]), [c.status]);
    assert.equal(samples.filter((s) => s.value === 0).length, 4);
  }
  assert.equal(value(families, "nodekeeper_component_result_code", { component: "dynatrace-cassandra" }), 102);

  assert.equal(value(families, "nodekeeper_directory_status", { path: "/var/opt/data", status: "WARNING" }), 1);
  assert.equal(value(families, "nodekeeper_directory_status", { path: "/missing", status: "ERROR" }), 1);
  assert.equal(value(families, "nodekeeper_directory_free_bytes", { path: "/var/opt/data" }), 10_737_418_240);
  assert.equal(value(families, "nodekeeper_directory_size_bytes", { path: "/var/opt/data" }), 107_374_182_400);
  assert.equal(value(families, "nodekeeper_directory_free_ratio", { path: "/var/opt/data" }), 0.1);
  assert.equal(value(families, "nodekeeper_directory_free_bytes", { path: "/missing" }), undefined, "unknown values are left out, not 0");
  assert.equal(value(families, "nodekeeper_directory_result_code", { path: "/missing" }), 201);

  assert.equal(value(families, "nodekeeper_peer_host_up", { peer: "node-2" }), 1);
  assert.equal(value(families, "nodekeeper_peer_host_up", { peer: "node-3" }), 0);
  assert.equal(value(families, "nodekeeper_peer_server_up", { peer: "node-3" }), 0);
  assert.equal(value(families, "nodekeeper_peer_cassandra_up", { peer: "node-2" }), 1);
  assert.equal(value(families, "nodekeeper_peer_host_latency_seconds", { peer: "node-2" }), 0.0005);
  assert.equal(value(families, "nodekeeper_peer_server_latency_seconds", { peer: "node-2" }), 0.01225);
  assert.equal(value(families, "nodekeeper_peer_server_latency_seconds", { peer: "node-3" }), undefined);
  assert.equal(value(families, "nodekeeper_peer_cassandra_hint_files", { peer: "node-2" }), 29);
  assert.equal(value(families, "nodekeeper_peer_cassandra_hint_files", { peer: "node-3" }), undefined);

  assert.equal(value(families, "nodekeeper_last_exchange_success_timestamp_seconds"), 1_795_237_200.5);
  assert.equal(value(families, "nodekeeper_outbox_reports"), 3);
  assert.equal(value(families, "nodekeeper_cycle_duration_seconds"), 4.25);
  for (const f of families.values()) assert.equal(f.type, "gauge", `${f.name}: nodekeeper exports gauges only`);
});

test("renderMetrics: label values with backslash, quote and newline are escaped and read back intact", () => {
  const nasty = 'C:\\data "quoted"\nline two';
  assert.equal(escapeLabelValue(nasty), 'C:\\\\data \\"quoted\\"\\nline two');
  const text = renderMetrics({ ...INPUT, components: [{ name: nasty, status: "OK", resultCode: 0 }], peers: [{ ...INPUT.peers[0]!, nodeId: "nöde-ü 💾" }] });
  const families = parseExposition(text);
  assert.equal(value(families, "nodekeeper_component_status", { component: nasty, status: "OK" }), 1);
  assert.equal(value(families, "nodekeeper_peer_host_up", { peer: "nöde-ü 💾" }), 1);
  assert.equal(text.split("\n").filter((l) => l.includes("quoted")).length, 6, "the newline did not split a line (5 status samples + 1 result code)");
});

test("renderMetrics: duplicate names never give duplicate series (node_exporter would drop the whole file)", () => {
  const text = renderMetrics({
    ...INPUT,
    components: [{ name: "x", status: "OK", resultCode: 0 }, { name: "x", status: "ERROR", resultCode: 102 }],
    directories: [INPUT.directories[0]!, INPUT.directories[0]!],
  });
  const families = parseExposition(text); // throws on a duplicate series
  assert.equal(value(families, "nodekeeper_component_status", { component: "x", status: "OK" }), 1, "the first one wins");
  assert.equal(families.get("nodekeeper_directory_free_bytes")?.samples.length, 1);
});

test("renderMetrics: a node with nothing known still gives a valid file; never exchanged is 0, so staleness alerts fire", () => {
  const text = renderMetrics({ version: "0.1.0", components: [], directories: [], peers: [], lastExchangeSuccessAt: null, outboxReports: null, cycleDurationMs: null });
  const families = parseExposition(text);
  assertNamingConventions(families);
  assert.deepEqual([...families.keys()].sort(), ["nodekeeper_build_info", "nodekeeper_last_exchange_success_timestamp_seconds"]);
  assert.equal(value(families, "nodekeeper_last_exchange_success_timestamp_seconds"), 0);
  const invalid = parseExposition(renderMetrics({ ...INPUT, lastExchangeSuccessAt: new Date("not a date"), cycleDurationMs: Number.NaN, outboxReports: null }));
  assert.equal(value(invalid, "nodekeeper_last_exchange_success_timestamp_seconds"), 0, "an invalid Date is 0, not NaN");
  assert.equal(invalid.has("nodekeeper_cycle_duration_seconds"), false, "NaN is left out");
  assert.equal(invalid.has("nodekeeper_outbox_reports"), false);
});

test("writeTextfile: atomic replace, 0644 despite a strict umask, no temp file left, nothing ending in .prom but the file", async (t) => {
  const dir = tempDir(t, "nk-prom-");
  const first = renderMetrics(INPUT);
  const previous = process.umask(0o077); // as under the systemd unit's UMask=0077
  try {
    const path = await writeTextfile(dir, first);
    assert.equal(path, join(dir, TEXTFILE_NAME));
    assert.equal(readFileSync(path, "utf8"), first);
    assert.equal(statSync(path).mode & 0o777, 0o644, "node_exporter (another user) must be able to read it");
    const second = renderMetrics({ ...INPUT, outboxReports: 0 });
    await writeTextfile(dir, second);
    assert.equal(readFileSync(path, "utf8"), second);
  } finally {
    process.umask(previous);
  }
  assert.deepEqual(readdirSync(dir), [TEXTFILE_NAME]);
});

test("writeTextfile: a reader during many rewrites always sees a whole file", async (t) => {
  const dir = tempDir(t, "nk-prom-");
  const texts = [renderMetrics(INPUT), renderMetrics({ ...INPUT, peers: [] }), renderMetrics({ ...INPUT, components: [] })];
  await writeTextfile(dir, texts[0]!);
  const path = join(dir, TEXTFILE_NAME);
  let reads = 0;
  let writing = true;
  const reader = (async () => {
    while (writing) {
      const seen = readFileSync(path, "utf8");
      assert.ok(texts.includes(seen), "a torn or mixed file was read");
      reads++;
      await new Promise((resolve) => setImmediate(resolve));
    }
  })();
  for (let i = 0; i < 60; i++) await writeTextfile(dir, texts[i % texts.length]!);
  writing = false;
  await reader;
  assert.ok(reads > 0);
});

test("writeTextfile: stale temp files of a crashed write are removed; fresh ones (another writer) are kept", async (t) => {
  const dir = tempDir(t, "nk-prom-");
  const stale = join(dir, `.${TEXTFILE_NAME}.123.dead.tmp`);
  const fresh = join(dir, `.${TEXTFILE_NAME}.456.busy.tmp`);
  const other = join(dir, "other.prom");
  writeFileSync(stale, "x");
  writeFileSync(fresh, "x");
  writeFileSync(other, "# another exporter's file\n");
  const old = new Date(Date.now() - 60 * 60_000);
  utimesSync(stale, old, old);
  await writeTextfile(dir, renderMetrics(INPUT));
  assert.deepEqual(readdirSync(dir).sort(), [`.${TEXTFILE_NAME}.456.busy.tmp`, TEXTFILE_NAME, "other.prom"].sort());
});

test("writeTextfile: a missing folder is an error (it is node_exporter's to create), and leaves nothing behind", async (t) => {
  const dir = tempDir(t, "nk-prom-");
  await assert.rejects(writeTextfile(join(dir, "nope"), "x\n"), { code: "ENOENT" });
  assert.equal(existsSync(join(dir, "nope")), false, "the folder is not created");
  assert.deepEqual(readdirSync(dir), []);
});

test("the test's exposition parser is strict: it refuses what node_exporter would refuse", () => {
  const head = "# HELP nodekeeper_x Something measured.\n# TYPE nodekeeper_x gauge\n";
  const bad: ReadonlyArray<[string, RegExp]> = [
    ["nodekeeper_x 1\n", /no HELP|outside its family/],
    [`${head}nodekeeper_x 1`, /end with a newline/],
    [`${head}nodekeeper_x 1 1700000000000\n`, /timestamp/],
    [`${head}nodekeeper_x{a="1"} 1\nnodekeeper_x{a="1"} 2\n`, /duplicate series/],
    [`${head}nodekeeper_x{a="\\q"} 1\n`, /bad escape/],
    [`${head}nodekeeper_x{a="1",a="2"} 1\n`, /label a twice/],
    [`${head}nodekeeper_x{__a="1"} 1\n`, /reserved label/],
    [`${head}nodekeeper_x one\n`, /bad value/],
    [`${head}\nnodekeeper_x 1\n`, /empty line/],
    [`${head}# a comment\nnodekeeper_x 1\n`, /neither HELP nor TYPE/],
    [`${head}nodekeeper_x 1\n# HELP nodekeeper_y Y things.\n# TYPE nodekeeper_y gauge\nnodekeeper_y 1\nnodekeeper_x 2\n`, /outside its family/],
    [`${head}# TYPE nodekeeper_x gauge\nnodekeeper_x 1\n`, /second TYPE/],
    [`# HELP nodekeeper_x X.\n# TYPE nodekeeper_x gauge\n`, /without samples/],
  ];
  for (const [text, why] of bad) assert.throws(() => parseExposition(text), why, JSON.stringify(text));
  const ok = parseExposition(`${head}nodekeeper_x{a="b\\\\c\\"d\\ne"} +Inf\nnodekeeper_x 1.5e-7\n`);
  assert.deepEqual(ok.get("nodekeeper_x")?.samples.map((s) => [s.labels, s.value]), [[{ a: 'b\\c"d\ne' }, Infinity], [{}, 1.5e-7]]);
  assert.throws(() => assertNamingConventions(parseExposition("# HELP nodekeeper_x_ms Latency in ms.\n# TYPE nodekeeper_x_ms gauge\nnodekeeper_x_ms 1\n")), /base units/);
  assert.throws(() => assertNamingConventions(parseExposition("# HELP nodekeeper_x_total Things counted.\n# TYPE nodekeeper_x_total gauge\nnodekeeper_x_total 1\n")), /_total exactly on counters/);
});

test("self-monitoring figures: the nodekeeper_self_* gauges, valid exposition, base units, unknown values left out", () => {
  const self = {
    recorded: true, lastCycleAt: "2026-12-07T12:00:00.000Z", lastCycleDurationMs: 1_250, cycleDeadlineMs: 50_000,
    consecutiveUndelivered: 4, outboxDepth: 4, lastApplyError: { at: "2026-12-07T11:00:00.000Z", action: "stop-server local", message: "exit 1" },
    applyFailedLastCycle: true, lastDeliveredAt: null, sinceLastDeliveryMs: null,
  };
  const families = parseExposition(renderMetrics({ ...INPUT, self }));
  assertNamingConventions(families);
  const value = (name: string) => families.get(name)?.samples[0]?.value;
  assert.equal(value("nodekeeper_self_last_cycle_duration_seconds"), 1.25);
  assert.equal(value("nodekeeper_self_cycle_deadline_seconds"), 50);
  assert.equal(value("nodekeeper_self_undelivered_cycles"), 4);
  assert.equal(value("nodekeeper_self_outbox_reports"), 4);
  assert.equal(value("nodekeeper_self_apply_failed"), 1);
  assert.equal(value("nodekeeper_self_last_apply_error_timestamp_seconds"), Date.parse("2026-12-07T11:00:00Z") / 1000);
  assert.equal(families.has("nodekeeper_self_last_delivery_age_seconds"), false, "never delivered: absent, not 0");
  // Nothing recorded yet: no self family at all.
  const none = parseExposition(renderMetrics({ ...INPUT, self: { ...self, recorded: false } }));
  assert.equal([...none.keys()].some((k) => k.startsWith("nodekeeper_self_")), false);
});
