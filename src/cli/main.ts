/**
 * The command line: the only module that reads argv, writes stdout, sets the
 * exit code and handles signals (src/cli/signals.ts). Commands are async
 * functions that return data; their modules load only when the command runs,
 * so `--help` does not pay for undici or the probes. Each command is
 * registered by a function of its own: here the report cycle (`report`,
 * `run`, `check`) and the demo, in commands-inspect.ts what looks at the node,
 * in commands-install.ts what sets nodekeeper up.
 */
import { Command, CommanderError, Option } from "commander";
import { CliError } from "../contract/exit-codes.js";
import { exitCodeOf } from "../contract/outcomes.js";
import { registerDiagnose, registerExplain, registerStatus, registerSupportBundle, registerWait } from "./commands-inspect.js";
import { registerConfig, registerMaintenance, registerSystemd, registerVerifyInstall } from "./commands-install.js";
import { adoptStateFiles, cycleLogger, loadConfigFor, loadEffects } from "./load.js";
import type { GlobalOptions } from "./load.js";
import { style, write } from "./output.js";

export function buildProgram(versionText: string): Command {
  const program = new Command("nodekeeper")
    .description("Per-node health sidecar: probes this node, reports to Mission Control, applies its instructions.")
    .version(versionText, "-V, --version")
    .addOption(new Option("-c, --config <file>", "configuration file (JSON); default: $NODEKEEPER_CONFIG, else the embedded default"))
    .option("--debug", "print stack traces of errors")
    // Options before the command belong to nodekeeper, after it to the command:
    // `check ... -c 5:` is Nagios's critical threshold, never --config (see leafOptions).
    .enablePositionalOptions()
    .showHelpAfterError("(run `nodekeeper --help` for usage)")
    .exitOverride()
    .configureOutput({ writeOut: write, writeErr: (s) => process.stderr.write(s) });

  // In the order `--help` lists them.
  for (const register of [
    registerStatus, registerReport, registerRun, registerCheck, registerDiagnose, registerSupportBundle, registerExplain, registerWait,
    registerSystemd, registerVerifyInstall, registerDev, registerMaintenance, registerConfig,
  ]) register(program);

  leafOptions(program);
  // The configuration given after the command wins over one given before it.
  program.hook("preAction", (_program, action) => {
    const own = action.getOptionValue("config") as string | undefined;
    if (own !== undefined) program.setOptionValue("config", own);
  });
  return program;
}

function registerReport(program: Command): void {
  program
    .command("report")
    .description("one full cycle: probe, send to Mission Control, apply the answer")
    .option("--dry-run", "probe and print the request body as JSON; send and apply nothing")
    .option("--fresh", "with --dry-run: read every nodetool fact now, as on a fresh state folder")
    .option("--textfile <dir>", "also write node_exporter textfile metrics into DIR")
    .option("--quiet", "print the cycle's summary only when its outcome differs from the last cycle's (for timers)")
    .action(async (opts: { dryRun?: boolean; fresh?: boolean; textfile?: string; quiet?: boolean }, cmd: Command) => {
      const global = cmd.optsWithGlobals<GlobalOptions>();
      // A real cycle keeps to the JVM budget: reading everything is for a dry run only.
      if (opts.fresh && !opts.dryRun) throw new CliError("--fresh is only for report --dry-run", exitCodeOf("usage"));
      const loaded = await loadConfigFor(global);
      const effects = await loadEffects();
      if (!opts.dryRun) {
        (await import("./lean-heap.js")).leanHeap();
        const { reportCycle } = await import("../commands/report.js");
        const { logger, secrets } = await cycleLogger(loaded.config);
        const { cycle: result, changed } = await reportCycle(effects, loaded.config, { logger, secrets });
        await adoptStateFiles(loaded.config.stateDir);
        if (opts.textfile && result.snapshot) {
          const { writeMetrics } = await import("../commands/metrics.js");
          await writeMetrics(opts.textfile, loaded.config.stateDir, result.snapshot, result.durationMs, true);
        }
        if (!opts.quiet || changed) write(`${result.summary}\n`);
        process.exitCode = exitCodeOf(result.outcome);
        return;
      }
      const { reportDryRun } = await import("../commands/report.js");
      const result = await reportDryRun(effects, loaded, { fresh: opts.fresh === true });
      write(JSON.stringify(result.body, null, 2) + "\n");
      // stdout is the body; what would run goes to stderr, one line each.
      for (const a of result.wouldRun) {
        process.stderr.write(`nodekeeper: would run (dry run): ${a.action} ${a.target}: ${a.before} -> ${a.after} (${a.reason})\n`);
      }
      process.exitCode = exitCodeOf("done");
    });
}

function registerRun(program: Command): void {
  program
    .command("run")
    .description("the report cycle in a loop, on the minute, until SIGTERM or SIGINT (then exit 0)")
    .option("--interval <duration>", "time between cycles, 1s to 1h: 60s, 5m, 1500ms (default: cycle.intervalMs, 60s)")
    .option("--textfile <dir>", "write node_exporter textfile metrics into DIR after each cycle")
    .addOption(new Option("--cycles <n>", "stop after N cycles (tests, benchmarks)").hideHelp())
    .addOption(new Option("--immediate", "start the first cycle at once, not in the node's slot").hideHelp())
    .action(async (opts: { interval?: string; textfile?: string; cycles?: string; immediate?: boolean }, cmd: Command) => {
      const loaded = await loadConfigFor(cmd.optsWithGlobals<GlobalOptions>());
      const { parseInterval } = await import("../commands/schedule.js");
      const { MAX_INTERVAL_MS, MIN_INTERVAL_MS, safetyProblems } = await import("../config/schema.js");
      const intervalMs = opts.interval === undefined ? loaded.config.cycle.intervalMs : parseInterval(opts.interval);
      // Beyond 1 h a node is not watched, and past ~24.8 days setTimeout overflows into back-to-back cycles.
      if (intervalMs === null || intervalMs < MIN_INTERVAL_MS || intervalMs > MAX_INTERVAL_MS) {
        throw new CliError(`--interval: expected a duration from 1s to 1h, such as 60s or 5m, got ${JSON.stringify(opts.interval)}`, exitCodeOf("usage"));
      }
      if (opts.interval !== undefined) {
        const problems = safetyProblems(loaded.config, { intervalMs, intervalKey: `--interval ${opts.interval}` });
        if (problems.length > 0) throw new CliError(problems.map((p) => p.message).join("\n"), exitCodeOf("usage"));
      }
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
      process.exitCode = exitCodeOf("done");
    });
}

function registerCheck(program: Command): void {
  program
    .command("check")
    .description("one Nagios line and exit code (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN)")
    .argument("<area>", "components, directories, cassandra, connectivity, cluster or self")
    .option("-w, --warning <range>", "Nagios range for the area's number (directories: free, cassandra: hints/down, connectivity: latency/down)")
    .option("-c, --critical <range>", "Nagios range, as --warning (here -c is never --config: use --config FILE)")
    .option("--json", "print the verdict as JSON")
    .action(async (area: string, opts: { warning?: string; critical?: string; json?: boolean }, cmd: Command) => {
      const { CHECK_AREAS } = await import("../check/areas.js");
      const known = CHECK_AREAS as readonly string[];
      if (!known.includes(area)) throw new CliError(`check: unknown area ${JSON.stringify(area)} (one of: ${known.join(", ")})`, exitCodeOf("usage"));
      const loaded = await loadConfigFor(cmd.optsWithGlobals<GlobalOptions>());
      const effects = await loadEffects();
      const { check } = await import("../commands/check.js");
      const outcome = await check(effects, loaded.config, area as (typeof CHECK_AREAS)[number], {
        warning: opts.warning, critical: opts.critical,
        maxAnswerAgeMs: loaded.config.checks.clusterAnswerMaxAgeMs,
      });
      if (!outcome.ok) {
        // `check ... -c /etc/nodekeeper.json`: an old habit, or another tool's; say what -c is here.
        const hint = /[/\\]|\.json$/i.test(opts.critical ?? "") ? " (in check, -c is the critical threshold: name the configuration with --config FILE or NODEKEEPER_CONFIG)" : "";
        throw new CliError(outcome.error.message + hint, exitCodeOf(outcome.error.outcome));
      }
      const { result } = outcome;
      if (opts.json) write(JSON.stringify(result.json, null, 2) + "\n");
      else write([result.line, ...result.details].join("\n") + "\n");
      process.exitCode = exitCodeOf(result.outcome);
    });
}

function registerDev(program: Command): void {
  program
    .command("dev")
    .description("a one-command local demo: Mission Control, a simulated cluster and a failover, all on loopback")
    .option("--speed <factor>", "run the demo's clock this many times faster", "1")
    .option("--keep <dir>", "keep the demo's files in DIR (default: a temporary folder, removed at the end)")
    .action(async (opts: { speed: string; keep?: string }) => {
      const speed = Number(opts.speed);
      if (!Number.isFinite(speed) || speed <= 0) throw new CliError(`--speed: expected a positive number, got ${JSON.stringify(opts.speed)}`, exitCodeOf("usage"));
      const stop = new AbortController();
      const effects = await loadEffects(stop, "ending the demo");
      const { runDev } = await import("../dev/index.js");
      process.exitCode = exitCodeOf(await runDev({ effects, speed, keepDir: opts.keep, signal: stop.signal, out: write, style: style() }));
    });
}

/**
 * `--config FILE` and `--debug` after the command too, as before positional
 * options (backward compatible: `nodekeeper status -c FILE` still works).
 * `-c` is short for `--config` for every command except those that give `-c`
 * a meaning of their own: `check`, where `-w`/`-c` are the warning and
 * critical thresholds wherever they stand, as the Monitoring Plugins
 * Development Guidelines reserve them ("Plugin Options": `-w warning threshold
 * (--warning)`, `-c critical threshold (--critical)`; monitoring-plugins
 * doc/developer-guidelines.sgml). There the configuration is `--config FILE`
 * or NODEKEEPER_CONFIG; `nodekeeper -c FILE check ...`, before the command,
 * still names the configuration.
 */
function leafOptions(parent: Command): void {
  for (const command of parent.commands) {
    if (command.commands.length > 0) {
      leafOptions(command);
      continue;
    }
    const taken = new Set(command.options.flatMap((o) => [o.short, o.long]));
    if (!taken.has("--config")) {
      const config = new Option(`${taken.has("-c") ? "" : "-c, "}--config <file>`, "configuration file (JSON); default: $NODEKEEPER_CONFIG");
      // Shown where it differs from the global option (check: no -c); elsewhere it is the global one again.
      command.addOption(taken.has("-c") ? config : config.hideHelp());
    }
    if (!taken.has("--debug")) command.addOption(new Option("--debug", "print stack traces of errors").hideHelp());
  }
}

/** The command's name in the arguments: the first word that is not an option or the value of --config. */
export function commandName(args: readonly string[]): string | undefined {
  return args.find((a, i) => !a.startsWith("-") && args[i - 1] !== "-c" && args[i - 1] !== "--config");
}

/** Exit code for an error that escaped a command. */
function exitCodeFor(command: string | undefined): number {
  // status and check speak Nagios: a crash is UNKNOWN, not CRITICAL.
  // Not 5 for report/run: a crash must not look like "kept in the outbox",
  // which a timer unit counts as success (src/contract/outcomes.ts).
  return exitCodeOf(command === "status" || command === "check" ? "crashed-nagios" : "crashed");
}

export async function main(argv: readonly string[]): Promise<void> {
  const { NODEKEEPER_VERSION } = await import("../contract/version.js");
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
    return exitCodeOf(error.exitCode === 0 ? "done" : "usage");
  }
  const name = (error as { name?: string } | null)?.name;
  if (name === "ConfigError") {
    const { source, problems } = error as { source: string; problems: readonly string[] };
    for (const p of problems) process.stderr.write(`nodekeeper: configuration error: ${p}\n`);
    process.stderr.write(`nodekeeper: in ${source}\n`);
    if (debug && error instanceof Error) process.stderr.write(`${error.stack ?? ""}\n`);
    return exitCodeOf("usage");
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`nodekeeper: ${message}\n`);
  if (debug && error instanceof Error) process.stderr.write(`${error.stack ?? ""}\n`);
  else if (!(error instanceof CliError)) process.stderr.write("nodekeeper: (run with --debug for the stack trace)\n");
  return error instanceof CliError ? error.exitCode : exitCodeFor(command);
}
