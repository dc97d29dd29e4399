/**
 * `check connectivity`: how many peers this node reaches on every view (host,
 * server, Cassandra), and the worst latency, with thresholds on the numbers
 * `latency` (ms) and `down` (peers not fully connected).
 */
import type { ConnectivityMetric } from "../contract/report.js";
import { shortList, worstState, type NagiosState, type PerfDatum } from "./nagios.js";
import { checkResult, type CheckResult } from "./result.js";
import { plural } from "./text.js";
import { hasThresholds, judge, thresholdData, type ThresholdsFor } from "./thresholds.js";

/** One peer: the contract's connectivityMetrics entry (the wire type, without hints). */
export type PeerCheckInput = Omit<ConnectivityMetric, "cassandraHints"> & {
  /** false: the peer was not probed at all (the probe's deadline passed first); default true. */
  readonly probed?: boolean;
};

interface WorstLatency {
  readonly ms: number;
  readonly nodeId: string;
  readonly view: "host" | "server";
}

/** What the peers' metrics say, before any rule: who is down on which view, who is cut off, the worst latency. */
interface PeerSurvey {
  readonly probed: readonly PeerCheckInput[];
  readonly notProbed: readonly PeerCheckInput[];
  /** Probed peers with at least one view down. */
  readonly down: readonly PeerCheckInput[];
  /** Probed peers down on every view. */
  readonly unreachable: readonly PeerCheckInput[];
  /** More than half of the probed peers are unreachable: this node is likely cut off. */
  readonly isolated: boolean;
  /** The worst median latency of any host or server view; null when none was measured. */
  readonly worst: WorstLatency | null;
}

const downViews = (p: PeerCheckInput) => [
  ...(p.hostConnected ? [] : ["host"]),
  ...(p.serverConnected ? [] : ["server"]),
  ...(p.cassandraConnected ? [] : ["cassandra"]),
];

function surveyPeers(peers: readonly PeerCheckInput[]): PeerSurvey {
  const probed = peers.filter((p) => p.probed !== false);
  const notProbed = peers.filter((p) => p.probed === false);
  const down = probed.filter((p) => downViews(p).length > 0);
  // The same rule as status (src/probes/connectivity/status.ts): more than half
  // of the peers answer on no view at all, so this node is likely cut off.
  const unreachable = probed.filter((p) => !p.hostConnected && !p.serverConnected && !p.cassandraConnected);
  const isolated = probed.length > 0 && unreachable.length * 2 > probed.length;
  let worst: WorstLatency | null = null;
  for (const p of probed) {
    for (const [view, ms] of [["host", p.hostLatencyMs], ["server", p.serverLatencyMs]] as const) {
      if (ms !== null && Number.isFinite(ms) && (worst === null || ms > worst.ms)) worst = { ms, nodeId: p.nodeId, view };
    }
  }
  return { probed, notProbed, down, unreachable, isolated, worst };
}

/**
 * Default rules: a peer with any view down (host, server or Cassandra) is
 * WARNING; more than half of the peers answering on no view at all is CRITICAL
 * (this node is likely cut off: the rule `status` uses too); a peer that was
 * not probed is UNKNOWN. A `down` threshold replaces the first two rules with
 * a range on the number of peers not fully connected. `latency` thresholds
 * judge the worst median latency, in ms, of any host or server view (there are
 * none by default: what is slow depends on the network between data centers).
 * No peers (a single-node cluster) is OK: there is nothing to connect to.
 * perfdata stays aggregate (NRPE 2 cuts plugin output at 1 KiB); per-peer
 * numbers are in --json and the Prometheus textfile.
 */
export function checkConnectivity(peers: readonly PeerCheckInput[], thresholds: ThresholdsFor<"connectivity"> = {}): CheckResult {
  const n = peers.length;
  const { probed, notProbed, down, unreachable, isolated, worst } = surveyPeers(peers);
  const downThresholds = hasThresholds(thresholds.down) ? thresholds.down : undefined;
  const latencyThresholds = hasThresholds(thresholds.latency) ? thresholds.latency : undefined;
  const downState: NagiosState = probed.length === 0 ? "OK"
    : (judge(down.length, downThresholds) ?? (isolated ? "CRITICAL" : down.length > 0 ? "WARNING" : "OK"));
  const latencyState: NagiosState = latencyThresholds === undefined || probed.length === 0 ? "OK"
    : worst === null ? "UNKNOWN" : (judge(worst.ms, latencyThresholds) ?? "OK");
  const state = worstState([downState, latencyState, notProbed.length > 0 ? "UNKNOWN" : "OK"]);

  const parts: string[] = [];
  if (n === 0) parts.push("no peers configured");
  else if (isolated) parts.push(`${unreachable.length} of ${plural(n, "peer")} unreachable, this node may be cut off: ${shortList(unreachable.map((p) => p.nodeId))}`);
  else if (down.length > 0) parts.push(`${down.length} of ${plural(n, "peer")} not fully connected: ${shortList(down.map((p) => `${p.nodeId} (${downViews(p).join(", ")} down)`))}`);
  else if (probed.length > 0) parts.push(`${plural(probed.length, "peer")} connected`);
  if (notProbed.length > 0) parts.push(`${notProbed.length} not probed: ${shortList(notProbed.map((p) => p.nodeId))}`);
  if (worst !== null) parts.push(`worst latency ${formatMs(worst.ms)} ms (${worst.nodeId} ${worst.view})`);
  else if (latencyThresholds !== undefined && probed.length > 0) parts.push("no latency measured");

  const perfdata: PerfDatum[] = [
    { label: "down", value: n === 0 ? 0 : down.length, warn: downThresholds?.warning, crit: downThresholds?.critical, min: 0, max: n },
    { label: "latency", value: worst?.ms ?? null, uom: "ms", warn: latencyThresholds?.warning, crit: latencyThresholds?.critical, min: 0 },
  ];
  const details = [
    ...down.map((p) => `${p.nodeId}: ${downViews(p).join(", ")} down; host ${latencyText(p.hostLatencyMs)}, server ${latencyText(p.serverLatencyMs)}`),
    ...notProbed.map((p) => `${p.nodeId}: not probed`),
  ];
  const data = {
    peers: n,
    down: down.map((p) => ({ nodeId: p.nodeId, views: downViews(p) })),
    notProbed: notProbed.map((p) => p.nodeId),
    worstLatencyMs: worst?.ms ?? null,
    worstLatencyPeer: worst?.nodeId ?? null,
    worstLatencyView: worst?.view ?? null,
    thresholds: { down: thresholdData(downThresholds), latency: thresholdData(latencyThresholds) },
  };
  return checkResult("connectivity", state, parts.join(", "), perfdata, details, data);
}

/** Milliseconds as a person reads them: one decimal below 100 ms, none above. */
const formatMs = (ms: number) => (ms >= 100 ? ms.toFixed(0) : ms.toFixed(1));
const latencyText = (ms: number | null) => (ms === null ? "-" : `${formatMs(ms)} ms`);
