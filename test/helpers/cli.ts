/** Runs the built CLI (bin/nodekeeper.js → dist/) as a real process. */
import { spawn } from "node:child_process";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const BIN = join(ROOT, "bin", "nodekeeper.js");

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly durationMs: number;
}

export function runCli(
  args: readonly string[],
  options: { env?: Record<string, string | undefined>; timeoutMs?: number; cwd?: string; bin?: string } = {},
): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const started = performance.now();
    const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: "1", NODEKEEPER_CONFIG: undefined, ...options.env };
    for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
    const child = spawn(process.execPath, [options.bin ?? BIN, ...args], { env, cwd: options.cwd ?? ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`nodekeeper ${args.join(" ")} did not finish within ${options.timeoutMs ?? 30_000} ms\n${stderr}`));
    }, options.timeoutMs ?? 30_000);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, stdout, stderr, durationMs: performance.now() - started });
    });
  });
}

/** Writes an executable script `name` into `dir` and returns its path. */
export function writeScript(dir: string, name: string, body: string): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name);
  writeFileSync(path, body);
  chmodSync(path, 0o755);
  return path;
}

/** Writes a config file and returns its path. */
export function writeConfig(dir: string, config: unknown, name = "nodekeeper.json"): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(config, null, 2));
  return path;
}

/** A PATH with `binDir` first, so fake `systemctl`/`nodetool` scripts win. */
export function pathWith(binDir: string): string {
  return `${binDir}:${process.env["PATH"] ?? ""}`;
}
