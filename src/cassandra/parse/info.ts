/**
 * `nodetool info`: `String.format("%-23s: %s%n", label, value)` lines. Labels
 * vary by version (3.11 `Thrift active`; 4.0.10+/4.1.2+ `Network Cache`; 5.0
 * `Uncompressed load`, `Bootstrap state`, ...); unknown labels are ignored.
 */
import {
  fail,
  isUuid,
  ok,
  parseBoolean,
  parseDecimal,
  parseInteger,
  parsePercent,
  parseSize,
  trimmedLines,
  type ParseResult,
} from "./common.js";

export interface CacheInfo {
  readonly entries: number | null;
  readonly sizeBytes: number | null;
  readonly capacityBytes: number | null;
  readonly hits: number | null;
  readonly misses: number | null;
  readonly requests: number | null;
  /** 0..1; null when printed as NaN (no requests yet). */
  readonly hitRate: number | null;
  readonly savePeriodSeconds: number | null;
  readonly missLatencyMicros: number | null;
}

export interface NodeInfo {
  readonly hostId: string | null;
  readonly gossipActive: boolean | null;
  /** 3.11 only. */
  readonly thriftActive: boolean | null;
  readonly nativeTransportActive: boolean | null;
  readonly loadBytes: number | null;
  readonly uncompressedLoadBytes: number | null;
  /** 0 whenever gossip is not running. */
  readonly generation: number | null;
  readonly uptimeSeconds: number | null;
  readonly heapUsedMb: number | null;
  readonly heapMaxMb: number | null;
  readonly offHeapMb: number | null;
  readonly dataCenter: string | null;
  readonly rack: string | null;
  readonly exceptions: number | null;
  readonly keyCache: CacheInfo | null;
  readonly rowCache: CacheInfo | null;
  readonly counterCache: CacheInfo | null;
  readonly chunkCache: CacheInfo | null;
  readonly networkCache: { sizeBytes: number | null; overflowBytes: number | null; capacityBytes: number | null } | null;
  readonly percentRepaired: number | null;
  /** Token count from `(invoke with -T/--tokens to see all 256 tokens)`, or the number of `Token` lines. */
  readonly tokenCount: number | null;
  /** False for `(node is not joined to the cluster)`. */
  readonly joined: boolean | null;
  /** 5.0: NEEDS_BOOTSTRAP, COMPLETED, IN_PROGRESS, DECOMMISSIONED. */
  readonly bootstrapState: string | null;
  readonly bootstrapFailed: boolean | null;
  readonly decommissioning: boolean | null;
  readonly decommissionFailed: boolean | null;
}

const CORE_LABELS = ["ID", "Gossip active", "Native Transport active", "Load", "Generation No", "Uptime (seconds)"];

export function parseInfo(stdout: string): ParseResult<NodeInfo> {
  const fields = new Map<string, string>();
  const tokenLines: string[] = [];
  for (const line of trimmedLines(stdout)) {
    const sep = line.indexOf(":");
    if (sep <= 0) continue;
    const label = line.slice(0, sep).trim();
    const value = line.slice(sep + 1).trim();
    if (label === "Token") tokenLines.push(value);
    else if (!fields.has(label)) fields.set(label, value);
  }
  if (!CORE_LABELS.some((l) => fields.has(l))) {
    return fail("none of the expected labels (ID, Gossip active, Native Transport active, Load, ...) in nodetool info output");
  }
  const get = (label: string): string | null => fields.get(label) ?? null;
  const bool = (label: string): boolean | null => {
    const v = get(label);
    return v === null ? null : parseBoolean(v);
  };
  const int = (label: string): number | null => {
    const v = get(label);
    return v === null ? null : parseInteger(v);
  };
  const text = (label: string): string | null => {
    const v = get(label);
    return v === null || v === "" ? null : v;
  };

  const id = get("ID");
  const heap = (get("Heap Memory (MB)") ?? "").split("/");
  const offHeap = get("Off Heap Memory (MB)");
  const percentRepaired = get("Percent Repaired");
  const load = get("Load");
  const uncompressed = get("Uncompressed load");

  let tokenCount: number | null = null;
  let joined: boolean | null = null;
  for (const t of tokenLines) {
    const all = /see all (\d+) tokens/.exec(t);
    if (all) {
      tokenCount = Number(all[1]);
      joined = true;
    } else if (t.includes("not joined")) {
      joined = false;
      tokenCount = 0;
    }
  }
  if (tokenCount === null && tokenLines.length > 0 && joined === null) {
    tokenCount = tokenLines.length; // single token, or one line per token with -T
    joined = true;
  }

  return ok({
    hostId: id !== null && isUuid(id) ? id.toLowerCase() : null,
    gossipActive: bool("Gossip active"),
    thriftActive: bool("Thrift active"),
    nativeTransportActive: bool("Native Transport active"),
    loadBytes: load === null ? null : parseSize(load),
    uncompressedLoadBytes: uncompressed === null ? null : parseSize(uncompressed),
    generation: int("Generation No"),
    uptimeSeconds: int("Uptime (seconds)"),
    heapUsedMb: heap.length === 2 ? parseDecimal(heap[0] ?? "") : null,
    heapMaxMb: heap.length === 2 ? parseDecimal(heap[1] ?? "") : null,
    offHeapMb: offHeap === null ? null : parseDecimal(offHeap),
    dataCenter: text("Data Center"),
    rack: text("Rack"),
    exceptions: int("Exceptions"),
    keyCache: parseCache(get("Key Cache")),
    rowCache: parseCache(get("Row Cache")),
    counterCache: parseCache(get("Counter Cache")),
    chunkCache: parseCache(get("Chunk Cache")),
    networkCache: parseNetworkCache(get("Network Cache")),
    percentRepaired: percentRepaired === null ? null : parsePercent(percentRepaired),
    tokenCount,
    joined,
    bootstrapState: text("Bootstrap state"),
    bootstrapFailed: bool("Bootstrap failed"),
    decommissioning: bool("Decommissioning"),
    decommissionFailed: bool("Decommission failed"),
  });
}

/**
 * `entries 812345, size 98.4 MiB, capacity 100 MiB, 91234567 hits, 101234789
 * requests, 0.901 recent hit rate, 14400 save period in seconds` (the chunk
 * cache has `misses` and `microseconds miss latency` instead). With a comma
 * decimal locale the numbers carry commas too, so split on `, ` (comma + space).
 */
function parseCache(value: string | null): CacheInfo | null {
  if (value === null) return null;
  const parts = value.split(", ");
  const pick = (re: RegExp): string | null => {
    for (const p of parts) {
      const m = re.exec(p.trim());
      if (m) return m[1] ?? null;
    }
    return null;
  };
  const num = (re: RegExp): number | null => {
    const v = pick(re);
    return v === null ? null : parseDecimal(v);
  };
  const size = (re: RegExp): number | null => {
    const v = pick(re);
    return v === null ? null : parseSize(v);
  };
  return {
    entries: num(/^entries (\S+)$/),
    sizeBytes: size(/^size (.+)$/),
    capacityBytes: size(/^capacity (.+)$/),
    hits: num(/^(\S+) hits$/),
    misses: num(/^(\S+) misses$/),
    requests: num(/^(\S+) requests$/),
    hitRate: num(/^(\S+) recent hit rate$/),
    savePeriodSeconds: num(/^(\S+) save period in seconds$/),
    missLatencyMicros: num(/^(\S+) microseconds miss latency$/),
  };
}

/** `size 16 MiB, overflow size: 2.25 MiB, capacity 128 MiB` (split like the cache lines). */
function parseNetworkCache(value: string | null): NodeInfo["networkCache"] {
  if (value === null) return null;
  const out = { sizeBytes: null as number | null, overflowBytes: null as number | null, capacityBytes: null as number | null };
  for (const part of value.split(", ")) {
    const p = part.trim();
    if (p.startsWith("overflow size:")) out.overflowBytes = parseSize(p.slice("overflow size:".length));
    else if (p.startsWith("size ")) out.sizeBytes = parseSize(p.slice("size ".length));
    else if (p.startsWith("capacity ")) out.capacityBytes = parseSize(p.slice("capacity ".length));
  }
  return out;
}
