/**
 * The memory of a real `run` process: the built CLI, `run --interval 1s`,
 * against a Mission Control on loopback (HTTPS, valid instructions every
 * cycle), the bench node's fake nodetool and systemctl. Every cycle sends one
 * request, so the server counts the cycles: when request k + 1 arrives, k
 * cycles are done, and the bench reads the process from outside (VmRSS, open
 * fds: /proc/<pid>) and, at the marks asked for, from inside: a SIGUSR2 makes
 * the preloaded mem-probe.mjs write process.memoryUsage().
 *
 * Standalone, for investigations (prints the curve):
 *   node --import tsx test/bench/run-memory.ts [cycles] [KEY=VALUE env …]
 */
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { BIN, ROOT } from "../helpers/cli.js";
import { makeTestPki } from "../helpers/tls.js";
import { answers, startMissionControl } from "../mission-control/server.js";
import { makeToken, writeTokenFile } from "../mission-control/support.js";
import { makeBenchNode } from "./node.js";

const MB = 1024 * 1024;

export interface Breakdown {
  readonly rss: number;
  readonly heapTotal: number;
  readonly heapUsed: number;
  readonly external: number;
  readonly arrayBuffers: number;
}

export interface RunMemory {
  /** process.memoryUsage() of the child after that many cycles. */
  readonly breakdown: ReadonlyMap<number, Breakdown>;
  /** After that many cycles: VmRSS (bytes) and open fds, read from /proc. */
  readonly curve: readonly { cycles: number; rss: number; fds: number; cpuMs: number }[];
  /** VmHWM at the end (bytes). */
  readonly peakRss: number;
  readonly cycles: number;
  readonly seconds: number;
  readonly exitCode: number | null;
  readonly stderr: string;
}

export interface RunMemoryOptions {
  readonly cycles: number;
  /** Cycle counts at which to read process.memoryUsage(). */
  readonly marks: readonly number[];
  /** Read VmRSS and fds every this many cycles (default 10). */
  readonly every?: number;
  /** Extra environment for the child (investigations: MALLOC_ARENA_MAX=…). */
  readonly env?: Readonly<Record<string, string>>;
  readonly onCurve?: (point: { cycles: number; rss: number; fds: number; cpuMs: number }) => void;
}

function procStatus(pid: number, key: string): number {
  const m = new RegExp(`^${key}:\\s+(\\d+) kB$`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) * 1024 : NaN;
}

/** CPU of the process itself (utime + stime), in ms: /proc/<pid>/stat fields 14 and 15, in clock ticks (100 Hz). */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

function openFds(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

export async function measureRun(options: RunMemoryOptions): Promise<RunMemory> {
  const pki = makeTestPki();
  const mc = await startMissionControl();
  const node = makeBenchNode();
  const configFile = node.config({
    missionControl: { url: mc.url, caFile: pki.ca.certFile, tokenFile: writeTokenFile(node.dir, makeToken()) },
    directories: [{ path: join(node.dir, "data") }, { path: node.dir }],
    remediation: { enabled: false },
  });
  const memFile = join(node.dir, "memory.jsonl");
  const every = options.every ?? 10;
  const curve: { cycles: number; rss: number; fds: number; cpuMs: number }[] = [];
  const marked: number[] = [];
  let pid = 0;
  let seen = 0;
  const reply = answers.instructions();
  mc.setFallback((req) => {
    mc.requests.length = 0; // the test server keeps every request: not the child's memory
    const done = seen++; // cycles finished before this request
    if (pid && done > 0) {
      try {
        if (done % every === 0 || options.marks.includes(done)) {
          const point = { cycles: done, rss: procStatus(pid, "VmRSS"), fds: openFds(pid), cpuMs: cpuMs(pid) };
          curve.push(point);
          options.onCurve?.(point);
        }
        if (options.marks.includes(done)) {
          process.kill(pid, "SIGUSR2");
          marked.push(done);
        }
      } catch {
        // the child is gone: its exit code tells
      }
    }
    return typeof reply === "function" ? reply(req) : reply;
  });
  const started = performance.now();
  // One cycle more than asked: the last mark is read when that one sends.
  const child = spawn(process.execPath, [BIN, "--config", configFile, "run", "--interval", "1s", "--immediate", "--cycles", String(options.cycles + 1)], {
    env: {
      ...process.env, ...node.env, ...options.env,
      NODE_OPTIONS: `--import ${join(ROOT, "test/bench/mem-probe.mjs")} ${options.env?.["NODE_OPTIONS"] ?? ""}`.trim(), NK_MEM_FILE: memFile,
    },
    stdio: ["ignore", "ignore", "pipe"],
  });
  pid = child.pid ?? 0;
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  let peakRss = 0;
  const hwm = setInterval(() => {
    try { peakRss = Math.max(peakRss, procStatus(pid, "VmHWM")); } catch { /* gone */ }
  }, 1_000);
  const exitCode = await new Promise<number | null>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve(code));
  });
  clearInterval(hwm);
  await mc.close();
  const lines = (() => {
    try { return readFileSync(memFile, "utf8").split("\n").filter(Boolean); } catch { return []; }
  })();
  const breakdown = new Map<number, Breakdown>();
  marked.forEach((cycles, i) => {
    const line = lines[i];
    if (line) breakdown.set(cycles, JSON.parse(line) as Breakdown);
  });
  return { breakdown, curve, peakRss, cycles: seen, seconds: (performance.now() - started) / 1000, exitCode, stderr };
}

export function formatBreakdown(b: Breakdown): string {
  const f = (n: number) => `${(n / MB).toFixed(1)}`;
  return `rss ${f(b.rss)} · heapTotal ${f(b.heapTotal)} · heapUsed ${f(b.heapUsed)} · external ${f(b.external)} · arrayBuffers ${f(b.arrayBuffers)} MB`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const cycles = Number(process.argv[2] ?? 120);
  const env = Object.fromEntries(process.argv.slice(3).map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]));
  const marks = [10, 100, 1000, cycles].filter((m) => m <= cycles);
  const r = await measureRun({
    cycles, marks, env,
    onCurve: (p) => process.stdout.write(`${p.cycles}\t${(p.rss / MB).toFixed(1)} MB\t${p.fds} fds\t${p.cpuMs} ms cpu\n`),
  });
  for (const [c, b] of r.breakdown) process.stdout.write(`cycle ${c}: ${formatBreakdown(b)}\n${process.env["NK_MEM_DETAIL"] ? `${JSON.stringify(b)}\n` : ""}`);
  process.stdout.write(`peak ${(r.peakRss / MB).toFixed(1)} MB, ${r.cycles} requests in ${r.seconds.toFixed(0)} s, exit ${r.exitCode}\n${r.stderr.slice(0, 2000)}`);
}
