/**
 * Robustness: every parser gets at least 10,000 seeded random, truncated and
 * mutated outputs. None may throw; a failure is `{ ok: false, reason }` with a
 * reason; a success holds no NaN or Infinity. The probe itself, fed mutated
 * outputs, always returns a status, and UNKNOWN always comes with a reason.
 */
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parseEndpoint } from "../../src/cassandra/address.js";
import { CassandraConfigSchema } from "../../src/config/cassandra.js";
import { interpretRun } from "../../src/cassandra/nodetool.js";
import type { ParseResult } from "../../src/cassandra/parse/common.js";
import { parseCompactionStats } from "../../src/cassandra/parse/compactionstats.js";
import { parseDescribeCluster } from "../../src/cassandra/parse/describecluster.js";
import { classifyNodetoolFailure } from "../../src/cassandra/parse/failure.js";
import { parseInfo } from "../../src/cassandra/parse/info.js";
import { parseListPendingHints } from "../../src/cassandra/parse/listpendinghints.js";
import { parseNetStats } from "../../src/cassandra/parse/netstats.js";
import { parseRepairAdminList } from "../../src/cassandra/parse/repair-admin.js";
import { parseStatus } from "../../src/cassandra/parse/status.js";
import { parseTpStats } from "../../src/cassandra/parse/tpstats.js";
import { parseVersion } from "../../src/cassandra/parse/version.js";
import { probeCassandra } from "../../src/cassandra/probe.js";
import { StatusSchema } from "../../src/contract/status.js";
import { FIXTURES, FakeClock, ScriptedRunner, runResult } from "./support.js";
import { tempDir } from "../helpers/temp.js";
import { mulberry32 as rng } from "../helpers/random.js";

const SEED = 0x5eed_c455; // fixed: a failure reproduces
const PER_PARSER = 10_000;


const corpus = new Map<string, string[]>(); // command → sample texts
for (const version of ["3.11", "4.0", "4.1", "5.0"]) {
  for (const file of readdirSync(join(FIXTURES, version))) {
    if (!file.endsWith(".txt")) continue;
    const command = file.split("-")[0] ?? file;
    const list = corpus.get(command) ?? [];
    list.push(readFileSync(join(FIXTURES, version, file), "utf8"));
    corpus.set(command, list);
  }
}
const allSamples = [...corpus.values()].flat();

const ALPHABET = [" ", "  ", "\t", "\n", "\r\n", "?", "%", ":", ": ", "|", " | ", "[", "]", "/", "-", ",", ".", "0", "9", "-1", "NaN", "n/a", "N/A",
  "UN", "DN", "?N", "GiB", "bytes", " total. Already ", "Receiving ", "#Nodes: ", " -> Replication class: ", "{", "}", '"', "\u0000", "é", "\u{1F600}",
  "Datacenter: ", "--  Address", "pending tasks", "Pool Name", "id ", "Error: ", "nodetool: Failed to connect to '", "nodetool: Found unexpected parameters: [",
  "9999999999999999999999", "1e400", "__proto__"];

class Mutator {
  constructor(readonly next: () => number) {}
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(list: readonly T[]): T {
    return list[this.int(list.length)] as T;
  }
  garbage(max: number): string {
    let s = "";
    const n = this.int(max);
    for (let i = 0; i < n; i++) s += this.next() < 0.5 ? this.pick(ALPHABET) : String.fromCharCode(32 + this.int(95));
    return s;
  }
  mutate(text: string): string {
    let s = text;
    const rounds = 1 + this.int(3);
    for (let r = 0; r < rounds; r++) {
      const lines = s.split("\n");
      switch (this.int(13)) {
        case 0: s = s.slice(0, this.int(s.length + 1)); break; // truncated output
        case 1: lines.splice(this.int(lines.length), 1 + this.int(3)); s = lines.join("\n"); break;
        case 2: { const i = this.int(lines.length); lines.splice(i, 0, lines[i] ?? ""); s = lines.join("\n"); break; }
        case 3: { const i = this.int(lines.length), j = this.int(lines.length); [lines[i], lines[j]] = [lines[j] ?? "", lines[i] ?? ""]; s = lines.join("\n"); break; }
        case 4: { const at = this.int(s.length + 1); s = s.slice(0, at) + this.garbage(12) + s.slice(at + this.int(8)); break; }
        case 5: s = s.replace(/\n/g, "\r\n"); break;
        case 6: s = lines.map((l) => l.trimEnd()).join("\n"); break;
        case 7: s = s.replace(/\d+(?:\.\d+)?/g, () => this.pick(["?", "NaN", "-1", "0", "99999999999999999999", "1,5", "", "n/a"])); break;
        case 8: s = s.replace(/ +/g, () => (this.next() < 0.5 ? " " : "\t")); break;
        case 9: s = this.garbage(200); break;
        case 10: { const other = this.pick(allSamples); const at = this.int(s.length + 1); s = s.slice(0, at) + other.slice(this.int(other.length + 1)); break; }
        case 11: s = this.longLine(); break;
        default: { const at = this.int(lines.length); lines[at] = (lines[at] ?? "").split("").reverse().join(""); s = lines.join("\n"); }
      }
    }
    return s;
  }
  /** A long, repetitive line: the shape that makes a backtracking regex explode. */
  longLine(): string {
    const unit = this.pick(["1", " ", "e", "UN  ", "1/", "- a.b: ", "Receiving 1 files, ", ": [", "%", "|", "0.0 ", "a"]);
    // 2k–6k repetitions: enough for a quadratic regex to show (the large-input test below goes to 300k).
    return this.pick(["", "UN  10.0.0.1  ", "Receiving 1 files, ", "- ", "Pool Name\n", "Datacenter: x\n"]) + unit.repeat(2_000 + this.int(4_000)) + this.pick(["", "x", "!", " total"]);
  }
  input(samples: readonly string[]): string {
    const roll = this.next();
    if (roll < 0.05) return this.garbage(400);
    if (roll < 0.06) return this.longLine();
    return this.mutate(this.pick(samples));
  }
}

/** No NaN or Infinity anywhere in a parsed value, and it survives JSON. */
function assertSane(value: unknown, where: string): void {
  const walk = (v: unknown): void => {
    if (typeof v === "number") assert.ok(Number.isFinite(v), `${where}: non-finite number`);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === "object") Object.values(v).forEach(walk);
  };
  walk(value);
  JSON.stringify(value);
}

function checkResult(r: ParseResult<unknown>, where: string): void {
  assert.equal(typeof r.ok, "boolean", where);
  if (r.ok) assertSane(r.value, where);
  else assert.ok(typeof r.reason === "string" && r.reason.length > 0, `${where}: a failure without a reason`);
}

const PARSERS: Array<[string, (s: string) => ParseResult<unknown>, string[]]> = [
  ["status", parseStatus, ["status"]],
  ["info", parseInfo, ["info"]],
  ["listpendinghints", parseListPendingHints, ["listpendinghints"]],
  ["repair_admin", parseRepairAdminList, ["repair_admin"]],
  ["compactionstats", parseCompactionStats, ["compactionstats"]],
  ["netstats", parseNetStats, ["netstats"]],
  ["tpstats", parseTpStats, ["tpstats"]],
  ["describecluster", parseDescribeCluster, ["describecluster"]],
  ["version", parseVersion, ["version"]],
];

describe(`fuzz: ${PER_PARSER} seeded inputs per parser (seed 0x${SEED.toString(16)})`, () => {
  it("the generator is deterministic", () => {
    const a = new Mutator(rng(SEED));
    const b = new Mutator(rng(SEED));
    for (let i = 0; i < 200; i++) assert.equal(a.input(allSamples), b.input(allSamples));
  });

  for (const [name, parse, commands] of PARSERS) {
    it(`${name}: never throws`, () => {
      const samples = commands.flatMap((c) => corpus.get(c) ?? []);
      assert.ok(samples.length > 0, `no samples for ${name}`);
      const m = new Mutator(rng(SEED ^ name.length * 7919));
      let ok = 0;
      const started = performance.now();
      for (let i = 0; i < PER_PARSER; i++) {
        const input = m.input(samples);
        let r: ParseResult<unknown>;
        try {
          r = parse(input);
        } catch (error) {
          assert.fail(`${name} threw on input #${i} (${JSON.stringify(input.slice(0, 200))}): ${String(error)}`);
        }
        checkResult(r, `${name} #${i}`);
        if (r.ok) ok++;
      }
      // Both outcomes must occur, or the mutations are not exercising the parser.
      assert.ok(ok > 0 && ok < PER_PARSER, `${name}: ${ok} of ${PER_PARSER} parsed`);
      assert.ok(performance.now() - started < 15_000);
    });
  }

  it("failure classification, addresses and run interpretation: never throw", () => {
    const m = new Mutator(rng(SEED + 1));
    const settings = { command: ["nodetool"], timeoutMs: 20_000, maxOutputBytes: 1_000_000 };
    for (let i = 0; i < PER_PARSER; i++) {
      const stdout = m.input(allSamples);
      const stderr = m.input(allSamples);
      classifyNodetoolFailure(stdout, stderr);
      parseEndpoint(m.garbage(40));
      parseEndpoint(m.mutate("/[2001:db8:0:0:0:0:0:11]:7000"));
      const exitCode = m.pick([0, 0, 0, 1, 2, 126, 127, 137, null]);
      const out = interpretRun(runResult({ stdout, stderr, exitCode, signal: exitCode === null ? "SIGKILL" : null, truncated: m.int(50) === 0 }), ["status"], settings, parseStatus);
      if (out.kind !== "ok") assert.ok(out.reason.length > 0);
    }
  });

  it("very large pathological inputs finish quickly", () => {
    const shapes = ["1".repeat(300_000), " ".repeat(300_000) + "x", "Receiving 1 files, ".repeat(20_000), "UN  10.0.0.1  " + "1 ".repeat(150_000), "- a.b: ".repeat(40_000) + "x", "e".repeat(300_000) + "!", `{"ThreadPools": ${"[".repeat(50_000)}`];
    for (const [name, parse] of PARSERS) {
      for (const shape of shapes) {
        const started = performance.now();
        checkResult(parse(shape), name);
        assert.ok(performance.now() - started < 1_000, `${name} took ${Math.round(performance.now() - started)} ms on a ${shape.length}-char input`);
      }
    }
  });

  it("the probe on mutated outputs: a valid status every time, UNKNOWN always with a reason", async (t) => {
    const m = new Mutator(rng(SEED + 2));
    const config = CassandraConfigSchema.parse({ nodetool: ["nodetool"], maxRunsPerCycle: 10 });
    const stateDir = tempDir(t);
    const clock = new FakeClock();
    const commands = ["status", "info", "version", "tpstats", "listpendinghints", "repair_admin", "netstats", "describecluster", "compactionstats"];
    const counts: Record<string, number> = {};
    for (let i = 0; i < 150; i++) {
      const script = Object.fromEntries(
        commands.map((c) => {
          const samples = corpus.get(c) ?? allSamples;
          return [c, { stdout: m.next() < 0.3 ? m.pick(samples) : m.input(samples), stderr: m.next() < 0.1 ? m.input(allSamples) : "", exitCode: m.pick([0, 0, 0, 0, 1, 2]) }];
        }),
      );
      const r = await probeCassandra({ runner: new ScriptedRunner(script), clock, env: {} }, { config, stateDir, fresh: m.next() < 0.5, peers: [{ nodeId: "p", address: "10.10.1.12" }], deadlineMs: 60_000 });
      assert.ok(StatusSchema.safeParse(r.health.status).success);
      assert.ok(r.health.description.length > 0);
      assert.ok(["IDLE", "RUNNING", "FAILED", "UNKNOWN"].includes(r.repairState));
      if (r.health.status === "UNKNOWN") assert.notEqual(r.health.resultCode, 0);
      assert.equal(r.peers.length, 1);
      assertSane(r, `probe #${i}`);
      counts[r.health.status] = (counts[r.health.status] ?? 0) + 1;
      clock.advance(60_000);
    }
    assert.ok((counts.UNKNOWN ?? 0) > 0 && (counts.UNKNOWN ?? 0) < 150, JSON.stringify(counts));
  });
});
