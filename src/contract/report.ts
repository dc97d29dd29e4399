/**
 * The health report that goes to Mission Control (CONTRACT.md section 1).
 * `report --dry-run` prints a body validated by this schema, and the sender
 * sends only bodies that pass it: one schema, so the two can never disagree.
 */
import * as z from "zod";
import { StatusSchema } from "./status.js";

export const NODE_STATES = [
  "OFFLINE", "STARTUP", "STARTUP_CANCELED", "STARTUP_SUSPENDED", "RUNNING", "RUNNING_FORSAKEN",
  "SHUTDOWN_IMMINENT", "SHUTDOWN_PHASED_OUT", "SHUTDOWN", "EMERGENCY", "DATABASE_DISCONNECTED", "UNDEFINED",
] as const;
export const NodeStateSchema = z.enum(NODE_STATES);
export type NodeState = z.infer<typeof NodeStateSchema>;

export const MultiDcMigrationStateSchema = z.enum(["NOT_STARTED", "IN_PROGRESS", "SUCCEEDED", "FAILED"]);
export const PhaRepairStatusSchema = z.enum([
  "NOT_REQUIRED", "REQUIRED", "IN_PROGRESS", "SUCCEEDED", "FAILED", "NOT_REPAIRABLE", "UNKNOWN",
]);
export type PhaRepairStatus = z.infer<typeof PhaRepairStatusSchema>;
export const RepairStateSchema = z.enum(["IDLE", "RUNNING", "FAILED", "UNKNOWN"]);
export type RepairState = z.infer<typeof RepairStateSchema>;

const resultCode = z.number().int().nonnegative();
const latencyMs = z.number().nonnegative().nullable();

export const ComponentVersionSchema = z.strictObject({
  name: z.string().min(1),
  version: z.string().nullable(),
});

export const ComponentStatusSchema = z.strictObject({
  name: z.string().min(1),
  status: StatusSchema,
  description: z.string(),
  resultCode,
});
export type ComponentStatus = z.infer<typeof ComponentStatusSchema>;

export const DirectoryStatusSchema = z.strictObject({
  nodeId: z.string().min(1),
  path: z.string().min(1),
  status: StatusSchema,
  details: z.string(),
  resultCode,
});
export type DirectoryStatus = z.infer<typeof DirectoryStatusSchema>;

export const ConnectivityMetricSchema = z.strictObject({
  nodeId: z.string().min(1),
  serverConnected: z.boolean(),
  serverLatencyMs: latencyMs,
  hostConnected: z.boolean(),
  hostLatencyMs: latencyMs,
  cassandraConnected: z.boolean(),
  cassandraHints: z.number().int().nonnegative().nullable(),
});
export type ConnectivityMetric = z.infer<typeof ConnectivityMetricSchema>;

export const HealthReportSchema = z
  .strictObject({
    schemaVersion: z.literal(1),
    reportId: z.uuid(),
    generatedAt: z.iso.datetime({ offset: false }), // RFC 3339, UTC ("Z")
    clusterId: z.string().min(1),
    nodeId: z.string().min(1),
    nodekeeperVersion: z.string().min(1),
    nodekeeperIp: z.union([z.ipv4(), z.ipv6()]),
    masterNode: z.boolean(),
    nodeState: NodeStateSchema,
    serverState: NodeStateSchema,
    oneAgentTrafficEnabled: z.boolean(),
    webUiTrafficEnabled: z.boolean(),
    componentVersions: z.array(ComponentVersionSchema),
    componentStatuses: z.array(ComponentStatusSchema),
    multiDcMigrationState: MultiDcMigrationStateSchema,
    clusterState: z.string().min(1),
    cassandraPhaRepairStatus: PhaRepairStatusSchema,
    cassandraRepairState: RepairStateSchema,
    directoryStatuses: z.array(DirectoryStatusSchema),
    connectivityMetrics: z.array(ConnectivityMetricSchema),
    maintenanceMode: z.boolean(),
  })
  .superRefine((report, ctx) => {
    // A latency without a connection, or a connection without a latency, would
    // be an invented number: the contract says null when not connected.
    report.connectivityMetrics.forEach((m, i) => {
      if ((m.serverLatencyMs === null) === m.serverConnected) {
        ctx.addIssue({ code: "custom", path: ["connectivityMetrics", i, "serverLatencyMs"], message: "must be null exactly when serverConnected is false" });
      }
      if ((m.hostLatencyMs === null) === m.hostConnected) {
        ctx.addIssue({ code: "custom", path: ["connectivityMetrics", i, "hostLatencyMs"], message: "must be null exactly when hostConnected is false" });
      }
    });
  });
export type HealthReport = z.infer<typeof HealthReportSchema>;
