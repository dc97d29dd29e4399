/**
 * Issue 17: the getmaxhintwindow and summarize-repaired parsers (exact values,
 * never throwing), hint debt and repair age, the local node found by address,
 * and the `check cassandra` perfdata.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkCassandra } from "../../src/check/cassandra.js";
import { formatDuration, hintDebt, repairAge } from "../../src/cassandra/debt.js";
import { deriveHealth, type HealthInput } from "../../src/cassandra/health.js";
import { parseMaxHintWindow } from "../../src/cassandra/parse/hint-window.js";
import { parseListPendingHints } from "../../src/cassandra/parse/listpendinghints.js";
import { parseRepairAdminSummarizeRepaired } from "../../src/cassandra/parse/repair-admin.js";
import { parseStatus } from "../../src/cassandra/parse/status.js";
import { findLocal, matchPeers, summarizeRing } from "../../src/cassandra/peers.js";
import { mulberry32 } from "../helpers/random.js";
import { fixture } from "./support.js";

const NOW = Date.UTC(2024, 5, 19, 12, 0, 0); // the FakeClock's time, which the samples are written against

function value<T>(r: { ok: true; value: T } | { ok: false; reason: string }): T {
  if (!r.ok) assert.fail(`expected a parse, got: ${r.reason}`);
  return r.value;
}

describe("getmaxhintwindow and repair_admin summarize-repaired", () => {
  it("reads the window in ms (4.1, 5.0 samples)", () => {
    assert.deepEqual(value(parseMaxHintWindow(fixture("4.1/getmaxhintwindow-default.txt"))), { windowMs: 10_800_000 });
    assert.deepEqual(value(parseMaxHintWindow(fixture("5.0/getmaxhintwindow-default.txt"))), { windowMs: 10_800_000 });
    assert.equal(parseMaxHintWindow("nodetool: Found unexpected parameters: [getmaxhintwindow]\n").ok, false);
    assert.equal(parseMaxHintWindow("Current max hint window: -5 ms\n").ok, false);
  });

  it("reads the repaired-at table; 0 (never repaired) is null; `no stats` is no table", () => {
    assert.deepEqual(value(parseRepairAdminSummarizeRepaired(fixture("4.1/summarize_repaired-several.txt"))).tables, [
      { keyspace: "metrics", table: "samples_by_day", minRepairedMs: 1718200000000, maxRepairedMs: 1718790000000 },
      { keyspace: "metrics", table: "samples_by_hour", minRepairedMs: 1718700000000, maxRepairedMs: 1718795000000 },
      { keyspace: "system_auth", table: "roles", minRepairedMs: null, maxRepairedMs: null },
      { keyspace: "system_distributed", table: "repair_history", minRepairedMs: 1718400000000, maxRepairedMs: 1718790000000 },
    ]);
    assert.equal(value(parseRepairAdminSummarizeRepaired(fixture("4.0/summarize_repaired-two-tables.txt"))).tables.length, 2);
    assert.deepEqual(value(parseRepairAdminSummarizeRepaired(fixture("5.0/summarize_repaired-none.txt"))), { tables: [] });
    // The list table is not this one.
    assert.equal(parseRepairAdminSummarizeRepaired(fixture("4.1/repair_admin-list-running.txt")).ok, false);
  });

  it("never throw on garbage", () => {
    const rnd = mulberry32(17);
    const alphabet = "0123456789 |-_abcdefkmnorstwy:\n\r\t\u0000é";
    for (let i = 0; i < 2_000; i++) {
      const text = Array.from({ length: Math.floor(rnd() * 400) }, () => alphabet[Math.floor(rnd() * alphabet.length)]).join("");
      assert.doesNotThrow(() => parseMaxHintWindow(text));
      assert.doesNotThrow(() => parseRepairAdminSummarizeRepaired(text));
      assert.doesNotThrow(() => parseRepairAdminSummarizeRepaired(`keyspace | table | min_repaired | max_repaired\n${text}`));
    }
  });
});

describe("hint debt and repair age", () => {
  it("the worst peer's oldest hint over the window", () => {
    const hints = value(parseListPendingHints(fixture("4.1/listpendinghints-near-window.txt")));
    const debt = hintDebt(hints, 10_800_000, NOW);
    assert.ok(debt);
    assert.deepEqual(debt.peers.map((p) => [p.peer, p.ageMs, p.status]), [["10.20.1.12", 8_400_000, "DOWN"], ["10.20.1.11", 3_466_123, "DOWN"]]);
    assert.equal(Math.round(debt.ratio * 1000) / 1000, 0.778);
    assert.equal(hintDebt(hints, null, NOW), null);
    assert.deepEqual(hintDebt({ entries: [], totalFiles: 0 }, 10_800_000, NOW)?.ratio, 0);
    // A clock behind the hint's time: age 0, not negative.
    assert.equal(hintDebt(hints, 10_800_000, Date.UTC(2024, 5, 19, 0, 0, 0))?.ratio, 0);
  });

  it("the least recently repaired table's oldest range over gc_grace_seconds", () => {
    const summary = value(parseRepairAdminSummarizeRepaired(fixture("4.1/summarize_repaired-several.txt")));
    const age = repairAge(summary, 864_000, NOW);
    assert.deepEqual(age && [age.table, age.ageMs, age.neverRepaired], ["metrics.samples_by_day", NOW - 1718200000000, 1]);
    assert.equal(repairAge({ tables: [] }, 864_000, NOW), null);
  });

  it("durations for people", () => {
    assert.deepEqual([formatDuration(8_400_000), formatDuration(10_800_000), formatDuration(45 * 60_000), formatDuration(30_000), formatDuration(8 * 86_400_000 + 2 * 3_600_000)], ["2 h 20 min", "3 h", "45 min", "30 s", "8 d 2 h"]);
  });
});

describe("health: hint debt, repair age, the local node by address", () => {
  const ring = value(parseStatus(fixture("4.1/status-multidc-down.txt")));
  const LOCAL = "7f50d0ba-ca6b-4aa7-86fe-0fa1aba9b4f6"; // 10.10.1.11
  function health(over: Partial<HealthInput>) {
    const local = findLocal(ring, LOCAL, []);
    const input: HealthInput = {
      version: "4.1.6", ring, summary: summarizeRing(ring, local?.member ?? null), local, localHostId: LOCAL, info: null, describe: null,
      hints: null, peers: [], thresholds: { warnTotalFiles: 100, warnPeerFiles: 30 }, lateFailure: null, gaps: [], ...over,
    };
    return deriveHealth(input);
  }

  it("WARNING 323 near the window, with the issue's sentence; ERROR 324 past it, with the repair to run", () => {
    const hints = value(parseListPendingHints(fixture("4.1/listpendinghints-near-window.txt")));
    const near = health({ hintDebt: hintDebt(hints, 10_800_000, NOW) });
    assert.equal(near.status, "WARNING");
    assert.match(near.description, /Hints for 10\.20\.1\.12 are 2 h 20 min old, Cassandra drops hints after 3 h: a repair will be needed if it does not come back\./);
    assert.ok(near.description.startsWith("3 other ring members are down")); // 320 leads (lower code, same status)
    const past = health({ hintDebt: hintDebt(hints, 7_200_000, NOW) }); // a 2 h window
    assert.deepEqual([past.status, past.resultCode], ["ERROR", 324]);
    assert.match(past.description, /Hints for 10\.20\.1\.12 are 2 h 20 min old, past the 2 h max hint window .* run a full repair of it \(nodetool repair --full on that node\)\./);
    const calm = health({ hintDebt: hintDebt(hints, 10_800_000, NOW), warnWindowRatio: 0.9 });
    assert.doesNotMatch(calm.description, /Hints for/);
  });

  it("WARNING 325 as the last repair approaches gc_grace_seconds, ERROR 326 past it", () => {
    const summary = value(parseRepairAdminSummarizeRepaired(fixture("4.1/summarize_repaired-several.txt")));
    const ok = health({ repairAge: repairAge(summary, 864_000, NOW) }); // 6.9 of 10 days
    assert.doesNotMatch(ok.description, /last successful repair/);
    const near = health({ repairAge: repairAge(summary, 864_000, NOW + 86_400_000) }); // 7.9 days
    assert.match(near.description, /The last successful repair of this node is 7 d 22 h old \(repair_admin summarize-repaired, least recently repaired: metrics\.samples_by_day\), gc_grace_seconds is 10 d: repair before then/);
    const past = health({ repairAge: repairAge(summary, 864_000, NOW + 4 * 86_400_000) });
    assert.deepEqual([past.status, past.resultCode], ["ERROR", 326]);
  });

  it("the local node: by host ID, else by its own addresses in canonical form, else ERROR 312 naming both", () => {
    const peers = matchPeers([], ring, null);
    assert.equal(findLocal(ring, LOCAL, peers, ["10.10.1.12"])?.by, "hostId");
    const byAddress = findLocal(ring, "00000000-0000-4000-8000-000000000000", peers, ["", "::ffff:10.10.1.12"]);
    assert.deepEqual([byAddress?.by, byAddress?.member.host], ["address", "10.10.1.12"]);
    assert.equal(findLocal(ring, null, peers, ["10.10.1.13"])?.member.host, "10.10.1.13");
    assert.equal(findLocal(ring, "00000000-0000-4000-8000-000000000000", peers, ["192.0.2.9"]), null);
    const lost = health({ local: null, localHostId: "00000000-0000-4000-8000-000000000000", localAddresses: ["192.0.2.9", "127.0.0.1"] });
    assert.deepEqual([lost.status, lost.resultCode], ["ERROR", 312]);
    assert.match(lost.description, /This node \(host ID 00000000-0000-4000-8000-000000000000, nor any of its addresses 192\.0\.2\.9, 127\.0\.0\.1\) is not among the 6 ring members/);
  });
});

describe("check cassandra: hint_debt_ratio and repair_age_ratio", () => {
  const base = { status: "WARNING" as const, description: "3 other ring members are down or unknown.", resultCode: 320, reachable: true, peersDown: 3, hintFiles: 35, schemaVersions: 1, repairState: "IDLE" as const };
  it("perfdata, and a state that the re-derived peers-down finding cannot hide", () => {
    const r = checkCassandra({ ...base, hintDebtRatio: 0.7778, repairAgeRatio: 0.6926 });
    assert.equal(r.state, "WARNING");
    assert.match(r.line, /\| hints=35;100;1000 down=3 hint_debt_ratio=0\.778;0\.75;1;0 repair_age_ratio=0\.693;0\.75;1;0$/);
    assert.match(r.line, /oldest hint at 78% of the hint window/);
    const past = checkCassandra({ ...base, peersDown: 0, hintDebtRatio: 1.2, repairAgeRatio: null });
    assert.equal(past.state, "CRITICAL");
    assert.match(past.line, /hint_debt_ratio=1\.2;0\.75;1;0 repair_age_ratio=U;0\.75;1;0$/);
  });
});
