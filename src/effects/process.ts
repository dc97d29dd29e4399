/**
 * The process effect: the only place nodekeeper starts child processes.
 *
 * Every child runs in its own process group (`detached: true` makes it a group
 * leader), so a timeout kills the whole group, grandchildren included: a wrapper
 * script such as `cassandra-nodetool.sh` that starts a JVM must not leave the JVM
 * behind. `run` never throws: a missing command, a timeout or a crash is data.
 */
import { closeSync, constants, existsSync, openSync } from "node:fs";
import { access, readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";

export interface RunOptions {
  /** Hard deadline for the whole run, output included, in milliseconds. */
  readonly timeoutMs: number;
  /** Output kept per stream; the rest is dropped and `truncated` is set. */
  readonly maxOutputBytes?: number;
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
  /**
   * Kill what is left of the group once the leader has exited, and the whole
   * group at the timeout. True for probes (nothing may stay behind); false for
   * commands that legitimately start a daemon, such as a server start script:
   * then a timeout kills only the command itself, still running, never the
   * daemon it left in its group.
   */
  readonly reapGroup?: boolean;
  /** Run under `nice`/`ionice` so that probes never compete with the database. */
  readonly lowPriority?: boolean;
  /**
   * Append stdout and stderr to this file instead of pipes (server start/stop
   * commands): a daemon that inherits them then holds no pipe nodekeeper
   * waits on, so the command's own exit ends the wait. `stdout`/`stderr` of
   * the result are empty; the file has the output.
   */
  readonly outputFile?: string;
  /** Called with the child's pid (its process group id) once it runs: for a write-ahead record. */
  readonly onSpawn?: (pid: number) => void;
}

export interface RunResult {
  /** Exit code, or null when the process was killed by a signal or never started. */
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
  /** The command could not be started at all (ENOENT, EACCES, ...). */
  readonly notFound: boolean;
  readonly spawnError: string | null;
  /** Output went over `maxOutputBytes` and was cut. */
  readonly truncated: boolean;
  readonly durationMs: number;
}

export interface ProcessRunner {
  run(argv: readonly string[], options: RunOptions): Promise<RunResult>;
  /** Kills every process group still running (used on SIGTERM of nodekeeper itself). */
  killAll(): void;
}

const DEFAULT_MAX_OUTPUT = 4 * 1024 * 1024; // 4 MiB: a large nodetool status stays well below

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined || pid <= 0) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already gone, which is what we wanted.
  }
}

function killOne(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined || pid <= 0) return;
  try {
    process.kill(pid, signal);
  } catch {
    // ESRCH: it has exited meanwhile.
  }
}

/** Wraps argv in `nice`/`ionice` when they exist, so probes yield CPU and I/O. */
function withLowPriority(argv: readonly string[], tools: PriorityTools): readonly string[] {
  let out = argv;
  // Best-effort class at its lowest priority, not the idle class: under constant
  // database I/O the idle class can starve, and a probe that never gets to the
  // disk would report a healthy directory as stuck.
  if (tools.ionice) out = [tools.ionice, "-c", "2", "-n", "7", ...out];
  if (tools.nice) out = [tools.nice, "-n", "10", ...out];
  return out;
}

interface PriorityTools {
  readonly nice: string | null;
  readonly ionice: string | null;
}

export function createProcessRunner(
  priorityTools: PriorityTools = { nice: null, ionice: null },
): ProcessRunner {
  const live = new Set<number>();

  async function run(argv: readonly string[], options: RunOptions): Promise<RunResult> {
    const started = performance.now();
    const program = argv[0];
    // Under nice/ionice a missing program would look like "ionice: exit 127";
    // find it first, so that "not installed" stays "not installed".
    const missing = program === undefined || program === "" ? "empty command"
      : options.lowPriority ? await findProgram(program, options.env?.["PATH"] ?? process.env["PATH"] ?? "") : null;
    if (missing !== null) {
      return {
        exitCode: null, signal: null, stdout: "", stderr: "", timedOut: false,
        notFound: true, spawnError: missing, truncated: false, durationMs: performance.now() - started,
      };
    }
    const [file, ...args] = options.lowPriority ? withLowPriority(argv, priorityTools) : argv;
    if (file === undefined) throw new Error("unreachable: argv checked above");
    let timedOut = false;
    let pid: number | undefined;
    let timer: NodeJS.Timeout | undefined;
    let outputFd: number | null = null;
    const reapGroup = options.reapGroup ?? true;
    try {
      if (options.outputFile !== undefined) outputFd = openSync(options.outputFile, "a", 0o640);
      const child = execa(file, args, {
        detached: true, // own process group: see the module comment
        reject: false,
        stdin: "ignore", // /dev/null
        // A file descriptor: the child writes to the file itself, no pipe in
        // between. execa passes it to spawn as is, but its types have no case
        // for an fd number on stdout/stderr, hence the untyped spread.
        ...(outputFd !== null ? ({ stdout: outputFd, stderr: outputFd } as object) : {}),
        encoding: "utf8",
        stripFinalNewline: false,
        maxBuffer: options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT,
        env: options.env,
        extendEnv: true,
        cwd: options.cwd,
        windowsHide: true,
      });
      pid = child.pid;
      if (pid !== undefined) {
        live.add(pid);
        try {
          options.onSpawn?.(pid);
        } catch {
          // the caller's bookkeeping must not leave a child unwatched
        }
      }
      timer = setTimeout(() => {
        timedOut = true;
        // A command still running at its deadline is killed; with reapGroup
        // false only the command itself (the group leader), never the group:
        // a daemon it started on purpose lives in that group.
        if (reapGroup) killGroup(pid, "SIGKILL");
        else killOne(pid, "SIGKILL");
      }, options.timeoutMs);
      const result = await child;
      const exitCode = typeof result.exitCode === "number" ? result.exitCode : null;
      const code = (result as { code?: unknown }).code;
      const notFound = exitCode === null && !result.signal && typeof code === "string";
      return {
        exitCode,
        signal: result.signal ?? null,
        stdout: typeof result.stdout === "string" ? result.stdout : "",
        stderr: typeof result.stderr === "string" ? result.stderr : "",
        timedOut,
        notFound,
        spawnError: notFound ? `${String(code)}: ${firstLine(result.originalMessage ?? "")}` : null,
        truncated: result.isMaxBuffer === true,
        durationMs: performance.now() - started,
      };
    } catch (error) {
      // execa with reject:false does not throw for process failures; this is
      // for programming errors such as invalid options, which must still be data.
      return {
        exitCode: null, signal: null, stdout: "", stderr: "", timedOut,
        notFound: true, spawnError: error instanceof Error ? error.message : String(error),
        truncated: false, durationMs: performance.now() - started,
      };
    } finally {
      if (timer) clearTimeout(timer);
      if (outputFd !== null) closeSync(outputFd);
      if (pid !== undefined) {
        live.delete(pid);
        if (reapGroup) killGroup(pid, "SIGKILL");
      }
    }
  }

  return {
    run,
    killAll() {
      for (const pid of live) killGroup(pid, "SIGKILL");
      live.clear();
    },
  };
}

/** null when `program` can be executed; otherwise why not ("ENOENT: ..."), as spawn would say. */
async function findProgram(program: string, path: string): Promise<string | null> {
  const candidates = program.includes("/") ? [program] : path.split(":").filter(Boolean).map((dir) => join(dir, program));
  let lastError = "ENOENT";
  for (const candidate of candidates) {
    try {
      await access(candidate, constants.X_OK);
      return null;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? "ENOENT";
      if (code !== "ENOENT" && code !== "ENOTDIR") lastError = code;
    }
  }
  return `${lastError}: ${program}${lastError === "ENOENT" ? " not found" : " cannot be executed"}`;
}

function firstLine(text: string): string {
  return text.split("\n", 1)[0] ?? "";
}

/**
 * Whether any process of group `pgid` is still alive (not a zombie), from
 * /proc/<pid>/stat (fields after the command name: state, ppid, pgrp; see
 * proc(5)), readable whoever owns the process. null: no /proc.
 */
export async function processGroupAlive(pgid: number): Promise<boolean | null> {
  return anyProcess(async (pid) => {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8");
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(pgrp) === pgid && state !== "Z" && state !== "X";
  });
}

/**
 * Whether some process of this machine passes `test` (given its pid), by
 * /proc; a process that ends while we look, or cannot be read, does not pass.
 * null: no /proc, so nothing can be told.
 */
export async function anyProcess(test: (pid: string) => Promise<boolean>): Promise<boolean | null> {
  let entries: string[];
  try {
    entries = await readdir("/proc");
  } catch {
    return null;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (await test(entry)) return true;
    } catch {
      // ended while we looked, or not readable: not the one
    }
  }
  return false;
}

/** true: a process of this machine has `arg` among its arguments (/proc/PID/cmdline); false: none; null: cannot tell (no /proc). */
export function processWithArgument(arg: string): Promise<boolean | null> {
  return anyProcess(async (pid) => (await readFile(`/proc/${pid}/cmdline`, "utf8")).split("\0").includes(arg));
}

/**
 * Whether systemd is the init system of this boot: sd_booted(3) tests for the
 * folder /run/systemd/system, which systemd creates early at boot.
 */
export function systemdBooted(): boolean {
  return existsSync("/run/systemd/system");
}

/** SIGKILL to a whole process group (a command left running by a killed nodekeeper). */
export function killProcessGroup(pgid: number): void {
  killGroup(pgid, "SIGKILL");
}
