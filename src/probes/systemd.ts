/**
 * Unit states through `systemctl`, all units in one run (one process per
 * cycle, not one per unit). When systemd is not PID 1 (containers, WSL, these
 * build machines) `systemctl show` cannot answer; `systemctl list-unit-files`
 * still reads the disk, so a unit without a unit file is still NOT_INSTALLED
 * and one with a unit file is UNKNOWN, said plainly.
 */
import type { ProcessRunner } from "../effects/process.js";
import { cleanText } from "../contract/text.js";
import { CODES, OK } from "../contract/result-codes.js";
import type { Status } from "../contract/status.js";

/**
 * Which run of a unit this is, from the same `systemctl show` run as its
 * state: a restart shows as a new MainPID / ExecMainStartTimestamp or a new
 * InvocationID (systemd.exec(5): "a randomized, unique 128-bit ID identifying
 * each runtime cycle of the unit"; MainPID and ExecMainStartTimestamp[Monotonic]
 * are the documented properties of org.freedesktop.systemd1.Service,
 * org.freedesktop.systemd1(5)). Probe data for other probes (the server's
 * restart, Cassandra's): not part of the report.
 */
export interface UnitIdentity {
  readonly unit: string;
  readonly activeState: string;
  /** null: no main process (0), or not said. */
  readonly mainPid: number | null;
  /** ExecMainStartTimestamp as systemctl prints it ("Sat 2026-11-21 05:00:00 UTC"); null when empty. */
  readonly startedAt: string | null;
  /** ExecMainStartTimestampMonotonic: microseconds since boot (CLOCK_MONOTONIC); null when 0 or absent. */
  readonly startedMonotonicUs: string | null;
  /** null: empty (the unit never ran since boot) or older systemd. */
  readonly invocationId: string | null;
}

export interface UnitState {
  readonly status: Status;
  readonly description: string;
  readonly resultCode: number;
  /** Set when systemctl show answered for this unit. */
  readonly identity?: UnitIdentity;
}

/** The longest `systemctl show` value kept: 512 characters (a Description is one line). */
const UNIT_VALUE_MAX_CHARS = 512;

const PROPERTIES = [
  "Id", "LoadState", "ActiveState", "SubState", "Result", "ActiveEnterTimestamp",
  "MainPID", "ExecMainStartTimestamp", "ExecMainStartTimestampMonotonic", "InvocationID",
] as const;

/** The unit's run identity from its `systemctl show` block; values capped, never trusted as more than text. */
export function unitIdentity(unit: string, p: Record<string, string>): UnitIdentity {
  const clean = (v: string | undefined, max: number) => {
    // eslint-disable-next-line no-control-regex -- control characters are what we strip
    const t = (v ?? "").replace(/[\u0000-\u001f\u007f]+/g, " ").trim();
    return t === "" ? null : t.slice(0, max);
  };
  const pid = /^\d{1,10}$/.test(p["MainPID"] ?? "") ? Number(p["MainPID"]) : 0;
  const mono = p["ExecMainStartTimestampMonotonic"] ?? "";
  const invocation = (p["InvocationID"] ?? "").trim();
  return {
    unit,
    activeState: clean(p["ActiveState"], 32) ?? "",
    mainPid: pid > 0 ? pid : null,
    startedAt: clean(p["ExecMainStartTimestamp"], 64),
    startedMonotonicUs: /^\d{1,20}$/.test(mono) && mono !== "0" ? mono : null,
    invocationId: /^[0-9a-f]{32}$/i.test(invocation) ? invocation.toLowerCase() : null,
  };
}

/** Parses `systemctl show -p ... unit...`: blocks of Key=Value lines separated by blank lines. */
export function parseSystemctlShow(text: string): Array<Record<string, string>> {
  const blocks: Array<Record<string, string>> = [];
  let current: Record<string, string> = {};
  for (const raw of text.split("\n")) {
    const line = raw.replace(/\r$/, "");
    if (line.trim() === "") {
      if (Object.keys(current).length > 0) blocks.push(current);
      current = {};
      continue;
    }
    const eq = line.indexOf("=");
    // Values are text from outside (a unit's Description, its Result...): cleaned and capped.
    if (eq > 0) current[cleanText(line.slice(0, eq), 128)] = cleanText(line.slice(eq + 1), UNIT_VALUE_MAX_CHARS);
  }
  if (Object.keys(current).length > 0) blocks.push(current);
  return blocks;
}

/** The status of one unit from its `systemctl show` properties. */
export function unitStatus(unit: string, p: Record<string, string>): UnitState {
  const load = p["LoadState"] ?? "";
  const active = p["ActiveState"] ?? "";
  const sub = p["SubState"] ?? "";
  const result = p["Result"] ?? "";
  if (load === "not-found") return { status: "NOT_INSTALLED", description: `${unit} is not installed (no unit file)`, resultCode: CODES.UNIT_NOT_FOUND };
  if (load === "masked") return { status: "ERROR", description: `${unit} is masked (run: systemctl unmask ${unit})`, resultCode: CODES.UNIT_MASKED };
  switch (active) {
    case "active": {
      const since = p["ActiveEnterTimestamp"];
      return { status: "OK", description: `active (${sub})${since ? ` since ${since}` : ""}`, resultCode: OK };
    }
    case "failed":
      return { status: "ERROR", description: `failed (SubState=${sub}, Result=${result}); see: journalctl -u ${unit}`, resultCode: CODES.UNIT_FAILED };
    case "inactive":
      return { status: "ERROR", description: `stopped (inactive, ${sub}${result && result !== "success" ? `, Result=${result}` : ""}); start with: systemctl start ${unit}`, resultCode: CODES.UNIT_INACTIVE };
    case "activating":
    case "deactivating":
    case "reloading":
      return { status: "WARNING", description: `${active} (${sub})`, resultCode: CODES.UNIT_TRANSITIONING };
    default:
      return { status: "UNKNOWN", description: `systemctl gave an unexpected state: LoadState=${load} ActiveState=${active}`, resultCode: CODES.SYSTEMCTL_FAILED };
  }
}

const NOT_BOOTED = /not been booted with systemd|Failed to connect to bus|System has not been booted/i;

export const SYSTEMD_NOT_RUNNING_NOTE =
  "systemd is not running on this machine (PID 1 is not systemd, as in many containers): " +
  "whether the product's services run cannot be read; units without a unit file are NOT_INSTALLED.";

export interface SystemdOutcome {
  readonly units: ReadonlyMap<string, UnitState>;
  /** Set when systemd is not PID 1: the plain sentence `status` prints. */
  readonly note: string | null;
}

export async function probeUnits(
  runner: ProcessRunner,
  units: readonly string[],
  timeoutMs: number,
): Promise<SystemdOutcome> {
  const map = new Map<string, UnitState>();
  if (units.length === 0) return { units: map, note: null };
  const show = await runner.run(
    ["systemctl", "show", "--no-pager", `--property=${PROPERTIES.join(",")}`, "--", ...units],
    { timeoutMs, lowPriority: true, env: { SYSTEMD_COLORS: "0", LC_ALL: "C" } },
  );
  const all = (state: UnitState) => { for (const u of units) map.set(u, state); return { units: map, note: null }; };
  if (show.notFound) {
    return all({ status: "UNKNOWN", description: "systemctl is not installed on this machine", resultCode: CODES.SYSTEMCTL_FAILED });
  }
  if (show.timedOut) {
    return all({ status: "UNKNOWN", description: `systemctl did not answer within ${timeoutMs} ms`, resultCode: CODES.SYSTEMCTL_FAILED });
  }
  if (show.exitCode === 0) {
    const blocks = parseSystemctlShow(show.stdout);
    const byId = new Map(blocks.map((b) => [b["Id"] ?? "", b]));
    units.forEach((unit, i) => {
      // `systemctl show` prints one block per unit in the order asked; Id is
      // the canonical name (with .service), so fall back to position.
      const block = byId.get(unit) ?? byId.get(`${unit}.service`) ?? blocks[i];
      map.set(unit, block ? { ...unitStatus(unit, block), identity: unitIdentity(unit, block) } : { status: "UNKNOWN", description: "systemctl printed no state for this unit", resultCode: CODES.SYSTEMCTL_FAILED });
    });
    return { units: map, note: null };
  }
  const message = firstLine(show.stderr) || `exit code ${String(show.exitCode)}`;
  if (!NOT_BOOTED.test(show.stderr)) {
    return all({ status: "UNKNOWN", description: `systemctl failed: ${message}`, resultCode: CODES.SYSTEMCTL_FAILED });
  }
  // Not booted with systemd: unit files can still be listed from disk.
  const files = await runner.run(
    ["systemctl", "list-unit-files", "--no-legend", "--no-pager", "--", ...units],
    { timeoutMs, lowPriority: true, env: { SYSTEMD_COLORS: "0", LC_ALL: "C" } },
  );
  const present = new Set(
    files.stdout.split("\n").map((l) => l.trim().split(/\s+/, 1)[0] ?? "").filter(Boolean),
  );
  for (const unit of units) {
    const withSuffix = unit.includes(".") ? unit : `${unit}.service`;
    map.set(unit, present.has(withSuffix) || present.has(unit)
      ? { status: "UNKNOWN", description: `${unit} is installed, but systemd is not running (PID 1 is not systemd): its state cannot be read`, resultCode: CODES.SYSTEMD_NOT_RUNNING }
      : { status: "NOT_INSTALLED", description: `${unit} is not installed (no unit file; systemd is not running here)`, resultCode: CODES.UNIT_NOT_FOUND });
  }
  return { units: map, note: SYSTEMD_NOT_RUNNING_NOTE };
}

function firstLine(text: string): string {
  return cleanText(text.trim().split("\n", 1)[0] ?? "", UNIT_VALUE_MAX_CHARS);
}
