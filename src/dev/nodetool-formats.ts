/**
 * What the demo's fake nodetool prints: Cassandra 4.1 `nodetool` output in
 * its real formats, made from the samples in test/fixtures/nodetool/4.1/
 * (layouts as described in test/fixtures/nodetool/FORMATS.md) with the demo's
 * 127.0.0.x nodes, host IDs and data centers put in. Pure functions of which
 * nodes are down; test/dev/formats.test.ts runs every output through
 * nodekeeper's own parsers.
 */
import { CASSANDRA_VERSION, CLUSTER_NAME, DATA_CENTERS, NODES, thisNode } from "./cluster.js";
import type { SimNode } from "./cluster.js";

export interface NodetoolAnswer {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
}

const ok = (stdout: string): NodetoolAnswer => ({ stdout, stderr: "", exitCode: 0 });

/** Cassandra's `TableBuilder`: every cell padded to its column's width (the last one too), joined by `delimiter`. */
export function tableBuilder(rows: readonly (readonly string[])[], delimiter: string, widthsFrom: readonly (readonly string[])[] = rows): string[] {
  const columns = Math.max(...widthsFrom.map((r) => r.length));
  const widths = Array.from({ length: columns }, (_, i) => Math.max(1, ...widthsFrom.map((r) => (r[i] ?? "").length)));
  return rows.map((r) => widths.map((w, i) => (r[i] ?? "").padEnd(w)).join(delimiter));
}

const STATUS_HEADER = ["--", "Address", "Load", "Tokens", "Owns (effective)", "Host ID", "Rack"];

/**
 * `nodetool status` (4.1, vnodes, NetworkTopologyStrategy with 3 replicas per
 * data center, so each node owns 100.0% effectively). Data centers sorted,
 * column widths shared by both blocks (`SharedTable`), a blank line after each.
 */
export function statusOutput(down: ReadonlySet<string>): string {
  const rowOf = (n: SimNode) => [down.has(n.id) ? "DN" : "UN", n.address, n.load, "16", "100.0%", n.hostId, n.rack];
  const all = [STATUS_HEADER, ...NODES.map(rowOf)];
  const out: string[] = [];
  for (const dc of [...DATA_CENTERS].sort()) {
    const members = NODES.filter((n) => n.dataCenter === dc);
    const title = `Datacenter: ${dc}`;
    out.push(title, "=".repeat(title.length), "Status=Up/Down", "|/ State=Normal/Leaving/Joining/Moving");
    out.push(...tableBuilder([STATUS_HEADER, ...members.map(rowOf)], "  ", all));
    out.push("");
  }
  return `${out.join("\n")}\n`;
}

/** `nodetool info` of node-1 (4.1 labels, padded to 23 characters). */
export function infoOutput(uptimeSeconds: number): string {
  const me = thisNode();
  const lines: Array<[string, string]> = [
    ["ID", me.hostId],
    ["Gossip active", "true"],
    ["Native Transport active", "true"],
    ["Load", me.load],
    ["Generation No", "1718788400"],
    ["Uptime (seconds)", String(Math.max(0, Math.floor(uptimeSeconds)))],
    ["Heap Memory (MB)", "3456.79 / 8048.00"],
    ["Off Heap Memory (MB)", "612.35"],
    ["Data Center", me.dataCenter],
    ["Rack", me.rack],
    ["Exceptions", "0"],
    ["Key Cache", "entries 812345, size 98.4 MiB, capacity 100 MiB, 91234567 hits, 101234789 requests, 0.901 recent hit rate, 14400 save period in seconds"],
    ["Row Cache", "entries 0, size 0 bytes, capacity 0 bytes, 0 hits, 0 requests, NaN recent hit rate, 0 save period in seconds"],
    ["Counter Cache", "entries 0, size 0 bytes, capacity 50 MiB, 0 hits, 0 requests, NaN recent hit rate, 7200 save period in seconds"],
    ["Chunk Cache", "entries 7680, size 480 MiB, capacity 480 MiB, 2301456 misses, 18801234 requests, 0.878 recent hit rate, 341.652 microseconds miss latency"],
    ["Network Cache", "size 16 MiB, overflow size: 2.25 MiB, capacity 128 MiB"],
    ["Percent Repaired", "0.0%"],
    ["Token", "(invoke with -T/--tokens to see all 16 tokens)"],
  ];
  return lines.map(([label, value]) => `${label.padEnd(23)}: ${value}`).join("\n") + "\n";
}

export function versionOutput(): string {
  return `ReleaseVersion: ${CASSANDRA_VERSION}\n`;
}

/** `nodetool describecluster` (4.1): unreachable nodes listed apart, as nodetool does. */
export function describeClusterOutput(down: ReadonlySet<string>): string {
  const up = NODES.filter((n) => !down.has(n.id));
  const gone = NODES.filter((n) => down.has(n.id));
  const lines = [
    "Cluster Information:",
    `\tName: ${CLUSTER_NAME}`,
    "\tSnitch: org.apache.cassandra.locator.GossipingPropertyFileSnitch",
    "\tDynamicEndPointSnitch: enabled",
    "\tPartitioner: org.apache.cassandra.dht.Murmur3Partitioner",
    "\tSchema versions:",
    `\t\t2207c2a9-f598-3971-986b-2926e09e239d: [${up.map((n) => n.address).join(", ")}]`,
    "",
  ];
  if (gone.length > 0) lines.push(`\t\tUNREACHABLE: [${gone.map((n) => n.address).join(", ")}]`, "");
  lines.push(
    "Stats for all nodes:",
    `\tLive: ${up.length}`,
    "\tJoining: 0",
    "\tMoving: 0",
    "\tLeaving: 0",
    `\tUnreachable: ${gone.length}`,
    "",
    "Data Centers: ",
    ...[...DATA_CENTERS].sort().map((dc) => {
      const members = NODES.filter((n) => n.dataCenter === dc);
      return `\t${dc} #Nodes: ${members.length} #Down: ${members.filter((n) => down.has(n.id)).length}`;
    }),
    "",
    "Database versions:",
    `\t${CASSANDRA_VERSION}: [${up.map((n) => `${n.address}:7000`).join(", ")}]`,
    "",
    "Keyspaces:",
    "\tsystem_auth -> Replication class: NetworkTopologyStrategy {dc1=3, dc2=3}",
    "\tsystem_schema -> Replication class: LocalStrategy {}",
    "\truxit -> Replication class: NetworkTopologyStrategy {dc1=3, dc2=3}",
    "\tsystem_distributed -> Replication class: NetworkTopologyStrategy {dc1=3, dc2=3}",
    "\tsystem -> Replication class: LocalStrategy {}",
    "\tsystem_traces -> Replication class: NetworkTopologyStrategy {dc1=3, dc2=3}",
  );
  return `${lines.join("\n")}\n`;
}

/** `yyyy-MM-dd HH:mm:ss,SSS` in UTC, as listpendinghints prints hint file times. */
function hintTime(ms: number): string {
  const iso = new Date(ms).toISOString(); // 2024-06-19T13:34:56.123Z
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)},${iso.slice(20, 23)}`;
}

/**
 * `nodetool listpendinghints` (4.1+): this node keeps hints for the nodes that
 * are down; a few files each, the oldest from when they went down.
 */
export function listPendingHintsOutput(down: ReadonlySet<string>, nowMs: number, downSinceMs: number): string {
  const me = thisNode();
  const targets = NODES.filter((n) => n.id !== me.id && down.has(n.id));
  if (targets.length === 0) return "This node does not have any pending hints\n";
  const header = ["Host ID", "Address", "Rack", "DC", "Status", "Total files", "Newest", "Oldest"];
  const rows = targets.map((n) => [n.hostId, `${n.address}:7000`, n.rack, n.dataCenter, "DOWN", "3", hintTime(nowMs - 2_000), hintTime(downSinceMs)]);
  return `${tableBuilder([header, ...rows], " ").join("\n")}\n`;
}

/** Thread pools of an idle node (names and counters from the 4.1 sample, repair pools idle). */
const POOLS: ReadonlyArray<readonly [string, number]> = [
  ["MutationStage", 95213006], ["ViewMutationStage", 0], ["ReadStage", 15827461], ["RequestResponseStage", 110235871],
  ["CounterMutationStage", 0], ["MiscStage", 0], ["CompactionExecutor", 2204177], ["MemtableReclaimMemory", 10382],
  ["PendingRangeCalculator", 27], ["PaxosRepairStage", 0], ["GossipStage", 5210334], ["SecondaryIndexManagement", 0],
  ["HintsDispatcher", 734], ["MigrationStage", 41], ["MemtablePostFlush", 11842], ["PerDiskMemtableFlushWriter_0", 10380],
  ["ValidationExecutor", 3302], ["Sampler", 0], ["ViewBuildExecutor", 0], ["MemtableFlushWriter", 10382],
  ["InternalResponseStage", 188], ["AntiEntropyStage", 52011], ["TracingStage", 0], ["CacheCleanupExecutor", 0],
  ["Native-Transport-Requests", 121043332],
];
const DROPPED: ReadonlyArray<readonly [string, number]> = [
  ["READ_RSP", 0], ["HINT_RSP", 0], ["HINT_REQ", 4], ["MUTATION_RSP", 1], ["MUTATION_REQ", 27], ["READ_REQ", 2],
  ["VALIDATION_REQ", 0], ["GOSSIP_DIGEST_SYN", 0], ["_TRACE", 0],
];

/** `nodetool tpstats` (4.1 text: `TableBuilder` with one space, then the dropped-message latencies). */
export function tpstatsText(): string {
  const pools = tableBuilder([
    ["Pool Name", "Active", "Pending", "Completed", "Blocked", "All time blocked"],
    ...POOLS.map(([name, completed]) => [name, "0", "0", String(completed), "0", "0"]),
  ], " ");
  const dropped = tableBuilder([
    ["Message type", "Dropped    ", "50%     ", "95%     ", "99%     ", "Max"],
    ...DROPPED.map(([verb, n]) => [verb, String(n), n > 0 ? "17.084" : "0.0", n > 0 ? "73.457" : "0.0", n > 0 ? "152.321" : "0.0", n > 0 ? "2816.159" : "0.0"]),
  ], " ");
  return `${pools.join("\n")}\n\nLatencies waiting in queue (micros) per dropped message types\n${dropped.join("\n")}\n`;
}

/** `nodetool tpstats -F json` (4.1: Jackson's pretty printer, `"key" : value`, two-space indent). */
export function tpstatsJson(): string {
  const value = {
    ThreadPools: Object.fromEntries(POOLS.map(([name, completed]) => [name, {
      TotalBlockedTasks: 0, ActiveTasks: 0, PendingTasks: 0, CurrentlyBlockedTasks: 0, CompletedTasks: completed,
    }])),
    DroppedMessage: Object.fromEntries(DROPPED),
    WaitLatencies: Object.fromEntries(DROPPED.filter(([, n]) => n > 0).map(([verb]) => [verb, [17.084, 35.425, 73.457, 105.778, 152.321, 0.0, 2816.159]])),
  };
  return `${JSON.stringify(value, null, 2).replace(/^(\s*"[^"]*"):/gm, "$1 :")}\n`;
}

/** `nodetool netstats` of an idle node (the 4.1 sample). */
export function netstatsOutput(): string {
  return [
    "Mode: NORMAL",
    "Not sending any streams.",
    "Read Repair Statistics:",
    "Attempted: 45",
    "Mismatch (Blocking): 2",
    "Mismatch (Background): 0",
    "Pool Name                    Active   Pending      Completed   Dropped",
    "Large messages                  n/a         0            388         0",
    "Small messages                  n/a         3       88123455        17",
    "Gossip messages                 n/a         0        5021847         0",
  ].join("\n") + "\n";
}

/** `nodetool compactionstats` with nothing running (the 4.1 sample). */
export function compactionstatsOutput(): string {
  return "pending tasks: 1\n- ruxit.events: 1\n\n";
}

/** The answer of nodetool when JMX does not answer: Cassandra is down (4.1 sample, JDK 11 wording). */
export function connectionRefused(): NodetoolAnswer {
  return { stdout: "", stderr: "nodetool: Failed to connect to '127.0.0.1:7199' - ConnectException: 'Connection refused'.\n", exitCode: 1 };
}

/** airline's answer to a command it does not know (stdout, exit 1). */
export function unknownCommand(args: readonly string[]): NodetoolAnswer {
  return { stdout: `nodetool: Found unexpected parameters: [${args.join(", ")}]\nSee 'nodetool help' or 'nodetool help <command>'.\n`, stderr: "", exitCode: 1 };
}

export interface NodetoolWorld {
  /** Node ids whose Cassandra is down. */
  readonly down: ReadonlySet<string>;
  readonly nowMs: number;
  /** Since when the nodes in `down` are down (for hint file times). */
  readonly downSinceMs: number;
  readonly uptimeSeconds: number;
}

/** Options nodetool takes before the command (a wrapper may pass -h/-p/-u/-pw). */
const WITH_VALUE = new Set(["-h", "--host", "-p", "--port", "-u", "--username", "-pw", "--password", "-pwf", "--password-file"]);
const FLAGS = new Set(["-pp", "--print-port"]);

/** The command words, without the global options before them. */
export function commandWords(argv: readonly string[]): string[] {
  const words: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? "";
    if (words.length === 0 && WITH_VALUE.has(a)) i++;
    else if (words.length === 0 && FLAGS.has(a)) continue;
    else words.push(a);
  }
  return words;
}

/** The whole fake nodetool: arguments and world in, what nodetool would print out. */
export function nodetool(argv: readonly string[], world: NodetoolWorld): NodetoolAnswer {
  if (world.down.has(thisNode().id)) return connectionRefused();
  const args = commandWords(argv);
  const [command, ...rest] = args;
  switch (command) {
    case "status": return ok(statusOutput(world.down));
    case "info": return ok(infoOutput(world.uptimeSeconds));
    case "version": return ok(versionOutput());
    case "describecluster": return ok(describeClusterOutput(world.down));
    case "listpendinghints": return ok(listPendingHintsOutput(world.down, world.nowMs, world.downSinceMs));
    case "tpstats": return ok(rest.join(" ") === "-F json" ? tpstatsJson() : tpstatsText());
    case "netstats": return ok(netstatsOutput());
    case "compactionstats": return ok(compactionstatsOutput());
    case "repair_admin": return ok("no sessions\n");
    case "statusgossip":
    case "statusbinary": return ok("running\n");
    case "statushandoff": return ok("Hinted handoff is running\n");
    default: return unknownCommand(args);
  }
}
