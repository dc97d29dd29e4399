/**
 * Cold start of the release executable (issue 20) next to `node -e 0` and the
 * bundled CLI run through node, interleaved in the same rounds so that a noisy
 * moment hits all alike. The executable is dist/release/nodekeeper; when it is
 * not there, `npm run release` builds it first (unsigned, a few minutes) and
 * says so. NK_BENCH_SKIP=release skips these rows.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { BIN, ROOT } from "../helpers/cli.js";
import type { BenchResult } from "./connectivity-1000.js";
import { makeBenchNode } from "./node.js";

const EXE = join(ROOT, "dist/release/nodekeeper");

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function timed(file: string, args: string[], env: Record<string, string>): Promise<{ ms: number; code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(file, args, { env: { ...process.env, ...env }, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 120_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ ms: performance.now() - started, code, stderr });
    });
  });
}

export async function releaseColdStart(row: (r: BenchResult) => void, rounds: number): Promise<void> {
  if (!existsSync(EXE)) {
    process.stderr.write("  release executable not built: npm run release (unsigned) first\n");
    const built = spawnSync(process.execPath, [join(ROOT, ".ci/release.mjs")], { stdio: ["ignore", "ignore", "inherit"], env: { ...process.env, NODEKEEPER_SIGNING_KEY: "" } });
    if (built.status !== 0) throw new Error("npm run release failed");
  }
  const node = makeBenchNode();
  const config = node.config();
  // Without NODE_OPTIONS (the bench's own): V8 refuses a code cache made under other flags.
  const { NODE_OPTIONS: _ignored, ...env } = { ...process.env, ...node.env } as Record<string, string>;
  const probe = await timed(EXE, ["--debug", "--config", config, "status", "--json"], env);
  const cacheState = /^nodekeeper: code cache \(embedded\): (.*)$/m.exec(probe.stderr)?.[1] ?? "unknown";
  const series = { base: [] as number[], cliVersion: [] as number[], cliStatus: [] as number[], exeVersion: [] as number[], exeStatus: [] as number[] };
  for (let i = 0; i <= rounds; i++) {
    const r = {
      base: await timed(process.execPath, ["-e", "0"], env),
      cliVersion: await timed(process.execPath, [BIN, "--version"], env),
      cliStatus: await timed(process.execPath, [BIN, "--config", config, "status", "--json"], env),
      exeVersion: await timed(EXE, ["--version"], env),
      exeStatus: await timed(EXE, ["--config", config, "status", "--json"], env),
    };
    for (const s of [r.cliStatus, r.exeStatus]) if (s.code === null || s.code > 3) throw new Error(`status failed (${s.code}): ${s.stderr}`);
    if (i === 0) continue; // warms the page cache
    for (const k of Object.keys(series) as Array<keyof typeof series>) series[k].push(r[k].ms);
  }
  const m = {
    base: median(series.base), cliVersion: median(series.cliVersion), cliStatus: median(series.cliStatus),
    exeVersion: median(series.exeVersion), exeStatus: median(series.exeStatus),
  };
  const ms = (n: number) => Math.round(n);
  row({ name: "release executable: size", value: Math.round(statSync(EXE).size / 1024 / 1024 * 10) / 10, unit: "MiB" });
  row({ name: "release: node -e 0 (baseline of these rows)", value: ms(m.base), unit: "ms" });
  row({ name: "release: bundled CLI --version (node bin/nodekeeper.js)", value: ms(m.cliVersion), unit: "ms", reference: "node -e 0", ratio: m.cliVersion / m.base });
  row({ name: "release: executable --version", value: ms(m.exeVersion), unit: "ms", reference: "node -e 0", ratio: m.exeVersion / m.base, target: "≤ 1.5×", ok: m.exeVersion / m.base <= 1.5 });
  row({ name: "release: bundled CLI status --json", value: ms(m.cliStatus), unit: "ms", reference: "node -e 0", ratio: m.cliStatus / m.base });
  row({ name: `release: executable status --json (code cache ${cacheState})`, value: ms(m.exeStatus), unit: "ms", reference: "node -e 0", ratio: m.exeStatus / m.base, target: "≤ 3×", ok: m.exeStatus / m.base <= 3 && cacheState === "used" });
  row({ name: "release: executable status --json vs bundled CLI", value: ms(m.exeStatus), unit: "ms", reference: "bundled CLI status --json", ratio: m.exeStatus / m.cliStatus });
}
