/** The `wait --until` language: values, errors with their column, and a fuzz run (it never throws). */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { evaluate, MAX_DEPTH, parseExpression, pointAt } from "../../src/check/expression.js";
import { mulberry32 } from "../helpers/random.js";

const DOC = {
  overall: "WARNING",
  maintenance: null,
  cassandra: { hints: { total: 1523, byPeer: { "node-2": 1500, "node-3": 23 } }, repair: "RUNNING", down: 1, ring: null, gossipActive: true },
  peers: { total: 3, down: 1 },
  components: [{ name: "dynatrace-server", status: "OK" }, { name: "cassandra", status: "WARNING" }],
  connectivity: { peers: [{ nodeId: "node-2", host: { connected: true } }] },
};

function run(text: string, doc: unknown = DOC): boolean | string {
  const parsed = parseExpression(text);
  if (!parsed.ok) return `parse: ${parsed.error.message} @${parsed.error.column}`;
  const r = evaluate(parsed.ast, doc);
  return r.ok ? r.value : `eval: ${r.error.message} @${r.error.column}`;
}

describe("wait --until expressions", () => {
  it("evaluates comparisons, and/or/not, constants, strings, paths into objects and lists", () => {
    const cases: Array<[string, boolean]> = [
      ["cassandra.hints.total < 1000 and cassandra.repair == IDLE", false],
      ["cassandra.hints.total >= 1523 and cassandra.repair == RUNNING", true],
      ["cassandra.hints.total > 1523 or cassandra.repair != 'IDLE'", true],
      ["peers.down == 0", false],
      ["peers.down <= 1", true],
      ["not (peers.down == 0)", true],
      ["! (peers.down == 0) && overall == \"WARNING\"", true],
      ["peers.down == 0 || maintenance == null", true],
      ["NOT cassandra.gossipActive", false],
      ["cassandra.gossipActive AND TRUE", true],
      ["maintenance", false], // null counts as false
      ["cassandra.hints.byPeer.node-2 > 1000", true],
      ["components.dynatrace-server.status == OK", true],
      ["components.1.status == WARNING", true],
      ["connectivity.peers.node-2.host.connected == true", true],
      ["cassandra.ring.members > 0", false], // through a null: unknown, keep waiting
      ["cassandra.ring.members == null", true],
      ["peers.total == 3.0 and -1 < 0 and .5 < 1", true],
      ["1 == '1'", false], // strict
      ["(((peers.down == 1)))", true],
      ["'a\\'b' == \"a'b\"", true],
    ];
    for (const [text, want] of cases) assert.equal(run(text), want, text);
  });

  it("reports what each path read, for the progress line", () => {
    const parsed = parseExpression("cassandra.hints.total < 1000 and cassandra.repair == IDLE or cassandra.repair == FAILED");
    assert.ok(parsed.ok);
    assert.deepEqual(parsed.paths, ["cassandra.hints.total", "cassandra.repair"]);
    const r = evaluate(parsed.ast, DOC);
    assert.ok(r.ok);
    assert.deepEqual(r.observed, [{ path: "cassandra.hints.total", value: 1523 }, { path: "cassandra.repair", value: "RUNNING" }]);
  });

  it("says what is wrong and where (1-based column)", () => {
    const cases: Array<[string, RegExp, number]> = [
      ["", /empty/, 1],
      ["   ", /empty/, 1],
      ["cassandra.hints.total <", /expected a value, found the end/, 24],
      ["cassandra.hints.total < and", /expected a value, found the keyword "and"/, 25],
      ["peers.down = 0", /write == to compare/, 12],
      ["(peers.down == 0", /expected \) to close the \( at column 1/, 17],
      ["peers.down == 0)", /unexpected "\)"/, 16],
      ["peers.down == 0 peers.total", /unexpected "peers.total": join conditions with and \/ or/, 17],
      ["peers.down == 'x", /no closing '/, 15],
      ["1 < 2 < 3", /do not chain/, 7],
      ["peers..down == 0", /empty part between dots/, 1],
      ["peers.down == 10s", /"10s" is neither a number nor a name/, 15],
      ["peers.down # 1", /unexpected character "#"/, 12],
      ["a".repeat(2_001), /longer than 2000/, 2_001],
      ["(".repeat(MAX_DEPTH + 5) + "true" + ")".repeat(MAX_DEPTH + 5), /nested more than/, MAX_DEPTH + 1],
      ["not ".repeat(MAX_DEPTH + 5) + "true", /nested more than/, 4 * (MAX_DEPTH + 1) + 1],
    ];
    for (const [text, message, column] of cases) {
      const parsed = parseExpression(text);
      assert.equal(parsed.ok, false, text);
      if (parsed.ok) continue;
      assert.match(parsed.error.message, message, text);
      assert.equal(parsed.error.column, column, `${text}: ${parsed.error.message}`);
    }
  });

  it("a path the document does not have, or a value of the wrong type, is an error at its column, not a wait that never ends", () => {
    assert.equal(run("peers.dwon == 0"), 'eval: peers.dwon: peers has no field "dwon" (it has: total, down) @1');
    assert.equal(run("cassandra.repair == idle"), 'eval: idle: the status document has no field "idle" (it has: overall, maintenance, cassandra, peers, components, connectivity); a value is written in capitals (IDLE) or quoted (\'idle\') @21');
    assert.equal(run("components.nginx.status == OK"), 'eval: components.nginx.status: components has no element "nginx" (it has: dynatrace-server, cassandra) @1');
    assert.equal(run("cassandra.hints > 5"), "eval: cassandra.hints is an object, not a value: name one of its fields (it has: total, byPeer) @1");
    assert.equal(run("cassandra.repair < 5"), 'eval: < compares numbers; "RUNNING" is a string @1');
    assert.equal(run("peers.down and true"), "eval: expected true or false, found 1 (a number): compare it, as in peers.down == 1 @1");
    assert.equal(run("overall.x == 1"), 'eval: overall.x: overall is a string, it has no field "x" @1');
    // Resolved even where and / or could stop early: a typo shows on the first poll.
    assert.match(String(run("peers.down == 5 and peers.typo == 0")), /peers has no field "typo"/);
  });

  it("points at the column under the expression", () => {
    assert.equal(pointAt("peers.down = 0", 12), "  peers.down = 0\n             ^");
    assert.equal(pointAt("a\nb", 3), "  a b\n    ^");
  });

  it("fuzz: random and mutated expressions never throw, and every error has a column inside the text (+1)", () => {
    const random = mulberry32(0x5eed_e4a1);
    const atoms = ["cassandra.hints.total", "peers.down", "cassandra.repair", "IDLE", "'x'", '"y"', "1000", "-1.5", "null", "true", "false", "(", ")", "and", "or", "not", "!", "&&", "||", "==", "!=", "<", "<=", ">", ">=", "=", "components.0.status", "components.cassandra.status", "maintenance", ".", "..", "'", '"', "\\", "#", "\u0000", "é", "😀", " "];
    const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
    for (let i = 0; i < 20_000; i++) {
      let text: string;
      if (i % 3 === 0) {
        text = Array.from({ length: Math.floor(random() * 12) }, () => pick(atoms)).join(pick([" ", ""]));
      } else if (i % 3 === 1) {
        text = Array.from({ length: Math.floor(random() * 40) }, () => String.fromCharCode(Math.floor(random() * 128))).join("");
      } else {
        const base = "cassandra.hints.total < 1000 and (cassandra.repair == IDLE or not peers.down > 0)";
        const at = Math.floor(random() * base.length);
        text = base.slice(0, at) + pick(atoms) + base.slice(at + Math.floor(random() * 4));
      }
      const parsed = parseExpression(text);
      if (!parsed.ok) {
        assert.ok(parsed.error.message.length > 0, text);
        assert.ok(parsed.error.column >= 1 && parsed.error.column <= text.length + 1, `${JSON.stringify(text)}: column ${parsed.error.column}`);
        continue;
      }
      const r = evaluate(parsed.ast, DOC);
      if (r.ok) assert.equal(typeof r.value, "boolean");
      else assert.ok(r.error.column >= 1 && r.error.column <= text.length + 1, `${JSON.stringify(text)}: column ${r.error.column}`);
      // Any JSON document, not only the status one.
      for (const doc of [null, 5, "s", [], {}, [null], { cassandra: [1, 2] }]) evaluate(parsed.ast, doc);
    }
  });
});
