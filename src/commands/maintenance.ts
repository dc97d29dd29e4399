/** `maintenance on|off`: nodekeeper's own maintenance switch in the state directory. */
import { userInfo } from "node:os";
import type { Clock } from "../effects/clock.js";
import { clearMaintenance, setMaintenance } from "../state/maintenance.js";
import type { Maintenance } from "../state/maintenance.js";

function who(): string {
  try {
    return process.env["SUDO_USER"] ?? userInfo().username;
  } catch {
    return `uid ${process.getuid?.() ?? "?"}`;
  }
}

/** `clock`: the time recorded as `since`. */
export async function maintenanceOn(stateDir: string, reason: string, clock: Pick<Clock, "now">): Promise<Maintenance> {
  return setMaintenance(stateDir, reason.trim(), who(), new Date(clock.now()));
}

export async function maintenanceOff(stateDir: string): Promise<boolean> {
  return clearMaintenance(stateDir);
}
