/**
 * The catalogue of nodetool facts the probe reads besides `status`: for each,
 * the command (with the variants older versions need, and the first version
 * that has it), the parser, and the key of its freshness limits in the
 * configuration (`cacheTtlMs`, `everyCycles`: src/config/cassandra.ts holds
 * the numbers). Data only; the schedule (schedule.ts) and the probe
 * (probe.ts) decide when and how they are read.
 *
 * Commands and outputs: ../shared/nodetool FORMATS.md (copied to
 * test/fixtures/nodetool/FORMATS.md).
 */
import type { CacheTtls } from "../config/cassandra.js";
import type { CacheEntry } from "../state/nodetool-cache.js";
import type { ParseResult } from "./parse/common.js";
import { parseCompactionStats, type CompactionStats } from "./parse/compactionstats.js";
import { parseDescribeCluster, type DescribeCluster } from "./parse/describecluster.js";
import { parseInfo, type NodeInfo } from "./parse/info.js";
import { parseListPendingHints, type PendingHints } from "./parse/listpendinghints.js";
import { parseNetStats, type NetStats } from "./parse/netstats.js";
import { parseMaxHintWindow, type MaxHintWindow } from "./parse/hint-window.js";
import { parseRepairAdminList, parseRepairAdminSummarizeRepaired, type RepairedSummary, type RepairSessions } from "./parse/repair-admin.js";
import { parseTpStats, type TpStats } from "./parse/tpstats.js";
import { parseVersion, versionAtLeast, type NodetoolVersion } from "./parse/version.js";

export type FactName =
  | "version" | "info" | "tpstats" | "hints" | "maxHintWindow" | "repairSessions" | "repairedSummary"
  | "netstats" | "describecluster" | "compactionstats";

export interface FactSpec<T> {
  readonly name: FactName;
  readonly ttlKey: keyof CacheTtls;
  /** Tried in order; `since`: the first [major, minor] that has it. */
  readonly variants: ReadonlyArray<{ readonly args: readonly string[]; readonly since?: readonly [number, number] }>;
  readonly parse: (stdout: string) => ParseResult<T>;
}

export const FACTS = {
  info: { name: "info", ttlKey: "info", variants: [{ args: ["info"] }], parse: parseInfo } satisfies FactSpec<NodeInfo>,
  version: { name: "version", ttlKey: "version", variants: [{ args: ["version"] }], parse: parseVersion } satisfies FactSpec<NodetoolVersion>,
  tpstats: {
    name: "tpstats",
    ttlKey: "tpstats",
    variants: [{ args: ["tpstats", "-F", "json"] }, { args: ["tpstats"] }],
    parse: parseTpStats,
  } satisfies FactSpec<TpStats>,
  hints: { name: "hints", ttlKey: "hints", variants: [{ args: ["listpendinghints"], since: [4, 1] }], parse: parseListPendingHints } satisfies FactSpec<PendingHints>,
  // Only needed to judge pending hints, so only where listpendinghints exists (FORMATS.md section 12).
  maxHintWindow: { name: "maxHintWindow", ttlKey: "maxHintWindow", variants: [{ args: ["getmaxhintwindow"], since: [4, 1] }], parse: parseMaxHintWindow } satisfies FactSpec<MaxHintWindow>,
  repairSessions: {
    name: "repairSessions",
    ttlKey: "repairSessions",
    // --all: FAILED sessions are filtered out without it, and FAILED is a state we report.
    variants: [{ args: ["repair_admin", "list", "--all"], since: [4, 0] }, { args: ["repair_admin", "list"], since: [4, 0] }],
    parse: parseRepairAdminList,
  } satisfies FactSpec<RepairSessions>,
  repairedSummary: {
    name: "repairedSummary",
    ttlKey: "repairedSummary",
    variants: [{ args: ["repair_admin", "summarize-repaired"], since: [4, 0] }],
    parse: parseRepairAdminSummarizeRepaired,
  } satisfies FactSpec<RepairedSummary>,
  netstats: { name: "netstats", ttlKey: "netstats", variants: [{ args: ["netstats"] }], parse: parseNetStats } satisfies FactSpec<NetStats>,
  describecluster: { name: "describecluster", ttlKey: "describecluster", variants: [{ args: ["describecluster"] }], parse: parseDescribeCluster } satisfies FactSpec<DescribeCluster>,
  compactionstats: { name: "compactionstats", ttlKey: "compactionstats", variants: [{ args: ["compactionstats"] }], parse: parseCompactionStats } satisfies FactSpec<CompactionStats>,
} as const;

/** The parsed value of a fact. */
export type ParsedFact<N extends FactName> = (typeof FACTS)[N] extends FactSpec<infer T> ? T : never;

/** Every fact, in report order. */
export const FACT_ORDER: readonly FactName[] = [
  "info", "version", "tpstats", "hints", "maxHintWindow", "repairSessions", "repairedSummary", "netstats", "describecluster", "compactionstats",
];

/** Facts of the running Cassandra process: read again at once when it changes. */
export const PROCESS_FACTS: readonly FactName[] = ["version", "info", "describecluster", "maxHintWindow"];

/** The facts that show repair activity. */
export const REPAIR_SOURCES: readonly FactName[] = ["tpstats", "repairSessions", "netstats", "compactionstats"];

/**
 * The arguments to read a fact with on this version (null: not known yet), or
 * null when it has none: a variant is skipped when the version is older than
 * its `since`, or when it was found unsupported on this same version.
 */
export function variantFor(name: FactName, entry: CacheEntry | undefined, version: string | null): readonly string[] | null {
  const marks = entry === undefined ? [] : validMarks(entry, version);
  const variants: FactSpec<unknown>["variants"] = FACTS[name].variants;
  for (const v of variants) {
    if (v.since !== undefined && versionAtLeast(version, v.since[0], v.since[1]) === false) continue;
    if (marks.includes(v.args.join(" "))) continue;
    return v.args;
  }
  return null;
}

/** "Unsupported" marks hold only for the version they were seen on. */
export function validMarks(entry: CacheEntry, version: string | null): string[] {
  return entry.unsupportedOn === version ? entry.unsupported : [];
}
