/**
 * Ring members, configured peers and pending hints brought together. Pure.
 *
 * A peer is found in the ring by address, compared in canonical form (IPv6
 * `2001:db8:0:0:0:0:0:11` = `2001:db8::11`, `/10.0.0.2` = `10.0.0.2:7000`);
 * its `cassandraAddress`, when given, is tried first. Hints are matched by host
 * ID, and by address only where the host ID is unknown to the ring.
 */
import { canonicalHost } from "./address.js";
import type { PendingHints } from "./parse/listpendinghints.js";
import type { RingMember, RingStatus } from "./parse/status.js";

export interface PeerInput {
  readonly nodeId: string;
  readonly address: string;
  readonly cassandraAddress?: string | undefined;
}

export interface PeerCassandra {
  readonly nodeId: string;
  /** UN, DN, UJ, UL, UM, ?N ...; null when the peer is not a ring member or the ring is unknown. */
  readonly ringState: string | null;
  /** Hint files this node holds for the peer; 0 for a ring member without any; null when unknown. */
  readonly hints: number | null;
  readonly dataCenter: string | null;
  readonly hostId: string | null;
}

/** "unsupported": this Cassandra version cannot list pending hints (before 4.1). */
export type HintsView = PendingHints | "unsupported" | null;

export function matchPeers(peers: readonly PeerInput[], ring: RingStatus | null, hints: HintsView): PeerCassandra[] {
  return peers.map((peer) => {
    const hosts = [peer.cassandraAddress, peer.address]
      .filter((a): a is string => typeof a === "string" && a !== "")
      .map(canonicalHost)
      .filter((h): h is string => h !== null);
    const member = ring === null ? undefined : hosts.map((h) => ring.members.find((m) => m.host === h)).find((m) => m !== undefined);
    return {
      nodeId: peer.nodeId,
      ringState: member?.ringState ?? null,
      hints: hintsFor(member, hosts, ring, hints),
      dataCenter: member?.dataCenter ?? null,
      hostId: member?.hostId ?? null,
    };
  });
}

/**
 * Hints are stored per host ID. An entry belongs to the ring member with that
 * host ID; only an entry whose host ID is no ring member's (the samples and a
 * replaced node can look like that) is attributed by its address.
 */
function hintsFor(member: RingMember | undefined, hosts: readonly string[], ring: RingStatus | null, hints: HintsView): number | null {
  if (hints === null || hints === "unsupported") return null;
  const memberIds = new Set(ring?.members.map((m) => m.hostId).filter((id) => id !== null) ?? []);
  const entry =
    (member?.hostId ? hints.entries.find((e) => e.hostId === member.hostId) : undefined) ??
    hints.entries.find((e) => e.host !== null && hosts.includes(e.host) && !memberIds.has(e.hostId));
  if (entry !== undefined) return entry.totalFiles;
  return member !== undefined ? 0 : null;
}

export interface DataCenterSummary {
  readonly name: string;
  readonly members: number;
  /** Status U. */
  readonly up: number;
  /** Status D. */
  readonly down: number;
  /** Status ? (not in gossip's live or unreachable set). */
  readonly unknown: number;
  /** State other than N: joining, leaving or moving. */
  readonly changing: number;
}

export interface RingSummary {
  readonly members: number;
  readonly dataCenters: readonly DataCenterSummary[];
  /** Members other than this node that are down (D) or unknown (?). */
  readonly downMembers: ReadonlyArray<{ address: string; dataCenter: string | null; ringState: string; hostId: string | null }>;
}

export function summarizeRing(ring: RingStatus, local: RingMember | null): RingSummary {
  const byDc = new Map<string, { members: number; up: number; down: number; unknown: number; changing: number }>();
  for (const m of ring.members) {
    const key = m.dataCenter ?? "(unknown)";
    const dc = byDc.get(key) ?? { members: 0, up: 0, down: 0, unknown: 0, changing: 0 };
    dc.members++;
    if (m.status === "U") dc.up++;
    else if (m.status === "D") dc.down++;
    else dc.unknown++;
    if (m.state !== "N") dc.changing++;
    byDc.set(key, dc);
  }
  return {
    members: ring.members.length,
    dataCenters: [...byDc.entries()].map(([name, c]) => ({ name, ...c })),
    downMembers: ring.members
      .filter((m) => m !== local && m.status !== "U")
      .map((m) => ({ address: m.host ?? m.address, dataCenter: m.dataCenter, ringState: m.ringState, hostId: m.hostId })),
  };
}

export type LocalMatch = { member: RingMember; by: "hostId" | "address" | "onlyMember" | "notAPeer" } | null;

/**
 * This node among the ring members:
 * 1. by host ID (from nodetool info);
 * 2. when that is unknown or not among the members (a replaced node whose
 *    info is stale, a ring that lists the node without host ID), by this
 *    node's own addresses (`cassandra.address`, `nodeIp`), compared in
 *    canonical form;
 * 3. without a host ID only: a one-member ring, or the only member that is
 *    none of the configured peers when every peer was found.
 * Null when none of these matches (the caller reports the host ID and the
 * addresses it looked for).
 */
export function findLocal(ring: RingStatus, hostId: string | null, peers: readonly PeerCassandra[], localAddresses: readonly string[] = []): LocalMatch {
  if (hostId !== null) {
    const id = hostId.toLowerCase();
    const member = ring.members.find((m) => m.hostId === id);
    if (member !== undefined) return { member, by: "hostId" };
  }
  const hosts = localHosts(localAddresses);
  for (const h of hosts) {
    const member = ring.members.find((m) => m.host === h);
    if (member !== undefined) return { member, by: "address" };
  }
  if (hostId !== null) return null;
  const only = ring.members.length === 1 ? ring.members[0] : undefined;
  if (only !== undefined) return { member: only, by: "onlyMember" };
  if (peers.length === 0 || peers.some((p) => p.ringState === null)) return null;
  const peerIds = new Set(peers.map((p) => p.hostId));
  const others = ring.members.filter((m) => !peerIds.has(m.hostId));
  const candidate = others.length === 1 ? others[0] : undefined;
  return candidate !== undefined && candidate.hostId !== null ? { member: candidate, by: "notAPeer" } : null;
}

/** This node's addresses in canonical form, duplicates and garbage dropped, in the order given. */
export function localHosts(addresses: readonly string[]): string[] {
  const out: string[] = [];
  for (const a of addresses) {
    const h = typeof a === "string" && a !== "" ? canonicalHost(a) : null;
    if (h !== null && !out.includes(h)) out.push(h);
  }
  return out;
}
