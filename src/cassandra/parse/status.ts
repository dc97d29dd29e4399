/**
 * `nodetool status`, every layout:
 *
 * - 3.11 (printf): no blank line between data centers, Load padded to only 9
 *   chars so a longer load shifts the rest of the row; no trailing spaces.
 * - 4.0/4.1/5.0 (`TableBuilder`, two-space delimiter): a blank line between
 *   data centers, every cell padded, an empty Host ID cell when unknown.
 * - `Tokens` (vnodes: a count) or `Token` (single-token ring: the token, after
 *   Host ID); `Owns (effective)` or `Owns` (then every value is `?` and a
 *   `Note:` follows); `?` anywhere means unknown and becomes null.
 *
 * Rows are read word by word rather than by column offsets, because 3.11 rows
 * are not aligned. Only the rack may contain spaces, and it is last.
 */
import { canonicalHost, parseEndpoint } from "../address.js";
import {
  fail,
  isSizeUnit,
  isUuid,
  ok,
  parseDecimal,
  parseInteger,
  parsePercent,
  parseSize,
  trimmedLines,
  words,
  type ParseResult,
} from "./common.js";

export type RingStatusChar = "U" | "D" | "?";
export type RingStateChar = "N" | "L" | "J" | "M";

export interface RingMember {
  readonly dataCenter: string | null;
  /** The two-letter code as printed: UN, DN, UJ, UL, UM, ?N, ... */
  readonly ringState: string;
  readonly status: RingStatusChar;
  readonly state: RingStateChar;
  /** As printed (IP, `ip:port` with `-pp`, or a host name with `-r`). */
  readonly address: string;
  /** Canonical host (see address.ts); null when the address is not readable. */
  readonly host: string | null;
  readonly load: string | null;
  readonly loadBytes: number | null;
  /** Token count (vnode layout); null in the single-token layout or when unknown. */
  readonly tokens: number | null;
  /** The token itself (single-token layout). */
  readonly token: string | null;
  /** Ownership in percent; null when printed as `?`. */
  readonly owns: number | null;
  readonly hostId: string | null;
  readonly rack: string | null;
}

export interface RingStatus {
  readonly members: readonly RingMember[];
  /** Data-center names in the order printed (sorted by nodetool). */
  readonly dataCenters: readonly string[];
  /** True for `Owns (effective)`, false for `Owns`, null when no header was seen. */
  readonly effectiveOwnership: boolean | null;
  /** Trailing `Note:` lines, without the prefix. */
  readonly notes: readonly string[];
  /** Rows that looked like ring members but had unreadable cells (kept with nulls). */
  readonly irregularRows: number;
}

interface Layout {
  tokensColumn: boolean | null; // null: no header seen, guess per row
  tokenColumn: boolean;
}

const ROW_START = /^([UD?])([NLJM])\s/;

export function parseStatus(stdout: string): ParseResult<RingStatus> {
  const members: RingMember[] = [];
  const dataCenters: string[] = [];
  const notes: string[] = [];
  let dc: string | null = null;
  let effectiveOwnership: boolean | null = null;
  let layout: Layout = { tokensColumn: null, tokenColumn: false };
  let irregularRows = 0;

  for (const line of trimmedLines(stdout)) {
    const error = /^(?:%n)?Error:\s*(.*)$/.exec(line);
    if (error) return fail(`nodetool status printed an error: ${(error[1] ?? "").slice(0, 200)}`);
    if (line.startsWith("Datacenter:")) {
      dc = line.slice("Datacenter:".length).trim();
      dataCenters.push(dc);
      continue;
    }
    if (line.startsWith("Note:")) {
      notes.push(line.slice("Note:".length).trim());
      continue;
    }
    if (line.startsWith("--") && line.includes("Address")) {
      const header = words(line);
      layout = { tokensColumn: header.includes("Tokens"), tokenColumn: header.includes("Token") };
      effectiveOwnership = line.includes("Owns (effective)");
      continue;
    }
    const start = ROW_START.exec(line);
    if (!start) continue;
    const row = parseRow(line, start[1] as RingStatusChar, start[2] as RingStateChar, dc, layout);
    if (row === null) {
      irregularRows++;
      continue;
    }
    if (row.irregular) irregularRows++;
    members.push(row.member);
  }

  if (members.length === 0) {
    return fail(dataCenters.length === 0 ? "no ring members and no `Datacenter:` line in nodetool status output" : "nodetool status listed data centers but no readable ring member");
  }
  return ok({ members, dataCenters, effectiveOwnership, notes, irregularRows });
}

function parseRow(
  line: string,
  status: RingStatusChar,
  state: RingStateChar,
  dataCenter: string | null,
  layout: Layout,
): { member: RingMember; irregular: boolean } | null {
  const w = words(line);
  const address = w[1];
  if (address === undefined || parseEndpoint(address) === null) return null;
  let i = 2;
  let irregular = false;

  let load: string | null = null;
  const first = w[i];
  if (first === "?") {
    i++;
  } else if (first !== undefined && parseDecimal(first) !== null && isSizeUnit(w[i + 1] ?? "")) {
    load = `${first} ${w[i + 1] ?? ""}`;
    i += 2;
  } else if (first !== undefined && parseSize(first) !== null && /[A-Za-z]/.test(first)) {
    load = first; // unit glued to the number
    i++;
  } else {
    irregular = true;
  }

  let tokens: number | null = null;
  const tokensColumn = layout.tokensColumn ?? (parseInteger(w[i] ?? "") !== null && isOwnsCell(w[i + 1]));
  if (tokensColumn) {
    const cell = w[i];
    if (cell !== undefined && !isOwnsCell(cell)) {
      tokens = parseInteger(cell);
      if (tokens === null && cell !== "?") irregular = true;
      i++;
    }
  }

  let owns: number | null = null;
  if (isOwnsCell(w[i])) {
    owns = parsePercent(w[i] ?? "");
    i++;
  } else {
    irregular = true;
  }

  let hostId: string | null = null;
  const idCell = w[i];
  if (idCell !== undefined && (isUuid(idCell) || idCell === "null")) {
    hostId = idCell === "null" ? null : idCell.toLowerCase();
    i++;
  }

  let token: string | null = null;
  if (layout.tokenColumn && /^-?\d{1,40}$/.test(w[i] ?? "")) {
    token = w[i] ?? null;
    i++;
  }

  const rest = w.slice(i).join(" ");
  return {
    member: {
      dataCenter,
      ringState: `${status}${state}`,
      status,
      state,
      address,
      host: canonicalHost(address),
      load,
      loadBytes: load === null ? null : parseSize(load),
      tokens,
      token,
      owns,
      hostId,
      rack: rest === "" ? null : rest,
    },
    irregular,
  };
}

function isOwnsCell(cell: string | undefined): boolean {
  return cell !== undefined && (cell === "?" || (cell.endsWith("%") && parsePercent(cell) !== null) || cell === "NaN%");
}
