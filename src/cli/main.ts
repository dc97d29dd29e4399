/**
 * The command line: the only module that reads argv, writes stdout, sets the
 * exit code and handles signals. Commands are async functions that return
 * data; their modules load only when the command runs, so `--help` does not
 * pay for undici or the probes.
 */
import { Command, CommanderError, Option } from "commander";
import { CliError, EXIT } from "./errors.js";
import type { Config } from "../config/schema.js";
import type { Style } from "./table.js";

interface GlobalOptions {
  config?: string;
  debug?: boolean;
}

function style(): Style {
  const tty = process.stdout.isTTY === true;
  const noColor = process.env["NO_COLOR"] !== undefined && process.env["NO_COLOR"] !== "";
  return { color: tty && !noColor && process.env["TERM"] !== "dumb", width: tty ? process.stdout.columns || 80 : null };
}

function write(text: string): void {
  process.stdout.write(text);
}

function configFile(options: GlobalOptions): string | undefined {
  return options.config ?? (process.env["NODEKEEPER_CONFIG"] || undefined);
}

/**
 * Signals. By default Ctrl-C or SIGTERM kills every child's process group and
 * exits at once, so nothing nodekeeper started outlives it. With `graceful`
 * (the `run` loop) the first signal only asks the loop to stop after the
 * current cycle has sent and written its state; a second one is the hard stop.
 */
async function loadEffects(graceful?: AbortController, stopping = "stopping after the current cycle") {
  // zod's settings before any schema is built: `dev` builds some before it reads a configuration.
  await import("../config/zod-settings.js");
  const { realEffects } = await import("../effects/real.js");
  const effects = realEffects();
  const hard = (signal: NodeJS.Signals) => {
    effects.runner.killAll();
    process.exit(signal === "SIGINT" ? 130 : 143);
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (graceful && !graceful.signal.aborted) {
      process.stderr.write(`nodekeeper: ${signal}: ${stopping} (again to stop now)\n`);
      graceful.abort();
      return;
    }
    hard(signal);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return effects;
}

async function loadConfigFor(options: GlobalOptions) {
  const { loadConfig } = await import("../config/load.js");
  return loadConfig(configFile(options));
}

/** The logger of report/run, with the token's value registered as a secret to scrub. */
async function cycleLogger(config: Config) {
  const { createLogger } = await import("../effects/log.js");
  const { readBearerToken } = await import("../mission-control/index.js");
  const token = config.missionControl.tokenFile ? await readBearerToken(config.missionControl.tokenFile) : null;
  const secrets = token?.ok ? [token.token] : [];
  return { logger: await createLogger({ level: config.log.level, file: config.log.file, secrets }), secrets };
}

export function buildProgram(versionText: string): Command {
  const program = new Command("nodekeeper")
    .description("Per-node health sidecar: probes this node, reports to Mission Control, applies its instructions.")
    .version(versionText, "-V, --version")
    .addOption(new Option("-c, --config <file>", "configuration file (JSON); default: $NODEKEEPER_CONFIG, else the embedded default"))
    .option("--debug", "print stack traces of errors")
    .showHelpAfterError("(run `nodekeeper --help` for usage)")
    .exitOverride()
    .configureOutput({ writeOut: write, writeErr: (s) => process.stderr.write(s) });

  program
    .command("status")
    .description("probe now, send nothing, print the node's health; exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN")
    .option("--json", "print JSON (documented, versioned shape)")
    .option("--fresh", "bypass cached slow-changing facts (nodetool)")
    .option("--textfile <dir>", "also write node_exporter textfile metrics into DIR")
    .action(async (opts: { json?: boolean; fresh?: boolean; textfile?: string }, cmd: Command) => {
      const global = cmd.optsWithGlobals<GlobalOptions>();
      const loaded = await loadConfigFor(global);
      const effects = await loadEffects();
      const { status } = await import("../commands/status.js");
      const { nagiosExitCode } = await import("../probes/status.js");
      const view = await status(effects, loaded, { fresh: opts.fresh === true });
      if (opts.textfile) {
        const { writeMetrics } = await import("../commands/metrics.js");
        await writeMetrics(opts.textfile, loaded.config.stateDir, view.snapshot, null, true);
      }
      if (opts.json) {
        const { snapshot: _raw, ...json } = view;
        write(JSON.stringify(json, null, 2) + "\n");
      }
      else write((await import("./render-status.js")).renderStatus(view, style()));
      process.exitCode = nagiosExitCode(view.overall);
    });

  program
    .command("report")
    .description("one full cycle: probe, send to Mission Control, apply the answer")
    .option("--dry-run", "probe and print the request body as JSON; send and apply nothing")
    .option("--textfile <dir>", "also write node_exporter textfile metrics into DIR")
    .option("--quiet", "print the cycle's summary only when its outcome differs from the last cycle's (for timers)")
    .action(async (opts: { dryRun?: boolean; textfile?: string; quiet?: boolean }, cmd: Command) => {
      const global = cmd.optsWithGlobals<GlobalOptions>();
      const loaded = await loadConfigFor(global);
      const effects = await loadEffects();
      if (!opts.dryRun) {
        (await import("./lean-heap.js")).leanHeap();
        const { runCycle } = await import("../commands/cycle.js");
        const { logger, secrets } = await cycleLogger(loaded.config);
        const { readLastOutcome, writeLastOutcome } = await import("../commands/cycle.js");
        const before = await readLastOutcome(loaded.config.stateDir);
        const result = await runCycle(effects, loaded.config, { command: "report", logger, secrets });
        const outcome = `${result.exitCode} ${result.exchange?.result ?? "no exchange"}`;
        const changed = outcome !== before;
        // A timer runs this every minute: one line when something changes, not sixty an hour.
        (changed ? logger.info.bind(logger) : logger.debug.bind(logger))({ exitCode: result.exitCode, durationMs: Math.round(result.durationMs) }, result.summary);
        if (changed) await writeLastOutcome(loaded.config.stateDir, outcome);
        if (opts.textfile && result.snapshot) {
          const { writeMetrics } = await import("../commands/metrics.js");
          await writeMetrics(opts.textfile, loaded.config.stateDir, result.snapshot, result.durationMs, true);
        }
        if (!opts.quiet || changed) write(`${result.summary}\n`);
        process.exitCode = result.exitCode;
        return;
      }
      const { reportDryRun } = await import("../commands/report.js");
      const result = await reportDryRun(effects, loaded);
      write(JSON.stringify(result.body, null, 2) + "\n");
      // stdout is the body; what would run goes to stderr, one line each.
      for (const a of result.wouldRun) {
        process.stderr.write(`nodekeeper: would run (dry run): ${a.action} ${a.target}: ${a.before} -> ${a.after} (${a.reason})\n`);
      }
      process.exitCode = EXIT.OK;
    });

  program
    .command("run")
    .description("the report cycle in a loop, on the minute, until SIGTERM or SIGINT (then exit 0)")
    .option("--interval <duration>", "time between cycles: 60s, 5m, 1500ms", "60s")
    .option("--textfile <dir>", "write node_exporter textfile metrics into DIR after each cycle")
    .addOption(new Option("--cycles <n>", "stop after N cycles (tests, benchmarks)").hideHelp())
    .addOption(new Option("--immediate", "start the first cycle at once, not in the node's slot").hideHelp())
    .action(async (opts: { interval: string; textfile?: string; cycles?: string; immediate?: boolean }, cmd: Command) => {
      const loaded = await loadConfigFor(cmd.optsWithGlobals<GlobalOptions>());
      const { parseInterval } = await import("../commands/schedule.js");
      const intervalMs = parseInterval(opts.interval);
      if (intervalMs === null || intervalMs < 1_000) throw new CliError(`--interval: expected a duration of at least 1s, such as 60s or 5m, got ${JSON.stringify(opts.interval)}`, EXIT.USAGE);
      (await import("./lean-heap.js")).leanHeap();
      const stop = new AbortController();
      const effects = await loadEffects(stop);
      const { runLoop } = await import("../commands/run.js");
      const { logger, secrets } = await cycleLogger(loaded.config);
      const textfile = opts.textfile;
      const metrics = textfile ? (await import("../commands/metrics.js")).writeMetrics : null;
      await runLoop(effects, loaded.config, {
        intervalMs, logger, stop: stop.signal, secrets,
        ...(opts.cycles ? { maxCycles: Number(opts.cycles) } : {}),
        ...(opts.immediate ? { immediate: true } : {}),
        afterCycle: async (result) => {
          if (metrics && textfile && result.snapshot) await metrics(textfile, loaded.config.stateDir, result.snapshot, result.durationMs, true);
        },
      });
      // The cycle's outcome is logged; a loop that ends on request ends well.
      process.exitCode = EXIT.OK;
    });

  program
    .command("check")
    .description("one Nagios line and exit code (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN)")
    .argument("<area>", "components, directories, cassandra, connectivity or cluster")
    .option("-w, --warning <range>", "Nagios range for the area's number (directories: free, cassandra: hints/down, connectivity: latency/down)")
    .option("-c, --critical <range>", "Nagios range, as --warning")
    .option("--json", "print the verdict as JSON")
    .action(async (area: string, opts: { warning?: string; critical?: string; json?: boolean }, cmd: Command) => {
      const { CHECK_AREAS } = await import("../check/checks.js");
      const known = CHECK_AREAS as readonly string[];
      if (!known.includes(area)) throw new CliError(`check: unknown area ${JSON.stringify(area)} (one of: ${known.join(", ")})`, EXIT.USAGE);
      const loaded = await loadConfigFor(cmd.optsWithGlobals<GlobalOptions>());
      const effects = await loadEffects();
      const { check } = await import("../commands/check.js");
      const outcome = await check(effects, loaded.config, area as (typeof CHECK_AREAS)[number], {
        warning: opts.warning, critical: opts.critical,
        maxAnswerAgeMs: loaded.config.checks.clusterAnswerMaxAgeMs,
      });
      if (!outcome.ok) throw new CliError(outcome.error.message, EXIT.USAGE);
      const { result } = outcome;
      if (opts.json) write(JSON.stringify(result.json, null, 2) + "\n");
      else write([result.line, ...result.details].join("\n") + "\n");
      process.exitCode = result.exitCode;
    });

  program
    .command("systemd")
    .description("print (or --write) a hardened oneshot service + timer and a service for `run`")
    .option("--write <dir>", "write the unit files into DIR (e.g. /etc/systemd/system)")
    .option("--user <name>", "the dedicated user the units run as", "nodekeeper")
    .option("--interval <seconds>", "the timer's interval in seconds", "60")
    .option("--textfile <dir>", "node_exporter textfile folder for the units' commands")
    .action(async (opts: { write?: string; user: string; interval: string; textfile?: string }, cmd: Command) => {
      const global = cmd.optsWithGlobals<GlobalOptions>();
      const loaded = await loadConfigFor(global);
      const { renderUnits, unitOptionsProblems, writeUnits } = await import("../commands/systemd-units.js");
      const path = await import("node:path");
      const resolve = (p: string) => path.resolve(p);
      const options = {
        nodekeeperPath: resolve(process.argv[1] ?? "nodekeeper"),
        nodePath: process.execPath,
        configFile: loaded.file ?? "/etc/nodekeeper/nodekeeper.json",
        stateDir: loaded.config.stateDir,
        dataDirs: loaded.config.directories.map((d) => d.path),
        user: opts.user,
        intervalSec: Number(opts.interval),
        ...(opts.textfile ? { textfileDir: resolve(opts.textfile) } : {}),
      };
      const problems = unitOptionsProblems(options);
      if (problems.length > 0) throw new CliError(`systemd: ${problems.join("; ")}`, EXIT.USAGE);
      const units = renderUnits(options);
      if (opts.write) {
        await writeUnits(opts.write, units);
        for (const u of units) write(`wrote ${path.join(resolve(opts.write), u.name)}\n`);
        write("then: systemctl daemon-reload && systemctl enable --now nodekeeper.timer\n");
      } else {
        for (const u of units) write(`# ---- ${u.name}\n${u.content}\n`);
      }
    });

  program
    .command("dev")
    .description("a one-command local demo: Mission Control, a simulated cluster and a failover, all on loopback")
    .option("--speed <factor>", "run the demo's clock this many times faster", "1")
    .option("--keep <dir>", "keep the demo's files in DIR (default: a temporary folder, removed at the end)")
    .action(async (opts: { speed: string; keep?: string }) => {
      const speed = Number(opts.speed);
      if (!Number.isFinite(speed) || speed <= 0) throw new CliError(`--speed: expected a positive number, got ${JSON.stringify(opts.speed)}`, EXIT.USAGE);
      const stop = new AbortController();
      const effects = await loadEffects(stop, "ending the demo");
      const { runDev } = await import("../dev/index.js");
      process.exitCode = await runDev({ effects, speed, keepDir: opts.keep, signal: stop.signal, out: write, style: style() });
    });

  const maintenance = program.command("maintenance").description("nodekeeper's maintenance mode: reports say so, and no remediation action runs");
  maintenance
    .command("on")
    .description("turn maintenance mode on")
    .requiredOption("--reason <text>", "why, for the audit log and `status`")
    .action(async (opts: { reason: string }, cmd: Command) => {
      const loaded = await loadConfigFor(cmd.optsWithGlobals<GlobalOptions>());
      const { maintenanceOn } = await import("../commands/maintenance.js");
      const record = await maintenanceOn(loaded.config.stateDir, opts.reason);
      write(`maintenance mode ON since ${record.since} (${record.reason})\n`);
    });
  maintenance
    .command("off")
    .description("turn maintenance mode off")
    .action(async (_opts: unknown, cmd: Command) => {
      const loaded = await loadConfigFor(cmd.optsWithGlobals<GlobalOptions>());
      const { maintenanceOff } = await import("../commands/maintenance.js");
      write((await maintenanceOff(loaded.config.stateDir)) ? "maintenance mode OFF\n" : "maintenance mode was already off\n");
    });

  const config = program.command("config").description("configuration tools");
  config
    .command("check")
    .description("validate the configuration and print the effective one, secrets redacted")
    .action(async (_opts: unknown, cmd: Command) => {
      const global = cmd.optsWithGlobals<GlobalOptions>();
      const { configCheck } = await import("../commands/config-check.js");
      const result = await configCheck(configFile(global));
      process.stderr.write(`${result.file ?? "embedded default"}: valid\n`);
      write(JSON.stringify(result.effective, null, 2) + "\n");
      process.exitCode = EXIT.OK;
    });

  return program;
}

/** The command's name in the arguments: the first word that is not an option or the value of --config. */
export function commandName(args: readonly string[]): string | undefined {
  return args.find((a, i) => !a.startsWith("-") && args[i - 1] !== "-c" && args[i - 1] !== "--config");
}

/** Exit code for an error that escaped a command. */
function exitCodeFor(command: string | undefined): number {
  // status and check speak Nagios: a crash is UNKNOWN, not CRITICAL.
  if (command === "status" || command === "check") return EXIT.UNKNOWN;
  // Not 5 for report/run: a crash must not look like "kept in the outbox",
  // which a timer unit counts as success.
  return 70; // EX_SOFTWARE
}

export async function main(argv: readonly string[]): Promise<void> {
  const { NODEKEEPER_VERSION } = await import("../version.js");
  const program = buildProgram(NODEKEEPER_VERSION);
  const debug = argv.includes("--debug");
  const command = commandName(argv.slice(2));
  // stdout closed early (`nodekeeper status | head -1`) is not an error.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
  });
  try {
    await program.parseAsync([...argv]);
  } catch (error) {
    process.exitCode = report(error, debug, command);
  }
  // Probes that ignore their deadline (a statfs on a hung mount) may still hold
  // the event loop; the answer is out, so leave now.
  process.exit(process.exitCode ?? 0);
}

function report(error: unknown, debug: boolean, command: string | undefined): number {
  if (error instanceof CommanderError) {
    // --help and --version end through here too, with exit code 0.
    return error.exitCode === 0 ? 0 : EXIT.USAGE;
  }
  const name = (error as { name?: string } | null)?.name;
  if (name === "ConfigError") {
    const { source, problems } = error as { source: string; problems: readonly string[] };
    for (const p of problems) process.stderr.write(`nodekeeper: configuration error: ${p}\n`);
    process.stderr.write(`nodekeeper: in ${source}\n`);
    if (debug && error instanceof Error) process.stderr.write(`${error.stack ?? ""}\n`);
    return EXIT.USAGE;
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`nodekeeper: ${message}\n`);
  if (debug && error instanceof Error) process.stderr.write(`${error.stack ?? ""}\n`);
  else if (!(error instanceof CliError)) process.stderr.write("nodekeeper: (run with --debug for the stack trace)\n");
  return error instanceof CliError ? error.exitCode : exitCodeFor(command);
}
