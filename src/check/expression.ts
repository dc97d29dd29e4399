/**
 * The condition language of `wait --until`: a small, safe expression over a
 * JSON document (the `status --json` document), parsed by hand, never with
 * `eval` or `Function`. Parsing and evaluation never throw: a mistake is data,
 * with its 1-based column, so that the operator sees where it is.
 *
 *   cassandra.hints.total < 1000 and cassandra.repair == IDLE
 *   peers.down == 0 or not (maintenance == null)
 *   components.dynatrace-server.status == "OK"
 *
 * Grammar (lowest precedence first):
 *
 *   or      := and { ("or" | "||") and }
 *   and     := not { ("and" | "&&") not }
 *   not     := ("not" | "!") not | compare
 *   compare := value [ ("==" | "!=" | "<" | "<=" | ">" | ">=") value ]
 *   value   := number | string | CONSTANT | true | false | null | path | "(" or ")"
 *
 * - number: `12`, `-1.5` (decimal, no exponent);
 * - string: `'text'` or `"text"`, `\` escapes the next character;
 * - CONSTANT: a bare word in capitals (`IDLE`, `OK`, `UN`, `NOT_REPAIRABLE`)
 *   is that text: the status values read without quotes;
 * - path: any other word, with dots (`cassandra.hints.total`, `overall`).
 *   Segments may hold letters, digits, `_` and `-` (`node-2`). In an array a
 *   segment is an index (`components.0`) or picks the element whose `name` or
 *   `nodeId` is the segment (`components.dynatrace-server.status`);
 * - keywords (`and`, `or`, `not`, `true`, `false`, `null`) in any case.
 *
 * Evaluation: `==`/`!=` compare values of any type, strictly (`1 == "1"` is
 * false). `<`, `<=`, `>`, `>=` need numbers; with a null on either side
 * (a fact that is unknown right now) they are false: a wait keeps waiting. A
 * path that does not exist (a field the document does not have: a typo) is
 * an error, not a value that never comes: the wait would otherwise run to its
 * timeout. A null met on the way (`cassandra.ring.members` while the ring is
 * unknown) gives null. `and`, `or` and `not` take true, false or null (false).
 */

export type Value = number | string | boolean | null;

export type Node =
  | { readonly kind: "literal"; readonly value: Value; readonly pos: number }
  | { readonly kind: "path"; readonly segments: readonly string[]; readonly text: string; readonly pos: number }
  | { readonly kind: "not"; readonly operand: Node; readonly pos: number }
  | { readonly kind: "and" | "or"; readonly left: Node; readonly right: Node; readonly pos: number }
  | { readonly kind: "compare"; readonly op: CompareOp; readonly left: Node; readonly right: Node; readonly pos: number };

export type CompareOp = "==" | "!=" | "<" | "<=" | ">" | ">=";

export interface ExpressionError {
  readonly message: string;
  /** 1-based column of the error in the expression text. */
  readonly column: number;
}

export type ParseResult = { readonly ok: true; readonly ast: Node; readonly paths: readonly string[] } | { readonly ok: false; readonly error: ExpressionError };

/** Longer expressions are refused: a runbook gate is one line. */
export const MAX_EXPRESSION_CHARS = 2_000;
/** Deeper nesting (parentheses, `not not ...`) is refused, so that recursion stays far from the stack's limit. */
export const MAX_DEPTH = 50;

type Token =
  | { readonly t: "num"; readonly value: number; readonly pos: number; readonly text: string }
  | { readonly t: "str"; readonly value: string; readonly pos: number; readonly text: string }
  | { readonly t: "word"; readonly value: string; readonly pos: number; readonly text: string }
  | { readonly t: "op"; readonly value: string; readonly pos: number; readonly text: string }
  | { readonly t: "end"; readonly pos: number; readonly text: string };

/** Thrown inside the parser and evaluator only, caught at their edge: the public functions never throw. */
class Failure extends Error {
  constructor(readonly error: ExpressionError) {
    super(error.message);
    this.name = "ExpressionFailure";
  }
}

const WORD_START = /[A-Za-z_]/;
const WORD_CHAR = /[A-Za-z0-9_.-]/;
const DIGIT = /[0-9]/;

function describe(token: Token): string {
  return token.t === "end" ? "the end of the expression" : JSON.stringify(token.text);
}

function tokenize(text: string): Token[] | Failure {
  const tokens: Token[] = [];
  let i = 0;
  const at = (p: number) => p + 1;
  while (i < text.length) {
    const c = text[i]!;
    if (c === " " || c === "\t" || c === "\n" || c === "\r") {
      i++;
      continue;
    }
    const start = i;
    // A number; a leading minus only where a value may stand (there is no subtraction).
    if (DIGIT.test(c) || ((c === "-" || c === ".") && DIGIT.test(text[i + 1] ?? ""))) {
      const m = /^-?(?:\d+(?:\.\d+)?|\.\d+)/.exec(text.slice(i));
      const literal = m?.[0] ?? c;
      i += literal.length;
      if (WORD_START.test(text[i] ?? "") || text[i] === ".") {
        return new Failure({ message: `${JSON.stringify(text.slice(start, i + 1))} is neither a number nor a name`, column: at(start) });
      }
      tokens.push({ t: "num", value: Number(literal), pos: start, text: literal });
      continue;
    }
    if (c === "'" || c === '"') {
      let value = "";
      i++;
      let closed = false;
      while (i < text.length) {
        const d = text[i]!;
        if (d === "\\" && i + 1 < text.length) {
          value += text[i + 1];
          i += 2;
          continue;
        }
        if (d === c) {
          closed = true;
          i++;
          break;
        }
        value += d;
        i++;
      }
      if (!closed) return new Failure({ message: `the text starting at column ${at(start)} has no closing ${c}`, column: at(start) });
      tokens.push({ t: "str", value, pos: start, text: text.slice(start, i) });
      continue;
    }
    if (WORD_START.test(c)) {
      while (i < text.length && WORD_CHAR.test(text[i]!)) i++;
      const word = text.slice(start, i);
      tokens.push({ t: "word", value: word, pos: start, text: word });
      continue;
    }
    const two = text.slice(i, i + 2);
    if (["==", "!=", "<=", ">=", "&&", "||"].includes(two)) {
      tokens.push({ t: "op", value: two, pos: start, text: two });
      i += 2;
      continue;
    }
    if (["<", ">", "(", ")", "!"].includes(c)) {
      tokens.push({ t: "op", value: c, pos: start, text: c });
      i++;
      continue;
    }
    if (c === "=") return new Failure({ message: "a single = compares nothing: write == to compare", column: at(start) });
    return new Failure({ message: `unexpected character ${JSON.stringify(c)}`, column: at(start) });
  }
  tokens.push({ t: "end", pos: text.length, text: "" });
  return tokens;
}

const KEYWORDS = new Set(["and", "or", "not", "true", "false", "null"]);
const CONSTANT = /^[A-Z][A-Z0-9_]*$/;
const SEGMENT = /^[A-Za-z0-9_-]+$/;

/** Parses `text`. Never throws. */
export function parseExpression(text: string): ParseResult {
  if (typeof text !== "string") return { ok: false, error: { message: "the expression is not text", column: 1 } };
  if (text.length > MAX_EXPRESSION_CHARS) {
    return { ok: false, error: { message: `the expression is longer than ${MAX_EXPRESSION_CHARS} characters`, column: MAX_EXPRESSION_CHARS + 1 } };
  }
  const lexed = tokenize(text);
  if (lexed instanceof Failure) return { ok: false, error: lexed.error };
  const tokens: readonly Token[] = lexed;
  let k = 0;
  const paths: string[] = [];
  const peek = (): Token => tokens[k]!;
  const fail = (message: string, token: Token = peek()): Failure => new Failure({ message, column: token.pos + 1 });
  const isWord = (token: Token, ...words: string[]) => token.t === "word" && words.includes(token.value.toLowerCase());
  const isOp = (token: Token, ...ops: string[]): token is Extract<Token, { t: "op" }> => token.t === "op" && ops.includes(token.value);

  function or(depth: number): Node {
    let left = and(depth);
    while (isWord(peek(), "or") || isOp(peek(), "||")) {
      const op = tokens[k++]!;
      left = { kind: "or", left, right: and(depth), pos: op.pos };
    }
    return left;
  }
  function and(depth: number): Node {
    let left = not(depth);
    while (isWord(peek(), "and") || isOp(peek(), "&&")) {
      const op = tokens[k++]!;
      left = { kind: "and", left, right: not(depth), pos: op.pos };
    }
    return left;
  }
  function not(depth: number): Node {
    if (depth > MAX_DEPTH) throw fail(`nested more than ${MAX_DEPTH} deep`);
    if (isWord(peek(), "not") || isOp(peek(), "!")) {
      const op = tokens[k++]!;
      return { kind: "not", operand: not(depth + 1), pos: op.pos };
    }
    return compare(depth);
  }
  function compare(depth: number): Node {
    const left = value(depth);
    const next = peek();
    if (isOp(next, "==", "!=", "<", "<=", ">", ">=")) {
      k++;
      const right = value(depth);
      if (isOp(peek(), "==", "!=", "<", "<=", ">", ">=")) throw fail(`comparisons do not chain: use and (${describe(peek())})`);
      return { kind: "compare", op: next.value as CompareOp, left, right, pos: next.pos };
    }
    return left;
  }
  function value(depth: number): Node {
    const token = peek();
    if (token.t === "num") {
      k++;
      return { kind: "literal", value: token.value, pos: token.pos };
    }
    if (token.t === "str") {
      k++;
      return { kind: "literal", value: token.value, pos: token.pos };
    }
    if (isOp(token, "(")) {
      k++;
      if (depth + 1 > MAX_DEPTH) throw fail(`nested more than ${MAX_DEPTH} deep`, token);
      const inner = or(depth + 1);
      if (!isOp(peek(), ")")) throw fail(`expected ) to close the ( at column ${token.pos + 1}, found ${describe(peek())}`);
      k++;
      return inner;
    }
    if (token.t === "word") {
      const lower = token.value.toLowerCase();
      if (KEYWORDS.has(lower)) {
        if (lower === "true" || lower === "false") {
          k++;
          return { kind: "literal", value: lower === "true", pos: token.pos };
        }
        if (lower === "null") {
          k++;
          return { kind: "literal", value: null, pos: token.pos };
        }
        throw fail(`expected a value, found the keyword ${JSON.stringify(token.value)}`);
      }
      k++;
      if (!token.value.includes(".") && CONSTANT.test(token.value)) return { kind: "literal", value: token.value, pos: token.pos };
      const segments = token.value.split(".");
      const bad = segments.findIndex((s) => !SEGMENT.test(s));
      if (bad >= 0) throw fail(`${JSON.stringify(token.value)} is not a path: an empty part between dots`, token);
      paths.push(token.value);
      return { kind: "path", segments, text: token.value, pos: token.pos };
    }
    if (token.t === "end") throw fail("expected a value, found the end of the expression");
    throw fail(`expected a value, found ${describe(token)}`);
  }

  try {
    if (peek().t === "end") return { ok: false, error: { message: "the expression is empty", column: 1 } };
    const ast = or(0);
    const rest = peek();
    if (rest.t !== "end") {
      const hint = rest.t === "word" || rest.t === "num" || rest.t === "str" ? ": join conditions with and / or" : "";
      throw fail(`unexpected ${describe(rest)}${hint}`);
    }
    return { ok: true, ast, paths: [...new Set(paths)] };
  } catch (error) {
    if (error instanceof Failure) return { ok: false, error: error.error };
    // A bug, not the user's text: still an answer, never a throw.
    return { ok: false, error: { message: `cannot parse the expression: ${String(error)}`, column: 1 } };
  }
}

export interface Observation {
  readonly path: string;
  readonly value: Value;
}

export type EvalResult =
  | { readonly ok: true; readonly value: boolean; readonly observed: readonly Observation[] }
  | { readonly ok: false; readonly error: ExpressionError };

function typeName(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  return typeof v === "object" ? "an object" : `a ${typeof v}`;
}

function show(v: Value): string {
  return typeof v === "string" ? JSON.stringify(v) : String(v);
}

/** Field names for an error message: the first few. */
function fieldsOf(v: unknown): string {
  const keys = Array.isArray(v)
    ? v.map((e: unknown, i) => (e !== null && typeof e === "object" && typeof (e as Record<string, unknown>)["name"] === "string" ? (e as Record<string, string>)["name"]! : typeof e === "object" && e !== null && typeof (e as Record<string, unknown>)["nodeId"] === "string" ? (e as Record<string, string>)["nodeId"]! : String(i)))
    : v !== null && typeof v === "object" ? Object.keys(v) : [];
  if (keys.length === 0) return "it has none";
  return `it has: ${keys.slice(0, 12).join(", ")}${keys.length > 12 ? ", …" : ""}`;
}

function resolve(node: Extract<Node, { kind: "path" }>, document: unknown): Value | Failure {
  let current: unknown = document;
  for (let i = 0; i < node.segments.length; i++) {
    const segment = node.segments[i]!;
    const where = node.segments.slice(0, i).join(".") || "the status document";
    if (current === null) return null; // unknown right now: the wait goes on
    if (Array.isArray(current)) {
      const list: readonly unknown[] = current;
      let found: unknown;
      let hit: boolean;
      if (/^\d+$/.test(segment)) {
        const index = Number(segment);
        hit = index < list.length;
        found = list[index];
      } else {
        const element = list.find((e) => e !== null && typeof e === "object" && ((e as Record<string, unknown>)["name"] === segment || (e as Record<string, unknown>)["nodeId"] === segment));
        hit = element !== undefined;
        found = element;
      }
      if (!hit) return new Failure({ message: `${node.text}: ${where} has no element ${JSON.stringify(segment)} (${fieldsOf(list)})`, column: node.pos + 1 });
      current = found;
      continue;
    }
    if (typeof current === "object") {
      const record = current as Record<string, unknown>;
      if (!Object.hasOwn(record, segment)) {
        const constant = node.segments.length === 1 ? `; a value is written in capitals (${segment.toUpperCase()}) or quoted ('${segment}')` : "";
        return new Failure({ message: `${node.text}: ${where} has no field ${JSON.stringify(segment)} (${fieldsOf(record)})${constant}`, column: node.pos + 1 });
      }
      current = record[segment];
      continue;
    }
    return new Failure({ message: `${node.text}: ${where} is ${typeName(current)}, it has no field ${JSON.stringify(segment)}`, column: node.pos + 1 });
  }
  if (current === undefined) return null;
  if (current === null || typeof current === "number" || typeof current === "string" || typeof current === "boolean") return current;
  return new Failure({ message: `${node.text} is ${typeName(current)}, not a value: name one of its fields (${fieldsOf(current)})`, column: node.pos + 1 });
}

/**
 * Evaluates `ast` against `document` (parsed JSON). Never throws. Every path
 * is resolved (no short cut through and / or), so that a typo is found on the
 * first evaluation whatever the values, and `observed` lists each path's value
 * for progress lines.
 */
export function evaluate(ast: Node, document: unknown): EvalResult {
  const observed = new Map<string, Value>();
  function value(node: Node): Value {
    switch (node.kind) {
      case "literal":
        return node.value;
      case "path": {
        const v = resolve(node, document);
        if (v instanceof Failure) throw v;
        observed.set(node.text, v);
        return v;
      }
      case "not":
        return !truth(node.operand, value(node.operand));
      case "and": {
        const l = truth(node.left, value(node.left));
        const r = truth(node.right, value(node.right));
        return l && r;
      }
      case "or": {
        const l = truth(node.left, value(node.left));
        const r = truth(node.right, value(node.right));
        return l || r;
      }
      case "compare": {
        const l = value(node.left);
        const r = value(node.right);
        if (node.op === "==") return l === r;
        if (node.op === "!=") return l !== r;
        if (l === null || r === null) return false;
        if (typeof l !== "number" || typeof r !== "number") {
          const culprit = typeof l !== "number" ? { v: l, n: node.left } : { v: r, n: node.right };
          throw new Failure({ message: `${node.op} compares numbers; ${show(culprit.v)} is ${typeName(culprit.v)}`, column: culprit.n.pos + 1 });
        }
        switch (node.op) {
          case "<":
            return l < r;
          case "<=":
            return l <= r;
          case ">":
            return l > r;
          case ">=":
            return l >= r;
        }
      }
    }
  }
  function truth(node: Node, v: Value): boolean {
    if (typeof v === "boolean") return v;
    if (v === null) return false;
    throw new Failure({ message: `expected true or false, found ${show(v)} (${typeName(v)}): compare it, as in ${node.kind === "path" ? node.text : "x"} == ${show(v)}`, column: node.pos + 1 });
  }
  try {
    const result = truth(ast, value(ast));
    return { ok: true, value: result, observed: [...observed.entries()].map(([path, v]) => ({ path, value: v })) };
  } catch (error) {
    if (error instanceof Failure) return { ok: false, error: error.error };
    return { ok: false, error: { message: `cannot evaluate the expression: ${String(error)}`, column: 1 } };
  }
}

/** The expression with a caret under the error's column, for a terminal. Control characters become spaces. */
export function pointAt(text: string, column: number): string {
  // eslint-disable-next-line no-control-regex
  const line = text.slice(0, 200).replace(/[\u0000-\u001f\u007f]/g, " ");
  return `  ${line}\n  ${" ".repeat(Math.max(0, Math.min(column - 1, line.length)))}^`;
}
