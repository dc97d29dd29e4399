/**
 * End-to-end setup for the apply tests (issue 6): one simulated node per test,
 * every cycle a real `node bin/nodekeeper.js --config FILE report` process.
 *
 * What a node has:
 * - Mission Control: the scriptable HTTPS test server (loopback);
 * - the local server: its systemd unit (the fake systemctl's
 *   dynatrace-server.service, with MainPID, ExecMainStartTimestamp[Monotonic]
 *   and InvocationID) and its management API, the HTTPS double answering the
 *   documented Cluster API shapes and recording every request. The stop script
 *   makes the unit inactive, and the API then answers 503; every start (and
 *   every `restartServer()`) gives the unit a new run: another MainPID, start
 *   time and InvocationID;
 * - the remediation commands: small /bin/sh scripts in the node's folder that
 *   append one line per run to `commands.log` and exit with a chosen code; the
 *   repair script waits for `releaseRepair()` (bounded), so that a report can
 *   be seen while the repair runs;
 * - Cassandra: a fake nodetool serving the 3.11 samples of a healthy
 *   single-DC ring, with an `info` whose host ID is the first ring member's
 *   (so this node is identified by host ID, as UN); `cassandraDown()` makes
 *   it refuse like a nodetool without JMX (see writeNodetool).
 *
 * Nothing leaves loopback: the config names no peer, Mission Control and the
 * server API listen on 127.0.0.1, and the proxy is off.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { appendFileSync, existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { HealthReportSchema } from "../../src/contract/report.js";
import type { HealthReport } from "../../src/contract/report.js";
import { BIN, ROOT, runCli, writeScript } from "../helpers/cli.js";
import type { CliResult } from "../helpers/cli.js";
import { LaterOwner } from "../helpers/temp.js";
import { makeNodeFixture, RUNNING } from "../helpers/node-fixture.js";
import type { NodeFixture } from "../helpers/node-fixture.js";
import { startServerApi } from "../helpers/server-api.js";
import type { ServerApiDouble } from "../helpers/server-api.js";
import { makeTestPki } from "../helpers/tls.js";
import { instructionsFor, startMissionControl } from "../mission-control/server.js";
import type { MissionControlServer, RecordedRequest, Reply } from "../mission-control/server.js";
import { makeToken, writeTokenFile } from "../mission-control/support.js";

const SAMPLES = join(ROOT, "test/fixtures/nodetool");

/** The first member of 3.11/status-healthy-single-dc.txt: this node. */
export const LOCAL_HOST_ID = "ba419d35-0dfe-4af7-aee7-bbe10c45c028";

export const QUORUM_PATH = "/api/v1.0/onpremise/nodeManagement/cassandraQuorumOverride";
export const RESPONSIBILITY_PATH = "/api/v1.0/onpremise/nodeManagement/responsibilityOverride";

/**
 * A fake nodetool serving the samples of test/fixtures/nodetool, as
 * test/helpers/fake-nodetool.mjs would with a FAKE_NODETOOL_MAP, but as a
 * /bin/sh script: `status` runs every cycle, and a Node process per run (about
 * 0.15 s of CPU) made these tests too slow on a 2-core machine. A healthy
 * node: this node UN and identified by host ID (an `info` whose ID is the first
 * ring member's), no repair activity anywhere (IDLE). While the file
 * `cassandra.down` exists in the node's folder, every run fails the way
 * nodetool does when Cassandra's JMX is not there (fake-nodetool.mjs's
 * "refuse" wording).
 */
function writeNodetool(dir: string): { nodetool: string; downFile: string } {
  const info = readFileSync(join(SAMPLES, "3.11/info.txt"), "utf8").replace(/^ID(\s*): \S+$/m, `ID$1: ${LOCAL_HOST_ID}`);
  assert.ok(info.includes(LOCAL_HOST_ID), "the info sample carries this node's host ID");
  const infoFile = join(dir, "nodetool-info.txt");
  writeFileSync(infoFile, info);
  const downFile = join(dir, "cassandra.down");
  const sample = (path: string) => `cat '${join(SAMPLES, path)}'`;
  const nodetool = writeScript(dir, "nodetool", [
    "#!/bin/sh",
    `if [ -e '${downFile}' ]; then`,
    "  echo \"nodetool: Failed to connect to '127.0.0.1:7199' - ConnectException: 'Connection refused'.\" >&2",
    "  exit 1",
    "fi",
    'case "$1" in',
    `  status) ${sample("3.11/status-healthy-single-dc.txt")} ;;`,
    `  info) cat '${infoFile}' ;;`,
    `  version) ${sample("3.11/version.txt")} ;;`,
    `  tpstats) ${sample("3.11/tpstats-json-hints-pending.txt")} ;;`, // `tpstats -F json`
    `  compactionstats) ${sample("3.11/compactionstats-idle.txt")} ;;`,
    `  netstats) ${sample("3.11/netstats-idle.txt")} ;;`,
    `  describecluster) ${sample("4.1/describecluster-healthy-mixed-versions.txt")} ;;`,
    "  *) echo \"nodetool: Found unexpected parameters: [$*]\"; echo \"See 'nodetool help' or 'nodetool help <command>'.\"; exit 1 ;;",
    "esac",
    "",
  ].join("\n"));
  return { nodetool, downFile };
}

export interface CommandScripts {
  /** Exit code of the stop script. */
  stopExit?: number;
  startExit?: number;
  repairExit?: number;
  /** The stop script waits for `releaseStop()` (bounded) before it exits. */
  stopWaits?: boolean;
}

export interface E2eNodeOptions {
  /** Merged over the `remediation` section (after the test defaults). */
  remediation?: Record<string, unknown>;
  scripts?: CommandScripts;
  /** Mission Control's answer when nothing is queued (default: valid instructions, nothing asked). */
  fallback?: Reply;
}

export interface AuditLine {
  readonly type?: string;
  readonly [key: string]: unknown;
}

export interface PutRequest {
  readonly path: string;
  readonly body: string;
}

export interface E2eNode {
  readonly fixture: NodeFixture;
  readonly mc: MissionControlServer;
  readonly api: ServerApiDouble;
  readonly configFile: string;
  readonly repairCommand: string;
  readonly env: Record<string, string>;
  /** One `report` process (or `report --dry-run`); the result, with stdout and stderr, for messages. */
  report(options?: { dryRun?: boolean }): Promise<CliResult>;
  /** A `report` process left running, for tests that kill it. */
  startReport(): ChildProcess;
  /** `report`, asserting its exit code. */
  cycle(expectedExit?: number): Promise<CliResult>;
  cli(args: readonly string[]): Promise<CliResult>;
  /** Lines of commands.log: "stop-server ...", "start-server ...", "repair ...". */
  commands(): string[];
  /** The reports Mission Control received, parsed with the contract schema. */
  reports(): HealthReport[];
  /** Every PUT the server API double received, in order. */
  puts(): PutRequest[];
  /** The audit log, parsed. */
  audit(): AuditLine[];
  /** The audit's action lines as "action:result". */
  auditedActions(): string[];
  /** The cassandraPhaRepairStatus in the reports received so far. */
  repairStatuses(): string[];
  cassandraDown(): void;
  cassandraUp(): void;
  /** The server restarts on its own (a new run of its unit: MainPID, start time, InvocationID), as after a crash. */
  restartServer(): void;
  /** The server's unit is inactive and its API answers 503, until called again with false. */
  serverDown(down: boolean): void;
  /** Both documented facts endpoints answer this HTTP status (null: their normal answers again). */
  factsEndpoints(status: number | null): void;
  /** Lets the waiting repair script finish. */
  releaseRepair(): void;
  /** Lets a waiting stop script finish (scripts.stopWaits). */
  releaseStop(): void;
  close(): Promise<void>;
}

/** The instructions Mission Control answers to `req`, with `overrides`. */
export function answer(overrides: Record<string, unknown> = {}): Reply {
  return (req: RecordedRequest) => ({ status: 200, body: instructionsFor(req, overrides) });
}

export const FLAG_ON = answer({ phaFailoverRemediation: true });
export const FLAG_OFF = answer({ phaFailoverRemediation: false });

const SERVER_UNIT = "dynatrace-server.service";
const INACTIVE = { LoadState: "loaded", ActiveState: "inactive", SubState: "dead", Result: "success", ActiveEnterTimestamp: "", MainPID: "0", ExecMainStartTimestamp: "", ExecMainStartTimestampMonotonic: "0", InvocationID: "" };

/** The `systemctl show` lines of the server's unit in its run number `run`. */
function runningUnit(run: number): Record<string, string> {
  const started = `Sat 2026-11-21 ${String(run % 24).padStart(2, "0")}:00:00 UTC`;
  return {
    ...RUNNING, ActiveEnterTimestamp: started, MainPID: String(4000 + run), ExecMainStartTimestamp: started,
    ExecMainStartTimestampMonotonic: String((run + 1) * 1_000_000_000), InvocationID: (run + 1).toString(16).padStart(32, "0"),
  };
}

/** Shell lines writing the server unit's state, as the real stop and start do to systemd. */
function unitWrite(unitFile: string, props: Record<string, string>, args = ""): string {
  const body = Object.entries({ Id: SERVER_UNIT, ...props }).map(([k, v]) => `${k}=${v}`).join("\n");
  return `printf '${body}\n' ${args} > '${unitFile}'`;
}

function commandScript(dir: string, name: string, log: string, exit: number, waitFor: string | null, unitFile?: string): string {
  const wait = waitFor === null ? "" : [
    // Bounded: a test that forgets to release does not leave a script behind for long.
    "i=0",
    `while [ ! -e '${waitFor}' ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done`,
  ].join("\n");
  return writeScript(dir, name, [
    "#!/bin/sh",
    `echo "${name} $*" >> '${log}'`,
    wait,
    name === "repair" ? "echo 'repair: keyspaces repaired'" : "",
    // A successful stop leaves the unit inactive; a successful start, a new run (its PID from this script's).
    unitFile !== undefined && exit === 0 && name === "stop-server" ? unitWrite(unitFile, INACTIVE) : "",
    unitFile !== undefined && exit === 0 && name === "start-server"
      ? unitWrite(unitFile, { ...runningUnit(0), MainPID: "%s", ExecMainStartTimestampMonotonic: "%s000000", InvocationID: "%032x" }, '"$$" "$$" "$$"')
      : "",
    `exit ${exit}`,
    "",
  ].join("\n"));
}

export async function makeE2eNode(options: E2eNodeOptions = {}): Promise<E2eNode> {
  const pki = makeTestPki();
  const folder = new LaterOwner(); // removed by close(), which every caller registers with t.after
  const fixture = makeNodeFixture(folder);
  const mc = await startMissionControl(options.fallback ? { fallback: options.fallback } : {});
  const api = await startServerApi();
  const token = makeToken();
  const tokenFile = writeTokenFile(fixture.dir, token);
  const log = join(fixture.dir, "commands.log");
  const release = join(fixture.dir, "repair.release");
  writeFileSync(log, "");
  const scripts = options.scripts ?? {};
  const stopRelease = join(fixture.dir, "stop.release");
  const unitFile = join(fixture.unitsDir, `${SERVER_UNIT}.show`);
  const stop = commandScript(fixture.dir, "stop-server", log, scripts.stopExit ?? 0, scripts.stopWaits ? stopRelease : null, unitFile);
  const start = commandScript(fixture.dir, "start-server", log, scripts.startExit ?? 0, null, unitFile);
  const repair = commandScript(fixture.dir, "repair", log, scripts.repairExit ?? 0, release);
  let run = 0;
  fixture.unit(SERVER_UNIT, runningUnit(run));

  // The simulated server's API follows its unit: 503 while the unit is inactive. What it
  // answers while running can be set as usual (api.nodes, api.configuration).
  let nodes = api.nodes;
  let configuration = api.configuration;
  let factsStatus: number | null = null;
  const unitActive = () => /^ActiveState=active$/m.test(readFileSync(unitFile, "utf8"));
  Object.defineProperty(api, "nodes", {
    configurable: true,
    get: () => factsStatus ?? (unitActive() ? nodes : 503),
    set: (value: typeof nodes) => { nodes = value; },
  });
  Object.defineProperty(api, "configuration", {
    configurable: true,
    get: () => factsStatus ?? (unitActive() ? configuration : 503),
    set: (value: typeof configuration) => { configuration = value; },
  });
  let runBeforeDown: Record<string, string> | null = null;

  const { nodetool, downFile } = writeNodetool(fixture.dir);

  const configFile = fixture.config({
    nodeIp: "127.0.0.1",
    components: [{ name: "dynatrace-server", status: { type: "systemd", unit: "dynatrace-server.service" } }],
    // No free-space thresholds: `status` exits 0 however full the shared /tmp is.
    directories: [{ path: fixture.dir, warnFreePercent: 0, minFreePercent: 0, warnFreeInodesPercent: 0, minFreeInodesPercent: 0 }],
    missionControl: {
      url: mc.url, tokenFile, caFile: pki.ca.certFile, proxy: "none",
      retry: { baseMs: 50, maxMs: 200, maxAttempts: 2 },
    },
    server: { url: api.url, caFile: api.caFile },
    cassandra: {
      nodetool: [nodetool],
      // Every fact in the first cycle (status, info, version, tpstats, ...): this node's
      // host ID and an IDLE repair state at once; later cycles use the cache.
      maxRunsPerCycle: 10,
      lowPriority: false,
      timeoutMs: 15_000,
    },
    remediation: {
      stopServerCommand: [stop, "dynatrace-server"],
      startServerCommand: [start, "dynatrace-server"],
      repairCommand: [repair, "--full"],
      repairDetach: "background",
      // This node's turn comes at once (it is first by node id anyway).
      repairStaggerMs: 0,
      ...options.remediation,
    },
    cycle: { deadlineMs: 40_000 },
  });

  const node: E2eNode = {
    fixture, mc, api, configFile,
    repairCommand: repair,
    env: fixture.env,
    report: (o = {}) => runCli(["--config", configFile, "report", ...(o.dryRun ? ["--dry-run"] : [])], { env: fixture.env, timeoutMs: 60_000 }),
    startReport: () => spawn(process.execPath, [BIN, "--config", configFile, "report"], {
      cwd: ROOT, env: { ...process.env, NO_COLOR: "1", ...fixture.env }, stdio: "ignore",
    }),
    async cycle(expectedExit = 0) {
      const r = await node.report();
      assert.equal(r.code, expectedExit, `report exit code\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`);
      return r;
    },
    cli: (args) => runCli(["--config", configFile, ...args], { env: fixture.env, timeoutMs: 60_000 }),
    commands: () => readFileSync(log, "utf8").split("\n").filter((l) => l !== ""),
    reports: () => mc.requests.map((q) => HealthReportSchema.parse(q.json)),
    puts: () => api.requests.filter((q) => q.method === "PUT").map((q) => ({ path: q.path, body: q.body })),
    audit() {
      const file = join(fixture.stateDir, "audit.jsonl");
      if (!existsSync(file)) return [];
      return readFileSync(file, "utf8").split("\n").filter((l) => l !== "").map((l) => JSON.parse(l) as AuditLine);
    },
    auditedActions: () => node.audit().filter((e) => e.type === "action").map((e) => `${String(e["action"])}:${String(e["result"])}`),
    repairStatuses: () => node.reports().map((r) => r.cassandraPhaRepairStatus),
    cassandraDown() {
      writeFileSync(downFile, "");
    },
    cassandraUp() {
      rmSync(downFile, { force: true });
    },
    restartServer() {
      run += 1;
      fixture.unit(SERVER_UNIT, runningUnit(run));
    },
    factsEndpoints(status) {
      factsStatus = status;
    },
    serverDown(value) {
      if (value) {
        runBeforeDown = Object.fromEntries(readFileSync(unitFile, "utf8").split("\n").filter((l) => l.includes("=") && !l.startsWith("Id=")).map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
        fixture.unit(SERVER_UNIT, INACTIVE);
      } else if (runBeforeDown !== null) {
        fixture.unit(SERVER_UNIT, runBeforeDown); // back as it was (the test's "same start time")
        runBeforeDown = null;
      }
    },
    releaseRepair() {
      appendFileSync(release, "");
    },
    releaseStop() {
      appendFileSync(stopRelease, "");
    },
    async close() {
      node.releaseRepair(); // a script still waiting ends now
      node.releaseStop();
      await mc.close();
      await api.close();
      folder.run();
    },
  };
  return node;
}

/** Runs `report` cycles until `done` holds, at most `maxCycles` of them and `maxMs` in all. */
export async function cycleUntil(
  node: E2eNode,
  done: () => boolean,
  limits: { maxCycles: number; maxMs: number; pauseMs?: number },
): Promise<number> {
  const started = Date.now();
  for (let i = 1; i <= limits.maxCycles; i++) {
    await node.cycle(0);
    if (done()) return i;
    if (Date.now() - started > limits.maxMs) break;
    await new Promise((resolve) => setTimeout(resolve, limits.pauseMs ?? 200));
  }
  assert.fail(`condition not reached within ${limits.maxCycles} cycles / ${limits.maxMs} ms; repair statuses: ${node.repairStatuses().join(" ")}; audit: ${JSON.stringify(node.audit().slice(-5))}`);
}

/** Waits (bounded) until `check` holds; for files written by detached processes. */
export async function waitFor(check: () => boolean, what: string, maxMs = 20_000): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > maxMs) assert.fail(`${what}: not within ${maxMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
