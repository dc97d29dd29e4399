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

async function loadEffects() {
  const { realEffects } = await import("../effects/real.js");
  const effects = realEffects();
  // Ctrl-C or a SIGTERM while probing: kill every child's process group first,
  // so nothing nodekeeper started outlives it.
  const onSignal = (signal: NodeJS.Signals) => {
    effects.runner.killAll();
    process.exit(signal === "SIGINT" ? 130 : 143);
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
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
    .action(async (opts: { json?: boolean; fresh?: boolean }, cmd: Command) => {
      const global = cmd.optsWithGlobals<GlobalOptions>();
      const loaded = await loadConfigFor(global);
      const effects = await loadEffects();
      const { status } = await import("../commands/status.js");
      const { nagiosExitCode } = await import("../probes/status.js");
      const view = await status(effects, loaded, { fresh: opts.fresh === true });
      if (opts.json) write(JSON.stringify(view, null, 2) + "\n");
      else write((await import("./render-status.js")).renderStatus(view, style()));
      process.exitCode = nagiosExitCode(view.overall);
    });

  program
    .command("report")
    .description("one full cycle: probe, send to Mission Control, apply the answer")
    .option("--dry-run", "probe and print the request body as JSON; send and apply nothing")
    .action(async (opts: { dryRun?: boolean }, cmd: Command) => {
      const global = cmd.optsWithGlobals<GlobalOptions>();
      const loaded = await loadConfigFor(global);
      const effects = await loadEffects();
      if (!opts.dryRun) {
        const { runCycle } = await import("../commands/cycle.js");
        const { logger, secrets } = await cycleLogger(loaded.config);
        const result = await runCycle(effects, loaded.config, { command: "report", logger, secrets });
        logger.info({ exitCode: result.exitCode, durationMs: Math.round(result.durationMs) }, result.summary);
        write(`${result.summary}\n`);
        process.exitCode = result.exitCode;
        return;
      }
      const { reportDryRun } = await import("../commands/report.js");
      const result = await reportDryRun(effects, loaded);
      write(JSON.stringify(result.body, null, 2) + "\n");
      process.exitCode = EXIT.OK;
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
  const command = argv.slice(2).find((a) => !a.startsWith("-"));
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
