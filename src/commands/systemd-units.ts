/**
 * systemd units for nodekeeper (`nodekeeper systemd [--write DIR]`):
 *
 * - `nodekeeper.service` + `nodekeeper.timer`: one `report` cycle per interval
 *   (a oneshot service started by the timer);
 * - `nodekeeper-run.service`: the long-running `run` loop, as an alternative.
 *   It conflicts with the timer: enable one of the two.
 *
 * Every choice is explained in a comment in the unit text itself, since that
 * is what an operator reads on the node. Pure: `renderUnits` builds text;
 * `writeUnits` is the only function that touches the file system.
 */
import { join, posix, resolve } from "node:path";
import { writeFileAtomic } from "../state/atomic.js";

export interface UnitOptions {
  /** Absolute path of bin/nodekeeper.js, or of the release executable. */
  readonly nodekeeperPath: string;
  /** Absolute path of the node binary; null for the release executable, which has node inside. */
  readonly nodePath: string | null;
  /** Absolute path of the configuration file. */
  readonly configFile: string;
  /** The configuration's stateDir (state, outbox, lock, audit log): writable. */
  readonly stateDir: string;
  /** The data directories the configuration probes (`directories[].path`): the write test writes in them, so they must be writable. */
  readonly dataDirs: readonly string[];
  /** The dedicated user nodekeeper runs as (not root). */
  readonly user: string;
  /** Its group; default: a group named like the user. */
  readonly group?: string | undefined;
  /** Seconds between cycles: a divisor of 60 (10 to 60) or a whole number of minutes that divides 60. */
  readonly intervalSec: number;
  /** node_exporter's textfile folder: `--textfile DIR` is passed and the folder made writable. */
  readonly textfileDir?: string | undefined;
}

export interface UnitFile {
  readonly name: string;
  readonly content: string;
}

export const SERVICE_UNIT = "nodekeeper.service";
export const TIMER_UNIT = "nodekeeper.timer";
export const RUN_UNIT = "nodekeeper-run.service";

/**
 * Characters a path may not hold in a unit file. A newline would let a path
 * add directives of its own; quotes, backslashes and `$` have meanings in
 * unit syntax that no sane installation path needs. Spaces and `%` are fine
 * (quoted, and written `%%`).
 */
// eslint-disable-next-line no-control-regex
const UNSAFE_PATH = /[\u0000-\u001f\u007f"'\\$]/;
/** systemd's rule for user and group names, which is also useradd's common one. */
const USER_NAME = /^[a-z_][a-z0-9_-]{0,30}$/i;
/** Roots whose content ProtectHome= hides. */
const HOME_ROOTS = ["/home", "/root", "/run/user"];

function under(path: string, root: string): boolean {
  return path === root || path.startsWith(`${root}/`);
}

function normalized(path: string): string {
  const p = posix.normalize(path);
  return p.length > 1 && p.endsWith("/") ? p.slice(0, -1) : p;
}

/**
 * The OnCalendar= expression for an interval, aligned to the wall clock (so
 * every node's cycles fall in the same window, as `run` does "on the minute"),
 * or null when the interval cannot be written as a calendar expression.
 */
export function onCalendarFor(intervalSec: number): string | null {
  if (!Number.isInteger(intervalSec)) return null;
  if (intervalSec === 60) return "minutely";
  if (intervalSec >= 10 && intervalSec < 60 && 60 % intervalSec === 0) return `*:*:00/${intervalSec}`;
  if (intervalSec === 3600) return "hourly";
  if (intervalSec > 60 && intervalSec < 3600 && intervalSec % 60 === 0 && 60 % (intervalSec / 60) === 0) return `*:00/${intervalSec / 60}:00`;
  return null;
}

/** What is wrong with the options, one message each; empty when they can be rendered. */
export function unitOptionsProblems(options: UnitOptions): string[] {
  const problems: string[] = [];
  const paths: Array<[string, string]> = [
    ["nodekeeperPath", options.nodekeeperPath],
    ...(options.nodePath === null ? [] : [["nodePath", options.nodePath] as [string, string]]),
    ["configFile", options.configFile],
    ["stateDir", options.stateDir],
    ...options.dataDirs.map((d, i): [string, string] => [`dataDirs[${i}]`, d]),
    ...(options.textfileDir === undefined ? [] : [["textfileDir", options.textfileDir] as [string, string]]),
  ];
  for (const [key, path] of paths) {
    if (!path.startsWith("/")) problems.push(`${key}: must be an absolute path, got ${JSON.stringify(path)}`);
    else if (UNSAFE_PATH.test(path)) problems.push(`${key}: ${JSON.stringify(path)} holds a character a unit file cannot carry safely (control character, quote, backslash or $)`);
  }
  for (const [key, path] of paths.filter(([k]) => k === "stateDir" || k.startsWith("dataDirs") || k === "textfileDir")) {
    if (path.startsWith("/") && normalized(path) === "/") problems.push(`${key}: "/" cannot be made writable without undoing ProtectSystem=strict`);
  }
  // The group defaults to the user's name: checked on its own only when given.
  const names: Array<readonly ["user" | "group", string]> = [["user", options.user], ...(options.group === undefined ? [] : [["group", options.group] as const])];
  for (const [key, name] of names) {
    if (!USER_NAME.test(name)) problems.push(`${key}: ${JSON.stringify(name)} is not a valid user or group name`);
    else if (name === "root") problems.push(`${key}: nodekeeper needs a dedicated ${key}, not root (root undoes the hardening)`);
    else if (name === "nobody" || name === "nogroup") problems.push(`${key}: nodekeeper needs a dedicated ${key}, not ${name} (it is shared with other services)`);
  }
  if (onCalendarFor(options.intervalSec) === null) {
    problems.push(`intervalSec: ${options.intervalSec} cannot be a timer on the clock: use 10, 12, 15, 20, 30 or 60 seconds, or a number of minutes that divides 60`);
  }
  return problems;
}

/** What `nodekeeper systemd` knows when it builds the units: its options, the configuration, and how this process was started. */
export interface UnitRequest {
  /** --user */
  readonly user: string;
  /** --interval, in seconds as typed */
  readonly interval: string;
  /** --textfile, as typed (made absolute against `cwd`) */
  readonly textfile?: string | undefined;
  /** The configuration file loaded; null: the embedded default, installed at /etc/nodekeeper/nodekeeper.json. */
  readonly configFile: string | null;
  readonly stateDir: string;
  /** `directories[].path` of the configuration. */
  readonly dataDirs: readonly string[];
  /** This process is the release executable, a Node single executable application (node:sea isSea()): its own node. */
  readonly standalone: boolean;
  /** process.execPath: the release executable, or the node binary that runs bin/nodekeeper.js. */
  readonly execPath: string;
  /** process.argv[1]: the script node runs (bin/nodekeeper.js); unused when standalone. */
  readonly script: string | undefined;
  /** The folder relative paths are taken from. */
  readonly cwd: string;
}

/** The units' options for a request, and what is wrong with them (empty: they can be rendered). */
export function unitOptionsFor(request: UnitRequest): { readonly options: UnitOptions; readonly problems: string[] } {
  const absolute = (p: string) => resolve(request.cwd, p);
  const options: UnitOptions = {
    nodekeeperPath: request.standalone ? request.execPath : absolute(request.script ?? "nodekeeper"),
    nodePath: request.standalone ? null : request.execPath,
    configFile: request.configFile ?? "/etc/nodekeeper/nodekeeper.json",
    stateDir: request.stateDir,
    dataDirs: request.dataDirs,
    user: request.user,
    intervalSec: Number(request.interval),
    ...(request.textfile ? { textfileDir: absolute(request.textfile) } : {}),
  };
  return { options, problems: unitOptionsProblems(options) };
}

/** One argument of ExecStart=: quoted when it holds a space; `%` (specifiers) and `$` (variables) escaped by doubling. */
function execArg(arg: string): string {
  const escaped = arg.replaceAll("%", "%%").replaceAll("$", "$$");
  return /^[A-Za-z0-9_@+=:,./%-]+$/.test(escaped) ? escaped : `"${escaped}"`;
}

/** One path of ReadWritePaths=: `%` escaped; quoted (prefix included) when it holds a space. */
function pathArg(path: string, prefix = ""): string {
  const text = `${prefix}${path.replaceAll("%", "%%")}`;
  return /\s/.test(text) ? `"${text}"` : text;
}

function seconds(n: number): string {
  return `${n}s`;
}

interface Timing {
  readonly onCalendar: string;
  /** Spreads the nodes' reports over this window (s), so Mission Control is not hit by the whole fleet in the same second. */
  readonly randomizedDelaySec: number;
  /** The oneshot's limit (s): below the interval, so a hung cycle ends before the next one is due. */
  readonly oneshotTimeoutSec: number;
  /** `run`'s watchdog (s): three intervals, so one slow cycle does not kill it, and a hung loop is restarted within minutes. */
  readonly watchdogSec: number;
}

export function timingFor(intervalSec: number): Timing {
  return {
    onCalendar: onCalendarFor(intervalSec) ?? "minutely",
    randomizedDelaySec: Math.min(15, Math.floor(intervalSec / 4)),
    oneshotTimeoutSec: intervalSec - Math.max(5, Math.round(intervalSec / 6)),
    watchdogSec: 3 * intervalSec,
  };
}

/**
 * The three units. Throws a RangeError listing unitOptionsProblems when the
 * options cannot be rendered (call that first to report them as usage errors).
 */
export function renderUnits(options: UnitOptions): UnitFile[] {
  const problems = unitOptionsProblems(options);
  if (problems.length > 0) throw new RangeError(`cannot render the systemd units: ${problems.join("; ")}`);
  const textfile = options.textfileDir === undefined ? [] : ["--textfile", normalized(options.textfileDir)];
  const base = [...(options.nodePath === null ? [] : [options.nodePath]), options.nodekeeperPath, "--config", options.configFile];
  const parts: UnitParts = {
    options,
    timing: timingFor(options.intervalSec),
    exec: (args) => [...base, ...args, ...textfile].map(execArg).join(" "),
    hardening: hardeningLines(options),
  };
  return [
    { name: SERVICE_UNIT, content: serviceUnit(parts).join("\n") },
    { name: TIMER_UNIT, content: timerUnit(parts).join("\n") },
    { name: RUN_UNIT, content: runUnit(parts).join("\n") },
  ];
}

/** What the three units are made of. */
interface UnitParts {
  readonly options: UnitOptions;
  readonly timing: Timing;
  /** ExecStart='s command line: nodekeeper with its configuration, these arguments and --textfile when given. */
  readonly exec: (args: readonly string[]) => string;
  /** The sandbox both services share. */
  readonly hardening: readonly string[];
}

/** nodekeeper.service: one `report` cycle, a oneshot the timer starts. */
function serviceUnit({ options, timing: t, exec, hardening }: UnitParts): string[] {
  return [
    "# Generated by `nodekeeper systemd`. One nodekeeper cycle: probe this node, report to",
    "# Mission Control, apply its answer. Started by nodekeeper.timer; not enabled by itself.",
    "[Unit]",
    "Description=nodekeeper health cycle (probe, report to Mission Control, apply its answer)",
    "Wants=network-online.target",
    "After=network-online.target",
    "",
    "[Service]",
    "Type=oneshot",
    // --quiet: one journal line when the outcome changes, not one a minute.
    `ExecStart=${exec(["report", "--quiet"])}`,
    "SyslogIdentifier=nodekeeper",
    `# Below the ${options.intervalSec} s interval: a cycle that hangs past every deadline of its own is`,
    "# killed (and the unit marked failed, which is right: something is stuck) before the next is due.",
    `TimeoutStartSec=${seconds(t.oneshotTimeoutSec)}`,
    "TimeoutStopSec=15s",
    "# SIGTERM to nodekeeper alone: it kills the process groups of its children (nodetool's JVM,",
    "# systemctl) itself; whatever is left gets SIGKILL at TimeoutStopSec.",
    "KillMode=mixed",
    "KillSignal=SIGTERM",
    "# Exit codes (CONTRACT.md section 3) that are not failures of this unit:",
    "#   5   not delivered, kept in the outbox: Mission Control or the network is away. It is",
    "#       retried next cycle by itself; marking every node failed each minute during a",
    "#       Mission Control outage is noise. Watch it with `nodekeeper check cluster` (UNKNOWN",
    "#       once the answer is stale) or nodekeeper_last_exchange_success_timestamp_seconds.",
    "#   75  another cycle holds the lock (a `report` run by hand): this cycle had nothing to do.",
    "#   143 stopped by SIGTERM (shutdown, systemctl stop) in the middle of a cycle.",
    "# Failures, on purpose: 4 (Mission Control refused the report or our credentials) and",
    "# 6 (its answer failed validation, nothing applied) need a person and do not heal by",
    "# themselves; 64 is a broken configuration; anything else is a crash.",
    "SuccessExitStatus=5 75 143",
    ...hardening,
    "",
  ];
}

/** nodekeeper.timer: starts nodekeeper.service on the clock. */
function timerUnit({ options, timing: t }: UnitParts): string[] {
  return [
    "# Generated by `nodekeeper systemd`. Starts nodekeeper.service every interval.",
    "# Enable this OR nodekeeper-run.service, not both (they conflict).",
    "[Unit]",
    `Description=nodekeeper health cycle every ${options.intervalSec} s`,
    "",
    "[Timer]",
    `OnCalendar=${t.onCalendar}`,
    "# Each node starts at its own offset within this window, so the fleet does not report in",
    "# the same second. FixedRandomDelay= keeps a node's offset the same every time (systemd",
    "# 247+; older versions ignore it and draw a new offset each time).",
    `RandomizedDelaySec=${seconds(t.randomizedDelaySec)}`,
    "FixedRandomDelay=yes",
    "# The default accuracy (1 min) would let systemd move a cycle by up to a minute.",
    "AccuracySec=1s",
    "# A missed cycle (node off) is not caught up: the next one reports the node as it is.",
    "Persistent=false",
    `Unit=${SERVICE_UNIT}`,
    "",
    "[Install]",
    "WantedBy=timers.target",
    "",
  ];
}

/** nodekeeper-run.service: the `run` loop, the alternative to the timer. */
function runUnit({ options, timing: t, exec, hardening }: UnitParts): string[] {
  return [
    "# Generated by `nodekeeper systemd`. The nodekeeper loop: one cycle every interval until",
    "# stopped. Enable this OR nodekeeper.timer, not both (they conflict).",
    "[Unit]",
    "Description=nodekeeper health loop (probe, report to Mission Control, apply its answer)",
    "Wants=network-online.target",
    "After=network-online.target",
    "# One mode at a time: starting this stops the timer, starting the timer stops this. A",
    "# cycle started by hand (systemctl start nodekeeper.service) is allowed: the lock keeps",
    "# it from overlapping with the loop's (it exits 75).",
    `Conflicts=${TIMER_UNIT}`,
    "# Restarts are paced by RestartSec= below, not capped: a sidecar that gives up for good",
    "# after a burst of crashes is worse at 3 a.m. than one that retries once an interval.",
    "StartLimitIntervalSec=0",
    "",
    "[Service]",
    "# `run` sends READY=1 once its loop is set up, and WATCHDOG=1 after every cycle.",
    "Type=notify",
    "# Node.js cannot write to the notify socket (a Unix datagram socket) itself; it notifies",
    "# through a child (systemd-notify), which systemd accepts only with NotifyAccess=all.",
    "NotifyAccess=all",
    `ExecStart=${exec(["run", "--interval", `${options.intervalSec}s`])}`,
    "SyslogIdentifier=nodekeeper",
    "TimeoutStartSec=60s",
    `# Three intervals without a finished cycle: the loop hangs. systemd kills it (SIGABRT,`,
    "# for a core dump) and Restart= starts it again.",
    `WatchdogSec=${seconds(t.watchdogSec)}`,
    "Restart=on-failure",
    `RestartSec=${seconds(options.intervalSec)}`,
    "# 64: the configuration is broken; restarting cannot fix it, and would only fill the journal.",
    "RestartPreventExitStatus=64",
    "# `run` exits 0 on SIGTERM; 143 is a SIGTERM that came before its loop was set up.",
    "SuccessExitStatus=143",
    "KillMode=mixed",
    "KillSignal=SIGTERM",
    "# Time to end the cycle in progress: nodekeeper kills its children and writes its state.",
    "TimeoutStopSec=30s",
    ...hardening,
    "",
    "[Install]",
    "WantedBy=multi-user.target",
    "",
  ];
}

/** The sandbox both services share, with the reason for every setting and every omission. */
function hardeningLines(options: UnitOptions): string[] {
  return [...userAndPathLines(options), ...privilegeLines(options.user), ...LEFT_OUT, ...YIELD];
}

/** The user it runs as, and the only paths it may write (ProtectSystem=strict), or read under a home folder. */
function userAndPathLines(options: UnitOptions): string[] {
  const stateDir = normalized(options.stateDir);
  const dataDirs = [...new Set(options.dataDirs.map(normalized))].filter((d) => d !== stateDir);
  const textfileDir = options.textfileDir === undefined ? null : normalized(options.textfileDir);
  const stateRelative = stateDir.startsWith("/var/lib/") ? stateDir.slice("/var/lib/".length) : null;
  const useStateDirectory = stateRelative !== null && /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/.test(stateRelative)
    && !stateRelative.split("/").some((s) => s === "." || s === "..");
  const inHome = [...(options.nodePath === null ? [] : [options.nodePath]), options.nodekeeperPath, options.configFile, stateDir, ...dataDirs, ...(textfileDir === null ? [] : [textfileDir])]
    .map(normalized)
    .filter((p) => HOME_ROOTS.some((root) => under(p, root)));
  const group = options.group ?? options.user;

  return [
    "",
    "# --- Sandbox ---------------------------------------------------------------------",
    "# A dedicated user, not DynamicUser=: the state directory keeps its owner across runs,",
    "# the directory write test relies on this user's group memberships (give it write access",
    "# to the data directories), and the polkit rule below has to name it.",
    `User=${options.user}`,
    `Group=${group}`,
    "UMask=0077",
    "# The whole file system is read-only except what nodekeeper writes: its state directory",
    "# (state, outbox, lock, audit log), the data directories (the write test creates and",
    "# removes a small file in each; without this every one of them would be reported",
    "# read-only) and node_exporter's textfile folder. \"-\": a missing data directory is a",
    "# finding to report, not a reason for the unit not to start.",
    "ProtectSystem=strict",
    ...(useStateDirectory ? [`StateDirectory=${stateRelative}`, "StateDirectoryMode=0750"] : []),
    `ReadWritePaths=${pathArg(stateDir)}`,
    ...dataDirs.map((d) => `ReadWritePaths=${pathArg(d, "-")}`),
    ...(textfileDir === null ? [] : [`ReadWritePaths=${pathArg(textfileDir, "-")}`]),
    ...(inHome.length === 0
      ? ["ProtectHome=yes"]
      : [
          `# read-only, not yes: nodekeeper needs ${inHome.slice(0, 3).join(", ")}${inHome.length > 3 ? ", ..." : ""}, under a home folder.`,
          "ProtectHome=read-only",
        ]),
  ];
}

/** What no probe needs: no privilege, no kernel tunable, a deny-list of system calls and address families. */
function privilegeLines(user: string): string[] {
  return [
    "# A private /tmp; under ProtectSystem=strict it is also the only /tmp nodetool's JVM can",
    "# write its perf data to.",
    "PrivateTmp=yes",
    "PrivateMounts=yes",
    "# No privilege can be gained: no setuid, no file capabilities. So nothing nodekeeper runs",
    "# may go through sudo or su (cassandra.nodetool, remediation commands). Stopping and",
    "# starting dynatrace-server (remediation) as this user goes through systemd over D-Bus and",
    "# is allowed by a polkit rule (action org.freedesktop.systemd1.manage-units for that unit",
    `# and user ${user}), which these settings do not affect.`,
    "NoNewPrivileges=yes",
    "RestrictSUIDSGID=yes",
    "CapabilityBoundingSet=",
    "AmbientCapabilities=",
    "ProtectKernelTunables=yes",
    "ProtectKernelModules=yes",
    "ProtectKernelLogs=yes",
    "ProtectControlGroups=yes",
    "ProtectHostname=yes",
    "LockPersonality=yes",
    "RestrictRealtime=yes",
    "RestrictNamespaces=yes",
    "RemoveIPC=yes",
    "SystemCallArchitectures=native",
    "# A deny-list of what no probe needs; a denied call fails with EPERM instead of killing",
    "# the cycle. (An allow-list such as @system-service is not used: it is unproven against",
    "# nodetool's JVM and the commands operators configure as status sources, and a missing",
    "# call would turn a healthy node into failing probes. @resources stays allowed: children",
    "# are started under nice and ionice (setpriority, ioprio_set); so does @privileged, since",
    "# configured status commands may drop capabilities or switch ids as they start.)",
    "SystemCallFilter=~@clock @cpu-emulation @debug @module @mount @obsolete @raw-io @reboot @swap",
    "SystemCallErrorNumber=EPERM",
    "# AF_UNIX: systemctl talks to systemd over D-Bus. AF_NETLINK: the node's own addresses",
    "# (getifaddrs) and glibc's resolver. AF_INET/AF_INET6: peers, Mission Control, the server.",
    "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK",
  ];
}

/** The settings left out, each with its reason: an operator who reads the unit asks for them first. */
const LEFT_OUT: readonly string[] = [
  "# Left out on purpose:",
  "# - MemoryDenyWriteExecute=: both JITs need writable code pages, V8's (nodekeeper) and",
  "#   the JVM's (nodetool); with it they crash.",
  "# - ProtectProc=invisible, ProcSubset=pid: nodetool's JVM reads /proc/meminfo, /proc/cpuinfo",
  "#   and /proc/sys to size itself, and status commands operators configure (pgrep, ps) must",
  "#   see the database's processes, which belong to other users.",
  "# - PrivateDevices=, DevicePolicy=closed, DeviceAllow=, ProtectClock= (it implies a device allow-list):",
  "#   configured status commands may read disks (smartctl, lsblk). The syscall part of",
  "#   ProtectClock= is in the deny-list above (@clock).",
  "# - PrivateUsers=: owners of the data directories would show as nobody, and the write test",
  "#   depends on real group memberships.",
  "# - PrivateNetwork=, IPAddressDeny=: nodekeeper probes peers and talks to Mission Control.",
  "# - RootDirectory=/RootImage=: nodekeeper inspects this host itself: its data directories,",
  "#   its units, its mounts, the commands it is configured to run.",
  "# - MemoryMax=: a cap low enough to matter could kill nodetool's JVM in the middle of a probe.",
];

/** Nice and I/O priority: the database comes first. */
const YIELD: readonly string[] = [
  "",
  "# --- Yield to the database -----------------------------------------------------------",
  "# Children (nodetool, commands) additionally run under nice and ionice of their own.",
  "Nice=10",
  "# Not IOSchedulingClass=idle: under constant database I/O an idle-class process may get",
  "# no disk time at all, and the directory write test would time out and report a healthy",
  "# directory as stuck (206). The lowest best-effort priority yields without starving.",
  "IOSchedulingClass=best-effort",
  "IOSchedulingPriority=7",
];

/**
 * Writes the units into `dir` (e.g. /etc/systemd/system), each atomically
 * (temp file, fsync, rename), readable by all as unit files are. Returns the
 * paths written. The caller runs `systemctl daemon-reload`.
 */
export async function writeUnits(dir: string, units: readonly UnitFile[]): Promise<string[]> {
  const written: string[] = [];
  for (const unit of units) {
    if (unit.name.includes("/") || unit.name.startsWith(".")) throw new RangeError(`not a unit file name: ${JSON.stringify(unit.name)}`);
    const path = join(dir, unit.name);
    await writeFileAtomic(path, unit.content, { mode: 0o644 });
    written.push(path);
  }
  return written;
}
