/**
 * `status`: probes now, sends nothing, and returns the node's health as data.
 * The CLI renders it as a table or prints it as JSON (shape: STATUS_JSON_VERSION).
 */
import type { CassandraProbeResult } from "../cassandra/probe.js";
// Straight from the modules, not the barrels: `status` must not load (and compile) the apply and exchange machinery.
import { explainApplyState } from "../apply/explain.js";
import { phaRepairStatusFor, readApplyState } from "../state/apply-state.js";
import type { LoadedConfig } from "../config/load.js";
import { clockOffsetStatus, describeClockOffset } from "../mission-control/clock-offset.js";
import { readLastExchange } from "../state/last-exchange.js";
import type { LastExchange } from "../state/last-exchange.js";
import { readOutboxSummary } from "../state/outbox.js";
import type { OutboxSummary } from "../state/outbox.js";
import type { PhaRepairStatus } from "../contract/report.js";
import { readCycleLock } from "../state/lock.js";
import type { Effects } from "../effects/index.js";
import type { ComponentResult } from "../probes/components.js";
import type { DirectoryResult } from "../probes/directories.js";
import type { ProbeTiming } from "../probes/engine.js";
import type { NodeFacts } from "../probes/node-facts.js";
import type { Maintenance } from "../state/maintenance.js";
import { worstStatus } from "../contract/status.js";
import type { Status } from "../contract/status.js";
import { collect } from "../report/collect.js";
import type { Snapshot } from "../report/collect.js";
import { connectivityStatus } from "../probes/connectivity/index.js";
import type { ConnectivityStatus, PeerConnectivity } from "../probes/connectivity/index.js";

/** Bumped when a field of `status --json` changes meaning or goes away (adding fields does not bump it). */
export const STATUS_JSON_VERSION = 1;

export interface StatusView {
  readonly statusVersion: typeof STATUS_JSON_VERSION;
  readonly generatedAt: string;
  readonly node: { readonly clusterId: string; readonly nodeId: string; readonly ip: string; readonly configFile: string | null };
  /** The worst status of everything probed: decides the exit code. */
  readonly overall: Status;
  readonly components: readonly ComponentResult[];
  readonly directories: readonly DirectoryResult[];
  readonly nodeFacts: NodeFacts;
  readonly cassandra: CassandraView;
  readonly connectivity: { readonly summary: ConnectivityStatus; readonly peers: readonly PeerConnectivity[] };
  /** The peers in numbers (from `connectivity.peers`), for `wait --until 'peers.down == 0'` and scripts. */
  readonly peers: PeerCounts;
  readonly maintenance: Maintenance | null;
  readonly missionControl: {
    readonly url: string | null;
    readonly lastExchange: LastExchange | null;
    /** Why last-exchange.json could not be read, if so. */
    readonly lastExchangeProblem: string | null;
    readonly outbox: OutboxSummary;
    readonly clockOffset: { readonly ms: number | null; readonly status: "OK" | "WARNING" | "UNKNOWN"; readonly text: string };
    /** A cycle running right now, if any. */
    readonly cycleRunning: string | null;
  };
  /** What Mission Control asked, what nodekeeper did, what is left for a person: plain sentences. */
  readonly instructions: {
    readonly lines: readonly string[];
    readonly cassandraPhaRepairStatus: PhaRepairStatus;
    /** The state file had to be recovered (torn or corrupt): what happened. */
    readonly recovery: string | null;
  };
  readonly notes: readonly string[];
  readonly probeTimings: readonly ProbeTiming[];
  /** The raw snapshot, for the textfile; not part of the JSON. */
  readonly snapshot: Snapshot;
  readonly durationMs: number;
}

/**
 * The Cassandra probe's result plus derived convenience fields, for `wait
 * --until` and scripts; they repeat facts of the fields above under short
 * names, with the meanings `check cassandra` gives them.
 */
export type CassandraView = CassandraProbeResult & {
  /** Hint files this node holds: `total` is `totalHints`; `byPeer` maps each configured peer's node id to `peers[].hints`. null: unknown. */
  readonly hints: { readonly total: number | null; readonly byPeer: Readonly<Record<string, number | null>> };
  /** `repairState`: IDLE, RUNNING, FAILED or UNKNOWN. */
  readonly repair: CassandraProbeResult["repairState"];
  /** Other ring members down or unknown (`ring.downMembers`), as `check cassandra`'s `down`; null when the ring was not read. */
  readonly down: number | null;
};

/** As `check connectivity` counts them: `down` is a probed peer with any view (host, server, Cassandra) not connected. */
export interface PeerCounts {
  readonly total: number;
  readonly probed: number;
  readonly down: number;
  /** Probed, and no view connected at all. */
  readonly unreachable: number;
  /** Not probed (the probe's deadline passed first). */
  readonly notProbed: number;
}

export function cassandraView(c: CassandraProbeResult): CassandraView {
  return {
    ...c,
    hints: { total: c.totalHints, byPeer: Object.fromEntries(c.peers.map((p) => [p.nodeId, p.hints])) },
    repair: c.repairState,
    down: c.ring ? c.ring.downMembers.length : null,
  };
}

export function peerCounts(peers: readonly PeerConnectivity[]): PeerCounts {
  const probed = peers.filter((p) => p.probed);
  const views = (p: PeerConnectivity) => [p.host.connected, p.server.connected, p.cassandra.connected];
  return {
    total: peers.length,
    probed: probed.length,
    down: probed.filter((p) => views(p).includes(false)).length,
    unreachable: probed.filter((p) => !views(p).includes(true)).length,
    notProbed: peers.length - probed.length,
  };
}

export interface StatusOptions {
  readonly fresh: boolean;
}

export async function status(effects: Effects, loaded: LoadedConfig, options: StatusOptions): Promise<StatusView> {
  const { config } = loaded;
  const [snapshot, last, outbox, applyRead, lock] = await Promise.all([
    collect(effects, config, { fresh: options.fresh }),
    readLastExchange(config.stateDir),
    readOutboxSummary(config.stateDir),
    readApplyState(config.stateDir, effects.clock),
    readCycleLock(config.stateDir),
  ]);
  const peers = connectivityStatus(snapshot.connectivity);
  const repairStatus = phaRepairStatusFor(applyRead.state);
  const lastExchange = last.state === "ok" ? last.value : null;
  const offsetMs = lastExchange?.clockOffsetMs ?? null;
  const clock = { ms: offsetMs, status: clockOffsetStatus(offsetMs), text: describeClockOffset(offsetMs) };
  const overall = worstStatus([
    ...snapshot.components.map((c) => c.status),
    ...snapshot.directories.map((d) => d.status),
    peers.status,
    // A clock off by more than 30 s makes every timestamp of the report wrong.
    ...(clock.status === "WARNING" ? ["WARNING" as const] : []),
    // Left for a person: a failed failover repair (rerun by hand), or a data
    // center that must be rebuilt. A monitor reading the exit code must see it.
    ...(repairStatus === "FAILED" ? ["WARNING" as const] : repairStatus === "NOT_REPAIRABLE" ? ["ERROR" as const] : []),
  ]);
  return {
    statusVersion: STATUS_JSON_VERSION,
    generatedAt: snapshot.generatedAt,
    node: { clusterId: config.clusterId, nodeId: config.nodeId, ip: snapshot.nodeIp, configFile: loaded.file },
    overall,
    components: snapshot.components,
    directories: snapshot.directories,
    nodeFacts: snapshot.nodeFacts,
    cassandra: cassandraView(snapshot.cassandra),
    connectivity: { summary: peers, peers: snapshot.connectivity },
    peers: peerCounts(snapshot.connectivity),
    maintenance: snapshot.maintenance,
    missionControl: {
      url: config.missionControl.url ?? null,
      lastExchange,
      lastExchangeProblem: last.state === "unreadable" ? last.reason : null,
      outbox,
      clockOffset: clock,
      cycleRunning: lock.state === "held" ? `${lock.holder.command} (pid ${lock.holder.pid}, since ${lock.holder.acquiredAt})` : null,
    },
    instructions: {
      lines: applyRead.error ? [`the apply state cannot be read: ${applyRead.error}`] : explainApplyState(applyRead.state, effects.clock.now(), applyRead.recovery),
      cassandraPhaRepairStatus: repairStatus,
      recovery: applyRead.recovery ? JSON.stringify(applyRead.recovery) : null,
    },
    notes: snapshot.notes,
    probeTimings: snapshot.timings,
    snapshot,
    durationMs: snapshot.durationMs,
  };
}
