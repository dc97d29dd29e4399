/**
 * Metrics for node_exporter's textfile collector (`--textfile DIR` on report,
 * run and status): the Prometheus text exposition format, written atomically
 * to DIR/nodekeeper.prom.
 *
 * Conventions (prometheus.io/docs/practices/naming):
 * - every metric starts with `nodekeeper_`; base units only (seconds, bytes,
 *   ratios 0–1), named as a suffix; `_total` only on counters, and nodekeeper
 *   exports no counters: each run writes the facts of one cycle, and a count
 *   that restarts with every process would only pretend to be a counter;
 * - statuses are one-hot: `nodekeeper_component_status{component="x",status="ERROR"} 1`
 *   and 0 for the four other statuses, as kube-state-metrics does for phases.
 *   A numeric code would need a legend on every dashboard and would invite
 *   `> 1` comparisons over an order that does not exist (NOT_INSTALLED ranks
 *   with OK); one-hot gives `nodekeeper_component_status{status="ERROR"} == 1`
 *   for alerts and `sum by (status)` for counts. The result code is its own
 *   gauge, for runbooks;
 * - a value nodekeeper does not have (a latency of a peer that is down, free
 *   space of a missing directory) is left out, never written as 0 or NaN;
 * - no sample timestamps: the textfile collector refuses them.
 */
import { join } from "node:path";
import { writeFileAtomic } from "../state/atomic.js";
import { removeStaleTempsOf } from "../state/store.js";
import type { SelfFigures } from "../probes/self.js";
import type { Status } from "../contract/status.js";
import type { ConnectivityMetric } from "../contract/report.js";

/** The file node_exporter reads: it reads every `*.prom` in the folder. */
export const TEXTFILE_NAME = "nodekeeper.prom";

export interface ComponentMetricsInput {
  readonly name: string;
  readonly status: Status;
  readonly resultCode: number;
}

export interface DirectoryMetricsInput {
  readonly path: string;
  readonly status: Status;
  readonly resultCode: number;
  /** Free space an unprivileged writer gets (statfs bavail), in bytes; null when unknown. */
  readonly freeBytes: number | null;
  readonly totalBytes: number | null;
  /** Free space in percent (0–100); exported as a ratio (0–1). */
  readonly freePercent: number | null;
}

/** One peer: the contract's connectivityMetrics entry (latencies exported in seconds). */
export type PeerMetricsInput = ConnectivityMetric;

export interface MetricsInput {
  /** nodekeeper's version, for nodekeeper_build_info. */
  readonly version: string;
  readonly components: readonly ComponentMetricsInput[];
  readonly directories: readonly DirectoryMetricsInput[];
  readonly peers: readonly PeerMetricsInput[];
  /**
   * End of the last exchange with Mission Control that delivered a report;
   * null when there never was one (then exported as 0, so that
   * `time() - nodekeeper_last_exchange_success_timestamp_seconds > 300` fires
   * instead of matching nothing).
   */
  readonly lastExchangeSuccessAt: Date | null;
  /** Reports waiting in the outbox; null when not known (e.g. `status`, which does not look). */
  readonly outboxReports: number | null;
  /** How long this cycle took, in milliseconds (exported in seconds); null when not measured. */
  readonly cycleDurationMs: number | null;
  /** Self-monitoring figures of the `nodekeeper` component (probes/self.ts); absent or null: not exported. */
  readonly self?: SelfFigures | null;
}

const STATUSES: readonly Status[] = ["OK", "WARNING", "ERROR", "UNKNOWN", "NOT_INSTALLED"];

type Labels = ReadonlyArray<readonly [name: string, value: string]>;

interface Family {
  readonly name: string;
  readonly help: string;
  readonly type: "gauge";
  readonly samples: Array<{ readonly labels: Labels; readonly value: number }>;
}

/** Label values: backslash, double quote and newline are escaped (exposition format). */
export function escapeLabelValue(value: string): string {
  return value.replace(/[\\"\n]/g, (c) => (c === "\n" ? "\\n" : `\\${c}`));
}

/** HELP text: backslash and newline are escaped. */
function escapeHelp(text: string): string {
  return text.replace(/[\\\n]/g, (c) => (c === "\n" ? "\\n" : "\\\\"));
}

/** Go's ParseFloat reads JavaScript's number text (1e-7, 1.5e+21); infinities and NaN have their own words. */
function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}

const known = (value: number | null): value is number => value !== null && Number.isFinite(value);

/** Adds a family (in the order of the calls: the order of the file) and returns its samples to fill. */
type AddFamily = (name: string, help: string) => Family["samples"];

export function renderMetrics(input: MetricsInput): string {
  const families: Family[] = [];
  const family: AddFamily = (name, help) => {
    const f: Family = { name, help, type: "gauge", samples: [] };
    families.push(f);
    return f.samples;
  };
  family("nodekeeper_build_info", "nodekeeper's version; always 1.").push({ labels: [["version", input.version]], value: 1 });
  addComponentFamilies(family, input.components);
  addDirectoryFamilies(family, input.directories);
  addPeerFamilies(family, input.peers);
  addExchangeFamilies(family, input);
  addSelfFamilies(family, input.self ?? null);
  return renderFamilies(families);
}

function addComponentFamilies(family: AddFamily, components: MetricsInput["components"]): void {
  const componentStatus = family("nodekeeper_component_status", "Status of a component: 1 for its current status, 0 for the others (OK, WARNING, ERROR, UNKNOWN, NOT_INSTALLED).");
  const componentCode = family("nodekeeper_component_result_code", "Result code of a component's status (0 OK; the README lists every code).");
  for (const c of components) {
    for (const s of STATUSES) componentStatus.push({ labels: [["component", c.name], ["status", s]], value: c.status === s ? 1 : 0 });
    componentCode.push({ labels: [["component", c.name]], value: c.resultCode });
  }
}

function addDirectoryFamilies(family: AddFamily, directories: MetricsInput["directories"]): void {
  const dirStatus = family("nodekeeper_directory_status", "Status of a data directory: 1 for its current status, 0 for the others (OK, WARNING, ERROR, UNKNOWN, NOT_INSTALLED).");
  const dirCode = family("nodekeeper_directory_result_code", "Result code of a data directory's status (0 OK; the README lists every code).");
  const dirFree = family("nodekeeper_directory_free_bytes", "Free space in the directory's file system for an unprivileged writer (statfs bavail), in bytes.");
  const dirSize = family("nodekeeper_directory_size_bytes", "Size of the directory's file system, in bytes.");
  const dirRatio = family("nodekeeper_directory_free_ratio", "Free space in the directory's file system for an unprivileged writer, as a ratio of its size (0-1).");
  for (const d of directories) {
    const path: Labels = [["path", d.path]];
    for (const s of STATUSES) dirStatus.push({ labels: [...path, ["status", s]], value: d.status === s ? 1 : 0 });
    dirCode.push({ labels: path, value: d.resultCode });
    if (known(d.freeBytes)) dirFree.push({ labels: path, value: d.freeBytes });
    if (known(d.totalBytes)) dirSize.push({ labels: path, value: d.totalBytes });
    if (known(d.freePercent)) dirRatio.push({ labels: path, value: d.freePercent / 100 });
  }
}

function addPeerFamilies(family: AddFamily, peers: MetricsInput["peers"]): void {
  const hostUp = family("nodekeeper_peer_host_up", "Whether the peer's nodekeeper port accepted a TCP connection (1) or not (0).");
  const serverUp = family("nodekeeper_peer_server_up", "Whether the peer's server health endpoint answered RUNNING over verified HTTPS (1) or not (0).");
  const cassandraUp = family("nodekeeper_peer_cassandra_up", "Whether every Cassandra port of the peer accepted a TCP connection (1) or not (0).");
  const hostLatency = family("nodekeeper_peer_host_latency_seconds", "Median TCP connect time to the peer's nodekeeper port, in seconds; absent when not connected.");
  const serverLatency = family("nodekeeper_peer_server_latency_seconds", "Median time of the peer's server health request, in seconds; absent when not connected.");
  const hints = family("nodekeeper_peer_cassandra_hint_files", "Cassandra hint files this node holds for the peer (nodetool listpendinghints); absent when unknown.");
  for (const p of peers) {
    const peer: Labels = [["peer", p.nodeId]];
    hostUp.push({ labels: peer, value: p.hostConnected ? 1 : 0 });
    serverUp.push({ labels: peer, value: p.serverConnected ? 1 : 0 });
    cassandraUp.push({ labels: peer, value: p.cassandraConnected ? 1 : 0 });
    if (p.hostConnected && known(p.hostLatencyMs)) hostLatency.push({ labels: peer, value: p.hostLatencyMs / 1000 });
    if (p.serverConnected && known(p.serverLatencyMs)) serverLatency.push({ labels: peer, value: p.serverLatencyMs / 1000 });
    if (known(p.cassandraHints)) hints.push({ labels: peer, value: p.cassandraHints });
  }
}

function addExchangeFamilies(family: AddFamily, input: MetricsInput): void {
  // An invalid Date is written as 0 too: NaN would never fire an alert.
  const lastExchangeMs = input.lastExchangeSuccessAt?.getTime() ?? null;
  family("nodekeeper_last_exchange_success_timestamp_seconds", "When a report was last delivered to Mission Control, in seconds since the Unix epoch; 0 when never.")
    .push({ labels: [], value: known(lastExchangeMs) ? lastExchangeMs / 1000 : 0 });
  if (known(input.outboxReports)) {
    family("nodekeeper_outbox_reports", "Reports waiting in the outbox to be delivered to Mission Control.").push({ labels: [], value: input.outboxReports });
  }
  if (known(input.cycleDurationMs)) {
    family("nodekeeper_cycle_duration_seconds", "How long the last cycle (probe, send, apply) took, in seconds.").push({ labels: [], value: input.cycleDurationMs / 1000 });
  }
}

/** The same figures as `check self` and the nodekeeper component's status, from the record of the last cycle. */
function addSelfFamilies(family: AddFamily, self: SelfFigures | null): void {
  if (self?.recorded) {
    if (known(self.lastCycleDurationMs)) family("nodekeeper_self_last_cycle_duration_seconds", "How long nodekeeper's last recorded cycle took, in seconds.").push({ labels: [], value: self.lastCycleDurationMs / 1000 });
    if (known(self.cycleDeadlineMs)) family("nodekeeper_self_cycle_deadline_seconds", "The deadline of that cycle (cycle.deadlineMs), in seconds.").push({ labels: [], value: self.cycleDeadlineMs / 1000 });
    if (known(self.consecutiveUndelivered)) family("nodekeeper_self_undelivered_cycles", "Cycles in a row that could not deliver their report to Mission Control (0 after a delivery).").push({ labels: [], value: self.consecutiveUndelivered });
    if (known(self.outboxDepth)) family("nodekeeper_self_outbox_reports", "Reports left in the outbox by the last recorded cycle.").push({ labels: [], value: self.outboxDepth });
    if (known(self.sinceLastDeliveryMs)) family("nodekeeper_self_last_delivery_age_seconds", "Time since a report was last delivered, in seconds, measured on a clock that NTP does not step; absent when never or not knowable.").push({ labels: [], value: self.sinceLastDeliveryMs / 1000 });
    family("nodekeeper_self_apply_failed", "Whether an action of the last recorded cycle failed (1) or not (0).").push({ labels: [], value: self.applyFailedLastCycle ? 1 : 0 });
    const errorAt = self.lastApplyError ? Date.parse(self.lastApplyError.at) : null;
    family("nodekeeper_self_last_apply_error_timestamp_seconds", "When an action last failed, in seconds since the Unix epoch; 0 when never.").push({ labels: [], value: known(errorAt) ? errorAt / 1000 : 0 });
  }
}

function renderFamilies(families: readonly Family[]): string {
  const lines: string[] = [];
  for (const f of families) {
    // Two components or directories of the same name would give the same
    // series twice, and node_exporter then drops the WHOLE file: keep the first.
    const seen = new Set<string>();
    const samples = f.samples.filter((s) => {
      const key = JSON.stringify(s.labels);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    if (samples.length === 0) continue; // a family without samples is noise
    lines.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`);
    for (const s of samples) {
      const labels = s.labels.length === 0 ? "" : `{${s.labels.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(",")}}`;
      lines.push(`${f.name}${labels} ${formatValue(s.value)}`);
    }
  }
  return lines.join("\n") + "\n";
}

/** Temp files of a write that a crash interrupted are removed once they are this old (ms); younger ones may be another process's write in progress. */
const STALE_TEMP_MS = 10 * 60_000; // 10 min

/**
 * Writes `text` to DIR/nodekeeper.prom atomically: a temp file in the same
 * folder, then rename, so node_exporter never reads half a file. This is how
 * node_exporter's README ("Textfile Collector") says to write: the collector
 * parses every file matching `*.prom`, and its examples write
 * `NAME.prom.$$` and then `mv` it to `NAME.prom`. The temp name
 * (state/atomic.ts) starts with a dot and ends in `.tmp`, never `.prom`.
 * Returns the file's path.
 *
 * - The file is made 0644 with fchmod, which the process umask does not touch:
 *   node_exporter runs as another user, and the systemd units set UMask=0077.
 * - The folder is not created, nor its files' owner changed: it belongs to
 *   node_exporter's setup, and a folder created here (owned by nodekeeper)
 *   would not be readable by it.
 * - No fsync: the file is rewritten every cycle, and after a power loss an
 *   empty or older file is harmless, while an fsync a minute on a database
 *   node's disk is a cost with no benefit.
 */
export async function writeTextfile(dir: string, text: string): Promise<string> {
  const target = join(dir, TEXTFILE_NAME);
  await writeFileAtomic(target, text, { mode: 0o644, exactMode: true, ownFolder: false, durable: false });
  await removeStaleTempsOf(target, STALE_TEMP_MS);
  return target;
}
