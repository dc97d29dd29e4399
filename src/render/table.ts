/**
 * Plain-text tables for people: columns as wide as their content (nothing
 * wider than needed), the last column cut to the terminal width when there is
 * one, colour only when asked for (a TTY without NO_COLOR).
 */
import type { Status } from "../contract/status.js";

export interface Style {
  readonly color: boolean;
  /** Terminal width, or null when output is not a terminal (nothing is cut). */
  readonly width: number | null;
}

const ANSI: Record<Status, string> = {
  OK: "\u001b[32m", // green
  WARNING: "\u001b[33m", // yellow
  ERROR: "\u001b[31m", // red
  UNKNOWN: "\u001b[35m", // magenta
  NOT_INSTALLED: "\u001b[2m", // dim
};
const RESET = "\u001b[0m";
const BOLD = "\u001b[1m";

/** A cell: text, and the status whose colour it takes. */
export type Cell = string | { readonly text: string; readonly status: Status };

const textOf = (cell: Cell) => (typeof cell === "string" ? cell : cell.text);

export function paint(text: string, status: Status, style: Style): string {
  return style.color ? `${ANSI[status]}${text}${RESET}` : text;
}

export function bold(text: string, style: Style): string {
  return style.color ? `${BOLD}${text}${RESET}` : text;
}

export function renderTable(header: readonly string[], rows: readonly (readonly Cell[])[], style: Style): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => textOf(r[i] ?? "").length)));
  const last = header.length - 1;
  const lineOf = (cells: readonly Cell[], isHeader: boolean) => {
    let used = 0;
    const parts = cells.map((cell, i) => {
      let text = textOf(cell);
      if (i === last) {
        // Cut only the last column, and only on a terminal.
        if (style.width !== null) {
          const room = Math.max(10, style.width - used);
          if (text.length > room) text = `${text.slice(0, room - 1)}…`;
        }
      } else {
        text = text.padEnd(widths[i] ?? 0);
      }
      used += text.length + 2;
      if (isHeader) return bold(text, style);
      return typeof cell === "string" ? text : paint(text, cell.status, style);
    });
    return parts.join("  ").trimEnd();
  };
  return [lineOf(header, true), ...rows.map((r) => lineOf(r, false))];
}
