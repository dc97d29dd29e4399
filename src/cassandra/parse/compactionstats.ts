/**
 * `nodetool compactionstats [-H]`, two layouts:
 *
 * - classic (3.11, 4.0, 4.1): `pending tasks: N`, `- ks.table: n` lines, a blank
 *   line, then (only while something runs) a padded table `id  compaction type
 *   keyspace  table  completed  total  unit  progress` and `Active compaction
 *   remaining time :   0h56m28s`.
 * - 5.0: one `TableBuilder` of key/value rows (`concurrent compactors  4`,
 *   `pending tasks  1`, `<ks>  <table>  <n>`, ..., `compaction throughput (MiB/s)
 *   64.0`), then the operations header and rows, then `active compaction
 *   remaining time  0h03m26s`. Widths are shared by all rows.
 *
 * Compaction types and the `token range parts` unit contain spaces, and `-H`
 * turns byte counts into `114.98 GiB`: rows are cut at the header's offsets and,
 * when a row does not line up, read from both ends with known words.
 */
import {
  boundariesClean,
  fail,
  headerOffsets,
  isSizeUnit,
  isUuid,
  ok,
  parseDecimal,
  parseHms,
  parseInteger,
  parsePercent,
  parseSize,
  sliceCells,
  trimmedLines,
  words,
  type ParseResult,
} from "./common.js";

export interface CompactionOperation {
  readonly id: string | null;
  /** `OperationType.toString()`: Compaction, Validation, Anticompaction after repair, ... */
  readonly type: string;
  readonly keyspace: string | null;
  readonly table: string | null;
  /** In `unit`s; bytes are converted back from `-H` sizes (approximate). */
  readonly completed: number | null;
  readonly total: number | null;
  /** bytes, keys, ranges (3.11) or token range parts (4.0+). */
  readonly unit: string | null;
  readonly progressPercent: number | null;
}

export interface CompactionStats {
  readonly layout: "classic" | "5.0";
  readonly pendingTasks: number | null;
  readonly pendingByTable: ReadonlyArray<{ keyspace: string; table: string; tasks: number | null }>;
  readonly operations: readonly CompactionOperation[];
  /** Null when not printed (idle) or `n/a` (unthrottled). */
  readonly remainingSeconds: number | null;
  /** 5.0 only. */
  readonly concurrentCompactors: number | null;
}

/** Known operation types, longest first so that a prefix match takes the longest. */
export const COMPACTION_TYPES = [
  "Relocate sstables to correct disk",
  "Index summary redistribution",
  "Anticompaction after repair",
  "Unknown compaction type",
  "Secondary index build",
  "Tombstone Compaction",
  "Remove deleted data",
  "Counter cache save",
  "Major compaction",
  "Upgrade sstables",
  "Key cache save",
  "Row cache save",
  "View build",
  "Compaction",
  "Validation",
  "Cleanup",
  "Verify",
  "Scrub",
  "Stream",
  "Flush",
  "Write",
] as const;

const OP_COLUMNS = ["id", "compaction type", "keyspace", "table", "completed", "total", "unit", "progress"] as const;

const V5_LABELS = [
  "concurrent compactors",
  "pending tasks",
  "compactions completed",
  "data compacted",
  "compactions aborted",
  "compactions reduced",
  "sstables dropped from compaction",
  "15 minute rate",
  "mean rate",
  "compaction throughput (MiB/s)",
  "active compaction remaining time",
] as const;

export function parseCompactionStats(stdout: string): ParseResult<CompactionStats> {
  const lines = trimmedLines(stdout);
  if (lines.some((l) => /^pending tasks:/.test(l))) return parseClassic(lines);
  if (lines.some((l) => startsWithLabel(l, "concurrent compactors") || startsWithLabel(l, "pending tasks"))) return parseV5(lines);
  return fail("neither `pending tasks:` nor the 5.0 key/value layout in nodetool compactionstats output");
}

function parseClassic(lines: readonly string[]): ParseResult<CompactionStats> {
  let pendingTasks: number | null = null;
  const pendingByTable: Array<{ keyspace: string; table: string; tasks: number | null }> = [];
  const operations: CompactionOperation[] = [];
  let remainingSeconds: number | null = null;
  let offsets: number[] | null = null;
  let inTable = false;

  for (const line of lines) {
    if (line.startsWith("pending tasks:")) {
      pendingTasks = parseInteger(line.slice("pending tasks:".length));
      continue;
    }
    const pendingRow = /^- ([^.\s]+)\.(\S+): (\S+)$/.exec(line);
    if (pendingRow && !inTable) {
      pendingByTable.push({ keyspace: pendingRow[1] ?? "", table: pendingRow[2] ?? "", tasks: parseInteger(pendingRow[3] ?? "") });
      continue;
    }
    if (line.startsWith("Active compaction remaining time")) {
      const value = line.slice(line.indexOf(":") + 1).trim();
      remainingSeconds = parseHms(value);
      inTable = false;
      continue;
    }
    if (isOperationsHeader(line)) {
      offsets = headerOffsets(line, OP_COLUMNS);
      inTable = true;
      continue;
    }
    if (inTable && line.trim() !== "") {
      const op = parseOperation(line, offsets);
      if (op === null) return fail(`unreadable operation row in nodetool compactionstats output: '${line.trim().slice(0, 80)}'`);
      operations.push(op);
    }
  }
  return ok({ layout: "classic", pendingTasks, pendingByTable, operations, remainingSeconds, concurrentCompactors: null });
}

function parseV5(lines: readonly string[]): ParseResult<CompactionStats> {
  let pendingTasks: number | null = null;
  let concurrentCompactors: number | null = null;
  let remainingSeconds: number | null = null;
  const pendingByTable: Array<{ keyspace: string; table: string; tasks: number | null }> = [];
  const operations: CompactionOperation[] = [];
  let offsets: number[] | null = null;
  let section: "head" | "pending" | "metrics" | "operations" = "head";

  for (const line of lines) {
    if (line.trim() === "") continue;
    const label = V5_LABELS.find((l) => startsWithLabel(line, l));
    if (label !== undefined) {
      const value = line.slice(label.length).trim();
      if (label === "pending tasks") {
        pendingTasks = parseInteger(value);
        section = "pending";
      } else if (label === "concurrent compactors") {
        concurrentCompactors = parseInteger(value);
      } else if (label === "active compaction remaining time") {
        remainingSeconds = parseHms(value);
        section = "metrics";
      } else {
        section = "metrics";
      }
      continue;
    }
    if (isOperationsHeader(line)) {
      offsets = headerOffsets(line, OP_COLUMNS);
      section = "operations";
      continue;
    }
    if (section === "pending") {
      const w = words(line);
      if (w.length === 3) {
        pendingByTable.push({ keyspace: w[0] ?? "", table: w[1] ?? "", tasks: parseInteger(w[2] ?? "") });
        continue;
      }
    }
    if (section === "operations") {
      const op = parseOperation(line, offsets);
      if (op === null) return fail(`unreadable operation row in nodetool compactionstats output: '${line.trim().slice(0, 80)}'`);
      operations.push(op);
      continue;
    }
    // Other rows (a future metric) are ignored for forward compatibility.
  }
  if (pendingTasks === null && concurrentCompactors === null) return fail("no readable `pending tasks` row in nodetool compactionstats output");
  return ok({ layout: "5.0", pendingTasks, pendingByTable, operations, remainingSeconds, concurrentCompactors });
}

function startsWithLabel(line: string, label: string): boolean {
  return line.startsWith(label) && (line.length === label.length || line[label.length] === " ");
}

function isOperationsHeader(line: string): boolean {
  return /^id\s/.test(line) && line.includes("compaction type") && line.includes("progress");
}

function parseOperation(line: string, offsets: readonly number[] | null): CompactionOperation | null {
  if (offsets !== null && boundariesClean(line, offsets)) {
    const op = fromCells(sliceCells(line, offsets));
    if (op !== null) return op;
  }
  return fromWords(words(line));
}

function fromCells(cells: readonly string[]): CompactionOperation | null {
  const [id, type, keyspace, table, completed, total, unit, progress] = cells;
  if (type === undefined || type === "" || unit === undefined || unit === "" || !isProgress(progress)) return null;
  if (id !== undefined && id !== "" && !isUuid(id)) return null;
  return build(id ?? "", type, keyspace ?? "", table ?? "", completed ?? "", total ?? "", unit, progress ?? "");
}

function isProgress(cell: string | undefined): boolean {
  return cell !== undefined && (cell === "n/a" || (cell.endsWith("%") && parsePercent(cell) !== null));
}

/** Reads a row from both ends: progress, unit, total, completed from the right; id and a known type from the left. */
function fromWords(w: readonly string[]): CompactionOperation | null {
  let end = w.length;
  const progress = w[end - 1];
  if (!isProgress(progress)) return null;
  end--;
  let unit: string;
  if (w[end - 1] === "parts" && w[end - 2] === "range" && w[end - 3] === "token") {
    unit = "token range parts";
    end -= 3;
  } else {
    unit = w[end - 1] ?? "";
    end--;
    if (!/^[a-z]{1,20}$/.test(unit)) return null;
  }
  const takeAmount = (): string | null => {
    const last = w[end - 1];
    if (last === undefined) return null;
    if (isSizeUnit(last) && w[end - 2] !== undefined && parseDecimal(w[end - 2] ?? "") !== null) {
      end -= 2;
      return `${w[end]} ${last}`;
    }
    end--;
    return last;
  };
  const total = takeAmount();
  const completed = takeAmount();
  if (total === null || completed === null) return null;

  let start = 0;
  let id = "";
  if (isUuid(w[0] ?? "")) {
    id = w[0] ?? "";
    start = 1;
  }
  const middle = w.slice(start, end);
  const joined = middle.join(" ");
  const known = COMPACTION_TYPES.find((t) => joined === t || joined.startsWith(`${t} `));
  let type: string;
  let rest: string[];
  if (known !== undefined) {
    type = known;
    rest = middle.slice(known.split(" ").length);
  } else if (middle.length >= 3) {
    type = middle.slice(0, -2).join(" ");
    rest = middle.slice(-2);
  } else if (middle.length >= 1) {
    type = joined;
    rest = [];
  } else {
    return null;
  }
  if (rest.length !== 0 && rest.length !== 2) return null;
  return build(id, type, rest[0] ?? "", rest[1] ?? "", completed, total, unit, progress ?? "");
}

function build(
  id: string,
  type: string,
  keyspace: string,
  table: string,
  completed: string,
  total: string,
  unit: string,
  progress: string,
): CompactionOperation {
  const amount = (s: string): number | null => (unit === "bytes" ? parseSize(s) : parseDecimal(s));
  return {
    id: id === "" ? null : id.toLowerCase(),
    type,
    keyspace: keyspace === "" ? null : keyspace,
    table: table === "" ? null : table,
    completed: amount(completed),
    total: amount(total),
    unit,
    progressPercent: parsePercent(progress),
  };
}
