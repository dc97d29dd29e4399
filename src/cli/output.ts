/** stdout for the commands: the text they print and the style it is printed in. */
import type { Style } from "../render/table.js";

/** Colour only on a terminal that wants it (NO_COLOR, TERM=dumb); the terminal's width for tables. */
export function style(): Style {
  const tty = process.stdout.isTTY === true;
  const noColor = process.env["NO_COLOR"] !== undefined && process.env["NO_COLOR"] !== "";
  return { color: tty && !noColor && process.env["TERM"] !== "dumb", width: tty ? process.stdout.columns || 80 : null };
}

export function write(text: string): void {
  process.stdout.write(text);
}

/** A document for `--json`: two-space indented, one newline at the end. */
export function writeJson(value: unknown): void {
  write(JSON.stringify(value, null, 2) + "\n");
}
