/**
 * Helpers shared by the nodetool parsers. Everything here is pure and total:
 * no function throws, whatever the input, and every scan is linear in the
 * input (no backtracking regular expressions over whole lines), because the
 * input is whatever a possibly broken JVM printed.
 */

export type ParseResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

export function ok<T>(value: T): ParseResult<T> {
  return { ok: true, value };
}

export function fail<T>(reason: string): ParseResult<T> {
  return { ok: false, reason };
}

/**
 * Splits output into lines: CRLF and lone CR become LF, a byte-order mark is
 * dropped. Trailing whitespace is kept (some layouts pad every cell); callers
 * trim where they need to.
 */
export function splitLines(text: string): string[] {
  if (typeof text !== "string") return [];
  const clean = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  return clean.replace(/\r\n?/g, "\n").split("\n");
}

/** Lines without trailing whitespace and without empty lines at the end. */
export function trimmedLines(text: string): string[] {
  const out = splitLines(text).map((l) => l.trimEnd());
  while (out.length > 0 && out[out.length - 1] === "") out.pop();
  return out;
}

/** Splits on runs of whitespace, dropping empty pieces. */
export function words(line: string): string[] {
  const t = line.trim();
  return t === "" ? [] : t.split(/\s+/);
}

/** Cells that mean "unknown" in nodetool output: never read as 0. */
export function isUnknownCell(cell: string): boolean {
  const t = cell.trim();
  return t === "" || t === "?" || t === "n/a" || t === "N/A" || t === "NaN" || t === "null";
}

/** Longer "numbers" are garbage; the guard also bounds regex work per cell. */
const MAX_NUMBER_CHARS = 64;

/**
 * A decimal number as nodetool prints it, in any JVM locale: `1234.56`,
 * `1234,56` (comma-decimal locales such as de_DE), `-3`. nodetool's
 * `DecimalFormat("#.##")` and `%.2f` print no grouping separators, so a single
 * comma is a decimal comma. Returns null for unknown markers and garbage.
 */
export function parseDecimal(text: string): number | null {
  const t = text.trim();
  if (t.length > MAX_NUMBER_CHARS || isUnknownCell(t)) return null;
  if (!/^[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?$/.test(t)) return null;
  const n = Number(t.replace(",", "."));
  return Number.isFinite(n) ? n : null;
}

/** A non-negative or negative integer written in plain digits; null otherwise. */
export function parseInteger(text: string): number | null {
  const t = text.trim();
  if (t.length > MAX_NUMBER_CHARS) return null;
  if (!/^[+-]?\d{1,18}$/.test(t)) return null;
  const n = Number(t);
  return Number.isSafeInteger(n) ? n : null;
}

/** `76.2%` or `76,2%` → 76.2; `?`, `NaN%`, `n/a` → null. */
export function parsePercent(text: string): number | null {
  const t = text.trim();
  if (!t.endsWith("%")) return null;
  return parseDecimal(t.slice(0, -1));
}

const SIZE_UNITS: Readonly<Record<string, number>> = {
  bytes: 1,
  byte: 1,
  B: 1,
  KiB: 1024,
  MiB: 1024 ** 2,
  GiB: 1024 ** 3,
  TiB: 1024 ** 4,
  PiB: 1024 ** 5,
  // 3.0.x and DSE print decimal-looking units that are in fact binary.
  KB: 1024,
  MB: 1024 ** 2,
  GB: 1024 ** 3,
  TB: 1024 ** 4,
  PB: 1024 ** 5,
};

/**
 * `FileUtils.stringifyFileSize` output back to bytes: `245.52 GiB`, `0 bytes`,
 * `1,5 MiB`; also a bare byte count (`31847329402`). Binary units (KiB = 1024 B).
 * The printed value has two decimals, so the result is approximate.
 */
export function parseSize(text: string): number | null {
  const t = text.trim();
  if (t.length > MAX_NUMBER_CHARS || isUnknownCell(t)) return null;
  // Digit class and unit class are disjoint, so this cannot backtrack.
  const m = /^(\d[\d.,]*|[.,]\d+)\s*([A-Za-z]+)?$/.exec(t);
  if (!m) return null;
  const value = parseDecimal(m[1] ?? "");
  if (value === null || value < 0) return null;
  const unit = m[2];
  if (unit === undefined) return value;
  const factor = SIZE_UNITS[unit];
  return factor === undefined ? null : Math.round(value * factor);
}

/** True when `word` is a size unit that `parseSize` understands. */
export function isSizeUnit(word: string): boolean {
  return Object.prototype.hasOwnProperty.call(SIZE_UNITS, word);
}

const UUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

export function isUuid(text: string): boolean {
  return UUID_RE.test(text);
}

/** `true` / `false` (any case); anything else is null. */
export function parseBoolean(text: string): boolean | null {
  const t = text.trim().toLowerCase();
  if (t === "true") return true;
  if (t === "false") return false;
  return null;
}

/** `0h56m28s` → 3388 seconds; `n/a` → null. */
export function parseHms(text: string): number | null {
  const m = /^(\d{1,9})h(\d{1,2})m(\d{1,2})s$/.exec(text.trim());
  if (!m) return null;
  return Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]);
}

/**
 * Column start offsets from a padded header line (`TableBuilder` output): each
 * name is searched in order, after the end of the previous one. Returns null when
 * a name is missing, so the caller can fall back to another method.
 */
export function headerOffsets(header: string, names: readonly string[]): number[] | null {
  const starts: number[] = [];
  let from = 0;
  for (const name of names) {
    const at = header.indexOf(name, from);
    if (at < 0) return null;
    starts.push(at);
    from = at + name.length;
  }
  return starts;
}

/** Cuts a line at the given column starts and trims each cell. */
export function sliceCells(line: string, starts: readonly number[]): string[] {
  const cells: string[] = [];
  for (let i = 0; i < starts.length; i++) {
    const from = starts[i] ?? 0;
    const to = i + 1 < starts.length ? (starts[i + 1] ?? line.length) : line.length;
    cells.push(line.slice(from, to).trim());
  }
  return cells;
}

/**
 * A cell is only trustworthy when the column boundaries fall on whitespace: a
 * shifted row (3.11 pads Load to 9 chars, a longer value pushes the rest right)
 * would otherwise be cut in the middle of a word.
 */
export function boundariesClean(line: string, starts: readonly number[]): boolean {
  for (let i = 1; i < starts.length; i++) {
    const at = starts[i] ?? 0;
    if (at >= line.length) continue;
    const before = line[at - 1];
    if (before !== undefined && before !== " " && before !== "\t") return false;
  }
  return true;
}

/** Java `List.toString()` (`[a, b]`) to its elements; `[]` → []. */
export function parseJavaList(text: string): string[] {
  const t = text.trim();
  const inner = t.startsWith("[") && t.endsWith("]") ? t.slice(1, -1) : t;
  return inner
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

/** Shortens text for a reason or description. */
export function clip(text: string, max = 160): string {
  const t = text.replace(/\s+/g, " ").trim();
  return t.length > max ? `${t.slice(0, max)}…` : t;
}
