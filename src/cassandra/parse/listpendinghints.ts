/**
 * `nodetool listpendinghints` (4.1+): either `This node does not have any
 * pending hints`, or a `TableBuilder` table (single-space delimiter, every cell
 * padded) with the columns Host ID, Address, Rack, DC, Status, Total files,
 * Newest, Oldest. Newest/Oldest contain a space (`2024-06-19 13:34:56,123`,
 * UTC), so cells are cut at the header's offsets; a row whose boundaries do not
 * fall on whitespace is read from its fixed anchors instead.
 */
import { canonicalHost } from "../address.js";
import {
  boundariesClean,
  fail,
  headerOffsets,
  isUuid,
  ok,
  parseInteger,
  sliceCells,
  trimmedLines,
  words,
  type ParseResult,
} from "./common.js";

export interface PendingHintsEntry {
  readonly hostId: string;
  /** As printed (`10.20.1.11:7000`, `[2001:db8::11]:7000`), or null when unknown. */
  readonly address: string | null;
  readonly host: string | null;
  readonly rack: string | null;
  readonly dataCenter: string | null;
  /** UP, DOWN or Unknown (the failure detector's view). */
  readonly status: string | null;
  /** Hint files queued for that host (not the number of hints). */
  readonly totalFiles: number;
  /** Creation time of the newest / oldest hint file, epoch milliseconds (UTC). */
  readonly newestMs: number | null;
  readonly oldestMs: number | null;
}

export interface PendingHints {
  readonly entries: readonly PendingHintsEntry[];
  readonly totalFiles: number;
}

const COLUMNS = ["Host ID", "Address", "Rack", "DC", "Status", "Total files", "Newest", "Oldest"] as const;
const NO_HINTS = "This node does not have any pending hints";
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})[,.](\d{3})$/;

export function parseListPendingHints(stdout: string): ParseResult<PendingHints> {
  const lines = trimmedLines(stdout).filter((l) => l.trim() !== "");
  if (lines.some((l) => l.trim() === NO_HINTS)) return ok({ entries: [], totalFiles: 0 });
  const headerAt = lines.findIndex((l) => l.startsWith("Host ID") && l.includes("Total files"));
  if (headerAt < 0) return fail("neither a hints table header nor the no-pending-hints sentence in nodetool listpendinghints output");
  const offsets = headerOffsets(lines[headerAt] ?? "", COLUMNS);
  const entries: PendingHintsEntry[] = [];
  let unreadable = 0;
  for (const line of lines.slice(headerAt + 1)) {
    const entry = (offsets !== null && boundariesClean(line, offsets) ? fromCells(sliceCells(line, offsets)) : null) ?? fromWords(line);
    if (entry === null) unreadable++;
    else entries.push(entry);
  }
  if (unreadable > 0) return fail(`${unreadable} unreadable row(s) in nodetool listpendinghints output`);
  return ok({ entries, totalFiles: entries.reduce((sum, e) => sum + e.totalFiles, 0) });
}

function fromCells(cells: readonly string[]): PendingHintsEntry | null {
  const [hostId, address, rack, dc, status, files, newest, oldest] = cells;
  if (hostId === undefined || !isUuid(hostId)) return null;
  const totalFiles = parseInteger(files ?? "");
  if (totalFiles === null || totalFiles < 0) return null;
  return build(hostId, address ?? "", rack ?? "", dc ?? "", status ?? "", totalFiles, newest ?? "", oldest ?? "");
}

/** Fallback for misaligned rows: 5 single-word cells, a count, two timestamps of two words each. */
function fromWords(line: string): PendingHintsEntry | null {
  const w = words(line);
  if (w.length !== 10) return null;
  const [hostId, address, rack, dc, status, files, d1, t1, d2, t2] = w;
  if (hostId === undefined || !isUuid(hostId)) return null;
  const totalFiles = parseInteger(files ?? "");
  if (totalFiles === null || totalFiles < 0) return null;
  return build(hostId, address ?? "", rack ?? "", dc ?? "", status ?? "", totalFiles, `${d1} ${t1}`, `${d2} ${t2}`);
}

function build(
  hostId: string,
  address: string,
  rack: string,
  dc: string,
  status: string,
  totalFiles: number,
  newest: string,
  oldest: string,
): PendingHintsEntry {
  const known = (s: string): string | null => (s === "" || s === "Unknown" || s === "null" ? null : s);
  const knownAddress = known(address);
  return {
    hostId: hostId.toLowerCase(),
    address: knownAddress,
    host: knownAddress === null ? null : canonicalHost(knownAddress),
    rack: known(rack),
    dataCenter: known(dc),
    status: status === "" ? null : status,
    totalFiles,
    newestMs: parseUtcTimestamp(newest),
    oldestMs: parseUtcTimestamp(oldest),
  };
}

/** `2024-06-19 13:34:56,123` (UTC) → epoch milliseconds. */
export function parseUtcTimestamp(text: string): number | null {
  const m = TIMESTAMP.exec(text.trim());
  if (!m) return null;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]), Number(m[7]));
  return Number.isFinite(ms) ? ms : null;
}
