/**
 * Text from outside (Mission Control's answers, the server's API, nodetool,
 * systemd unit descriptions) made safe for a terminal, a log line, the audit
 * log and the state files: control characters stripped, length capped.
 *
 * One sanitizer for the whole program. It is applied where outside text comes
 * in (answer parsing, server API answers, nodetool and systemd parsing) and
 * again, as a last line, in the log and audit writers.
 *
 * Also the one redaction of secrets (token values) for text and for JSON
 * values, whatever the secret's length.
 */

/** The cap for one string from outside: 1 KiB of characters is more than any id, state or description needs. */
export const OUTSIDE_TEXT_MAX_CHARS = 1024;

/**
 * Escape sequences (CSI `ESC [ … final`, OSC `ESC ] … BEL|ESC \`, two-byte
 * `ESC x`), their 8-bit forms (0x9b CSI, 0x9d OSC), then any other control or
 * format character: C0, DEL, C1, and Unicode "format" characters (bidi
 * overrides such as U+202E, zero-width joiners) that can disguise what a
 * terminal shows.
 */
// eslint-disable-next-line no-control-regex
const ESCAPES = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]|\u009b[0-?]*[ -/]*[@-~]|\u009d[^\x07\u009c]*[\x07\u009c]?/g;
const CONTROLS = /[\p{Cc}\p{Cf}]+/gu;
const NEEDS_WORK = /[\p{Cc}\p{Cf}]/u;

/**
 * `text` without control characters (tabs and line breaks become one space)
 * and at most `maxChars` characters; a cut says how much was left out, within
 * the cap: "abc… [+204800 chars]".
 */
export function cleanText(text: string, maxChars: number = OUTSIDE_TEXT_MAX_CHARS): string {
  let out = text;
  if (NEEDS_WORK.test(out)) out = out.replace(ESCAPES, "").replace(/[\t\n\r\v\f]+/g, " ").replace(CONTROLS, "");
  if (out.length <= maxChars) return out;
  const marker = ` … [+${out.length - maxChars} chars]`;
  if (marker.length >= maxChars) return Array.from(out).slice(0, maxChars).join("").slice(0, maxChars);
  let cut = maxChars - marker.length;
  // Do not split a surrogate pair (half a character is a broken string in JSON and in terminals).
  const code = out.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut -= 1;
  return out.slice(0, cut) + marker;
}

/**
 * Multi-line output of a program (nodetool): each line cleaned like
 * `cleanText` but keeping its tabs, and capped at `maxLineChars`; line breaks
 * kept (a lone CR is dropped). For parsers that read columns.
 */
export function cleanLines(text: string, maxLineChars: number): string {
  if (!NEEDS_WORK.test(text) && !text.split("\n").some((l) => l.length > maxLineChars)) return text;
  return text.split("\n").map((line) => cleanText(line.replace(/\r$/, "").replace(/\t/g, TAB_MARK), maxLineChars).replace(TAB_MARKS, "\t")).join("\n");
}
/** A private-use character standing in for a tab while a line is cleaned. */
const TAB_MARK = "\uE000";
const TAB_MARKS = /\uE000/g;

/** `value` with every string in it (object keys too) cleaned by `cleanText`; other values unchanged. */
export function cleanDeep<T>(value: T, maxChars: number = OUTSIDE_TEXT_MAX_CHARS): T {
  return mapStrings(value, (s) => cleanText(s, maxChars)) as T;
}

/**
 * Replaces every occurrence of each secret in `text` with `[REDACTED]`.
 * Any length: a short token is still a token (a few ordinary words may be
 * hidden with it, which is the safe side).
 */
export function redactText(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length === 0) continue;
    // Also its JSON-escaped form: text may be JSON, where `"` and `\` are escaped.
    for (const form of new Set([secret, JSON.stringify(secret).slice(1, -1)])) out = out.split(form).join("[REDACTED]");
  }
  return out;
}

/**
 * `value` with secrets redacted from every string in it, keys too. For JSON
 * records: redacting the serialised text instead could cut through quotes and
 * braces when a secret is short.
 */
export function redactDeep<T>(value: T, secrets: readonly string[]): T {
  const real = secrets.filter((s) => s.length > 0);
  if (real.length === 0) return value;
  return mapStrings(value, (s) => redactText(s, real)) as T;
}

function mapStrings(value: unknown, fn: (s: string) => string, depth = 0): unknown {
  if (typeof value === "string") return fn(value);
  // 64 levels: our records are a few deep; deeper is not ours and is dropped rather than recursed into.
  if (depth > 64) return null;
  if (Array.isArray(value)) return value.map((v) => mapStrings(v, fn, depth + 1));
  if (value !== null && typeof value === "object" && !(value instanceof Date) && !Buffer.isBuffer(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[fn(k)] = mapStrings(v, fn, depth + 1);
    return out;
  }
  return value;
}
