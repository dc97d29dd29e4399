/**
 * The health report (contract section 1) from a snapshot. Parts that nodekeeper
 * cannot know carry their documented unknown values, never invented ones.
 */
import { randomUUID } from "node:crypto";
import type { Config } from "../config/schema.js";
import { NODEKEEPER_VERSION } from "../version.js";
import type { Snapshot } from "./collect.js";
import { HealthReportSchema } from "./schema.js";
import type { HealthReport } from "./schema.js";

export function buildReport(snapshot: Snapshot, config: Config, reportId: string = randomUUID()): HealthReport {
  const report: HealthReport = {
    schemaVersion: 1,
    reportId,
    generatedAt: snapshot.generatedAt,
    clusterId: config.clusterId,
    nodeId: config.nodeId,
    nodekeeperVersion: NODEKEEPER_VERSION,
    nodekeeperIp: snapshot.nodeIp,
    masterNode: false,
    nodeState: "UNDEFINED",
    serverState: "UNDEFINED",
    oneAgentTrafficEnabled: false,
    webUiTrafficEnabled: false,
    componentVersions: snapshot.components.map((c) => ({ name: c.name, version: c.version })),
    componentStatuses: snapshot.components.map((c) => ({ name: c.name, status: c.status, description: c.description, resultCode: c.resultCode })),
    multiDcMigrationState: "NOT_STARTED",
    clusterState: "UNDEFINED",
    cassandraPhaRepairStatus: "UNKNOWN",
    cassandraRepairState: "UNKNOWN",
    directoryStatuses: snapshot.directories.map((d) => ({ nodeId: config.nodeId, path: d.path, status: d.status, details: d.details, resultCode: d.resultCode })),
    connectivityMetrics: config.peers.map((p) => ({
      nodeId: p.nodeId,
      serverConnected: false, serverLatencyMs: null,
      hostConnected: false, hostLatencyMs: null,
      cassandraConnected: false, cassandraHints: null,
    })),
    maintenanceMode: false,
  };
  // The same schema the sender uses: a body that fails it is a bug here, and
  // must never leave the node.
  return HealthReportSchema.parse(report);
}
