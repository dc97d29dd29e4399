/**
 * Maintenance mode: nodekeeper's own switch, kept in the state directory.
 * While it is on, reports say `maintenanceMode: true` and no remediation
 * action runs (they are logged as "would run").
 */
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import * as z from "zod";
import { writeFileAtomic } from "./atomic.js";

export const MAINTENANCE_FILE = "maintenance.json";

export const MaintenanceSchema = z.object({
  on: z.literal(true),
  reason: z.string().min(1),
  since: z.string(),
  by: z.string(),
});
export type Maintenance = z.infer<typeof MaintenanceSchema>;

/**
 * The current maintenance record, or null when off. A file that exists but
 * does not parse counts as ON: a switch someone turned on must not be lost to
 * a torn write, and "on" is the safe side (nothing is done).
 */
export async function readMaintenance(stateDir: string): Promise<Maintenance | null> {
  let text: string;
  try {
    text = await readFile(join(stateDir, MAINTENANCE_FILE), "utf8");
  } catch {
    return null;
  }
  try {
    return MaintenanceSchema.parse(JSON.parse(text));
  } catch {
    return { on: true, reason: "maintenance file is unreadable; treated as on (run `nodekeeper maintenance off` to clear)", since: "", by: "" };
  }
}

export async function setMaintenance(stateDir: string, reason: string, by: string, now: Date): Promise<Maintenance> {
  const record: Maintenance = { on: true, reason, since: now.toISOString(), by };
  await writeFileAtomic(join(stateDir, MAINTENANCE_FILE), JSON.stringify(record, null, 2) + "\n");
  return record;
}

export async function clearMaintenance(stateDir: string): Promise<boolean> {
  const existed = (await readMaintenance(stateDir)) !== null;
  await rm(join(stateDir, MAINTENANCE_FILE), { force: true });
  return existed;
}
