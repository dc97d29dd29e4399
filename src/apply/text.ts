/** Text from commands and servers, made safe for one log or status line. */

/** Control characters (newlines included) become spaces. */
export function printable(text: string): string {
  let out = "";
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    out += code < 0x20 || code === 0x7f ? " " : ch;
  }
  return out;
}

/** One printable line of at most `max` characters, whitespace collapsed. */
export function oneLine(text: string, max: number): string {
  const flat = printable(text).replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}
