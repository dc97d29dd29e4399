/** What `status` and `check connectivity` make of the probe's results: a health status and a peer table. */
import type { Status } from "../../contract/status.js";
import type { PeerConnectivity, ViewResult } from "./probe.js";

export interface ConnectivityStatus {
  readonly status: Status;
  /** One line, for `check connectivity` and the status header. */
  readonly summary: string;
}

function problems(peer: PeerConnectivity): string[] {
  const out: string[] = [];
  if (!peer.host.connected) out.push(`host ${peer.host.outcome}`);
  if (!peer.server.connected) out.push(`server ${peer.server.outcome}`);
  if (!peer.cassandra.connected) out.push(`cassandra ${peer.cassandra.outcome}`);
  return out;
}

function isUnreachable(peer: PeerConnectivity): boolean {
  return !peer.host.connected && !peer.server.connected && !peer.cassandra.connected;
}

/**
 * OK: every view of every peer connected. WARNING: some view of some peer is
 * not. ERROR: more than half of the peers answer on no view at all; then it is
 * most likely this node that is cut off from its cluster. Skipped TLS
 * verification does not change the status (the operator chose it) but is
 * always said.
 */
export function connectivityStatus(results: readonly PeerConnectivity[]): ConnectivityStatus {
  const insecure = results.some((r) => r.tlsVerificationSkipped) ? " (TLS verification of peer servers is OFF: connectivity.insecureSkipVerify)" : "";
  if (results.length === 0) return { status: "OK", summary: "no peers configured" };
  const troubled = results.filter((r) => problems(r).length > 0);
  const unreachable = results.filter(isUnreachable);
  const list = troubled
    .slice(0, 5)
    .map((r) => `${r.nodeId}: ${isUnreachable(r) ? `unreachable (${r.host.outcome})` : problems(r).join(", ")}`)
    .join("; ");
  const more = troubled.length > 5 ? `; and ${troubled.length - 5} more` : "";
  if (unreachable.length * 2 > results.length) {
    return {
      status: "ERROR",
      summary: `${unreachable.length} of ${results.length} peers unreachable: this node may be cut off from its cluster; ${list}${more}${insecure}`,
    };
  }
  if (troubled.length > 0) {
    return { status: "WARNING", summary: `${troubled.length} of ${results.length} peers with connectivity problems: ${list}${more}${insecure}` };
  }
  return { status: "OK", summary: `all ${results.length} peers connected${insecure}` };
}

export interface PeerTableRow {
  readonly node: string;
  readonly address: string;
  /** "ok 0.1 ms", "refused", "timeout", ... */
  readonly host: string;
  readonly server: string;
  readonly cassandra: string;
  /** Hint files held for this peer; "?" where unknown. */
  readonly hints: string;
  /** The peer's ring state as nodetool reports it; "?" where unknown. */
  readonly ring: string;
  /** The details of every view that is not ok, one line each, for printing under the table. */
  readonly problems: readonly string[];
}

function cell(view: ViewResult): string {
  if (view.connected && view.latencyMs !== null) {
    const partial = view.samplesOk < view.samplesTaken ? ` (${view.samplesOk}/${view.samplesTaken})` : "";
    return `ok ${view.latencyMs.toFixed(1)} ms${partial}`;
  }
  return view.outcome;
}

/** A pure function from probe results to the rows of `status`'s peer table. */
export function toPeerTableRows(
  results: readonly PeerConnectivity[],
  extra: { readonly hints?: ReadonlyMap<string, number | null>; readonly ring?: ReadonlyMap<string, string> } = {},
): PeerTableRow[] {
  return results.map((r) => {
    const hints = extra.hints?.get(r.nodeId);
    const problemLines: string[] = [];
    if (!r.host.connected) problemLines.push(`host: ${r.host.detail}`);
    if (!r.server.connected) problemLines.push(`server: ${r.server.detail}`);
    if (!r.cassandra.connected) problemLines.push(`cassandra: ${r.cassandra.detail}`);
    return {
      node: r.nodeId,
      address: r.address,
      host: cell(r.host),
      server: cell(r.server) + (r.tlsVerificationSkipped ? " (TLS unverified)" : ""),
      cassandra: cell(r.cassandra),
      hints: hints === undefined || hints === null ? "?" : String(hints),
      ring: extra.ring?.get(r.nodeId) ?? "?",
      problems: problemLines,
    };
  });
}
