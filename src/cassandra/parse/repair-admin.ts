/**
 * `nodetool repair_admin list [--all]` (4.0+): `no sessions`, or a pipe table
 * `id | state | last activity | coordinator | participants | participants_wp`
 * (cells padded, joined by ` | `). Only incremental-repair sessions appear;
 * without `--all`, FINALIZED and FAILED sessions are filtered out by nodetool.
 */
import { canonicalHost } from "../address.js";
import { fail, isUuid, ok, parseInteger, trimmedLines, type ParseResult } from "./common.js";

/**
 * States of a session that is still doing work. The others are FINALIZED and
 * FAILED (shown only with --all).
 */
export const ACTIVE_REPAIR_SESSION_STATES: ReadonlySet<string> = new Set(["PREPARING", "PREPARED", "REPAIRING", "FINALIZE_PROMISED"]);

export interface RepairSession {
  readonly id: string;
  /** PREPARING, PREPARED, REPAIRING, FINALIZE_PROMISED, FINALIZED, FAILED, or what a future version prints. */
  readonly state: string;
  /** Seconds since the session's last update, when nodetool ran. */
  readonly lastActivitySeconds: number | null;
  readonly coordinator: string | null;
  readonly coordinatorHost: string | null;
  readonly participants: readonly string[];
}

export interface RepairSessions {
  readonly sessions: readonly RepairSession[];
}

export function parseRepairAdminList(stdout: string): ParseResult<RepairSessions> {
  const lines = trimmedLines(stdout).filter((l) => l.trim() !== "");
  if (lines.length > 0 && lines.every((l) => l.trim() === "no sessions")) return ok({ sessions: [] });
  const headerAt = lines.findIndex((l) => /^\s*id\s*\|/.test(l) && l.includes("state"));
  if (headerAt < 0) return fail("neither a sessions table header nor `no sessions` in nodetool repair_admin output");
  const header = splitPipes(lines[headerAt] ?? "");
  const col = (name: string): number => header.indexOf(name);
  const idCol = col("id");
  const stateCol = col("state");
  const activityCol = col("last activity");
  const coordinatorCol = col("coordinator");
  const participantsCol = col("participants");
  if (idCol < 0 || stateCol < 0) return fail("nodetool repair_admin header lacks `id` or `state`");

  const sessions: RepairSession[] = [];
  for (const line of lines.slice(headerAt + 1)) {
    const cells = splitPipes(line);
    const id = cells[idCol] ?? "";
    const state = cells[stateCol] ?? "";
    if (!isUuid(id) || !/^[A-Z_]{1,40}$/.test(state)) return fail(`unreadable session row in nodetool repair_admin output: '${line.slice(0, 80)}'`);
    const activity = /^(\d{1,12}) \(s\)$/.exec(cells[activityCol] ?? "");
    const coordinator = cells[coordinatorCol] ?? "";
    sessions.push({
      id: id.toLowerCase(),
      state,
      lastActivitySeconds: activity ? parseInteger(activity[1] ?? "") : null,
      coordinator: coordinator === "" ? null : coordinator,
      coordinatorHost: canonicalHost(coordinator),
      participants: (cells[participantsCol] ?? "").split(",").map((p) => p.trim()).filter((p) => p !== ""),
    });
  }
  return ok({ sessions });
}

function splitPipes(line: string): string[] {
  return line.split("|").map((c) => c.trim());
}

/**
 * Start time of a session from its time-based (version 1) UUID, epoch ms;
 * null for other UUID versions.
 */
export function timeUuidMillis(id: string): number | null {
  if (!isUuid(id) || id[14] !== "1") return null;
  const hex = id.slice(15, 18) + id.slice(9, 13) + id.slice(0, 8);
  const ticks = BigInt(`0x${hex}`); // 100 ns intervals since 1582-10-15
  const ms = Number(ticks / 10_000n) - 12_219_292_800_000; // 1582-10-15 → 1970-01-01, in ms
  return Number.isFinite(ms) ? ms : null;
}

/** One table's repaired state from `repair_admin summarize-repaired`. */
export interface RepairedTable {
  readonly keyspace: string;
  readonly table: string;
  /**
   * Oldest `repairedAt` (epoch ms) over the table's token ranges: every range
   * was repaired at least this recently. 0 in nodetool's output (a range never
   * marked repaired, `UNREPAIRED_SSTABLE`) is null here.
   */
  readonly minRepairedMs: number | null;
  /** Newest `repairedAt` (epoch ms); null when never repaired. */
  readonly maxRepairedMs: number | null;
}

export interface RepairedSummary {
  readonly tables: readonly RepairedTable[];
}

/**
 * `nodetool repair_admin summarize-repaired` (4.0+; RepairAdmin.SummarizeRepairedCmd):
 * `no stats`, or the same pipe table as `list` (cells padded to the column
 * width, joined by ` | `, rows sorted by keyspace then table) with the header
 * `keyspace | table | min_repaired | max_repaired` (`| detail` with -v). The
 * times are `Long.toString` of epoch milliseconds (RepairedState.Stats; 0 is
 * UNREPAIRED_SSTABLE). Only incremental repair marks data repaired.
 */
export function parseRepairAdminSummarizeRepaired(stdout: string): ParseResult<RepairedSummary> {
  const lines = trimmedLines(stdout).filter((l) => l.trim() !== "");
  if (lines.length > 0 && lines.every((l) => l.trim() === "no stats")) return ok({ tables: [] });
  const headerAt = lines.findIndex((l) => /^\s*keyspace\s*\|/.test(l) && l.includes("max_repaired"));
  if (headerAt < 0) return fail("neither a repaired-stats table header nor `no stats` in nodetool repair_admin summarize-repaired output");
  const header = splitPipes(lines[headerAt] ?? "");
  const ks = header.indexOf("keyspace");
  const tb = header.indexOf("table");
  const min = header.indexOf("min_repaired");
  const max = header.indexOf("max_repaired");
  if (ks < 0 || tb < 0 || min < 0 || max < 0) return fail("nodetool repair_admin summarize-repaired header lacks a column");
  const tables: RepairedTable[] = [];
  for (const line of lines.slice(headerAt + 1)) {
    const cells = splitPipes(line);
    const minMs = parseInteger(cells[min] ?? "");
    const maxMs = parseInteger(cells[max] ?? "");
    const keyspace = cells[ks] ?? "";
    const table = cells[tb] ?? "";
    if (minMs === null || maxMs === null || keyspace === "" || table === "") {
      return fail(`unreadable row in nodetool repair_admin summarize-repaired output: '${line.slice(0, 80)}'`);
    }
    tables.push({ keyspace, table, minRepairedMs: minMs > 0 ? minMs : null, maxRepairedMs: maxMs > 0 ? maxMs : null });
  }
  return ok({ tables });
}
