/**
 * The connectivity probe (issue 4): how this node sees each peer, in three
 * views. host: TCP connect to the peer's nodekeeper port; server: an HTTPS GET
 * of the peer server's health endpoint, TLS verified; Cassandra: TCP connect to
 * every Cassandra port. Each view takes `samples` samples one after the other
 * under its own deadline and reports their median. Peers run concurrently
 * under `concurrency`, all inside one deadline for the whole probe.
 */
import { createSecureContext, type SecureContext } from "node:tls";
import pLimit from "p-limit";
import type { ConnectivityConfig, Peer } from "../../config/connectivity.js";
import { realFileSystem, type FileSystem } from "../../effects/fs.js";
import { httpsSample, type HttpsTarget } from "./https.js";
import { median, roundMs } from "./median.js";
import { hostPort, type FailureOutcome, type Outcome, type Sample, type SampleFailure, type SampleOk } from "./outcome.js";
import { RunScope } from "./scope.js";
import { tcpSample } from "./tcp.js";

export type { Outcome } from "./outcome.js";

/** One view of one target. `latencyMs` is null exactly when `connected` is false. */
export interface ViewResult {
  readonly connected: boolean;
  /** Median of the successful samples, in ms. */
  readonly latencyMs: number | null;
  readonly outcome: Outcome;
  /** One line for `status`: what failed and how, or the median and its phases. */
  readonly detail: string;
  readonly samplesOk: number;
  readonly samplesTaken: number;
}

export interface HostView extends ViewResult {
  readonly port: number;
}

export interface ServerView extends ViewResult {
  readonly url: string;
  /** False when `insecureSkipVerify` is on: the answer came over an unverified TLS connection. */
  readonly tlsVerified: boolean;
}

export interface CassandraPortView extends ViewResult {
  readonly port: number;
}

/** Connected when every port is; latency is the slowest port's median. */
export interface CassandraView extends ViewResult {
  readonly address: string;
  readonly ports: readonly CassandraPortView[];
}

export interface PeerConnectivity {
  readonly nodeId: string;
  readonly address: string;
  readonly host: HostView;
  readonly server: ServerView;
  readonly cassandra: CassandraView;
  /** TLS verification of this peer's server was skipped (explicit `insecureSkipVerify`). */
  readonly tlsVerificationSkipped: boolean;
  /** Whether the peer was probed at all (false: the deadline passed or the probe was cancelled first). */
  readonly probed: boolean;
  /** How long this peer's probing took, in ms. */
  readonly durationMs: number;
}

export interface ProbeConnectivityInput {
  readonly peers: readonly Peer[];
  readonly config: ConnectivityConfig;
  /** Deadline for the whole probe, in ms from the call; everything is closed when it resolves. */
  readonly deadlineMs: number;
  readonly signal?: AbortSignal | undefined;
  /** Where the CA bundle is read from: effects.fs; the real file system when not given (tests, the bench). */
  readonly fs?: Pick<FileSystem, "readFile"> | undefined;
}

/**
 * Time kept back from the deadline to close what is still open, in ms: a
 * destroyed socket closes within a loop turn or two, even with a few hundred
 * of them. Capped at a tenth of short deadlines.
 */
const CLOSE_MARGIN_MS = 50;

/** A peer with less time than this left is not started, in ms. */
const MIN_PEER_MS = 2;

/** Targets of one peer after per-peer overrides. */
export interface PeerTargets {
  readonly address: string;
  readonly hostPort: number;
  readonly serverPort: number;
  readonly serverUrl: string;
  readonly serverHealthPath: string;
  readonly cassandraAddress: string;
  readonly cassandraPorts: readonly number[];
}

export function peerTargets(peer: Peer, config: ConnectivityConfig): PeerTargets {
  const serverPort = peer.serverPort ?? config.serverPort;
  const serverHealthPath = peer.serverHealthPath ?? config.serverHealthPath;
  const bracketed = peer.address.includes(":") ? `[${peer.address}]` : peer.address;
  const authority = serverPort === 443 ? bracketed : hostPort(peer.address, serverPort);
  return {
    address: peer.address,
    hostPort: peer.hostPort ?? config.hostPort,
    serverPort,
    serverHealthPath,
    serverUrl: `https://${authority}${serverHealthPath}`,
    cassandraAddress: peer.cassandraAddress ?? peer.address,
    cassandraPorts: [...new Set(Array.isArray(peer.cassandraPorts) ? peer.cassandraPorts : config.cassandraPorts)],
  };
}

interface Run {
  readonly config: ConnectivityConfig;
  readonly samples: number;
  /** `performance.now()` time after which no sample starts and every open one is cut. */
  readonly deadline: number;
  readonly deadlineMs: number;
  readonly scope: RunScope;
  readonly tls: { readonly context: SecureContext } | { readonly error: string };
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Probes every peer; never throws; results in the order of `peers`. */
export async function probeConnectivity(input: ProbeConnectivityInput): Promise<PeerConnectivity[]> {
  const start = performance.now();
  const { peers, config, signal } = input;
  if (peers.length === 0) return [];
  const deadlineMs = Number.isFinite(input.deadlineMs) ? Math.max(0, input.deadlineMs) : 0;
  const scope = new RunScope();
  const onAbort = () => scope.cancel("the probe was cancelled");
  try {
    if (signal?.aborted) onAbort();
    else signal?.addEventListener("abort", onAbort, { once: true });
    const deadline = start + deadlineMs - Math.min(CLOSE_MARGIN_MS, deadlineMs / 10);
    const samples = Math.max(1, Math.floor(config.samples));
    const tls = await loadTls(input.fs ?? realFileSystem, config, deadline, scope);
    const run: Run = { config, samples, deadline, deadlineMs, scope, tls };
    const limit = pLimit(Math.max(1, Math.floor(config.concurrency)));
    const results = await Promise.all(peers.map((peer) => limit(() => probePeerSafely(peer, run))));
    await scope.closed();
    return results;
  } catch (error) {
    // Only a bug gets here (every sample resolves); say so per peer rather than throw.
    scope.cancel("the probe failed");
    await scope.closed();
    try {
      return peers.map((peer) => notProbed(peer, config, "error", `probe failed: ${message(error)}`, start));
    } catch {
      return []; // the input itself is unusable (not a list of peers); still no throw
    }
  } finally {
    signal?.removeEventListener("abort", onAbort);
  }
}

/** The secure context of this run: the CA bundle is read and parsed once, not per connection. */
async function loadTls(fs: Pick<FileSystem, "readFile">, config: ConnectivityConfig, deadline: number, scope: RunScope): Promise<Run["tls"]> {
  if (config.caFile === undefined) {
    try {
      return { context: createSecureContext({}) };
    } catch (error) {
      return { error: `cannot set up TLS: ${message(error)}` };
    }
  }
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), Math.max(0, deadline - performance.now()));
  const unregister = scope.add(() => controller.abort());
  try {
    const pem = await fs.readFile(config.caFile, { signal: controller.signal });
    if (!pem.includes("-----BEGIN CERTIFICATE-----")) {
      return { error: `CA bundle ${config.caFile} holds no PEM certificate` };
    }
    return { context: createSecureContext({ ca: pem }) };
  } catch (error) {
    const why = controller.signal.aborted ? "not read before the deadline" : message(error);
    return { error: `cannot use CA bundle ${config.caFile}: ${why}` };
  } finally {
    clearTimeout(timer);
    unregister();
  }
}

function emptyView(outcome: FailureOutcome, detail: string): ViewResult {
  return { connected: false, latencyMs: null, outcome, detail, samplesOk: 0, samplesTaken: 0 };
}

function notProbed(peer: Peer, config: ConnectivityConfig, outcome: FailureOutcome, detail: string, start: number): PeerConnectivity {
  const t = peerTargets(peer, config);
  const view = emptyView(outcome, detail);
  return {
    nodeId: peer.nodeId,
    address: peer.address,
    host: { ...view, port: t.hostPort },
    server: { ...view, url: t.serverUrl, tlsVerified: false },
    cassandra: { ...view, address: t.cassandraAddress, ports: t.cassandraPorts.map((port) => ({ ...view, port })) },
    tlsVerificationSkipped: config.insecureSkipVerify,
    probed: false,
    durationMs: roundMs(performance.now() - start),
  };
}

async function probePeerSafely(peer: Peer, run: Run): Promise<PeerConnectivity> {
  const start = performance.now();
  try {
    if (run.scope.cancelled) return notProbed(peer, run.config, "error", `not probed: ${run.scope.reason}`, start);
    // Node's timers run on a millisecond clock and may fire a fraction of a
    // millisecond before the deadline in performance.now() terms: less than
    // MIN_PEER_MS left counts as none.
    if (run.deadline - start < MIN_PEER_MS) {
      return notProbed(peer, run.config, "timeout", `not probed: the probe's ${run.deadlineMs} ms deadline passed before this peer's turn`, start);
    }
    return await probePeer(peer, run, start);
  } catch (error) {
    return notProbed(peer, run.config, "error", `probe failed: ${message(error)}`, start);
  }
}

async function probePeer(peer: Peer, run: Run, start: number): Promise<PeerConnectivity> {
  const { config, scope } = run;
  const t = peerTargets(peer, config);
  const viewDeadline = (timeoutMs: number | undefined) => Math.min(start + (timeoutMs ?? config.timeoutMs), run.deadline);
  const verify = !config.insecureSkipVerify;

  const hostDeadline = viewDeadline(config.hostTimeoutMs);
  const serverDeadline = viewDeadline(config.serverTimeoutMs);
  const cassandraDeadline = viewDeadline(config.cassandraTimeoutMs);

  const hostP = sampleView(run, hostDeadline, (d) => tcpSample(t.address, t.hostPort, d, scope));
  const serverP: Promise<ViewResult> =
    "error" in run.tls
      ? Promise.resolve(emptyView("tls", run.tls.error))
      : (() => {
          const target: HttpsTarget = {
            address: t.address,
            port: t.serverPort,
            path: t.serverHealthPath,
            expectBody: config.serverExpectBody,
            secureContext: run.tls.context,
            verify,
          };
          return sampleView(run, serverDeadline, (d) => httpsSample(target, d, scope));
        })();
  const portsP = Promise.all(
    t.cassandraPorts.map(async (port): Promise<CassandraPortView> => ({
      ...(await sampleView(run, cassandraDeadline, (d) => tcpSample(t.cassandraAddress, port, d, scope))),
      port,
    })),
  );
  const [host, server, ports] = await Promise.all([hostP, serverP, portsP]);
  return {
    nodeId: peer.nodeId,
    address: peer.address,
    host: { ...host, port: t.hostPort },
    server: { ...server, url: t.serverUrl, tlsVerified: verify && server.connected },
    cassandra: { ...combinePorts(ports), address: t.cassandraAddress, ports },
    tlsVerificationSkipped: !verify,
    probed: true,
    durationMs: roundMs(performance.now() - start),
  };
}

/**
 * Takes up to `run.samples` samples one after the other (concurrent samples
 * would slow each other down and measure that). A failed sample does not stop
 * the others, except a timeout, which has used up the view's deadline.
 */
async function sampleView(run: Run, deadline: number, take: (deadline: number) => Promise<Sample>): Promise<ViewResult> {
  const oks: SampleOk[] = [];
  const failures: SampleFailure[] = [];
  for (let i = 0; i < run.samples; i++) {
    if (run.scope.cancelled || (i > 0 && performance.now() >= deadline)) break;
    const sample = await take(deadline);
    if (sample.ok) oks.push(sample);
    else {
      failures.push(sample);
      if (sample.outcome === "timeout") break;
    }
  }
  return aggregate(oks, failures);
}

/**
 * Connected when at least one sample succeeded: one lost SYN must not report a
 * peer as gone (Mission Control acts on these flags). The failed samples stay
 * in the detail for `status`.
 */
function aggregate(oks: readonly SampleOk[], failures: readonly SampleFailure[]): ViewResult {
  const samplesTaken = oks.length + failures.length;
  const latency = median(oks.map((s) => s.ms));
  if (latency !== null) {
    // The note of the sample closest to the median describes a typical sample.
    const typical = oks.reduce((best, s) => (Math.abs(s.ms - latency) < Math.abs(best.ms - latency) ? s : best));
    const samplesText = oks.map((s) => s.ms.toFixed(1)).join(", ");
    let detail = `median ${latency.toFixed(1)} ms of ${oks.length} sample${oks.length === 1 ? "" : "s"} (${samplesText})`;
    if (typical.note) detail += `; ${typical.note}`;
    if (failures[0]) detail += `; ${failures.length} of ${samplesTaken} failed: ${failures[0].detail}`;
    return { connected: true, latencyMs: roundMs(latency), outcome: "ok", detail, samplesOk: oks.length, samplesTaken };
  }
  const first = failures[0];
  if (!first) return emptyView("timeout", "no sample taken before the deadline");
  // The most frequent failure kind; ties go to the earliest.
  const counts = new Map<FailureOutcome, number>();
  for (const f of failures) counts.set(f.outcome, (counts.get(f.outcome) ?? 0) + 1);
  let outcome = first.outcome;
  for (const [kind, count] of counts) if (count > (counts.get(outcome) ?? 0)) outcome = kind;
  const example = failures.find((f) => f.outcome === outcome) ?? first;
  const count = counts.get(outcome) ?? 1;
  const detail = samplesTaken > 1 ? `${example.detail} (${count} of ${samplesTaken} samples)` : example.detail;
  return { connected: false, latencyMs: null, outcome, detail, samplesOk: 0, samplesTaken };
}

function combinePorts(ports: readonly CassandraPortView[]): ViewResult {
  const samplesOk = ports.reduce((n, p) => n + p.samplesOk, 0);
  const samplesTaken = ports.reduce((n, p) => n + p.samplesTaken, 0);
  const detail = ports.map((p) => `${p.port}: ${p.connected ? `ok ${(p.latencyMs ?? 0).toFixed(1)} ms` : p.detail}`).join("; ");
  const bad = ports.find((p) => !p.connected);
  if (bad || ports.length === 0) {
    return { connected: false, latencyMs: null, outcome: bad?.outcome ?? "error", detail: detail || "no Cassandra port configured", samplesOk, samplesTaken };
  }
  const latencyMs = Math.max(...ports.map((p) => p.latencyMs ?? 0));
  return { connected: true, latencyMs, outcome: "ok", detail, samplesOk, samplesTaken };
}
