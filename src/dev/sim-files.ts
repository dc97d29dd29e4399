/**
 * The simulation's files that the fake nodetool reads on every run, and the
 * fake tools' arguments. Nothing here imports zod or any other package: the
 * fake nodetool starts once per report cycle, and loading zod would double
 * its start-up time (about 150 ms of a 300 ms run on a small machine). So
 * there is nothing to parse: who is down is one empty marker file per node,
 * and times are file modification times.
 *
 *   sim/cassandra-down/<node id>   that node's Cassandra is down (mtime: since when)
 *   sim/cassandra-started          node-1's Cassandra started then (mtime; its uptime)
 *
 * The rest of the sim folder (server state, event log) is JSON, in world.ts.
 */
import { closeSync, mkdirSync, openSync, readdirSync, rmSync, statSync, utimesSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export interface SimPaths {
  readonly dir: string;
  /** One marker file per node whose Cassandra is down. */
  readonly cassandraDown: string;
  readonly cassandraStarted: string;
  /** JSON: node-1's server state (world.ts). */
  readonly server: string;
  /** JSON lines: what the fake tools did (world.ts). */
  readonly events: string;
}

export function simPaths(dir: string): SimPaths {
  return {
    dir,
    cassandraDown: join(dir, "cassandra-down"),
    cassandraStarted: join(dir, "cassandra-started"),
    server: join(dir, "server.json"),
    events: join(dir, "events.jsonl"),
  };
}

export interface CassandraWorld {
  /** Node ids whose Cassandra is down. */
  readonly down: ReadonlySet<string>;
  /** Since when the earliest of them is down, in ms (null: none is). */
  readonly downSinceMs: number | null;
  /** When node-1's Cassandra last started, in ms. */
  readonly startedAtMs: number;
}

/** Creates (or touches) an empty file with the given modification time. */
function touch(file: string, atMs: number): void {
  closeSync(openSync(file, "a"));
  utimesSync(file, atMs / 1000, atMs / 1000);
}

export function readCassandraWorld(paths: SimPaths): CassandraWorld {
  const down = new Set<string>();
  let since: number | null = null;
  for (const id of readdirSync(paths.cassandraDown)) {
    down.add(id);
    const mtime = statSync(join(paths.cassandraDown, id)).mtimeMs;
    since = since === null ? mtime : Math.min(since, mtime);
  }
  return { down, downSinceMs: since, startedAtMs: statSync(paths.cassandraStarted).mtimeMs };
}

/** Sets who is down; a node that comes back keeps no marker, one that stays down keeps its time. */
export function writeCassandraWorld(paths: SimPaths, down: readonly string[], nowMs: number, ownNodeId: string): void {
  mkdirSync(paths.cassandraDown, { recursive: true });
  const before = new Set(readdirSync(paths.cassandraDown));
  for (const id of before) if (!down.includes(id)) rmSync(join(paths.cassandraDown, id), { force: true });
  for (const id of down) if (!before.has(id)) touch(join(paths.cassandraDown, id), nowMs);
  // node-1's Cassandra started now when it is new here or comes back.
  let started = true;
  try {
    statSync(paths.cassandraStarted);
    started = before.has(ownNodeId) && !down.includes(ownNodeId);
  } catch {
    // first call: it starts now
  }
  if (started) touch(paths.cassandraStarted, nowMs);
}

/**
 * The fake tools' own arguments come first, as `--name=value`, before what
 * nodekeeper appends (the nodetool arguments, for the fake nodetool):
 *   --sim=DIR     the demo's sim folder (required)
 *   --run=ID      a marker naming the demo run (required); it lets the demo
 *                 find and end whatever is left of its tools (processes.ts)
 *   --ms=N        how long the simulated work takes, in ms (already divided by the speed)
 *   --demo-pid=N  the demo's process: a long-running tool ends when it is gone
 * The demo writes these itself, so a wrong one is a bug: it throws.
 */
export interface ToolArgs {
  readonly simDir: string;
  readonly runId: string;
  readonly durationMs: number;
  readonly demoPid: number | null;
  readonly rest: readonly string[];
}

export function parseToolArgs(argv: readonly string[]): ToolArgs {
  const options = new Map<string, string>();
  let i = 0;
  for (; i < argv.length; i++) {
    const match = /^--(sim|run|ms|demo-pid)=(.+)$/.exec(argv[i] ?? "");
    if (!match?.[1] || match[2] === undefined) break;
    options.set(match[1], match[2]);
  }
  const count = (name: string): number | null => {
    const text = options.get(name);
    if (text === undefined) return null;
    if (!/^\d{1,9}$/.test(text)) throw new Error(`--${name}: expected a whole number, got ${JSON.stringify(text)}`);
    return Number(text);
  };
  const simDir = options.get("sim");
  const runId = options.get("run");
  if (simDir === undefined || runId === undefined) throw new Error(`a demo tool needs --sim=DIR and --run=ID first (got ${JSON.stringify(argv)})`);
  return { simDir, runId, durationMs: count("ms") ?? 0, demoPid: count("demo-pid"), rest: argv.slice(i) };
}

/** The argv prefix of a fake tool: this Node, the compiled tool next to this module, its options. */
export function toolArgv(tool: string, options: { simDir: string; runId: string; durationMs?: number; demoPid?: number }): string[] {
  const script = fileURLToPath(new URL(`./${tool}.js`, import.meta.url));
  return [
    process.execPath, script, `--sim=${options.simDir}`, `--run=${options.runId}`,
    ...(options.durationMs !== undefined ? [`--ms=${Math.round(options.durationMs)}`] : []),
    ...(options.demoPid !== undefined ? [`--demo-pid=${options.demoPid}`] : []),
  ];
}

/** True while process `pid` exists (signal 0 only checks). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else (a reused pid); count it as alive.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
