/** The condition language's syntax tree, its error, and its limits (grammar: ../expression.ts). */

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

/** Longer expressions are refused: a runbook gate is one line. */
export const MAX_EXPRESSION_CHARS = 2_000;
/** Deeper nesting (parentheses, `not not ...`) is refused, so that recursion stays far from the stack's limit. */
export const MAX_DEPTH = 50;

/** Thrown inside the parser and evaluator only, caught at their edge: the public functions never throw. */
export class Failure extends Error {
  constructor(readonly error: ExpressionError) {
    super(error.message);
    this.name = "ExpressionFailure";
  }
}
