/**
 * Maintenance mode: nodekeeper's own switch, kept in the state directory.
 * While it is on, reports say `maintenanceMode: true` and no remediation
 * action runs (they are logged as "would run").
 */
import { readFile, rm, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import * as z from "zod";
import { writeFileAtomic } from "./atomic.js";

export const MAINTENANCE_FILE = "maintenance.json";

export const MaintenanceSchema = z.object({
  on: z.literal(true),
  reason: z.string().min(1),
  since: z.string(),
  by: z.string(),
  /** Set when the switch could not be read and is assumed ON: why, and the fix (never written to the file). */
  problem: z.string().optional(),
});
export type Maintenance = z.infer<typeof MaintenanceSchema>;

/**
 * The current maintenance record, or null when off. Only "the file does not
 * exist" means off. A file that exists but cannot be read (permissions, I/O)
 * or does not parse counts as ON: a switch someone turned on must not be lost
 * to a root-owned file or a torn write, and "on" is the safe side (no
 * remediation runs). The reason then says why and how to fix it, for
 * `status` and `check`.
 */
export async function readMaintenance(stateDir: string): Promise<Maintenance | null> {
  const path = join(stateDir, MAINTENANCE_FILE);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === "ENOENT") return null;
    const owner = await describeOwner(path);
    const fix = code === "EACCES" || code === "EPERM"
      ? `give it to the state folder's owner (chown ${owner.folder} ${path}) or remove it as root (nodekeeper maintenance off)`
      : `check the disk, then run nodekeeper maintenance off (as root if needed)`;
    const problem = `${path} cannot be read by this user (${typeof code === "string" ? code : "error"}${owner.file ? `; owned by ${owner.file}` : ""}): treated as ON, no remediation runs; ${fix}`;
    return { on: true, reason: problem, since: "", by: "", problem };
  }
  try {
    return MaintenanceSchema.parse(JSON.parse(text));
  } catch {
    const problem = `${path} is not a valid maintenance record: treated as ON, no remediation runs; run nodekeeper maintenance off to clear it`;
    return { on: true, reason: problem, since: "", by: "", problem };
  }
}

/** "uid 0" / "uid 998" of the file and of its folder, for the fix in a message. */
async function describeOwner(path: string): Promise<{ file: string | null; folder: string }> {
  const uidOf = async (p: string) => {
    try {
      const info = await stat(p);
      return `${info.uid}:${info.gid}`;
    } catch {
      return null;
    }
  };
  return { file: await uidOf(path), folder: (await uidOf(dirname(path))) ?? "SERVICE_USER" };
}

export async function setMaintenance(stateDir: string, reason: string, by: string, now: Date): Promise<Maintenance> {
  const record: Maintenance = { on: true, reason, since: now.toISOString(), by };
  await writeFileAtomic(join(stateDir, MAINTENANCE_FILE), JSON.stringify(record, null, 2) + "\n");
  return record;
}

export async function clearMaintenance(stateDir: string): Promise<boolean> {
  const path = join(stateDir, MAINTENANCE_FILE);
  let existed = true;
  try {
    await stat(path);
  } catch (error) {
    if ((error as { code?: unknown }).code === "ENOENT") existed = false;
  }
  await rm(path, { force: true });
  return existed;
}
