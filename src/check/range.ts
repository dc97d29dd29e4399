/**
 * The Nagios plugin range syntax, as the Nagios plugin development guidelines
 * (and the monitoring-plugins library) define it, for `check --warning/--critical`:
 *
 * | range    | alerts when the value is  |
 * |----------|---------------------------|
 * | `10`     | < 0 or > 10               |
 * | `10:`    | < 10                      |
 * | `~:10`   | > 10                      |
 * | `10:20`  | < 10 or > 20              |
 * | `@10:20` | ≥ 10 and ≤ 20             |
 *
 * Ends are inclusive; `~` is negative infinity; a missing end is positive
 * infinity; a missing start (`:10`) is 0. Numbers are decimals (`-1.5`), without
 * exponents. The start must not be greater than the end.
 *
 * A hand-written parser rather than a zod schema: this is a small grammar, and
 * the error has to say which part of the text is wrong. Never throws.
 */

export interface Range {
  /** The text as given (trimmed): shown in perfdata, which uses the same syntax. */
  readonly text: string;
  /** Inclusive lower end; -Infinity for `~`. */
  readonly start: number;
  /** Inclusive upper end; Infinity when omitted. */
  readonly end: number;
  /** `@`: alert inside the range instead of outside. */
  readonly inside: boolean;
}

export type RangeParse = { readonly ok: true; readonly range: Range } | { readonly ok: false; readonly error: string };

const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/;

function number(text: string): number | null {
  return NUMBER.test(text) ? Number(text) : null;
}

export function parseRange(input: string): RangeParse {
  const text = input.trim();
  const fail = (why: string): RangeParse => ({ ok: false, error: `invalid range ${JSON.stringify(input)}: ${why}` });
  if (text === "") return fail("empty");
  let rest = text;
  const inside = rest.startsWith("@");
  if (inside) rest = rest.slice(1);
  if (rest === "") return fail("nothing after @");

  let start: number;
  let end: number;
  const colon = rest.indexOf(":");
  if (colon < 0) {
    // `10`: from 0 to 10.
    if (rest === "~") return fail("~ stands for the start of a range and needs a colon (~:10)");
    const n = number(rest);
    if (n === null) return fail(`${JSON.stringify(rest)} is not a number`);
    start = 0;
    end = n;
  } else {
    const startText = rest.slice(0, colon);
    const endText = rest.slice(colon + 1);
    if (endText.includes(":")) return fail("more than one colon");
    if (startText === "~") start = -Infinity;
    else if (startText === "") start = 0;
    else {
      const n = number(startText);
      if (n === null) return fail(`start ${JSON.stringify(startText)} is not a number or ~`);
      start = n;
    }
    if (endText === "") end = Infinity;
    else {
      const n = number(endText);
      if (n === null) return fail(`end ${JSON.stringify(endText)} is not a number`);
      end = n;
    }
  }
  if (start > end) return fail(`start ${start} is greater than end ${end}`);
  return { ok: true, range: { text, start, end, inside } };
}

/**
 * Whether `value` raises an alert under `range`: outside the range, or inside
 * it with `@`. A value that is not a number (NaN) always alerts: a check that
 * cannot judge must not say OK.
 */
export function alerts(range: Range, value: number): boolean {
  if (Number.isNaN(value)) return true;
  const within = value >= range.start && value <= range.end;
  return range.inside ? within : !within;
}
