/**
 * `nodetool describecluster`. 3.11 stops after `Schema versions:`; 4.0+ adds
 * `Stats for all nodes`, `Data Centers`, `Database versions` and `Keyspaces`;
 * an ownership problem is an `Error:` line (4.0/4.1, sometimes with a literal
 * `%n`) or a trailing `Note:` (5.0). Sections are found by their headers at
 * column 0; their entries are indented (tabs, but any whitespace is accepted).
 */
import { fail, ok, parseInteger, parseJavaList, trimmedLines, type ParseResult } from "./common.js";

export interface HostList {
  readonly version: string;
  readonly hosts: readonly string[];
}

type NodeCounts = { live: number | null; joining: number | null; moving: number | null; leaving: number | null; unreachable: number | null };
type DataCenter = { name: string; nodes: number | null; down: number | null };
type Keyspace = { name: string; replicationClass: string; options: string };

export interface DescribeCluster {
  readonly name: string | null;
  readonly snitch: string | null;
  readonly dynamicSnitch: boolean | null;
  readonly partitioner: string | null;
  /** Schema versions reported by reachable hosts (the UNREACHABLE entry is separate). */
  readonly schemaVersions: readonly HostList[];
  readonly unreachable: readonly string[];
  /** Exactly one schema version among reachable hosts. */
  readonly schemaAgreement: boolean;
  readonly stats: NodeCounts | null;
  readonly dataCenters: readonly DataCenter[];
  /** Cassandra release per host (4.0+; more than one during a rolling upgrade). */
  readonly releaseVersions: readonly HostList[];
  readonly keyspaces: readonly Keyspace[];
  readonly notes: readonly string[];
}

type Section = "none" | "info" | "schema" | "stats" | "dcs" | "versions" | "keyspaces";

const SECTION_HEADERS: ReadonlyArray<[string, Section]> = [
  ["Cluster Information:", "info"],
  ["Schema versions:", "schema"], // normally indented under Cluster Information
  ["Stats for all nodes:", "stats"],
  ["Data Centers:", "dcs"],
  ["Database versions:", "versions"],
  ["Keyspaces:", "keyspaces"],
];

export function parseDescribeCluster(stdout: string): ParseResult<DescribeCluster> {
  let section: Section = "none";
  let sawHeader = false;
  const info = new Map<string, string>();
  const schemaVersions: HostList[] = [];
  let unreachable: string[] = [];
  let stats: NodeCounts | null = null;
  const dataCenters: DataCenter[] = [];
  const releaseVersions: HostList[] = [];
  const keyspaces: Keyspace[] = [];
  const notes: string[] = [];

  for (const raw of trimmedLines(stdout)) {
    const line = raw.trim();
    if (line === "") continue;
    const indented = raw !== raw.trimStart();
    const note = /^(?:%n)?(Error|Note):\s*(.*)$/.exec(line);
    if (note && !indented) {
      notes.push(`${note[1] ?? ""}: ${(note[2] ?? "").slice(0, 300)}`);
      continue;
    }
    if (!indented) {
      const header = SECTION_HEADERS.find(([h]) => line === h);
      section = header?.[1] ?? "none";
      if (header) sawHeader = true;
      continue;
    }
    switch (section) {
      case "info": {
        if (line === "Schema versions:") {
          section = "schema";
          break;
        }
        const sep = line.indexOf(":");
        if (sep > 0) info.set(line.slice(0, sep).trim(), line.slice(sep + 1).trim());
        break;
      }
      case "schema":
      case "versions": {
        const entry = hostList(line);
        if (entry === null) break;
        if (section === "versions") releaseVersions.push(entry);
        else if (entry.version === "UNREACHABLE") unreachable = [...entry.hosts];
        else schemaVersions.push(entry);
        break;
      }
      case "stats": {
        const count = statsLine(line);
        if (count === null) break;
        stats ??= { live: null, joining: null, moving: null, leaving: null, unreachable: null };
        stats[count.key] = count.value;
        break;
      }
      case "dcs": {
        const dc = dataCenterLine(line);
        if (dc !== null) dataCenters.push(dc);
        break;
      }
      case "keyspaces": {
        const keyspace = keyspaceLine(line);
        if (keyspace !== null) keyspaces.push(keyspace);
        break;
      }
      case "none":
        break;
    }
  }

  if (!sawHeader) return fail("no `Cluster Information:` section in nodetool describecluster output");
  if (schemaVersions.length === 0 && unreachable.length === 0) return fail("no schema versions in nodetool describecluster output");
  const dynamic = info.get("DynamicEndPointSnitch");
  return ok({
    name: info.get("Name") ?? null,
    snitch: info.get("Snitch") ?? null,
    dynamicSnitch: dynamic === "enabled" ? true : dynamic === "disabled" ? false : null,
    partitioner: info.get("Partitioner") ?? null,
    schemaVersions,
    unreachable,
    schemaAgreement: schemaVersions.length === 1,
    stats,
    dataCenters,
    releaseVersions,
    keyspaces,
    notes,
  });
}

/** `<key>: [a, b]`; the key may be empty (unknown release version). */
function hostList(line: string): HostList | null {
  const at = line.indexOf(": [");
  if (at < 0 || !line.endsWith("]")) return null;
  return { version: line.slice(0, at).trim(), hosts: parseJavaList(line.slice(at + 2)) };
}

/** `Live: 3` (Stats for all nodes). */
function statsLine(line: string): { key: keyof NodeCounts; value: number | null } | null {
  const m = /^(Live|Joining|Moving|Leaving|Unreachable): (\S+)$/.exec(line);
  if (!m) return null;
  return { key: (m[1] ?? "").toLowerCase() as keyof NodeCounts, value: parseInteger(m[2] ?? "") };
}

/** `dc1 #Nodes: 3 #Down: 0` (Data Centers); the name may contain spaces. */
function dataCenterLine(line: string): DataCenter | null {
  const at = line.lastIndexOf(" #Nodes: ");
  const down = line.lastIndexOf(" #Down: ");
  if (at <= 0 || down < at) return null;
  return {
    name: line.slice(0, at),
    nodes: parseInteger(line.slice(at + " #Nodes: ".length, down)),
    down: parseInteger(line.slice(down + " #Down: ".length)),
  };
}

/** `ks -> Replication class: NetworkTopologyStrategy {dc1=3}` (Keyspaces). */
function keyspaceLine(line: string): Keyspace | null {
  const at = line.indexOf(" -> Replication class: ");
  if (at <= 0) return null;
  const rest = line.slice(at + " -> Replication class: ".length);
  const brace = rest.indexOf(" {");
  return {
    name: line.slice(0, at),
    replicationClass: brace < 0 ? rest : rest.slice(0, brace),
    options: brace < 0 ? "" : rest.slice(brace + 1),
  };
}
