/**
 * The demo's fake nodetool speaks Cassandra 4.1's real formats: every output
 * goes through nodekeeper's own parsers, and the probe's peer matching and
 * repair-state derivation make of it what the demo's story needs.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { classifyNodetoolFailure } from "../../src/cassandra/parse/failure.js";
import { parseCompactionStats } from "../../src/cassandra/parse/compactionstats.js";
import type { ParseResult } from "../../src/cassandra/parse/common.js";
import { parseDescribeCluster } from "../../src/cassandra/parse/describecluster.js";
import { parseInfo } from "../../src/cassandra/parse/info.js";
import { parseListPendingHints } from "../../src/cassandra/parse/listpendinghints.js";
import { parseNetStats } from "../../src/cassandra/parse/netstats.js";
import { parseRepairAdminList } from "../../src/cassandra/parse/repair-admin.js";
import { parseStatus } from "../../src/cassandra/parse/status.js";
import { parseTpStats } from "../../src/cassandra/parse/tpstats.js";
import { parseVersion } from "../../src/cassandra/parse/version.js";
import { findLocal, matchPeers } from "../../src/cassandra/peers.js";
import { deriveRepairState } from "../../src/cassandra/repair.js";
import { NODES, THIS_NODE_ID, thisNode } from "../../src/dev/cluster.js";
import {
  describeClusterOutput, infoOutput, listPendingHintsOutput, nodetool, tableBuilder, tpstatsJson, tpstatsText,
} from "../../src/dev/nodetool-formats.js";

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), "..", "fixtures", "nodetool", "4.1");
const NOW = Date.parse("2026-11-21T10:00:00.000Z");
const world = (down: string[] = []) => ({ down: new Set(down), nowMs: NOW, downSinceMs: NOW - 60_000, uptimeSeconds: 3_600 });

function value<T>(result: ParseResult<T>): T {
  if (!result.ok) assert.fail(result.reason);
  return result.value;
}

function run(args: string[], down: string[] = []): string {
  const answer = nodetool(args, world(down));
  assert.equal(answer.exitCode, 0, `nodetool ${args.join(" ")}: ${answer.stdout}${answer.stderr}`);
  return answer.stdout;
}

const peers = NODES.filter((n) => n.id !== THIS_NODE_ID).map((n) => ({ nodeId: n.id, address: n.address }));

test("status: the real 4.1 layout (same bytes as the sample for the sample's rows), every node found, down ones DN", () => {
  // The layout rule, checked against a real sample: TableBuilder with two spaces, shared widths, trailing padding.
  const sample = readFileSync(join(FIXTURES, "status-multidc-down.txt"), "utf8").split("\n");
  const rows = sample.filter((l) => /^(--|UN|DN) /.test(l)).map((l) => l.trimEnd().split(/ {2,}/));
  assert.deepEqual(tableBuilder(rows, "  "), sample.filter((l) => /^(--|UN|DN) /.test(l)));

  const healthy = value(parseStatus(run(["status"])));
  assert.deepEqual(healthy.dataCenters, ["dc1", "dc2"]);
  assert.equal(healthy.members.length, 6);
  assert.ok(healthy.members.every((m) => m.ringState === "UN"));

  const ring = value(parseStatus(run(["status"], ["node-5", "node-6"])));
  const matched = matchPeers(peers, ring, null);
  assert.deepEqual(matched.map((p) => [p.nodeId, p.ringState, p.dataCenter]), [
    ["node-2", "UN", "dc1"], ["node-3", "UN", "dc1"], ["node-4", "UN", "dc1"], ["node-5", "DN", "dc2"], ["node-6", "DN", "dc2"],
  ]);
  const info = value(parseInfo(run(["info"])));
  assert.equal(info.hostId, thisNode().hostId);
  assert.equal(info.dataCenter, "dc2");
  assert.equal(info.gossipActive, true);
  assert.equal(info.nativeTransportActive, true);
  const local = findLocal(ring, info.hostId, matched);
  assert.equal(local?.member.ringState, "UN");
  assert.equal(local?.member.host, "127.0.0.1");
});

test("the slow facts parse, and make the repair state IDLE", () => {
  assert.equal(value(parseVersion(run(["version"]))).releaseVersion, "4.1.6");
  const describe = value(parseDescribeCluster(describeClusterOutput(new Set())));
  assert.equal(describe.schemaAgreement, true);
  const partial = value(parseDescribeCluster(describeClusterOutput(new Set(["node-5", "node-6"]))));
  assert.equal(partial.schemaAgreement, true);
  assert.deepEqual(partial.unreachable, ["127.0.0.5", "127.0.0.6"]);

  const json = value(parseTpStats(run(["tpstats", "-F", "json"])));
  const text = value(parseTpStats(run(["tpstats"])));
  assert.equal(json.format, "json");
  assert.equal(text.format, "text");
  assert.deepEqual(json.pools.map((p) => [p.name, p.active]), text.pools.map((p) => [p.name, p.active]));
  assert.match(tpstatsJson(), /^ {4}"ReadStage" : \{$/m, "Jackson's `\"key\" : value`");
  assert.match(tpstatsText(), /^Pool Name +Active Pending Completed Blocked All time blocked *$/m);

  const netstats = value(parseNetStats(run(["netstats"])));
  assert.equal(netstats.mode, "NORMAL");
  const compaction = value(parseCompactionStats(run(["compactionstats"])));
  const sessions = value(parseRepairAdminList(run(["repair_admin", "list", "--all"])));
  const repair = deriveRepairState({
    tpstats: { value: json, ageMs: 0 },
    compactionstats: { value: compaction, ageMs: 0 },
    netstats: { value: netstats, ageMs: 0 },
    repairSessions: { value: sessions, ageMs: 0 },
  }, true);
  assert.equal(repair.state, "IDLE", repair.detail);
});

test("listpendinghints: none when all are up; files for the down peers otherwise", () => {
  assert.equal(value(parseListPendingHints(listPendingHintsOutput(new Set(), NOW, NOW))).totalFiles, 0);
  const hints = value(parseListPendingHints(run(["listpendinghints"], ["node-5", "node-6"])));
  assert.equal(hints.totalFiles, 6);
  assert.deepEqual(hints.entries.map((e) => [e.host, e.status]), [["127.0.0.5", "DOWN"], ["127.0.0.6", "DOWN"]]);
  const ring = value(parseStatus(run(["status"], ["node-5", "node-6"])));
  assert.deepEqual(matchPeers(peers, ring, hints).map((p) => p.hints), [0, 0, 0, 3, 3]);
});

test("node-1's own Cassandra down: nodetool cannot connect, as the real one says it", () => {
  const answer = nodetool(["status"], world(["node-1"]));
  assert.equal(answer.exitCode, 1);
  assert.equal(answer.stdout, "");
  assert.equal(classifyNodetoolFailure(answer.stdout, answer.stderr)?.kind, "jmx_unreachable");
  // The same line as the 4.1 sample, with the demo's address.
  const sample = readFileSync(join(FIXTURES, "connection-refused-stderr.txt"), "utf8");
  assert.equal(answer.stderr, sample.replace("10.42.0.5", "127.0.0.1"));
});

test("an unknown command gets airline's answer; global options before the command are skipped", () => {
  const unknown = nodetool(["gossipinfo"], world());
  assert.equal(unknown.exitCode, 1);
  assert.equal(classifyNodetoolFailure(unknown.stdout, unknown.stderr)?.kind, "unsupported");
  assert.equal(nodetool(["-h", "127.0.0.1", "-p", "7199", "version"], world()).stdout, "ReleaseVersion: 4.1.6\n");
  assert.match(infoOutput(12.7), /^Uptime \(seconds\) {7}: 12$/m);
});
