/**
 * The JSON part of the simulation's sim folder (sim-files.ts has the rest):
 *
 *   server.json     whether node-1's server runs, and since when (written by
 *                   the fake server control, read by the server API double)
 *   events.jsonl    one line per thing a fake tool did (server stop/start,
 *                   repair start/end), for the narration and the summary
 *
 * server.json has a single writer at a time and is replaced atomically (write
 * a temporary file, rename), so a reader sees the old or the new content,
 * never a torn one; event lines are appended whole (O_APPEND).
 */
import { appendFileSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import * as z from "zod";
import type { SimPaths } from "./sim-files.js";

export const ServerWorldSchema = z.object({
  running: z.boolean(),
  /** RFC 3339: when the server last started (its API reports it; a change means a restart). */
  startedAt: z.string(),
});
export type ServerWorld = z.infer<typeof ServerWorldSchema>;

export const SIM_EVENTS = ["server-stopped", "server-started", "repair-started", "repair-finished"] as const;
export const SimEventSchema = z.object({
  at: z.string(),
  event: z.enum(SIM_EVENTS),
  detail: z.string(),
});
export type SimEvent = z.infer<typeof SimEventSchema>;

export function readServerWorld(paths: SimPaths): ServerWorld {
  return ServerWorldSchema.parse(JSON.parse(readFileSync(paths.server, "utf8")));
}

export function writeServerWorld(paths: SimPaths, value: ServerWorld): void {
  const tmp = `${paths.server}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(value)}\n`);
  renameSync(tmp, paths.server);
}

export function appendSimEvent(paths: SimPaths, event: SimEvent["event"], detail: string): void {
  appendFileSync(paths.events, `${JSON.stringify({ at: new Date().toISOString(), event, detail })}\n`);
}

export function readSimEvents(paths: SimPaths): SimEvent[] {
  let text: string;
  try {
    text = readFileSync(paths.events, "utf8");
  } catch {
    return [];
  }
  return text.split("\n").flatMap((line) => {
    if (line.trim() === "") return [];
    try {
      const parsed = SimEventSchema.safeParse(JSON.parse(line));
      return parsed.success ? [parsed.data] : [];
    } catch {
      return [];
    }
  });
}
