/**
 * Is a process still running? From /proc/<pid>/stat: a killed process can
 * linger as a zombie until it is reaped (PID 1 on these machines does not reap
 * orphans), and a zombie runs nothing, so it counts as gone.
 */
import { readFileSync } from "node:fs";

export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // pid (comm) S ...: comm may hold spaces and parentheses; the state follows the last ')'.
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state !== "Z" && state !== "X" && state !== "";
  } catch {
    return false;
  }
}

/** Waits (bounded) until none of `pids` is alive; returns those still alive then. */
export async function waitGone(pids: readonly number[], withinMs: number): Promise<number[]> {
  const until = performance.now() + withinMs;
  for (;;) {
    const alive = pids.filter(isAlive);
    if (alive.length === 0 || performance.now() >= until) return alive;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
