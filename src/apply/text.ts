/** Text from commands and servers, made safe for one log or status line (the one sanitizer: src/contract/text.ts). */
import { cleanText } from "../contract/text.js";

/** Control characters (newlines included) become spaces; escape sequences and other control characters go. */
export function printable(text: string): string {
  return cleanText(text, Number.MAX_SAFE_INTEGER);
}

/** One printable line of at most `max` characters, whitespace collapsed. */
export function oneLine(text: string, max: number): string {
  const flat = printable(text).replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}
