/**
 * The condition language's evaluator: the syntax tree over a JSON document.
 * Every path is resolved against the document (resolve), and every value is
 * checked for the type its operator needs; a mistake is a Failure with its
 * column, never a throw out of `evaluate`.
 */
import { Failure, type ExpressionError, type Node, type Value } from "./syntax.js";

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
