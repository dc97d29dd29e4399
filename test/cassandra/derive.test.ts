/** Repair state, peer matching, ring summary and health: pure derivations over parsed samples. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CassandraConfigSchema } from "../../src/config/cassandra.js";
import { deriveHealth, failureHealth, type HealthInput } from "../../src/cassandra/health.js";
import type { ParseResult } from "../../src/cassandra/parse/common.js";
import { parseCompactionStats } from "../../src/cassandra/parse/compactionstats.js";
import { parseDescribeCluster } from "../../src/cassandra/parse/describecluster.js";
import { parseInfo } from "../../src/cassandra/parse/info.js";
import { parseListPendingHints } from "../../src/cassandra/parse/listpendinghints.js";
import { parseNetStats } from "../../src/cassandra/parse/netstats.js";
import { parseRepairAdminList, type RepairSessions } from "../../src/cassandra/parse/repair-admin.js";
import { parseStatus, type RingStatus } from "../../src/cassandra/parse/status.js";
import { parseTpStats } from "../../src/cassandra/parse/tpstats.js";
import { findLocal, matchPeers, summarizeRing } from "../../src/cassandra/peers.js";
import { deriveRepairState, latestSession, type RepairSources } from "../../src/cassandra/repair.js";
import { CASSANDRA_RESULT_CODES } from "../../src/contract/cassandra-result-codes.js";
import { StatusSchema } from "../../src/contract/status.js";
import { fixture } from "./support.js";

function value<T>(r: ParseResult<T>): T {
  if (!r.ok) assert.fail(r.reason);
  return r.value;
}
const now = <T>(v: T) => ({ value: v, ageMs: 0 });
const idleSources: RepairSources = {
  tpstats: now(value(parseTpStats(fixture("3.11/tpstats-json-hints-pending.txt")))),
  compactionstats: now(value(parseCompactionStats(fixture("3.11/compactionstats-idle.txt")))),
  netstats: now(value(parseNetStats(fixture("3.11/netstats-idle.txt")))),
  repairSessions: now(value(parseRepairAdminList(fixture("4.1/repair_admin-list-empty.txt")))),
};

describe("repair state", () => {
  it("IDLE when every source is quiet", () => {
    const r = deriveRepairState(idleSources, true);
    assert.equal(r.state, "IDLE");
    assert.match(r.detail, /no repair activity in tpstats now, compactionstats now, netstats now, repair_admin now/);
  });

  it("RUNNING for each kind of evidence on its own", () => {
    const cases: Array<[string, Partial<RepairSources>, RegExp]> = [
      ["Validation compaction", { compactionstats: now(value(parseCompactionStats(fixture("3.11/compactionstats-validation.txt")))) }, /Validation of shop\.orders 37\.23%/],
      ["5.0 Validation compaction", { compactionstats: now(value(parseCompactionStats(fixture("5.0/compactionstats-validation.txt")))) }, /Validation of metrics\.samples_by_day/],
      ["Repair stream", { netstats: now(value(parseNetStats(fixture("3.11/netstats-streaming-repair.txt")))) }, /Repair stream 86ac1e00 with 10\.0\.1\.12/],
      ["incremental session", { repairSessions: now(value(parseRepairAdminList(fixture("4.1/repair_admin-list-running.txt")))) }, /incremental session 89ac0c00 REPAIRING/],
      ["ValidationExecutor + Repair#", { tpstats: now(value(parseTpStats(fixture("4.1/tpstats-repair-validation-active.txt")))) }, /ValidationExecutor active 1, pending 2.*Repair#7 active 1/],
      ["Repair# pool alone", { tpstats: now(value(parseTpStats(fixture("4.0/tpstats-repair-pool.txt")))) }, /Repair#12 active 1/],
    ];
    for (const [name, override, detail] of cases) {
      const r = deriveRepairState({ ...idleSources, ...override }, true);
      assert.equal(r.state, "RUNNING", name);
      assert.match(r.detail, detail, name);
    }
  });

  it("a decommission stream or a plain compaction is not a repair", () => {
    const r = deriveRepairState({ ...idleSources, netstats: now(value(parseNetStats(fixture("4.1/netstats-decommission-human.txt")))) }, true);
    assert.equal(r.state, "IDLE");
  });

  it("each incremental session state that means work in progress", () => {
    for (const state of ["PREPARING", "PREPARED", "REPAIRING", "FINALIZE_PROMISED"]) {
      const sessions: RepairSessions = { sessions: [{ id: "89ac0c00-2e2b-11ef-8007-3f1a2b3c4d5e", state, lastActivitySeconds: 1, coordinator: null, coordinatorHost: null, participants: [] }] };
      assert.equal(deriveRepairState({ ...idleSources, repairSessions: now(sessions) }, true).state, "RUNNING", state);
    }
  });

  it("FAILED when nothing runs and the latest session failed; IDLE when a later one finished", () => {
    const failed = value(parseRepairAdminList(fixture("4.0/repair_admin-list-all-failed.txt")));
    const r = deriveRepairState({ ...idleSources, repairSessions: now(failed) }, true);
    assert.equal(r.state, "FAILED");
    assert.match(r.detail, /1b2c3d00-2e41-11ef-8061-3f1a2b3c4d5e FAILED, last activity 310 s/);

    const later: RepairSessions = { sessions: failed.sessions.map((s) => (s.state === "FINALIZED" && s.lastActivitySeconds === 7200 ? { ...s, lastActivitySeconds: 20 } : s)) };
    assert.equal(latestSession(later.sessions)?.state, "FINALIZED");
    assert.equal(deriveRepairState({ ...idleSources, repairSessions: now(later) }, true).state, "IDLE");

    // A running repair wins over an old failure.
    const busy = deriveRepairState({ ...idleSources, repairSessions: now(failed), tpstats: now(value(parseTpStats(fixture("5.0/tpstats-json-validation.txt")))) }, true);
    assert.equal(busy.state, "RUNNING");
  });

  it("UNKNOWN when Cassandra cannot be asked or nothing was read; 3.11 without repair_admin is still IDLE", () => {
    assert.equal(deriveRepairState(idleSources, false).state, "UNKNOWN");
    assert.equal(deriveRepairState({ tpstats: null, compactionstats: null, netstats: null, repairSessions: null }, true).state, "UNKNOWN");
    const old = deriveRepairState({ ...idleSources, repairSessions: "unsupported", tpstats: { value: idleSources.tpstats!.value, ageMs: 180_000 } }, true);
    assert.equal(old.state, "IDLE");
    assert.match(old.detail, /tpstats 3 min ago.*repair_admin not available on this version/);
  });
});

const ring = (path: string): RingStatus => value(parseStatus(fixture(path)));

describe("peers", () => {
  it("hints per peer (4.1): files for a member with hints, 0 for a member without, null for a non-member", () => {
    const r = ring("4.1/status-multidc-down.txt");
    const hints = value(parseListPendingHints(fixture("4.1/listpendinghints-several.txt")));
    const peers = matchPeers(
      [
        { nodeId: "n2", address: "10.10.1.12" },
        { nodeId: "n3", address: "10.10.1.13" },
        { nodeId: "n4", address: "10.20.1.11" },
        { nodeId: "n5", address: "10.20.1.12" },
        { nodeId: "x", address: "192.0.2.99" },
      ],
      r,
      hints,
    );
    assert.deepEqual(
      peers.map((p) => [p.nodeId, p.ringState, p.hints, p.dataCenter]),
      [["n2", "UN", 0, "dc1"], ["n3", "UN", 1, "dc1"], ["n4", "DN", 14, "dc2"], ["n5", "DN", 14, "dc2"], ["x", null, null, null]],
    );
  });

  it("null hints on versions that cannot tell, whatever the ring says", () => {
    const peers = matchPeers([{ nodeId: "n4", address: "10.20.1.11" }], ring("3.11/status-multidc-down.txt"), "unsupported");
    assert.deepEqual(peers.map((p) => [p.ringState, p.hints]), [["DN", null]]);
  });

  it("IPv6 in canonical form, cassandraAddress first, and hints matched by host ID", () => {
    const r = ring("4.0/status-ipv6-multidc.txt");
    const hints = value(parseListPendingHints(fixture("5.0/listpendinghints-ipv6-unknown.txt")));
    const peers = matchPeers(
      [
        { nodeId: "a", address: "2001:db8::11" },
        { nodeId: "b", address: "192.0.2.1", cassandraAddress: "2001:DB8:0:0:0:0:1:22" },
        { nodeId: "c", address: "[2001:db8::1:21]:7000" },
        { nodeId: "d", address: "2001:db8::12" },
      ],
      r,
      hints,
    );
    // hints for host ID 0c9f9d57-… (= peer a by host ID, although the hint row's address is ::12)
    assert.deepEqual(peers.map((p) => [p.nodeId, p.ringState, p.hints]), [["a", "UN", 7], ["b", "UN", 0], ["c", "DN", 0], ["d", "UN", 0]]);
    assert.equal(peers[0]?.hostId, "0c9f9d57-9a3c-4a1e-8a52-1d3c1c0f4a11");
  });

  it("this node by host ID; ring summary counts members per DC and the down ones", () => {
    const r = ring("4.1/status-joining-leaving-moving.txt");
    const local = findLocal(r, "B27EE48D-2590-4E78-A89A-F71D4AA42237", []);
    assert.equal(local?.member.address, "10.42.0.6");
    assert.equal(local?.by, "hostId");
    const s = summarizeRing(r, local?.member ?? null);
    assert.deepEqual(s.dataCenters, [{ name: "eu-west-1", members: 6, up: 5, down: 0, unknown: 1, changing: 3 }]);
    assert.deepEqual(s.downMembers.map((m) => [m.address, m.ringState]), [["10.42.0.10", "?N"]]);
    assert.equal(findLocal(r, "00000000-0000-4000-8000-000000000000", []), null);
  });

  it("without a host ID: the only member, or the only member that is no configured peer", () => {
    const single = ring("5.0/status-single-token.txt");
    assert.equal(findLocal(single, null, [])?.by, "onlyMember");
    const r = ring("5.0/status-joining.txt");
    const peers = matchPeers(["10.50.0.2", "10.50.0.3", "10.50.0.4"].map((a, i) => ({ nodeId: `n${i}`, address: a })), r, null);
    const local = findLocal(r, null, peers);
    assert.deepEqual([local?.member.address, local?.by], ["10.50.0.1", "notAPeer"]);
    assert.equal(findLocal(r, null, peers.slice(1)), null); // two candidates: no guess
  });
});

describe("health", () => {
  const config = CassandraConfigSchema.parse({});
  function input(statusPath: string, hostId: string | null, extra: Partial<HealthInput> = {}): HealthInput {
    const r = ring(statusPath);
    const local = findLocal(r, hostId, []);
    return {
      version: "4.1.6",
      ring: r,
      summary: summarizeRing(r, local?.member ?? null),
      local,
      localHostId: hostId,
      info: null,
      describe: null,
      hints: null,
      peers: [],
      thresholds: config.hints,
      lateFailure: null,
      gaps: [],
      ...extra,
    };
  }

  it("OK with a summary a person can read", () => {
    const h = deriveHealth(input("3.11/status-healthy-single-dc.txt", "ba419d35-0dfe-4af7-aee7-bbe10c45c028", {
      version: "3.11.17",
      describe: now(value(parseDescribeCluster(fixture("4.1/describecluster-healthy-mixed-versions.txt")))),
    }));
    assert.deepEqual(h, { status: "OK", resultCode: 0, description: "Cassandra 3.11.17 is UN on this node; ring: datacenter1 4/4 up; schema in agreement." });
  });

  it("WARNING 320 when peers are down, naming them", () => {
    const h = deriveHealth(input("4.1/status-multidc-down.txt", "7f50d0ba-ca6b-4aa7-86fe-0fa1aba9b4f6"));
    assert.equal(h.status, "WARNING");
    assert.equal(h.resultCode, 320);
    assert.match(h.description, /3 other ring members are down or unknown: 10\.20\.1\.11 \(DN, dc2\), 10\.20\.1\.12 \(DN, dc2\), 10\.20\.1\.13 \(DN, dc2\)/);
  });

  it("WARNING 321 on schema disagreement, 322 when hints pile up", () => {
    const schema = deriveHealth(input("3.11/status-healthy-single-dc.txt", "ba419d35-0dfe-4af7-aee7-bbe10c45c028", {
      describe: { value: value(parseDescribeCluster(fixture("3.11/describecluster-schema-disagreement.txt"))), ageMs: 240_000 },
    }));
    assert.deepEqual([schema.status, schema.resultCode], ["WARNING", 321]);
    assert.match(schema.description, /2 schema versions among reachable nodes \(describecluster, 4 min ago\): 7a1c7f0e on 10\.0\.1\.11, 10\.0\.1\.12; e84b6a60 on 10\.0\.1\.13/);

    const hints = now(value(parseListPendingHints(fixture("4.1/listpendinghints-several.txt"))));
    const quiet = deriveHealth(input("3.11/status-healthy-single-dc.txt", "ba419d35-0dfe-4af7-aee7-bbe10c45c028", { hints }));
    assert.equal(quiet.status, "OK"); // 29 files, 14 at most per peer: under the defaults (100 / 30)
    assert.match(quiet.description, /29 pending hint files/);
    const piled = deriveHealth(input("3.11/status-healthy-single-dc.txt", "ba419d35-0dfe-4af7-aee7-bbe10c45c028", { hints, thresholds: { warnTotalFiles: 100, warnPeerFiles: 10 } }));
    assert.deepEqual([piled.status, piled.resultCode], ["WARNING", 322]);
    assert.match(piled.description, /holds 29 pending hint files .*10\.20\.1\.11 14 \(DOWN\)/);
  });

  it("ERROR when this node is not UN, and the state is explained", () => {
    const h = deriveHealth(input("4.1/status-joining-leaving-moving.txt", "b27ee48d-2590-4e78-a89a-f71d4aa42237"));
    assert.deepEqual([h.status, h.resultCode], ["ERROR", 311]);
    assert.match(h.description, /This node is UL in the ring: it is leaving the ring \(decommission in progress\)\./);
    assert.match(h.description, /10\.42\.0\.10 \(\?N, eu-west-1\)/); // the warning is still told
  });

  it("ERROR 314/315 when gossip or native transport is off; 312 when not in the ring; UNKNOWN 313 when unidentified", () => {
    const info = now(value(parseInfo(fixture("4.1/info-gossip-native-disabled.txt"))));
    const off = deriveHealth(input("4.1/status-no-effective-ownership.txt", "f9dd6522-9d7a-43cd-93bb-d9ac5c42f173", { info }));
    assert.deepEqual([off.status, off.resultCode], ["ERROR", 314]);
    assert.match(off.description, /Gossip is disabled.*native transport \(CQL\) is disabled/);
    const gone = deriveHealth(input("4.1/status-no-effective-ownership.txt", "421719bf-f1bd-4712-925d-eaa9e42d6346"));
    assert.deepEqual([gone.status, gone.resultCode], ["ERROR", 312]);
    const unknown = deriveHealth(input("4.1/status-no-effective-ownership.txt", null));
    assert.deepEqual([unknown.status, unknown.resultCode], ["UNKNOWN", 313]);
  });

  it("failures map to their code and status", () => {
    assert.deepEqual(
      (["not_installed", "jmx_unreachable", "auth_failed", "unsupported", "timeout", "unparseable", "failed", "not_startable", "skipped", "internal", "not_ready"] as const).map((kind) => {
        const h = failureHealth({ kind, reason: "x" });
        return [kind, h.status, h.resultCode];
      }),
      [
        ["not_installed", "NOT_INSTALLED", 300],
        ["jmx_unreachable", "ERROR", 301],
        ["auth_failed", "UNKNOWN", 302],
        ["unsupported", "UNKNOWN", 303],
        ["timeout", "UNKNOWN", 304],
        ["unparseable", "UNKNOWN", 305],
        ["failed", "UNKNOWN", 306],
        ["not_startable", "UNKNOWN", 307],
        ["skipped", "UNKNOWN", 308],
        ["internal", "UNKNOWN", 309],
        ["not_ready", "ERROR", 310],
      ],
    );
  });
});

describe("result codes", () => {
  it("unique, in 300–399, valid statuses, each with a meaning", () => {
    const codes = CASSANDRA_RESULT_CODES.map((c) => c.code);
    assert.equal(new Set(codes).size, codes.length);
    assert.equal(new Set(CASSANDRA_RESULT_CODES.map((c) => c.name)).size, codes.length);
    for (const c of CASSANDRA_RESULT_CODES) {
      assert.ok(c.code >= 300 && c.code <= 399, String(c.code));
      assert.ok(StatusSchema.safeParse(c.status).success);
      assert.notEqual(c.status, "OK");
      assert.ok(c.meaning.length > 40, c.name);
    }
  });
});
