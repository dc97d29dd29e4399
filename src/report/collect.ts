/**
 * One probing pass: every probe of the node, under one engine (concurrency
 * limit, per-probe deadlines, one deadline for the whole pass). The result,
 * a Snapshot, is what `status` shows and what the health report is built from.
 */
import { probeCassandra } from "../cassandra/probe.js";
import type { CassandraProbeResult } from "../cassandra/probe.js";
import { resultCode } from "../contract/cassandra-result-codes.js";
import type { Config } from "../config/schema.js";
import type { Effects } from "../effects/index.js";
import { probeComponents, selfComponent } from "../probes/components.js";
import type { ComponentResult } from "../probes/components.js";
import { probeDirectories } from "../probes/directories.js";
import { probeSelf } from "../probes/self.js";
import type { DirectoryResult } from "../probes/directories.js";
import { createProbeEngine } from "../probes/engine.js";
import type { ProbeTiming } from "../probes/engine.js";
import { resolveNodeIp } from "../probes/node-ip.js";
import { selfIntegrity, withSelfIntegrity } from "../probes/self-integrity.js";
import { probeConnectivity } from "../probes/connectivity/index.js";
import type { PeerConnectivity } from "../probes/connectivity/index.js";
import { fallbackFacts, probeNodeFacts, withServerUnit } from "../probes/node-facts.js";
import type { UnitIdentity } from "../probes/systemd.js";
import type { NodeFacts } from "../probes/node-facts.js";
import { readMaintenance } from "../state/maintenance.js";
import type { Maintenance } from "../state/maintenance.js";
import { failedResult } from "../cassandra/result.js";

export interface Snapshot {
  /** RFC 3339 UTC: when probing finished. */
  readonly generatedAt: string;
  readonly nodeIp: string;
  readonly components: readonly ComponentResult[];
  readonly directories: readonly DirectoryResult[];
  readonly nodeFacts: NodeFacts;
  readonly cassandra: CassandraProbeResult;
  /** One per configured peer, in configuration order. */
  readonly connectivity: readonly PeerConnectivity[];
  readonly maintenance: Maintenance | null;
  /** Plain sentences about the machine itself (for example: systemd is not PID 1). */
  readonly notes: readonly string[];
  readonly timings: readonly ProbeTiming[];
  readonly durationMs: number;
}

export interface CollectOptions {
  /** Bypass caches (nodetool facts). */
  readonly fresh: boolean;
}

/** The Cassandra component, as nodetool sees the database (the unit is a component of its own). */
export const CASSANDRA_COMPONENT = "cassandra";

export async function collect(effects: Effects, config: Config, options: CollectOptions): Promise<Snapshot> {
  const started = effects.clock.monotonic();
  const engine = createProbeEngine({
    clock: effects.clock,
    concurrency: config.probes.concurrency,
    deadlineMs: config.probes.deadlineMs,
  });
  // The release executable against its own manifest (a full hash at most once an hour): alongside the probes.
  const integrity = selfIntegrity(config.stateDir, () => effects.clock.now());
  const componentsPromise = probeComponents(effects, engine, config.components);
  const nodeIpPromise = resolveNodeIp(config.nodeIp, config.missionControl.url);
  const cassandraBudget = () => Math.max(0, engine.deadlineAt - effects.clock.monotonic());
  const [components, directories, nodeIp, apiFacts, maintenance, cassandra, connectivity, self] = await Promise.all([
    componentsPromise,
    probeDirectories(effects, engine, config.directories),
    nodeIpPromise,
    // Two GETs in parallel (the documented node list and node configuration),
    // each with server.timeoutMs, inside this one deadline.
    engine.run("node-facts", config.server.timeoutMs,
      (signal) => probeNodeFacts(effects, config.server, nodeIpPromise, signal),
      (failure) => fallbackFacts(config.server, `the server's API did not answer: ${failure.reason}`)),
    readMaintenance(config.stateDir),
    // The Cassandra probe keeps its own budget (each nodetool run is a JVM and
    // has its own deadline); the engine's deadline is the backstop.
    // This node's addresses find it in the ring when its host ID does not (the node IP resolves at once).
    engine.run("cassandra", cassandraBudget() + 1_000,
      async () => probeCassandra({ runner: effects.runner, clock: effects.clock }, {
        config: config.cassandra, stateDir: config.stateDir, fresh: options.fresh,
        peers: config.peers, deadlineMs: cassandraBudget(),
        localAddresses: [config.cassandra.address ?? "", await nodeIpPromise.catch(() => "")],
        // The Cassandra unit's run (one `systemctl show`, already under way): a new one re-reads the slow facts.
        processIdentity: runIdentity((await componentsPromise).components.find((c) => c.name === config.cassandra.component)?.unit),
      }),
      (failure) => cassandraFallback(failure.reason)),
    // Peers fan out under their own limit (connectivity.concurrency) inside
    // what is left of the cycle; the probe never throws and closes every socket.
    config.peers.length === 0 ? Promise.resolve([]) : probeConnectivity({
      peers: config.peers, config: config.connectivity, deadlineMs: Math.max(0, engine.deadlineAt - effects.clock.monotonic()), fs: effects.fs,
    }),
    probeSelf(config, effects.clock.now()),
  ]);
  // The server's unit says whether it is down and which run of it this is.
  const serverComponent = components.components.find((c) => c.name === config.server.component);
  const nodeFacts = withServerUnit(apiFacts, serverComponent);
  return {
    generatedAt: new Date(effects.clock.now()).toISOString(),
    nodeIp,
    components: [
      withSelfIntegrity(selfComponent(self), await integrity),
      // The server's version is its buildVersion (Cluster API) where no version source says otherwise.
      ...components.components.map((c) => c === serverComponent && c.version === null && nodeFacts.serverVersion !== null
        ? withoutVersionNote({ ...c, version: nodeFacts.serverVersion })
        : c),
      { name: CASSANDRA_COMPONENT, ...cassandra.health, version: cassandra.version },
    ],
    directories,
    nodeFacts,
    cassandra,
    connectivity,
    maintenance,
    notes: components.notes,
    timings: engine.timings,
    durationMs: effects.clock.monotonic() - started,
  };
}

function withoutVersionNote(c: ComponentResult): ComponentResult {
  const { versionNote: _dropped, ...rest } = c;
  return rest;
}

/** What the report says of Cassandra when its probe did not return at all: the probe's own failed result, no peers, no runs. */
function cassandraFallback(reason: string): CassandraProbeResult {
  const health = { status: "UNKNOWN" as const, description: `Cassandra probe: ${reason}`, resultCode: resultCode("PROBE_INTERNAL_ERROR").code };
  return { ...failedResult([], health, [], [reason], 0, 0), repairDetail: reason };
}

/** A unit's run as one opaque string (MainPID and start time); null when systemd does not say. */
export function runIdentity(unit: UnitIdentity | undefined): string | null {
  if (unit === undefined || unit.mainPid === null) return null;
  return `${unit.mainPid}@${unit.startedMonotonicUs ?? unit.startedAt ?? ""}`;
}
