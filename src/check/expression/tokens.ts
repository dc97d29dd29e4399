/** The condition language's lexer: text to tokens, or a Failure at the first character that fits no token. */
import { Failure } from "./syntax.js";

export type Token =
  | { readonly t: "num"; readonly value: number; readonly pos: number; readonly text: string }
  | { readonly t: "str"; readonly value: string; readonly pos: number; readonly text: string }
  | { readonly t: "word"; readonly value: string; readonly pos: number; readonly text: string }
  | { readonly t: "op"; readonly value: string; readonly pos: number; readonly text: string }
  | { readonly t: "end"; readonly pos: number; readonly text: string };

const WORD_START = /[A-Za-z_]/;
const WORD_CHAR = /[A-Za-z0-9_.-]/;
const DIGIT = /[0-9]/;

/** A token as an error message names it. */
export function describe(token: Token): string {
  return token.t === "end" ? "the end of the expression" : JSON.stringify(token.text);
}

const at = (p: number) => p + 1;

/** A quoted string from `start` (its opening quote): the token and the index after it, or a Failure when it never closes. */
function quoted(text: string, start: number): { token: Token; next: number } | Failure {
  const quote = text[start];
  let value = "";
  let i = start + 1;
  while (i < text.length) {
    const d = text[i]!;
    if (d === "\\" && i + 1 < text.length) {
      value += text[i + 1];
      i += 2;
      continue;
    }
    if (d === quote) return { token: { t: "str", value, pos: start, text: text.slice(start, i + 1) }, next: i + 1 };
    value += d;
    i++;
  }
  return new Failure({ message: `the text starting at column ${at(start)} has no closing ${quote}`, column: at(start) });
}

export function tokenize(text: string): Token[] | Failure {
  const tokens: Token[] = [];
  let i = 0;
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
      const string = quoted(text, start);
      if (string instanceof Failure) return string;
      tokens.push(string.token);
      i = string.next;
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
