/**
 * Benchmark `connectivity-1000`: the connectivity probe against 1,000 peers on
 * loopback (127.77.x.y), whose server endpoints answer after 50 ms, with the
 * default configuration (3 samples per target, 32 peers at a time).
 *
 * Printed against two references measured in the same run:
 * - ideal: ceil(N / limit) × samples × 50 ms, the waiting alone (the brief's
 *   ceil(N / limit) × 50 ms is the per-sample figure; each peer's server view
 *   takes its samples one after the other);
 * - floor: the same connections and TLS handshakes (per peer: host, server,
 *   both Cassandra ports, each `samples` times; full certificate verification
 *   against the same shared secure context) made by a minimal plain-Node client
 *   at the same concurrency, with no timers, no HTTP parser, no classification.
 * Target: probe ≤ 1.3 × floor.
 *
 * The listeners run in a child process (fixtures/peer-servers.ts) so the
 * measured process does only the client's work; on 2 cores the servers'
 * handshakes still compete with it, for the probe and the floor alike. Probe
 * and floor alternate, and each one's best of ROUNDS runs is kept.
 *
 * Run alone: node --import tsx test/bench/connectivity-1000.ts
 * Env: NK_BENCH_PEERS (1000), NK_BENCH_ROUNDS (3), NK_BENCH_SAMPLES (3).
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { connect as netConnect } from "node:net";
import { join } from "node:path";
import { connect as tlsConnect, createSecureContext, type SecureContext } from "node:tls";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { ConnectivityConfigSchema, type ConnectivityConfig, type Peer } from "../../src/config/connectivity.js";
import { probeConnectivity } from "../../src/probes/connectivity/probe.js";
import { startPeerServers } from "../probes/connectivity/fixtures/harness.js";
import type { ListenerSpec } from "../probes/connectivity/fixtures/peer-servers.js";
import { atExit, tempDir } from "../helpers/temp.js";

export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  reference?: string;
  ratio?: number;
  target?: string;
  ok?: boolean;
}

const SERVER_DELAY_MS = 50;
const CERT_GROUP = 10; // addresses per server certificate: 100 openssl runs instead of 1,000 (10 SANs cost a handshake no more than 1)
const TARGET_RATIO = 1.3;
const PROBE_DEADLINE_MS = 120_000; // 2 min: a bound, far above the expected seconds

const run$ = promisify(execFile);

function envInt(name: string, fallback: number): number {
  const value = Number(process.env[name]);
  return Number.isInteger(value) && value > 0 ? value : fallback;
}

/** 127.77.1.1, 127.77.1.2, … (no .0 or .255 octets, all in 127/8: loopback only). */
function address(i: number): string {
  return `127.77.${1 + Math.floor(i / 250)}.${1 + (i % 250)}`;
}

async function openssl(args: string[], cwd: string): Promise<void> {
  await run$("openssl", args, { cwd, timeout: 30_000 });
}

interface BenchPki {
  readonly dir: string;
  readonly caFile: string;
  readonly keyFile: string;
  /** Certificate file of group g (addresses g × CERT_GROUP …). */
  readonly certFiles: string[];
}

/** A throw-away CA and one certificate per group of addresses; keys live in a temp folder removed when the process exits. */
async function makePki(addresses: readonly string[]): Promise<BenchPki> {
  const dir = tempDir(atExit, "nk-bench-pki-");
  await openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
    "-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=nk-bench-ca",
    "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"], dir);
  await openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "server.key"], dir);
  const groups = Math.ceil(addresses.length / CERT_GROUP);
  const certFiles = await Promise.all(
    Array.from({ length: groups }, async (_, g) => {
      const sans = addresses.slice(g * CERT_GROUP, (g + 1) * CERT_GROUP).map((a) => `IP:${a}`).join(",");
      const file = `server-${g}.crt`;
      await openssl(["req", "-x509", "-new", "-key", "server.key", "-subj", `/CN=nk-bench-${g}`, "-CA", "ca.crt",
        "-CAkey", "ca.key", "-days", "2", "-addext", `subjectAltName=${sans}`, "-addext", "basicConstraints=CA:FALSE",
        "-addext", "extendedKeyUsage=serverAuth", "-out", file], dir);
      return join(dir, file);
    }),
  );
  return { dir, caFile: join(dir, "ca.crt"), keyFile: join(dir, "server.key"), certFiles };
}

// ---------------------------------------------------------------------------
// The floor: a minimal plain-Node client doing the same connections.

function floorTcp(host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host, port, noDelay: true });
    socket.once("connect", () => {
      socket.destroy();
      resolve();
    });
    socket.once("error", reject);
  });
}

function floorHttps(host: string, port: number, path: string, context: SecureContext): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host, port, secureContext: context, rejectUnauthorized: true });
    socket.setNoDelay(true);
    let body = "";
    socket.once("secureConnect", () => {
      socket.write(`GET ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\nConnection: close\r\n\r\n`);
    });
    socket.setEncoding("utf8");
    // Done as soon as the whole answer is in (headers, then the one-word
    // body), without waiting for the server's FIN: the least a client can do.
    socket.on("data", (chunk: string) => {
      body += chunk;
      if (body.endsWith("\r\n\r\nRUNNING")) {
        socket.destroy();
        resolve();
      }
    });
    socket.once("end", () => {
      socket.destroy();
      reject(new Error(`unexpected answer from ${host}:${port}: ${body.slice(0, 200)}`));
    });
    socket.once("error", reject);
  });
}

async function repeat(times: number, once: () => Promise<void>): Promise<void> {
  for (let i = 0; i < times; i++) await once();
}

async function floorClient(peers: readonly Peer[], config: ConnectivityConfig, context: SecureContext): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < peers.length; i = next++) {
      const p = peers[i]!;
      await Promise.all([
        repeat(config.samples, () => floorTcp(p.address, p.hostPort!)),
        repeat(config.samples, () => floorHttps(p.address, p.serverPort!, config.serverHealthPath, context)),
        ...p.cassandraPorts!.map((port) => repeat(config.samples, () => floorTcp(p.address, port))),
      ]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(config.concurrency, peers.length) }, worker));
}

// ---------------------------------------------------------------------------

interface Timing {
  /** Wall time, ms. */
  readonly wall: number;
  /** This process's CPU time (user + system), ms: the client's own work, without the servers'. */
  readonly cpu: number;
}

async function timeIt(fn: () => Promise<void>): Promise<Timing> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  await fn();
  const wall = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return { wall, cpu: (used.user + used.system) / 1_000 };
}

export async function run(): Promise<BenchResult[]> {
  const n = envInt("NK_BENCH_PEERS", 1_000);
  const rounds = envInt("NK_BENCH_ROUNDS", 3);
  const samples = envInt("NK_BENCH_SAMPLES", 3);
  const addresses = Array.from({ length: n }, (_, i) => address(i));
  const pki = await makePki(addresses);
  const groups = pki.certFiles.length;
  const listeners: ListenerSpec[] = [
    { kind: "tcp", hosts: addresses }, // host (nodekeeper) port
    { kind: "tcp", hosts: addresses }, // Cassandra native
    { kind: "tcp", hosts: addresses }, // Cassandra storage
    ...pki.certFiles.map((certFile, g): ListenerSpec => ({
      kind: "https",
      hosts: addresses.slice(g * CERT_GROUP, (g + 1) * CERT_GROUP),
      certFile,
      keyFile: pki.keyFile,
      delayMs: SERVER_DELAY_MS,
    })),
  ];
  const servers = await startPeerServers({ listeners });
  try {
    const [hostPort, nativePort, storagePort] = servers.ports;
    const peers: Peer[] = addresses.map((a, i) => ({
      nodeId: `peer-${i}`,
      address: a,
      hostPort: hostPort!,
      serverPort: servers.ports[3 + Math.floor(i / CERT_GROUP)]!,
      cassandraPorts: [nativePort!, storagePort!],
    }));
    const config = ConnectivityConfigSchema.parse({ caFile: pki.caFile, samples, timeoutMs: 10_000 });
    const context = createSecureContext({ ca: readFileSync(pki.caFile, "utf8") });

    // Warm-up: JIT, the children's listeners, the TLS code paths.
    const warm = peers.slice(0, Math.min(64, n));
    await probeConnectivity({ peers: warm, config, deadlineMs: PROBE_DEADLINE_MS });
    await floorClient(warm, config, context);

    const probeTimes: Timing[] = [];
    const floorTimes: Timing[] = [];
    let failures = 0;
    const probeRun = async () => {
      probeTimes.push(await timeIt(async () => {
        const results = await probeConnectivity({ peers, config, deadlineMs: PROBE_DEADLINE_MS });
        failures = results.filter((x) => !(x.host.connected && x.server.connected && x.cassandra.connected)).length;
        if (failures > 0) {
          const bad = results.find((x) => !(x.host.connected && x.server.connected && x.cassandra.connected))!;
          console.error(`connectivity-1000: ${failures} peers not fully connected, e.g. ${bad.nodeId}: ${bad.host.detail} | ${bad.server.detail} | ${bad.cassandra.detail}`);
        }
      }));
    };
    const floorRun = async () => {
      floorTimes.push(await timeIt(() => floorClient(peers, config, context)));
    };
    // Alternate which goes first, so that neither always runs in the other's wake (TIME_WAIT, GC, caches).
    for (let r = 0; r < rounds; r++) {
      if (r % 2 === 0) {
        await probeRun();
        await floorRun();
      } else {
        await floorRun();
        await probeRun();
      }
    }
    // Best of the rounds: noise on a shared machine only ever adds time.
    const best = (ts: readonly Timing[]) => ts.reduce((a, b) => (b.wall < a.wall ? b : a));
    const probeBest = best(probeTimes);
    const floorBest = best(floorTimes);
    const measured = probeBest.wall;
    const floor = floorBest.wall;
    const ideal = Math.ceil(n / config.concurrency) * samples * SERVER_DELAY_MS;
    const ratio = measured / floor;
    const name = n === 1_000 ? "connectivity-1000" : `connectivity-${n}`;
    const round1 = (x: number) => Math.round(x * 10) / 10;
    return [
      {
        name: `${name}.probe`,
        value: round1(measured),
        unit: "ms",
        reference: `${name}.floor`,
        ratio: Math.round(ratio * 100) / 100,
        target: `<= ${TARGET_RATIO}x floor, every peer connected`,
        ok: ratio <= TARGET_RATIO && failures === 0,
      },
      { name: `${name}.floor`, value: round1(floor), unit: "ms", reference: "minimal plain-Node client, same connections and handshakes, same concurrency" },
      {
        name: `${name}.ideal`,
        value: ideal,
        unit: "ms",
        reference: `ceil(${n}/${config.concurrency}) x ${samples} samples x ${SERVER_DELAY_MS} ms`,
        ratio: Math.round((measured / ideal) * 100) / 100,
      },
      {
        name: `${name}.probe-cpu`,
        value: round1(probeBest.cpu),
        unit: "ms",
        reference: `${name}.floor-cpu`,
        ratio: Math.round((probeBest.cpu / floorBest.cpu) * 100) / 100,
      },
      { name: `${name}.floor-cpu`, value: round1(floorBest.cpu), unit: "ms" },
      { name: `${name}.probe-runs`, value: probeTimes.length, unit: "runs", reference: probeTimes.map((t) => `${round1(t.wall)} ms wall / ${round1(t.cpu)} ms cpu`).join(", ") },
      { name: `${name}.floor-runs`, value: floorTimes.length, unit: "runs", reference: floorTimes.map((t) => `${round1(t.wall)} ms wall / ${round1(t.cpu)} ms cpu`).join(", ") },
      { name: `${name}.cert-groups`, value: groups, unit: "certificates" },
    ];
  } finally {
    await servers.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  run().then(
    (results) => {
      for (const r of results) {
        const extra = [r.reference && `vs ${r.reference}`, r.ratio !== undefined && `ratio ${r.ratio}`, r.target && `target ${r.target}`, r.ok !== undefined && (r.ok ? "OK" : "FAIL")]
          .filter(Boolean)
          .join("; ");
        console.log(`${r.name}: ${r.value} ${r.unit}${extra ? ` (${extra})` : ""}`);
      }
      process.exitCode = results.every((r) => r.ok !== false) ? 0 : 1;
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
