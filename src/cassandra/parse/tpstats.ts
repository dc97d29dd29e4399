/**
 * `nodetool tpstats` and `nodetool tpstats -F json`, all versions; the layout
 * is sniffed, so one parser serves both.
 *
 * Text: a pool table (3.11 printf `%-30s%10s%10s%15s%10s%18s`, 4.0+
 * `TableBuilder` with one space), a blank line, then the dropped-messages table
 * (3.11 `Message type / Dropped`; 4.0+ preceded by `Latencies waiting in queue
 * (micros) per dropped message types` with 50%/95%/99%/Max columns). Pool names
 * have no spaces, so rows are read as words from the right.
 *
 * JSON: `{"ThreadPools": {pool: {ActiveTasks, PendingTasks, CompletedTasks,
 * CurrentlyBlockedTasks, TotalBlockedTasks}}, "DroppedMessage": {verb: n},
 * "WaitLatencies": {verb: [p50, p75, p95, p98, p99, min, max]}}` (3.11 compact,
 * 4.x Jackson pretty, 5.0 pretty with non-finite numbers as null).
 */
import { fail, ok, parseDecimal, parseInteger, trimmedLines, words, type ParseResult } from "./common.js";

export interface ThreadPoolStats {
  readonly name: string;
  readonly active: number | null;
  readonly pending: number | null;
  readonly completed: number | null;
  readonly blocked: number | null;
  readonly allTimeBlocked: number | null;
}

export interface TpStats {
  readonly format: "text" | "json";
  readonly pools: readonly ThreadPoolStats[];
  /** Dropped message counts by verb (`HINT` in 3.11, `HINT_REQ` in 4.0+). */
  readonly dropped: Readonly<Record<string, number | null>>;
}

export function parseTpStats(stdout: string): ParseResult<TpStats> {
  const text = typeof stdout === "string" ? stdout.trim() : "";
  if (text.startsWith("{")) return parseJson(text);
  return parseText(text);
}

function parseText(text: string): ParseResult<TpStats> {
  const pools: ThreadPoolStats[] = [];
  const dropped = new Map<string, number | null>();
  let section: "none" | "pools" | "dropped" = "none";
  let sawPoolHeader = false;
  for (const line of trimmedLines(text)) {
    if (line.startsWith("Pool Name")) {
      section = "pools";
      sawPoolHeader = true;
      continue;
    }
    if (line.startsWith("Message type")) {
      section = "dropped";
      continue;
    }
    if (line.trim() === "" || line.startsWith("Latencies waiting in queue")) {
      if (section === "pools") section = "none";
      continue;
    }
    const w = words(line);
    if (section === "pools") {
      if (w.length < 6) return fail(`unreadable thread pool row in nodetool tpstats output: '${line.trim().slice(0, 80)}'`);
      const [active, pending, completed, blocked, allTimeBlocked] = w.slice(-5).map(parseCount);
      pools.push({
        name: w.slice(0, -5).join(" "),
        active: active ?? null,
        pending: pending ?? null,
        completed: completed ?? null,
        blocked: blocked ?? null,
        allTimeBlocked: allTimeBlocked ?? null,
      });
    } else if (section === "dropped" && w.length >= 2) {
      const verb = w[0] ?? "";
      if (/^[A-Z0-9_]{1,80}$/.test(verb)) dropped.set(verb, parseCount(w[1] ?? ""));
    }
  }
  if (!sawPoolHeader) return fail("no `Pool Name` header in nodetool tpstats output");
  if (pools.length === 0) return fail("no thread pool rows in nodetool tpstats output");
  return ok({ format: "text", pools, dropped: Object.fromEntries(dropped) });
}

/** Counts print as integers; `N/A` when a metric MBean is missing. */
function parseCount(cell: string): number | null {
  return parseInteger(cell) ?? parseDecimal(cell);
}

function parseJson(text: string): ParseResult<TpStats> {
  const end = text.lastIndexOf("}");
  // Jackson 4.x can print non-finite doubles as bare NaN/Infinity, which JSON.parse rejects.
  const body = text.slice(0, end + 1).replace(/([:[,]\s*)-?(?:NaN|Infinity)(?=\s*[,\]}])/g, "$1null");
  let data: unknown;
  try {
    data = JSON.parse(body);
  } catch (error) {
    return fail(`nodetool tpstats -F json output is not JSON: ${error instanceof Error ? error.message.slice(0, 120) : "parse error"}`);
  }
  if (!isRecord(data) || !isRecord(data.ThreadPools)) return fail("no `ThreadPools` object in nodetool tpstats -F json output");
  const pools: ThreadPoolStats[] = [];
  for (const [name, raw] of Object.entries(data.ThreadPools)) {
    if (!isRecord(raw)) continue;
    pools.push({
      name,
      active: num(raw.ActiveTasks),
      pending: num(raw.PendingTasks),
      completed: num(raw.CompletedTasks),
      blocked: num(raw.CurrentlyBlockedTasks),
      allTimeBlocked: num(raw.TotalBlockedTasks),
    });
  }
  // fromEntries defines own properties, so a `__proto__` key cannot reach the prototype.
  const dropped = isRecord(data.DroppedMessage)
    ? Object.fromEntries(Object.entries(data.DroppedMessage).map(([verb, n]) => [verb, num(n)]))
    : {};
  if (pools.length === 0) return fail("empty `ThreadPools` in nodetool tpstats -F json output");
  return ok({ format: "json", pools, dropped });
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function num(v: unknown): number | null {
  if (typeof v === "number" && Number.isFinite(v)) return v;
  if (typeof v === "string") return parseDecimal(v);
  return null;
}
