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
 *
 * The parts, in expression/: syntax.ts (the tree, the error, the limits),
 * tokens.ts (the lexer), parse.ts (the grammar above), evaluate.ts (the rules
 * above). This module is their one entry point.
 */
export { MAX_DEPTH, MAX_EXPRESSION_CHARS, type CompareOp, type ExpressionError, type Node, type Value } from "./expression/syntax.js";
export { parseExpression, type ParseResult } from "./expression/parse.js";
export { evaluate, type EvalResult, type Observation } from "./expression/evaluate.js";

/** The expression with a caret under the error's column, for a terminal. Control characters become spaces. */
export function pointAt(text: string, column: number): string {
  // eslint-disable-next-line no-control-regex
  const line = text.slice(0, 200).replace(/[\u0000-\u001f\u007f]/g, " ");
  return `  ${line}\n  ${" ".repeat(Math.max(0, Math.min(column - 1, line.length)))}^`;
}
