/**
 * `nodekeeper dev`: a one-command demo, in the spirit of `consul agent -dev`.
 * It starts, on loopback only (127.0.0.0/8):
 *
 * - an embedded Mission Control with the product's simple failover policy
 *   (mission-control.ts);
 * - a small simulated cluster around node-1, the node nodekeeper runs for:
 *   five peers as local listeners, node-1's server API double, a fake
 *   nodetool serving Cassandra 4.1's real formats, a fake systemctl and a
 *   fake repair (simulated-cluster.ts, fake-*.ts);
 *
 * then runs nodekeeper's real report cycle (`runCycle`: probes, exchange,
 * apply, audit log) every few seconds through a scripted failover and its
 * recovery, and shows after each cycle what happened. `status` (the real
 * command and its table) is shown before the first cycle and at the end.
 *
 * The script (demo clock; `speed` divides every wait):
 *   0:00  healthy cluster
 *   0:10  dc2: Cassandra on node-5 and node-6 goes down
 *         → Mission Control turns failover remediation on after two reports,
 *           nodekeeper stops node-1's server after two such answers
 *   0:25  dc2: node-1's own Cassandra goes down too (so its data needs a repair:
 *         nodekeeper repairs only where Cassandra was down during the failover)
 *   0:35  dc2 is back → remediation off after two reports → server started →
 *         the repair runs once → SUCCEEDED, which the next report tells Mission Control
 *
 * Ctrl-C (`signal`): the loop stops, running children are killed, every
 * server and socket is closed, the demo's leftover processes are ended, the
 * folder is removed (unless --keep), and 130 is returned within a few seconds.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { isAbsolute, join, relative, resolve } from "node:path";
import { CliError, EXIT } from "../contract/exit-codes.js";
import type { DevOutcome } from "../contract/outcomes.js";
import { renderStatus } from "../render/status.js";
import type { Style } from "../render/table.js";
import { bold } from "../render/table.js";
import { runCycle } from "../commands/cycle.js";
import type { CycleResult } from "../commands/cycle.js";
import { status } from "../commands/status.js";
import { loadConfig } from "../config/load.js";
import type { LoadedConfig } from "../config/load.js";
import type { Effects } from "../effects/index.js";
import { createLogger } from "../effects/log.js";
import type { Logger } from "../effects/log.js";
import { CLUSTER_ID, DATA_CENTERS, MISSION_CONTROL_ADDRESS, NODES, THIS_NODE_ID, thisNode } from "./cluster.js";
import { demoConfig } from "./config.js";
import { DOWN_NODES_FOR_FAILOVER, EmbeddedMissionControl, FAILOVER_AFTER_REPORTS, RECOVER_AFTER_REPORTS } from "./mission-control.js";
import { DevSetupError, makeDemoPki } from "./pki.js";
import { endProcessesCarrying } from "./processes.js";
import { SimulatedCluster } from "./simulated-cluster.js";
import { clockLabel, renderCycle } from "./view.js";
import { simPaths, toolArgv, writeCassandraWorld } from "./sim-files.js";
import type { SimPaths } from "./sim-files.js";
import { readSimEvents, writeServerWorld } from "./world.js";

export interface DevOptions {
  readonly effects: Effects;
  /** The demo's clock runs this many times faster (intervals, durations). */
  readonly speed: number;
  /** Keep the demo's files here; otherwise a temporary folder removed at the end. */
  readonly keepDir?: string | undefined;
  /** Aborted on Ctrl-C / SIGTERM: stop everything, remove what was started, return. */
  readonly signal: AbortSignal;
  /** Writes text to stdout. */
  readonly out: (text: string) => void;
  readonly style: Style;
}

/** Demo time between two report cycles: 5 s, so the whole script fits in about a minute. */
export const INTERVAL_MS = 5_000;
/** Demo time the fake systemctl takes to stop or start the server: 1.5 s. */
const SERVER_ACTION_MS = 1_500;
/** Demo time the fake Cassandra repair takes: 8 s. */
const REPAIR_MS = 8_000;
/** At most this many cycles (2 min of demo time); the script ends at about 13. */
const MAX_CYCLES = 24;
/** After Ctrl-C, how long a running cycle may take to end once its children are killed: 3 s. */
const ABORT_GRACE_MS = 3_000;
/** Leftover demo processes get this long after SIGTERM before SIGKILL: 1 s. */
const PROCESS_GRACE_MS = 1_000;
/** How the demo ended (src/contract/outcomes.ts has their exit codes): as scripted, not as scripted, or stopped. */
export type DevRunOutcome = "done" | DevOutcome | typeof INTERRUPTED;

/** Ctrl-C (or a first SIGTERM) ended the demo: exits 130 whichever signal it was, as it always has. */
const INTERRUPTED = "interrupted-sigint";

interface Beat {
  readonly beforeCycle: number;
  /** Node ids whose Cassandra is down from then on. */
  readonly down: readonly string[];
  readonly say: string;
}

const BEATS: readonly Beat[] = [
  { beforeCycle: 3, down: ["node-5", "node-6"], say: "dc2: Cassandra on node-5 and node-6 goes down (their ports close; nodetool on node-1 shows them DN)" },
  { beforeCycle: 6, down: ["node-1", "node-5", "node-6"], say: "dc2: Cassandra on node-1, this node, goes down too (nodetool cannot reach it): all of dc2 is out" },
  { beforeCycle: 8, down: [], say: "dc2 is back: Cassandra runs again on node-1, node-5 and node-6" },
];
const LAST_BEAT = Math.max(...BEATS.map((b) => b.beforeCycle));

const ABORTED = Symbol("aborted");

class Demo {
  private readonly out: (text: string) => void;
  private readonly style: Style;
  private readonly effects: Effects;
  private readonly speed: number;
  private readonly signal: AbortSignal;
  private readonly aborted: Promise<typeof ABORTED>;
  private readonly runId = `nk-dev-${randomUUID()}`;
  private dir: string | null = null;
  private createdDir = false;
  private cluster: SimulatedCluster | null = null;
  private mc: EmbeddedMissionControl | null = null;
  private sim: SimPaths | null = null;
  private loaded: LoadedConfig | null = null;
  private logger: Logger | null = null;
  private token = "";
  /** A cycle still running when Ctrl-C came. */
  private inFlight: Promise<unknown> | null = null;
  private readonly startedAt: number;

  constructor(private readonly options: DevOptions) {
    this.out = options.out;
    this.style = options.style;
    this.effects = options.effects;
    this.speed = options.speed;
    this.signal = options.signal;
    this.aborted = new Promise((resolve) => {
      if (options.signal.aborted) resolve(ABORTED);
      else options.signal.addEventListener("abort", () => resolve(ABORTED), { once: true });
    });
    this.startedAt = this.effects.clock.monotonic();
  }

  /** `p`, or ABORTED as soon as Ctrl-C comes; a step still running is remembered for cleanup. */
  private async guard<T>(p: Promise<T>): Promise<T | typeof ABORTED> {
    const settled = p.then(() => undefined, () => undefined);
    const result = await Promise.race([p, this.aborted]);
    if (result === ABORTED) this.inFlight = settled;
    return result;
  }

  async run(): Promise<DevRunOutcome> {
    this.out(`${bold("nodekeeper dev", this.style)}: a simulated cluster, an embedded Mission Control and one failover, on loopback only.\n`);
    if (await this.guard(this.setup()) === ABORTED) return INTERRUPTED;
    const loaded = this.loaded;
    if (loaded === null) throw new Error("unreachable: set up without a configuration");
    this.intro(loaded);

    this.out(`\n${bold("── nodekeeper status on node-1, before the first report ──", this.style)}\n`);
    await this.cluster?.syncServerApi();
    const before = await this.guard(status(this.effects, loaded, { fresh: true }));
    if (before === ABORTED) return INTERRUPTED;
    this.out(renderStatus(before, this.style));

    this.out(`\n${bold(`── the scenario: a report cycle every ${INTERVAL_MS / 1000} s of demo time ──`, this.style)}\n`);
    const outcome = await this.scenario(loaded);
    if (outcome === ABORTED) return INTERRUPTED;

    this.out(`\n${bold("── nodekeeper status on node-1, at the end ──", this.style)}\n`);
    await this.cluster?.syncServerApi();
    const after = await this.guard(status(this.effects, loaded, { fresh: false }));
    if (after === ABORTED) return INTERRUPTED;
    this.out(renderStatus(after, this.style));
    return this.summary(outcome);
  }

  /** Setup goes on after Ctrl-C while cleanup waits for it; this ends it at the next step. */
  private stopIfAborted(): void {
    if (this.signal.aborted) throw new Error("interrupted during setup");
  }

  private async setup(): Promise<void> {
    const dir = await this.makeDir();
    const nodeDir = join(dir, THIS_NODE_ID);
    const pkiDir = join(dir, "pki");
    const sim = simPaths(join(dir, "sim"));
    this.sim = sim;
    await Promise.all([
      mkdir(pkiDir, { recursive: true }), mkdir(sim.dir, { recursive: true }),
      ...["cassandra", "elasticsearch", "server"].map((d) => mkdir(join(nodeDir, "data", d), { recursive: true })),
    ]);
    writeCassandraWorld(sim, [], this.effects.clock.now(), THIS_NODE_ID);
    writeServerWorld(sim, { running: true, startedAt: new Date(this.effects.clock.now()).toISOString() });

    const nodetoolScript = toolArgv("fake-nodetool", { simDir: sim.dir, runId: this.runId })[1] ?? "";
    if (!existsSync(nodetoolScript)) {
      throw new DevSetupError(`the demo's tools are not built (no ${nodetoolScript}): run \`npm run build\` first`, 70);
    }
    const pki = await makeDemoPki(this.effects.runner, pkiDir);
    this.stopIfAborted();
    const tls = { cert: await readFile(pki.certFile, "utf8"), key: await readFile(pki.keyFile, "utf8") };

    this.cluster = new SimulatedCluster(sim, tls);
    const started = await this.cluster.start();
    this.stopIfAborted();
    this.token = randomBytes(24).toString("base64url");
    this.mc = new EmbeddedMissionControl({ host: MISSION_CONTROL_ADDRESS, tls, token: this.token, clusterId: CLUSTER_ID, clock: this.effects.clock });
    const missionControlUrl = await this.mc.start();
    this.stopIfAborted();

    const tokenFile = join(nodeDir, "mission-control.token");
    await writeFile(tokenFile, `${this.token}\n`, { mode: 0o600 });
    const config = demoConfig({
      nodeDir, simDir: sim.dir, runId: this.runId, demoPid: process.pid, speed: this.speed, pki, tokenFile,
      missionControlUrl, serverApiUrl: started.serverApiUrl, elasticsearchUrl: started.elasticsearchUrl, peers: started.peers,
      serverActionMs: SERVER_ACTION_MS, repairMs: REPAIR_MS, intervalMs: INTERVAL_MS,
    });
    const configFile = join(nodeDir, "nodekeeper.json");
    await writeFile(configFile, `${JSON.stringify(config, null, 2)}\n`);
    this.loaded = await loadConfig(configFile);
    this.logger = await createLogger({ level: "info", file: this.loaded.config.log.file, secrets: [this.token] });
  }

  /** The demo's folder: --keep DIR (new or empty: an old run's state would change the story), or a fresh temporary one. */
  private async makeDir(): Promise<string> {
    const keep = this.options.keepDir;
    if (keep === undefined) {
      this.dir = await mkdtemp(join(tmpdir(), "nodekeeper-dev-"));
      this.createdDir = true;
      return this.dir;
    }
    const dir = resolve(keep);
    const entries = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") return null;
      throw new CliError(`--keep ${keep}: ${error.code === "ENOTDIR" ? "not a folder" : error.message}`, EXIT.USAGE);
    });
    if (entries !== null && entries.length > 0) {
      throw new CliError(`--keep ${keep}: the folder is not empty (an earlier demo's state would change this one); give a new or empty folder`, EXIT.USAGE);
    }
    await mkdir(dir, { recursive: true });
    this.dir = dir;
    return dir;
  }

  private intro(loaded: LoadedConfig): void {
    const me = thisNode();
    const dcs = DATA_CENTERS.map((dc) => `${dc} = ${NODES.filter((n) => n.dataCenter === dc).map((n) => n.id).join(", ")}`).join(" · ");
    const peers = NODES.filter((n) => n.id !== THIS_NODE_ID);
    const span = clockLabel((LAST_BEAT + 5) * INTERVAL_MS);
    const rows: Array<[string, string]> = [
      ["cluster", `${CLUSTER_ID}: ${dcs}`],
      ["this node", `${me.id} (${me.address}, ${me.dataCenter}): nodekeeper's real report cycle runs for it`],
      ["Mission Control", `${this.mc?.url ?? "?"} (embedded): failover remediation for a data center once ${DOWN_NODES_FOR_FAILOVER}+ of its Cassandra nodes are down in ${FAILOVER_AFTER_REPORTS} consecutive reports, off after ${RECOVER_AFTER_REPORTS} reports without`],
      ["peers", `${peers.map((n) => n.id).join(", ")} on ${peers[0]?.address ?? "?"} … ${peers[peers.length - 1]?.address ?? "?"}: host port, HTTPS /rest/health, two Cassandra ports each`],
      ["node-1's server", `${loaded.config.server.url} (simulated API; stop/start through a fake systemctl)`],
      ["nodetool", "a fake serving Cassandra 4.1's output formats; the repair is a fake that takes a few seconds"],
      ["TLS", "a CA and certificate made for this run with openssl; every connection verifies it"],
      ["speed", `${this.speed}× (the script spans about ${span} of demo time; Ctrl-C stops it and everything it started)`],
      ["files", `${this.dir ?? "?"} (${this.createdDir ? "removed at the end; --keep DIR keeps them" : "kept"})`],
      ["meanwhile, try", `${cliCommand()} --config ${loaded.file ?? "?"} status`],
    ];
    this.out(rows.map(([k, v]) => `  ${k.padEnd(16)} ${v}`).join("\n") + "\n");
  }

  /** Sets whose Cassandra is down: the marker files the fake nodetool reads, and the peers' Cassandra listeners. */
  private async setDown(down: readonly string[]): Promise<void> {
    const sim = this.sim;
    const cluster = this.cluster;
    if (sim === null || cluster === null) return;
    writeCassandraWorld(sim, down, this.effects.clock.now(), THIS_NODE_ID);
    const peers = NODES.map((n) => n.id).filter((id) => id !== THIS_NODE_ID);
    await cluster.setCassandra(peers.filter((id) => down.includes(id)), false);
    await cluster.setCassandra(peers.filter((id) => !down.includes(id)), true);
  }

  private async scenario(loaded: LoadedConfig): Promise<ScenarioOutcome | typeof ABORTED> {
    const mc = this.mc;
    const sim = this.sim;
    const cluster = this.cluster;
    const logger = this.logger;
    if (mc === null || sim === null || cluster === null || logger === null) throw new Error("unreachable: scenario before setup");
    const outcome: ScenarioOutcome = { cycles: [], finished: false, repairStatus: null };
    const shownPending = new Set<string>();
    let simEventsSeen = 0;
    let putsSeen = 0;
    const t0 = this.effects.clock.monotonic();

    for (let cycle = 1; cycle <= MAX_CYCLES; cycle++) {
      const atMs = (cycle - 1) * INTERVAL_MS;
      const wait = t0 + atMs / this.speed - this.effects.clock.monotonic();
      if (wait > 0) await this.effects.clock.sleep(wait, this.signal);
      if (this.signal.aborted) return ABORTED;

      for (const beat of BEATS.filter((b) => b.beforeCycle === cycle)) {
        if (await this.guard(this.setDown(beat.down)) === ABORTED) return ABORTED;
        this.out(`\n${bold(`[${clockLabel(atMs)}] ── ${beat.say}`, this.style)}\n`);
      }

      const decisionsBefore = mc.decisions.length;
      await cluster.syncServerApi(); // a server stopped (or started) by the last cycle
      const result = await this.guard(runCycle(this.effects, loaded.config, { command: "run", logger, signal: this.signal, secrets: [this.token] }));
      if (result === ABORTED) return ABORTED;
      outcome.cycles.push(result);

      const events = readSimEvents(sim);
      const simLines = [
        ...cluster.puts.slice(putsSeen).map((p) => `server API: PUT ${p.path.replace("/api/v1.0/onpremise/nodeManagement/", "…/")}${p.body ? ` ${p.body}` : ""} → ${p.status}`),
        ...events.slice(simEventsSeen).map((e) => `${e.event}: ${e.detail}`),
      ];
      putsSeen = cluster.puts.length;
      simEventsSeen = events.length;
      const decision = mc.decisions.length > decisionsBefore ? mc.decisions[mc.decisions.length - 1] ?? null : null;
      this.out(`\n${renderCycle({ cycle, atMs, result, decision, shownPending, simLines }, this.style)}`);

      const repair = result.apply?.cassandraPhaRepairStatus ?? null;
      if (repair !== null) outcome.repairStatus = repair;
      // The end: the script has played, and Mission Control has heard that the repair is over.
      const told = mc.decisions.slice(decisionsBefore).some((d) => d.phaRepairStatus === "SUCCEEDED" || d.phaRepairStatus === "FAILED");
      if (cycle > LAST_BEAT && told) {
        outcome.finished = true;
        break;
      }
    }
    return outcome;
  }

  private summary(outcome: ScenarioOutcome): DevRunOutcome {
    const mc = this.mc;
    const sim = this.sim;
    const done = outcome.cycles.flatMap((c) => c.apply?.done ?? []);
    const count = (action: string) => done.filter((a) => a.action === action).length;
    const events = sim ? readSimEvents(sim) : [];
    const simCount = (event: string) => events.filter((e) => e.event === event).length;
    const on = mc?.decisions.findIndex((d) => d.turnedOn.length > 0) ?? -1;
    const off = mc?.decisions.findIndex((d) => d.turnedOff.length > 0) ?? -1;
    const elapsed = (this.effects.clock.monotonic() - this.startedAt) / 1000;

    const problems: string[] = [];
    if (!outcome.finished) problems.push(`the script did not reach its end within ${MAX_CYCLES} cycles`);
    if (on < 0) problems.push("Mission Control never turned failover remediation on");
    if (off < 0) problems.push("Mission Control never turned failover remediation off");
    if (count("stop-server") !== 1 || simCount("server-stopped") !== 1) problems.push(`the server was stopped ${simCount("server-stopped")} time(s), not once`);
    if (count("start-server") !== 1 || simCount("server-started") !== 1) problems.push(`the server was started ${simCount("server-started")} time(s), not once`);
    if (count("cassandra-repair") !== 1 || simCount("repair-finished") !== 1) problems.push(`the repair ran ${simCount("repair-started")} time(s) and finished ${simCount("repair-finished")} time(s), not once`);
    if (outcome.repairStatus !== "SUCCEEDED") problems.push(`the last PHA repair status is ${outcome.repairStatus ?? "unknown"}, not SUCCEEDED`);
    const failed = outcome.cycles.flatMap((c) => c.apply?.failed ?? []);
    if (failed.length > 0) problems.push(`${failed.length} action(s) failed: ${failed.map((a) => `${a.action}: ${a.error ?? "?"}`).join("; ")}`);

    const lines = [
      "",
      bold(`── summary (${elapsed.toFixed(1)} s at speed ${this.speed}, ${outcome.cycles.length} report cycles) ──`, this.style),
      `  Mission Control  failover remediation for dc2 ON at report ${on >= 0 ? on + 1 : "-"}, OFF at report ${off >= 0 ? off + 1 : "-"}; ${mc?.decisions.length ?? 0} reports answered`,
      `  nodekeeper       server stopped ${count("stop-server")}×, started ${count("start-server")}×; Cassandra repair run ${count("cassandra-repair")}× → ${outcome.repairStatus ?? "?"}; ` +
        `overrides set ${count("responsibility-override")}× (responsibility), ${count("quorum-override")}× (quorum)`,
      `  simulation       fake systemctl: ${simCount("server-stopped")} stop, ${simCount("server-started")} start; fake repair: ${simCount("repair-started")} started, ${simCount("repair-finished")} finished`,
    ];
    if (this.createdDir) lines.push(`  files            ${this.dir ?? "?"} is removed now (--keep DIR keeps the files)`);
    else {
      const state = this.loaded?.config.stateDir ?? "?";
      lines.push(
        `  files            kept in ${this.dir ?? "?"}:`,
        `                   configuration ${this.loaded?.file ?? "?"}`,
        `                   audit log ${join(state, "audit.jsonl")}, apply state and last exchange in ${state}`,
        `                   nodekeeper log ${this.loaded?.config.log.file ?? "?"}, repair log ${join(state, "cassandra-repair.log")}`,
      );
    }
    if (problems.length === 0) lines.push("  result           the failover and the recovery went as scripted: PHA repair SUCCEEDED");
    else lines.push(...problems.map((p) => `  NOT AS SCRIPTED  ${p}`));
    this.out(`${lines.join("\n")}\n`);
    return problems.length === 0 ? "done" : "demo-not-as-scripted";
  }

  /** Closes everything, ends leftover processes, removes the folder unless kept. Never throws. */
  async cleanup(interrupted: boolean): Promise<void> {
    if (interrupted) {
      // Kill what nodekeeper is running (nodetool, a server stop, openssl), so the step in flight ends soon.
      this.effects.runner.killAll();
    }
    if (this.inFlight) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.inFlight, new Promise((resolve) => { timer = setTimeout(resolve, ABORT_GRACE_MS); })]);
      if (timer) clearTimeout(timer);
    }
    await Promise.all([this.mc?.close(), this.cluster?.close()]);
    const ended = await endProcessesCarrying(`--run=${this.runId}`, PROCESS_GRACE_MS);
    const notes: string[] = [];
    if (ended > 0) notes.push(`ended ${ended} leftover process(es) of the demo`);
    if (this.dir !== null && this.createdDir) {
      // Twice: a write of the cycle that was cut short may land while the first pass runs.
      for (let pass = 0; pass < 2; pass++) await rm(this.dir, { recursive: true, force: true, maxRetries: 3 }).catch(() => undefined);
      if (interrupted) notes.push(`removed ${this.dir}`);
    } else if (this.dir !== null && interrupted) {
      notes.push(`files kept in ${this.dir}`);
    }
    if (interrupted) this.out(`\nnodekeeper dev: stopped; every server closed${notes.length > 0 ? `, ${notes.join(", ")}` : ""}.\n`);
    else if (ended > 0) this.out(`nodekeeper dev: ${notes.join(", ")}.\n`);
  }
}

interface ScenarioOutcome {
  readonly cycles: CycleResult[];
  finished: boolean;
  repairStatus: string | null;
}

/**
 * How the person started nodekeeper, to suggest the same for `status` (on a
 * fresh clone that is `./bin/nodekeeper.js`, not a `nodekeeper` on PATH).
 * Read for that hint only; the CLI layer owns argv otherwise.
 */
function cliCommand(): string {
  const script = process.argv[1];
  if (script === undefined) return "nodekeeper";
  const rel = relative(process.cwd(), script);
  if (rel === "" || rel.startsWith("..") || isAbsolute(rel)) return script;
  return rel.startsWith(".") ? rel : `./${rel}`;
}

/** Runs the demo; resolves with how it ended: as scripted ("done"), not as scripted, or interrupted. */
export async function runDev(options: DevOptions): Promise<DevRunOutcome> {
  const demo = new Demo(options);
  let outcome: DevRunOutcome;
  try {
    outcome = await demo.run();
  } catch (error) {
    await demo.cleanup(options.signal.aborted);
    if (options.signal.aborted) return INTERRUPTED;
    if (error instanceof DevSetupError) throw new CliError(error.message, error.exitCode);
    throw error;
  }
  await demo.cleanup(options.signal.aborted);
  return options.signal.aborted ? INTERRUPTED : outcome;
}
