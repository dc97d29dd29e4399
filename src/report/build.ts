/**
 * The health report (contract section 1) from a snapshot. Parts that nodekeeper
 * cannot know carry their documented unknown values, never invented ones.
 */
import { randomUUID } from "node:crypto";
import type { Config } from "../config/schema.js";
import { toConnectivityMetric } from "./connectivity-metric.js";
import { NODEKEEPER_VERSION } from "../contract/version.js";
import type { Snapshot } from "./collect.js";
import { HealthReportSchema } from "../contract/report.js";
import type { HealthReport, PhaRepairStatus } from "../contract/report.js";

export interface BuildOptions {
  /** From the apply state (the failover repair); NOT_REQUIRED when nothing is known. */
  readonly phaRepairStatus?: PhaRepairStatus;
  readonly reportId?: string;
}

export function buildReport(snapshot: Snapshot, config: Config, options: BuildOptions = {}): HealthReport {
  const reportId = options.reportId ?? randomUUID();
  const report: HealthReport = {
    schemaVersion: 1,
    reportId,
    generatedAt: snapshot.generatedAt,
    clusterId: config.clusterId,
    nodeId: config.nodeId,
    nodekeeperVersion: NODEKEEPER_VERSION,
    nodekeeperIp: snapshot.nodeIp,
    masterNode: snapshot.nodeFacts.masterNode,
    nodeState: snapshot.nodeFacts.nodeState,
    serverState: snapshot.nodeFacts.serverState,
    oneAgentTrafficEnabled: snapshot.nodeFacts.oneAgentTrafficEnabled,
    webUiTrafficEnabled: snapshot.nodeFacts.webUiTrafficEnabled,
    componentVersions: snapshot.components.map((c) => ({ name: c.name, version: c.version })),
    componentStatuses: snapshot.components.map((c) => ({ name: c.name, status: c.status, description: c.description, resultCode: c.resultCode })),
    multiDcMigrationState: snapshot.nodeFacts.multiDcMigrationState,
    clusterState: snapshot.nodeFacts.clusterState,
    cassandraPhaRepairStatus: options.phaRepairStatus ?? "NOT_REQUIRED",
    cassandraRepairState: snapshot.cassandra.repairState,
    directoryStatuses: snapshot.directories.map((d) => ({ nodeId: config.nodeId, path: d.path, status: d.status, details: d.details, resultCode: d.resultCode })),
    connectivityMetrics: snapshot.connectivity.map((peer) =>
      toConnectivityMetric(peer, snapshot.cassandra.peers.find((c) => c.nodeId === peer.nodeId)?.hints ?? null)),
    maintenanceMode: snapshot.maintenance !== null,
  };
  // The same schema the sender uses: a body that fails it is a bug here, and
  // must never leave the node.
  return HealthReportSchema.parse(report);
}
