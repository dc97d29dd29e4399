/**
 * Test support for the Mission Control exchange: valid reports, a clock whose
 * sleeps take no time, a token file, a state directory, a logger that keeps
 * its lines in memory.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Writable } from "node:stream";
import { pino } from "pino";
import type { Logger } from "pino";
import type { Clock } from "../../src/effects/clock.js";
import { HealthReportSchema } from "../../src/contract/report.js";
import type { HealthReport } from "../../src/contract/report.js";

export const CLUSTER_ID = "cluster-test";

/** A contract-valid report; every call a new reportId. */
export function makeReport(overrides: Partial<HealthReport> = {}): HealthReport {
  return HealthReportSchema.parse({
    schemaVersion: 1,
    reportId: randomUUID(),
    generatedAt: new Date().toISOString(),
    clusterId: CLUSTER_ID,
    nodeId: "node-1",
    nodekeeperVersion: "1.2.3",
    nodekeeperIp: "127.0.0.1",
    masterNode: true,
    nodeState: "RUNNING",
    serverState: "RUNNING",
    oneAgentTrafficEnabled: true,
    webUiTrafficEnabled: true,
    componentVersions: [{ name: "server", version: "1.300.0" }, { name: "cassandra", version: null }],
    componentStatuses: [{ name: "server", status: "OK", description: "active (running)", resultCode: 0 }],
    multiDcMigrationState: "NOT_STARTED",
    clusterState: "RUNNING",
    cassandraPhaRepairStatus: "NOT_REQUIRED",
    cassandraRepairState: "IDLE",
    directoryStatuses: [{ nodeId: "node-1", path: "/var/opt/dynatrace-managed", status: "OK", details: "42% free", resultCode: 0 }],
    connectivityMetrics: [{
      nodeId: "node-2", serverConnected: true, serverLatencyMs: 1.5, hostConnected: true, hostLatencyMs: 0.4,
      cassandraConnected: true, cassandraHints: 0,
    }],
    maintenanceMode: false,
    ...overrides,
  });
}

/**
 * Real wall time and real monotonic time, except that `sleep` returns at once
 * and moves monotonic time forward by what it was asked: back-off and
 * Retry-After cost nothing, and are recorded in `sleeps`.
 */
export class TestClock implements Clock {
  skewMs = 0;
  readonly sleeps: number[] = [];
  now(): number {
    return Date.now();
  }
  monotonic(): number {
    return performance.now() + this.skewMs;
  }
  boot(): null {
    return null;
  }
  async sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.skewMs += ms;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** A token unlike anything else in the files, so a leak is found by a plain search. */
export function makeToken(): string {
  return `nk-secret-${randomBytes(16).toString("hex")}`;
}

export function writeTokenFile(dir: string, token: string, mode = 0o600): string {
  const path = join(dir, "token");
  writeFileSync(path, `${token}\n`, { mode });
  chmodSync(path, mode); // the umask may have taken bits away; tests need exactly `mode`
  return path;
}

/** A pino logger at debug level whose lines are kept in `lines`. */
export function memoryLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(chunk.toString("utf8"));
      callback();
    },
  });
  return { logger: pino({ level: "debug" }, stream), lines };
}
