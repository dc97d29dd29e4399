/**
 * Finding and ending what is left of the demo's own processes. nodekeeper
 * kills the process group of every command it runs, except the Cassandra
 * repair, which it detaches on purpose (it outlives a cycle) and which
 * coreutils `timeout` puts in a group of its own. Every fake tool of the demo
 * carries `--run=<id of this demo run>` among its arguments, and so do the
 * wrappers that run it, so the demo finds them in /proc and ends them by pid:
 * nothing else on the machine carries that marker, not even a `nodekeeper
 * status` someone runs against the demo's configuration.
 */
import { readFileSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { processAlive } from "./sim-files.js";

/**
 * Still running: it exists and is not a zombie. An orphan that was killed
 * stays a zombie until init reaps it, and some container inits never do.
 */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return process.platform === "linux" ? false : processAlive(pid);
  }
}

/** Pids of the processes with `marker` as one of their arguments (not this process). Linux; elsewhere none. */
export async function processesCarrying(marker: string): Promise<number[]> {
  let entries: string[];
  try {
    entries = await readdir("/proc");
  } catch {
    return [];
  }
  const found: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = await readFile(`/proc/${entry}/cmdline`, "utf8");
      if (cmdline.split("\0").includes(marker) && running(Number(entry))) found.push(Number(entry));
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // ESRCH: already gone
  }
}

/**
 * SIGTERM to each, then SIGKILL to whatever is still there after `graceMs`.
 * Returns how many were found.
 */
export async function endProcessesCarrying(marker: string, graceMs: number): Promise<number> {
  const pids = await processesCarrying(marker);
  if (pids.length === 0) return 0;
  for (const pid of pids) signal(pid, "SIGTERM");
  const deadline = performance.now() + graceMs;
  while (performance.now() < deadline && pids.some(running)) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  for (const pid of pids) if (running(pid)) signal(pid, "SIGKILL");
  // New ones may have started meanwhile (a wrapper starting its command): once more, at once.
  for (const pid of await processesCarrying(marker)) signal(pid, "SIGKILL");
  return pids.length;
}
