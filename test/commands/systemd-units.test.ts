import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import {
  renderUnits, RUN_UNIT, SERVICE_UNIT, TIMER_UNIT, timingFor, unitOptionsProblems, writeUnits, type UnitFile, type UnitOptions,
} from "../../src/commands/systemd-units.js";
import { BIN } from "../helpers/cli.js";
import { tempDir } from "../helpers/temp.js";

const OPTIONS: UnitOptions = {
  nodekeeperPath: BIN, // exists: `systemd-analyze verify` checks that ExecStart's program does
  nodePath: process.execPath,
  configFile: "/etc/nodekeeper/nodekeeper.json",
  stateDir: "/var/lib/nodekeeper",
  dataDirs: ["/var/opt/dynatrace-managed/cassandra", "/var/opt/dynatrace-managed/elasticsearch/"],
  user: "nodekeeper",
  intervalSec: 60,
  textfileDir: "/var/lib/node_exporter/textfile_collector",
};

/** A unit file as sections of key → values (a key may repeat); comments and blank lines skipped. */
type Unit = Map<string, Map<string, string[]>>;

function parseUnit(text: string): Unit {
  const unit: Unit = new Map();
  let section: Map<string, string[]> | null = null;
  for (const [i, line] of text.split("\n").entries()) {
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    assert.ok(!line.endsWith("\\"), `line ${i + 1}: no continuation lines`);
    const header = /^\[([A-Za-z]+)\]$/.exec(line);
    if (header) {
      assert.ok(!unit.has(header[1]!), `section [${header[1]}] twice`);
      section = new Map();
      unit.set(header[1]!, section);
      continue;
    }
    const kv = /^([A-Za-z]+)=(.*)$/.exec(line);
    assert.ok(kv && section, `line ${i + 1} is not Key=Value inside a section: ${JSON.stringify(line)}`);
    const values = section.get(kv[1]!) ?? [];
    values.push(kv[2]!);
    section.set(kv[1]!, values);
  }
  return unit;
}

function byName(units: readonly UnitFile[]): Map<string, Unit> {
  return new Map(units.map((u) => [u.name, parseUnit(u.content)]));
}

/** The single value of a key (asserting it is set once). */
function one(unit: Unit | undefined, section: string, key: string): string {
  const values = unit?.get(section)?.get(key);
  assert.equal(values?.length, 1, `[${section}] ${key}: expected exactly one value, got ${JSON.stringify(values)}`);
  return values[0]!;
}

function all(unit: Unit | undefined, section: string, key: string): string[] {
  return unit?.get(section)?.get(key) ?? [];
}

const seconds = (v: string) => {
  const m = /^(\d+)s$/.exec(v);
  assert.ok(m, `not a number of seconds: ${v}`);
  return Number(m[1]);
};

/** What every service must have, with the value it must have. */
const SANDBOX: Readonly<Record<string, string>> = {
  User: "nodekeeper",
  Group: "nodekeeper",
  UMask: "0077",
  NoNewPrivileges: "yes",
  ProtectSystem: "strict",
  PrivateTmp: "yes",
  PrivateMounts: "yes",
  ProtectHome: "yes",
  ProtectKernelTunables: "yes",
  ProtectKernelModules: "yes",
  ProtectKernelLogs: "yes",
  ProtectControlGroups: "yes",
  ProtectHostname: "yes",
  RestrictSUIDSGID: "yes",
  RestrictNamespaces: "yes",
  RestrictRealtime: "yes",
  LockPersonality: "yes",
  SystemCallArchitectures: "native",
  CapabilityBoundingSet: "",
  AmbientCapabilities: "",
  RestrictAddressFamilies: "AF_UNIX AF_INET AF_INET6 AF_NETLINK",
  SystemCallErrorNumber: "EPERM",
  Nice: "10",
  IOSchedulingClass: "best-effort",
  IOSchedulingPriority: "7",
  StateDirectory: "nodekeeper",
};

/** Settings that would break the probes: they must not be set (comments may name them). */
const FORBIDDEN = ["MemoryDenyWriteExecute", "PrivateDevices", "ProtectProc", "ProcSubset", "PrivateNetwork", "PrivateUsers", "DynamicUser", "IPAddressDeny", "DevicePolicy", "ProtectClock", "MemoryMax"];

describe("renderUnits: content", () => {
  const units = renderUnits(OPTIONS);
  const u = byName(units);
  const service = u.get(SERVICE_UNIT);
  const timer = u.get(TIMER_UNIT);
  const run = u.get(RUN_UNIT);

  test("three units, by name", () => {
    assert.deepEqual(units.map((x) => x.name), ["nodekeeper.service", "nodekeeper.timer", "nodekeeper-run.service"]);
    for (const x of units) assert.ok(x.content.endsWith("\n"));
  });

  test("nodekeeper.service: a oneshot `report` that ends before the next interval", () => {
    assert.equal(one(service, "Service", "Type"), "oneshot");
    assert.equal(one(service, "Service", "ExecStart"), `${process.execPath} ${BIN} --config /etc/nodekeeper/nodekeeper.json report --quiet --textfile /var/lib/node_exporter/textfile_collector`);
    assert.equal(seconds(one(service, "Service", "TimeoutStartSec")), 50);
    assert.equal(one(service, "Service", "KillSignal"), "SIGTERM");
    assert.equal(one(service, "Service", "KillMode"), "mixed");
    const success = one(service, "Service", "SuccessExitStatus").split(" ");
    assert.deepEqual(success, ["5", "75", "143"]);
    for (const failure of ["4", "6", "64"]) assert.ok(!success.includes(failure), `${failure} must count as a failure`);
    assert.equal(service?.has("Install"), false, "started by the timer, not enabled by itself");
    assert.deepEqual(all(service, "Unit", "After"), ["network-online.target"]);
  });

  test("nodekeeper.timer: minutely, spread, accurate, no catch-up", () => {
    assert.equal(one(timer, "Timer", "OnCalendar"), "minutely");
    assert.equal(one(timer, "Timer", "RandomizedDelaySec"), "15s");
    assert.equal(one(timer, "Timer", "FixedRandomDelay"), "yes");
    assert.equal(one(timer, "Timer", "AccuracySec"), "1s");
    assert.equal(one(timer, "Timer", "Persistent"), "false");
    assert.equal(one(timer, "Timer", "Unit"), SERVICE_UNIT);
    assert.equal(one(timer, "Install", "WantedBy"), "timers.target");
  });

  test("nodekeeper-run.service: notify with watchdog, restarts on failure but not on bad configuration", () => {
    assert.equal(one(run, "Service", "Type"), "notify");
    assert.equal(one(run, "Service", "NotifyAccess"), "all");
    assert.equal(one(run, "Service", "ExecStart"), `${process.execPath} ${BIN} --config /etc/nodekeeper/nodekeeper.json run --interval 60s --textfile /var/lib/node_exporter/textfile_collector`);
    assert.equal(seconds(one(run, "Service", "WatchdogSec")), 180);
    assert.equal(one(run, "Service", "Restart"), "on-failure");
    assert.equal(one(run, "Service", "RestartSec"), "60s");
    assert.equal(one(run, "Service", "RestartPreventExitStatus"), "64");
    assert.equal(one(run, "Service", "KillSignal"), "SIGTERM");
    assert.equal(one(run, "Service", "TimeoutStopSec"), "30s");
    assert.equal(one(run, "Unit", "Conflicts"), TIMER_UNIT, "a cycle started by hand must not stop the loop");
    assert.equal(one(run, "Unit", "StartLimitIntervalSec"), "0");
    assert.equal(one(run, "Install", "WantedBy"), "multi-user.target");
  });

  test("both services: the same hardened sandbox, with writable state, data and textfile folders", () => {
    for (const [name, unit] of [[SERVICE_UNIT, service], [RUN_UNIT, run]] as const) {
      for (const [key, value] of Object.entries(SANDBOX)) assert.equal(one(unit, "Service", key), value, `${name}: ${key}`);
      assert.deepEqual(all(unit, "Service", "ReadWritePaths"), [
        "/var/lib/nodekeeper",
        "-/var/opt/dynatrace-managed/cassandra",
        "-/var/opt/dynatrace-managed/elasticsearch",
        "-/var/lib/node_exporter/textfile_collector",
      ], name);
      for (const key of FORBIDDEN) assert.equal(unit?.get("Service")?.has(key), false, `${name}: ${key} must not be set`);
      const filter = one(unit, "Service", "SystemCallFilter");
      assert.match(filter, /^~/, "a deny-list");
      assert.doesNotMatch(filter, /@resources|@privileged|@system-service/, "nice/ionice and configured commands must keep working");
    }
  });

  test("every omission is explained in the unit text", () => {
    const text = units.find((x) => x.name === SERVICE_UNIT)!.content;
    for (const key of FORBIDDEN.filter((k) => k !== "DynamicUser")) {
      const comment = text.split("\n").find((l) => l.startsWith("#") && l.includes(`${key}=`));
      assert.ok(comment, `${key}: no comment says why it is left out`);
    }
    assert.match(text, /MemoryDenyWriteExecute=: both JITs/);
    assert.match(text, /Not IOSchedulingClass=idle/);
    assert.match(text, /# {3}5 {3}not delivered/);
  });
});

describe("renderUnits: options", () => {
  test("other intervals: calendar, timeouts below the interval, watchdog three intervals", () => {
    const expected: Record<number, string> = { 10: "*:*:00/10", 15: "*:*:00/15", 30: "*:*:00/30", 60: "minutely", 120: "*:00/2:00", 300: "*:00/5:00", 900: "*:00/15:00", 3600: "hourly" };
    for (const [interval, calendar] of Object.entries(expected)) {
      const intervalSec = Number(interval);
      const u = byName(renderUnits({ ...OPTIONS, intervalSec }));
      assert.equal(one(u.get(TIMER_UNIT), "Timer", "OnCalendar"), calendar);
      const timeout = seconds(one(u.get(SERVICE_UNIT), "Service", "TimeoutStartSec"));
      assert.ok(timeout >= 5 && timeout < intervalSec, `${intervalSec}: TimeoutStartSec ${timeout}`);
      const delay = seconds(one(u.get(TIMER_UNIT), "Timer", "RandomizedDelaySec"));
      assert.ok(delay <= 15 && delay <= intervalSec / 4, `${intervalSec}: RandomizedDelaySec ${delay}`);
      assert.equal(seconds(one(u.get(RUN_UNIT), "Service", "WatchdogSec")), 3 * intervalSec);
      assert.match(one(u.get(RUN_UNIT), "Service", "ExecStart"), new RegExp(` run --interval ${intervalSec}s `));
    }
    assert.deepEqual(timingFor(30), { onCalendar: "*:*:00/30", randomizedDelaySec: 7, oneshotTimeoutSec: 25, watchdogSec: 90 });
  });

  test("paths under a home folder: ProtectHome=read-only, with the reason", () => {
    const units = renderUnits({ ...OPTIONS, nodePath: "/root/.nvm/versions/node/v20.19.0/bin/node" });
    assert.equal(one(byName(units).get(SERVICE_UNIT), "Service", "ProtectHome"), "read-only");
    assert.match(units[0]!.content, /# read-only, not yes: nodekeeper needs \/root\/\.nvm\/versions\/node\/v20\.19\.0\/bin\/node, under a home folder\./);
  });

  test("a state directory outside /var/lib: no StateDirectory=, still writable; no textfile: no --textfile", () => {
    const u = byName(renderUnits({ ...OPTIONS, stateDir: "/srv/nodekeeper/state", textfileDir: undefined, dataDirs: [] }));
    const service = u.get(SERVICE_UNIT);
    assert.equal(service?.get("Service")?.has("StateDirectory"), false);
    assert.deepEqual(all(service, "Service", "ReadWritePaths"), ["/srv/nodekeeper/state"]);
    assert.doesNotMatch(one(service, "Service", "ExecStart"), /--textfile/);
    assert.equal(one(u.get(SERVICE_UNIT), "Service", "Group"), "nodekeeper");
    assert.equal(one(byName(renderUnits({ ...OPTIONS, group: "dtgroup" })).get(RUN_UNIT), "Service", "Group"), "dtgroup");
  });

  test("spaces and % in paths are quoted and escaped", () => {
    const u = byName(renderUnits({ ...OPTIONS, configFile: "/etc/node keeper/50%.json", dataDirs: ["/data/my disk"] }));
    assert.equal(one(u.get(SERVICE_UNIT), "Service", "ExecStart"), `${process.execPath} ${BIN} --config "/etc/node keeper/50%%.json" report --quiet --textfile /var/lib/node_exporter/textfile_collector`);
    assert.ok(all(u.get(SERVICE_UNIT), "Service", "ReadWritePaths").includes('"-/data/my disk"'));
  });

  test("bad options are refused, each with its key; renderUnits throws a RangeError listing them", () => {
    const bad: ReadonlyArray<[Partial<UnitOptions>, RegExp]> = [
      [{ configFile: "nodekeeper.json" }, /^configFile: must be an absolute path/],
      [{ configFile: "/etc/x.json\nExecStartPre=/bin/evil" }, /^configFile: .* holds a character a unit file cannot carry safely/],
      [{ stateDir: '/var/lib/"x"' }, /^stateDir: /],
      [{ dataDirs: ["/ok", "relative"] }, /^dataDirs\[1\]: must be an absolute path/],
      [{ dataDirs: ["/"] }, /^dataDirs\[0\]: "\/" cannot be made writable/],
      [{ textfileDir: "/x/$HOME" }, /^textfileDir: /],
      [{ user: "root" }, /^user: nodekeeper needs a dedicated user, not root \(root undoes the hardening\)$/],
      [{ group: "root" }, /^group: nodekeeper needs a dedicated group, not root/],
      [{ user: "nobody" }, /^user: .*not nobody/],
      [{ user: "bad name" }, /^user: "bad name" is not a valid user or group name/],
      [{ group: "-x" }, /^group: /],
      [{ intervalSec: 45 }, /^intervalSec: 45 cannot be a timer on the clock/],
      [{ intervalSec: 7 }, /^intervalSec: /],
      [{ intervalSec: 90 }, /^intervalSec: /],
      [{ intervalSec: 60.5 }, /^intervalSec: /],
    ];
    for (const [over, why] of bad) {
      const options = { ...OPTIONS, ...over };
      const problems = unitOptionsProblems(options);
      assert.equal(problems.length, 1, `${JSON.stringify(over)}: ${JSON.stringify(problems)}`);
      assert.match(problems[0]!, why);
      assert.throws(() => renderUnits(options), (e: unknown) => e instanceof RangeError && e.message.includes(problems[0]!));
    }
    assert.deepEqual(unitOptionsProblems(OPTIONS), []);
  });
});

describe("writeUnits", () => {
  test("writes each unit atomically, 0644, nothing else left in the folder", async (t) => {
    const dir = tempDir(t, "nk-units-");
    const units = renderUnits(OPTIONS);
    const previous = process.umask(0o022);
    try {
      const paths = await writeUnits(dir, units);
      assert.deepEqual(paths, units.map((x) => join(dir, x.name)));
    } finally {
      process.umask(previous);
    }
    assert.deepEqual(readdirSync(dir).sort(), [RUN_UNIT, SERVICE_UNIT, TIMER_UNIT].sort());
    for (const x of units) {
      assert.equal(readFileSync(join(dir, x.name), "utf8"), x.content);
      assert.equal(statSync(join(dir, x.name)).mode & 0o777, 0o644);
    }
    // Written again (an upgrade): replaced in place.
    await writeUnits(dir, [{ name: SERVICE_UNIT, content: "# new\n" }]);
    assert.equal(readFileSync(join(dir, SERVICE_UNIT), "utf8"), "# new\n");
    await assert.rejects(writeUnits(dir, [{ name: "../evil.service", content: "" }]), RangeError);
  });
});

// ---------------------------------------------------------------------------
// systemd-analyze, where it exists. It runs offline: systemd need not be PID 1.

const analyze = spawnSync("systemd-analyze", ["--version"], { encoding: "utf8" });
const analyzeMissing = analyze.error !== undefined ? `systemd-analyze is not installed (${analyze.error.message})` : null;
const systemdVersion = Number(/^systemd (\d+)/.exec(analyze.stdout ?? "")?.[1] ?? 0);

function runAnalyze(args: readonly string[], env: Record<string, string> = {}) {
  const r = spawnSync("systemd-analyze", args, { encoding: "utf8", timeout: 60_000, env: { ...process.env, SYSTEMD_LOG_COLOR: "0", SYSTEMD_COLORS: "0", ...env } });
  assert.equal(r.error, undefined, `systemd-analyze ${args.join(" ")}: ${r.error?.message ?? ""}`);
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

/**
 * `systemd-analyze verify` exits 0 even for unknown keys and values it cannot
 * parse (it only prints "..., ignoring."), so every message that names one of
 * our files or units counts as a failure, not only the exit code.
 */
function verify(dir: string, files: readonly string[], env: Record<string, string> = {}) {
  const r = runAnalyze(["verify", "--man=no", ...files.map((f) => join(dir, f))], env);
  const ours = r.output.split("\n").filter((l) => l.includes(dir) || files.some((f) => l.includes(f)));
  return { ...r, ours };
}

describe("systemd-analyze", { skip: analyzeMissing ?? false }, () => {
  test("verify: the three units load without a single warning", async (t) => {
    const dir = tempDir(t, "nk-verify-");
    await writeUnits(dir, renderUnits(OPTIONS));
    const r = verify(dir, [SERVICE_UNIT, TIMER_UNIT, RUN_UNIT]);
    if (r.status !== 0 && r.ours.length === 0) {
      // Nothing about our units: the tool itself cannot run here.
      t.skip(`systemd-analyze verify cannot run here (exit ${String(r.status)}): ${r.output.trim().split("\n").slice(-3).join(" / ")}`);
      return;
    }
    assert.deepEqual(r.ours, [], r.output);
    assert.equal(r.status, 0, r.output);

    // The check above is real: a unit with an unknown key, a bad value and a
    // missing program is caught (exit code 0 for the first two!).
    const badDir = tempDir(t, "nk-verify-bad-");
    const good = renderUnits(OPTIONS)[0]!.content;
    writeFileSync(join(badDir, SERVICE_UNIT), good.replace("ProtectSystem=strict", "ProtectSystem=strikt\nBogusKey=1"));
    const bad = verify(badDir, [SERVICE_UNIT]);
    assert.ok(bad.ours.some((l) => /Unknown key.*BogusKey/i.test(l)), bad.output);
    assert.ok(bad.ours.some((l) => /protect system value.*strikt|strikt/i.test(l)), bad.output);
    writeFileSync(join(badDir, SERVICE_UNIT), good.replace(process.execPath, "/nonexistent/node"));
    const missing = verify(badDir, [SERVICE_UNIT]);
    assert.notEqual(missing.status, 0);
    assert.ok(missing.ours.some((l) => /is not executable|No such file/.test(l)), missing.output);
  });

  test("verify: quoted paths with spaces and % reach systemd as one argument each", async (t) => {
    const dir = tempDir(t, "nk-verify-q-");
    const binDir = join(dir, "node 50% dir");
    mkdirSync(binDir);
    symlinkSync(process.execPath, join(binDir, "node"));
    const units = renderUnits({ ...OPTIONS, nodePath: join(binDir, "node"), configFile: "/etc/node keeper/50%.json", dataDirs: ["/data/my disk"] });
    await writeUnits(dir, units);
    const r = verify(dir, [SERVICE_UNIT], { SYSTEMD_LOG_LEVEL: "debug" });
    const commandLine = r.output.split("\n").find((l) => l.includes("Command Line:"));
    if (commandLine === undefined) {
      t.skip(`this systemd-analyze does not print the parsed units at debug level (exit ${String(r.status)})`);
      return;
    }
    assert.equal(commandLine.trim(), `Command Line: "${join(binDir, "node")}" ${BIN} --config "/etc/node keeper/50%.json" report --quiet --textfile /var/lib/node_exporter/textfile_collector`);
    const rw = r.output.split("\n").find((l) => l.includes("ReadWritePaths:"));
    assert.match(rw ?? "", /-\/data\/my disk/);
    assert.ok(!r.ours.some((l) => /ignoring|Failed|Unknown/.test(l)), r.ours.join("\n"));
  });

  test("security --offline: low exposure, and every weakness it names is a documented choice", { skip: systemdVersion < 250 ? `systemd ${systemdVersion} has no offline security analysis (250+)` : false }, async (t) => {
    const dir = tempDir(t, "nk-security-");
    const units = renderUnits(OPTIONS);
    await writeUnits(dir, units);
    for (const name of [SERVICE_UNIT, RUN_UNIT]) {
      const r = runAnalyze(["security", "--offline=yes", "--no-pager", join(dir, name)]);
      const overall = new RegExp(`Overall exposure level for ${name.replace(".", "\\.")}: (\\d+\\.\\d)`).exec(r.output);
      assert.ok(overall, r.output);
      const exposure = Number(overall[1]);
      assert.ok(exposure <= 3.0, `${name}: exposure ${exposure} (systemd ${systemdVersion}); expected at most 3.0\n${r.output}`);
      const content = units.find((u) => u.name === name)!.content;
      const weaknesses = r.output.split("\n").filter((l) => l.startsWith("✗")).map((l) => l.slice(1).trim().split(/\s{2,}/)[0]!);
      assert.ok(weaknesses.includes("PrivateNetwork="), `${name}: the weakness list was read (${weaknesses.join(", ")})`);
      for (const w of weaknesses) {
        // "PrivateDevices=", "SystemCallFilter=~@resources", "RestrictAddressFamilies=~AF_NETLINK", "RootDirectory=/RootImage=", "UMask="...
        const [key, detail] = w.split("=~");
        assert.ok(content.includes(`${key!.split("=")[0]!}=`), `${name}: ${w} is not mentioned in the unit`);
        if (detail !== undefined && !detail.includes("(")) assert.ok(content.includes(detail), `${name}: ${w}: ${detail} is not explained`);
      }
    }
  });
});
