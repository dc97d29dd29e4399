/** The Prometheus textfile (`--textfile DIR`) from a snapshot and the exchange state. */
import { readLastExchange } from "../state/last-exchange.js";
import { readOutboxSummary } from "../state/outbox.js";
import { toConnectivityMetric } from "../report/connectivity-metric.js";
import { renderMetrics, writeTextfile } from "../report/prometheus.js";
import type { Snapshot } from "../report/collect.js";
import { NODEKEEPER_VERSION } from "../contract/version.js";

export async function writeMetrics(
  dir: string,
  stateDir: string,
  snapshot: Snapshot,
  cycleDurationMs: number | null,
  withExchange: boolean,
): Promise<string> {
  const [last, outbox] = withExchange
    ? await Promise.all([readLastExchange(stateDir), readOutboxSummary(stateDir)])
    : [null, null];
  const delivered = last?.state === "ok" ? last.value.lastDeliveredAt : null;
  const text = renderMetrics({
    version: NODEKEEPER_VERSION,
    components: snapshot.components,
    directories: snapshot.directories,
    peers: snapshot.connectivity.map((p) =>
      toConnectivityMetric(p, snapshot.cassandra.peers.find((c) => c.nodeId === p.nodeId)?.hints ?? null)),
    lastExchangeSuccessAt: delivered ? new Date(delivered) : null,
    outboxReports: outbox ? outbox.depth : null,
    cycleDurationMs,
    self: snapshot.components.find((c) => c.name === "nodekeeper")?.self ?? null,
  });
  return writeTextfile(dir, text);
}
