/**
 * `check <area>`: one Nagios line and its outcome (the CLI maps it to the
 * exit code), for runbooks and monitors. Each area probes only what it needs
 * (checking the directories must not start a nodetool JVM), under the same
 * engine and deadlines as `status`; src/check/<area>.ts decides.
 */
import { probeCassandra } from "../cassandra/probe.js";
import type { CheckArea } from "../check/areas.js";
import { checkCassandra } from "../check/cassandra.js";
import { checkCluster } from "../check/cluster.js";
import { checkComponents } from "../check/components.js";
import { checkConnectivity } from "../check/connectivity.js";
import { checkDirectories } from "../check/directories.js";
import type { CheckResult } from "../check/result.js";
import { checkSelf } from "../check/self.js";
import { parseThresholdArgs, type ThresholdsFor, type UsageError } from "../check/thresholds.js";
import type { Config } from "../config/schema.js";
import type { Effects } from "../effects/index.js";
import { probeComponents, selfComponent } from "../probes/components.js";
import { selfIntegrity, withSelfIntegrity } from "../probes/self-integrity.js";
import { probeDirectories } from "../probes/directories.js";
import { probeSelf } from "../probes/self.js";
import { createProbeEngine, type ProbeEngine } from "../probes/engine.js";
import { probeConnectivity } from "../probes/connectivity/index.js";
import { toConnectivityMetric } from "../report/connectivity-metric.js";
import { readInstructions } from "../state/instructions.js";
import { readMaintenance } from "../state/maintenance.js";
import { CODES } from "../contract/result-codes.js";

export interface CheckOptions {
  readonly warning?: string | undefined;
  readonly critical?: string | undefined;
  /** Mission Control's answer older than this is stale: `check cluster` is UNKNOWN. */
  readonly maxAnswerAgeMs: number;
}

/** What each area's probing needs. */
interface AreaRun {
  readonly effects: Effects;
  readonly config: Config;
  readonly engine: ProbeEngine;
}

export async function check(
  effects: Effects,
  config: Config,
  area: CheckArea,
  options: CheckOptions,
): Promise<{ ok: true; result: CheckResult } | { ok: false; error: UsageError }> {
  const parsed = parseThresholdArgs(area, options);
  if (!parsed.ok) return { ok: false, error: parsed.error };
  const engine = createProbeEngine({ clock: effects.clock, concurrency: config.probes.concurrency, deadlineMs: config.probes.deadlineMs });
  const run: AreaRun = { effects, config, engine };
  const t = parsed.thresholds;
  switch (area) {
    case "components":
      return { ok: true, result: await componentsNow(run) };
    case "self":
      return { ok: true, result: checkSelf(await probeSelf(config, effects.clock.now()), config.selfMonitoring) };
    case "directories":
      return { ok: true, result: checkDirectories(await probeDirectories(effects, engine, config.directories), t.free) };
    case "cassandra":
      return { ok: true, result: await cassandraNow(run, t) };
    case "connectivity":
      return { ok: true, result: await connectivityNow(run, t) };
    case "cluster":
      return { ok: true, result: await clusterNow(run, options.maxAnswerAgeMs) };
  }
}

async function componentsNow({ effects, config, engine }: AreaRun): Promise<CheckResult> {
  const integrity = selfIntegrity(config.stateDir, () => effects.clock.now());
  const [{ components }, self, maintenance] = await Promise.all([probeComponents(effects, engine, config.components), probeSelf(config, effects.clock.now()), readMaintenance(config.stateDir)]);
  // A maintenance switch that cannot be read stops remediation: a monitor must hear why.
  const own = withSelfIntegrity(selfComponent(self), await integrity);
  const shown = maintenance?.problem !== undefined
    ? { ...own, status: "WARNING" as const, resultCode: CODES.MAINTENANCE_UNREADABLE, description: `maintenance mode assumed: ${maintenance.problem}` }
    : own;
  return checkComponents([shown, ...components]);
}

async function cassandraNow({ effects, config }: AreaRun, thresholds: ThresholdsFor<"cassandra">): Promise<CheckResult> {
  const c = await probeCassandra({ runner: effects.runner, clock: effects.clock }, {
    config: config.cassandra, stateDir: config.stateDir, fresh: false, peers: config.peers, deadlineMs: config.probes.deadlineMs,
    localAddresses: [config.cassandra.address ?? "", config.nodeIp ?? ""],
  });
  const down = c.ring ? c.ring.downMembers.length : null;
  return checkCassandra({
    status: c.health.status, description: c.health.description, resultCode: c.health.resultCode,
    reachable: c.localRingState !== null || c.ring !== null,
    peersDown: down, hintFiles: c.totalHints, schemaVersions: c.schemaVersions, repairState: c.repairState,
    hintDebtRatio: c.hintDebtRatio, repairAgeRatio: c.repairAgeRatio,
  }, thresholds);
}

async function connectivityNow({ effects, config }: AreaRun, thresholds: ThresholdsFor<"connectivity">): Promise<CheckResult> {
  const results = await probeConnectivity({ peers: config.peers, config: config.connectivity, deadlineMs: config.probes.deadlineMs, fs: effects.fs });
  const metrics = results.map((r) => ({ ...toConnectivityMetric(r, null), probed: r.probed }));
  return checkConnectivity(metrics, thresholds);
}

async function clusterNow({ effects, config }: AreaRun, maxAgeMs: number): Promise<CheckResult> {
  const read = await readInstructions(config.stateDir);
  const record = read.state === "ok" || read.state === "fallback" ? read.record : null;
  return checkCluster({
    answer: record ? {
      clusterStatus: record.instructions.clusterStatus,
      clusterStatusDescription: record.instructions.clusterStatusDescription,
      nodeStatuses: record.instructions.nodeStatuses,
      receivedAt: record.receivedAt,
    } : null,
    now: new Date(effects.clock.now()),
    maxAgeMs,
  });
}
