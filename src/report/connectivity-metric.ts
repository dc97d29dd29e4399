/**
 * The report's view of the connectivity probe: turns the probe's per-peer data
 * into the wire format's `connectivityMetrics` entries. The probe returns probe
 * data; only report/ knows the wire body.
 */
import type { ConnectivityMetric } from "../contract/report.js";
import type { PeerConnectivity, ViewResult } from "../probes/connectivity/index.js";

/** The contract's `connectivityMetrics` entry for one peer (src/contract/CONTRACT.md section 1). */
export function toConnectivityMetric(result: PeerConnectivity, cassandraHints: number | null): ConnectivityMetric {
  const latency = (view: ViewResult) => (view.connected && view.latencyMs !== null ? view.latencyMs : null);
  const serverLatencyMs = latency(result.server);
  const hostLatencyMs = latency(result.host);
  return {
    nodeId: result.nodeId,
    // Connected and latency come from the same test so that the report's
    // "null exactly when not connected" rule holds whatever the view says.
    serverConnected: serverLatencyMs !== null,
    serverLatencyMs,
    hostConnected: hostLatencyMs !== null,
    hostLatencyMs,
    cassandraConnected: result.cassandra.connected,
    cassandraHints:
      cassandraHints !== null && Number.isSafeInteger(cassandraHints) && cassandraHints >= 0 ? cassandraHints : null,
  };
}
