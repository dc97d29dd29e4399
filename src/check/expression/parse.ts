/**
 * The condition language's parser: recursive descent over the tokens, one
 * method per grammar rule (../expression.ts), lowest precedence first.
 */
import { Failure, MAX_DEPTH, MAX_EXPRESSION_CHARS, type CompareOp, type ExpressionError, type Node } from "./syntax.js";
import { describe, tokenize, type Token } from "./tokens.js";

export type ParseResult = { readonly ok: true; readonly ast: Node; readonly paths: readonly string[] } | { readonly ok: false; readonly error: ExpressionError };

const KEYWORDS = new Set(["and", "or", "not", "true", "false", "null"]);
const CONSTANT = /^[A-Z][A-Z0-9_]*$/;
const SEGMENT = /^[A-Za-z0-9_-]+$/;
const COMPARE_OPS = ["==", "!=", "<", "<=", ">", ">="] as const;

const isWord = (token: Token, ...words: string[]) => token.t === "word" && words.includes(token.value.toLowerCase());
const isOp = (token: Token, ...ops: readonly string[]): token is Extract<Token, { t: "op" }> => token.t === "op" && ops.includes(token.value);

class Parser {
  private k = 0;
  /** The paths the expression reads, in order of appearance (repeats included). */
  readonly paths: string[] = [];

  constructor(private readonly tokens: readonly Token[]) {}

  peek(): Token {
    return this.tokens[this.k]!;
  }

  /** Consumes the current token. */
  private take(): Token {
    return this.tokens[this.k++]!;
  }

  fail(message: string, token: Token = this.peek()): Failure {
    return new Failure({ message, column: token.pos + 1 });
  }

  or(depth: number): Node {
    let left = this.and(depth);
    while (isWord(this.peek(), "or") || isOp(this.peek(), "||")) {
      const op = this.take();
      left = { kind: "or", left, right: this.and(depth), pos: op.pos };
    }
    return left;
  }

  private and(depth: number): Node {
    let left = this.not(depth);
    while (isWord(this.peek(), "and") || isOp(this.peek(), "&&")) {
      const op = this.take();
      left = { kind: "and", left, right: this.not(depth), pos: op.pos };
    }
    return left;
  }

  private not(depth: number): Node {
    if (depth > MAX_DEPTH) throw this.fail(`nested more than ${MAX_DEPTH} deep`);
    if (isWord(this.peek(), "not") || isOp(this.peek(), "!")) {
      const op = this.take();
      return { kind: "not", operand: this.not(depth + 1), pos: op.pos };
    }
    return this.compare(depth);
  }

  private compare(depth: number): Node {
    const left = this.value(depth);
    const next = this.peek();
    if (isOp(next, ...COMPARE_OPS)) {
      this.k++;
      const right = this.value(depth);
      if (isOp(this.peek(), ...COMPARE_OPS)) throw this.fail(`comparisons do not chain: use and (${describe(this.peek())})`);
      return { kind: "compare", op: next.value as CompareOp, left, right, pos: next.pos };
    }
    return left;
  }

  private value(depth: number): Node {
    const token = this.peek();
    if (token.t === "num" || token.t === "str") {
      this.k++;
      return { kind: "literal", value: token.value, pos: token.pos };
    }
    if (isOp(token, "(")) {
      this.k++;
      if (depth + 1 > MAX_DEPTH) throw this.fail(`nested more than ${MAX_DEPTH} deep`, token);
      const inner = this.or(depth + 1);
      if (!isOp(this.peek(), ")")) throw this.fail(`expected ) to close the ( at column ${token.pos + 1}, found ${describe(this.peek())}`);
      this.k++;
      return inner;
    }
    if (token.t === "word") return this.word(token);
    if (token.t === "end") throw this.fail("expected a value, found the end of the expression");
    throw this.fail(`expected a value, found ${describe(token)}`);
  }

  /** A word where a value stands: true, false, null, a CONSTANT, or a path. */
  private word(token: Extract<Token, { t: "word" }>): Node {
    const lower = token.value.toLowerCase();
    if (KEYWORDS.has(lower)) {
      if (lower === "true" || lower === "false") {
        this.k++;
        return { kind: "literal", value: lower === "true", pos: token.pos };
      }
      if (lower === "null") {
        this.k++;
        return { kind: "literal", value: null, pos: token.pos };
      }
      throw this.fail(`expected a value, found the keyword ${JSON.stringify(token.value)}`);
    }
    this.k++;
    if (!token.value.includes(".") && CONSTANT.test(token.value)) return { kind: "literal", value: token.value, pos: token.pos };
    const segments = token.value.split(".");
    const bad = segments.findIndex((s) => !SEGMENT.test(s));
    if (bad >= 0) throw this.fail(`${JSON.stringify(token.value)} is not a path: an empty part between dots`, token);
    this.paths.push(token.value);
    return { kind: "path", segments, text: token.value, pos: token.pos };
  }
}

/** Parses `text`. Never throws. */
export function parseExpression(text: string): ParseResult {
  if (typeof text !== "string") return { ok: false, error: { message: "the expression is not text", column: 1 } };
  if (text.length > MAX_EXPRESSION_CHARS) {
    return { ok: false, error: { message: `the expression is longer than ${MAX_EXPRESSION_CHARS} characters`, column: MAX_EXPRESSION_CHARS + 1 } };
  }
  const lexed = tokenize(text);
  if (lexed instanceof Failure) return { ok: false, error: lexed.error };
  const parser = new Parser(lexed);
  try {
    if (parser.peek().t === "end") return { ok: false, error: { message: "the expression is empty", column: 1 } };
    const ast = parser.or(0);
    const rest = parser.peek();
    if (rest.t !== "end") {
      const hint = rest.t === "word" || rest.t === "num" || rest.t === "str" ? ": join conditions with and / or" : "";
      throw parser.fail(`unexpected ${describe(rest)}${hint}`);
    }
    return { ok: true, ast, paths: [...new Set(parser.paths)] };
  } catch (error) {
    if (error instanceof Failure) return { ok: false, error: error.error };
    // A bug, not the user's text: still an answer, never a throw.
    return { ok: false, error: { message: `cannot parse the expression: ${String(error)}`, column: 1 } };
  }
}
