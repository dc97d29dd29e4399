/**
 * The command line: the only module that reads argv, writes stdout, sets the
 * exit code and handles signals. Commands are async functions that return
 * data; their modules load only when the command runs, so `--help` does not
 * pay for undici or the probes.
 */
import { Command, CommanderError, Option } from "commander";
import { CliError, EXIT } from "../contract/exit-codes.js";
import type { Config } from "../config/schema.js";
import type { Style } from "../render/table.js";

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

/**
 * Run as root, hands files that were made in the state folder without going
 * through the state writers (the repair's log, last-outcome) to the folder's
 * owner (src/state/owner.ts). Nothing to do for any other user.
 */
async function adoptStateFiles(stateDir: string): Promise<void> {
  if (process.geteuid?.() !== 0) return;
  const { adoptStateFiles: adopt } = await import("../state/owner.js");
  await adopt(stateDir);
}

/** The logger of report/run, with every secret value (both tokens) registered to scrub from logs and the audit. */
async function cycleLogger(config: Config) {
  const { createLogger } = await import("../effects/log.js");
  const { readSecretFile } = await import("../config/secret-file.js");
  const files: Array<[string, string | undefined]> = [["missionControl.tokenFile", config.missionControl.tokenFile], ["server.tokenFile", config.server.tokenFile]];
  const secrets: string[] = [];
  for (const [key, file] of files) {
    if (file === undefined) continue;
    const read = await readSecretFile(key, file);
    if (read.ok) secrets.push(read.token);
  }
  return { logger: await createLogger({ level: config.log.level, file: config.log.file, secrets }), secrets };
}

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
      const { nagiosExitCode } = await import("../contract/status.js");
      const view = await status(effects, loaded, { fresh: opts.fresh === true });
      if (opts.textfile) {
        const { writeMetrics } = await import("../commands/metrics.js");
        await writeMetrics(opts.textfile, loaded.config.stateDir, view.snapshot, null, true);
      }
      if (opts.json) {
        const { snapshot: _raw, ...json } = view;
        write(JSON.stringify(json, null, 2) + "\n");
      }
      else write((await import("../render/status.js")).renderStatus(view, style()));
      process.exitCode = nagiosExitCode(view.overall);
    });

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
      if (opts.fresh && !opts.dryRun) throw new CliError("--fresh is only for report --dry-run", EXIT.USAGE);
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
        await adoptStateFiles(loaded.config.stateDir);
        if (opts.textfile && result.snapshot) {
          const { writeMetrics } = await import("../commands/metrics.js");
          await writeMetrics(opts.textfile, loaded.config.stateDir, result.snapshot, result.durationMs, true);
        }
        if (!opts.quiet || changed) write(`${result.summary}\n`);
        process.exitCode = result.exitCode;
        return;
      }
      const { reportDryRun } = await import("../commands/report.js");
      const result = await reportDryRun(effects, loaded, { fresh: opts.fresh === true });
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
        throw new CliError(`--interval: expected a duration from 1s to 1h, such as 60s or 5m, got ${JSON.stringify(opts.interval)}`, EXIT.USAGE);
      }
      if (opts.interval !== undefined) {
        const problems = safetyProblems(loaded.config, { intervalMs, intervalKey: `--interval ${opts.interval}` });
        if (problems.length > 0) throw new CliError(problems.map((p) => p.message).join("\n"), EXIT.USAGE);
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
      process.exitCode = EXIT.OK;
    });

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
      if (!known.includes(area)) throw new CliError(`check: unknown area ${JSON.stringify(area)} (one of: ${known.join(", ")})`, EXIT.USAGE);
      const loaded = await loadConfigFor(cmd.optsWithGlobals<GlobalOptions>());
      const effects = await loadEffects();
      const { check } = await import("../commands/check.js");
      const { exitCodeOf } = await import("../contract/outcomes.js");
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

  program
    .command("diagnose")
    .description("check every dependency (configuration, state folder, secrets, Mission Control, server API, systemd, nodetool): one line each with the fix; exit 0 OK, 1 WARNING, 2 ERROR")
    .option("--json", "print the findings as JSON")
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const effects = await loadEffects();
      const { diagnose } = await import("../commands/diagnose.js");
      const result = await diagnose(effects, { configFile: configFile(cmd.optsWithGlobals<GlobalOptions>()), env: process.env, threadPoolSize: Number(process.env["UV_THREADPOOL_SIZE"] ?? 4) });
      if (opts.json) write(JSON.stringify(result, null, 2) + "\n");
      else write((await import("./render-diagnose.js")).renderDiagnose(result, style()));
      process.exitCode = result.exitCode;
    });

  program
    .command("support-bundle")
    .description("write one .tar.gz for a ticket: configuration (secrets redacted), status, diagnose, audit and log tails, versions, systemd units")
    .option("--output <file>", "the archive to write (default ./nodekeeper-support-<node>-<time>.tar.gz)")
    .action(async (opts: { output?: string }, cmd: Command) => {
      const effects = await loadEffects();
      const { supportBundle } = await import("../commands/support-bundle.js");
      const r = await supportBundle(effects, { configFile: configFile(cmd.optsWithGlobals<GlobalOptions>()), output: opts.output, env: process.env, threadPoolSize: Number(process.env["UV_THREADPOOL_SIZE"] ?? 4) });
      for (const e of r.entries) write(`  ${e.name} (${e.bytes} bytes)\n`);
      for (const p of r.problems) write(`  not collected: ${p}\n`);
      write(`wrote ${r.file} (${r.bytes} bytes, mode 0600; ${r.secretsScrubbed} secret values removed)\n`);
    });

  program
    .command("explain")
    .description("one report's story in plain sentences: what was sent, Mission Control's answer, the rules that fired or held back, what was done, what is left for a person")
    .argument("[report]", "a report id (or its first characters), or `last`", "last")
    .option("--json", "print the explanation as JSON")
    .action(async (target: string, opts: { json?: boolean }, cmd: Command) => {
      const loaded = await loadConfigFor(cmd.optsWithGlobals<GlobalOptions>());
      const effects = await loadEffects();
      const { explain } = await import("../commands/explain.js");
      const result = await explain(effects, loaded.config, target);
      if (!result.ok) throw new CliError(`explain: ${result.error}`, EXIT.USAGE);
      const e = result.explanation;
      write(opts.json ? JSON.stringify(e, null, 2) + "\n" : e.sections.map((s) => [s.lines.length > 0 ? `${s.title}:` : s.title, ...s.lines.map((l) => `  ${l}`)].join("\n")).join("\n") + "\n");
    });

  program
    .command("wait")
    .description("a runbook gate: probe every interval until EXPR holds over the `status --json` facts; exit 0 true, 124 timeout, 64 bad EXPR")
    .requiredOption("--until <expr>", "condition, e.g. 'cassandra.hints.total < 1000 and cassandra.repair == IDLE' or 'peers.down == 0'")
    .option("--timeout <duration>", "give up after this long (exit 124): 90s, 30m, 2h", "30m")
    .option("--interval <duration>", "time between polls, at least 1s", "10s")
    .option("--fresh", "read every nodetool fact at each poll, not the cached ones (a JVM per fact per poll)")
    .action(async (opts: { until: string; timeout: string; interval: string; fresh?: boolean }, cmd: Command) => {
      const { parseInterval } = await import("../commands/schedule.js");
      const [timeoutMs, intervalMs] = [parseInterval(opts.timeout), parseInterval(opts.interval)];
      if (timeoutMs === null || timeoutMs < 1_000) throw new CliError(`--timeout: expected a duration of at least 1s, such as 90s or 30m, got ${JSON.stringify(opts.timeout)}`, EXIT.USAGE);
      if (intervalMs === null || intervalMs < 1_000) throw new CliError(`--interval: expected a duration of at least 1s, such as 10s, got ${JSON.stringify(opts.interval)}`, EXIT.USAGE);
      const { parseExpression, pointAt } = await import("../check/expression.js");
      const bad = (e: { message: string; column: number }) => new CliError(`--until: ${e.message} (column ${e.column})\n${pointAt(opts.until, e.column)}`, EXIT.USAGE);
      const parsed = parseExpression(opts.until);
      if (!parsed.ok) throw bad(parsed.error); // before the configuration: a typo is told at once
      const loaded = await loadConfigFor(cmd.optsWithGlobals<GlobalOptions>());
      const effects = await loadEffects();
      const { waitUntil, describeObserved, formatDuration } = await import("../commands/wait.js");
      const tty = process.stdout.isTTY === true;
      let previous = "";
      const result = await waitUntil(effects, loaded, {
        expression: opts.until, timeoutMs, intervalMs, fresh: opts.fresh === true,
        onPoll: (p) => {
          const line = `${describeObserved(p.observed)}: ${p.value ? "true" : "not yet"}`;
          // A TTY gets one line rewritten in place; a log gets a line per change.
          if (tty) write(`\r\x1b[Kwaiting ${formatDuration(p.elapsedMs)} of ${formatDuration(timeoutMs)}, poll ${p.poll}: ${line}`);
          else if (line !== previous) write(`${p.at} ${line}\n`);
          previous = line;
        },
      });
      if (tty) write("\r\x1b[K");
      if (result.outcome === "bad-expression") throw bad(result.error);
      effects.runner.killAll(); // a poll abandoned at the timeout leaves nothing behind
      const seen = result.last ? `: ${describeObserved(result.last.observed)}` : " (no poll finished)";
      write(result.outcome === "true"
        ? `condition true after ${formatDuration(result.elapsedMs)} (${result.polls} poll${result.polls === 1 ? "" : "s"})${seen}\n`
        : `timed out after ${formatDuration(result.elapsedMs)}, condition still false${seen}\n`);
      process.exitCode = result.outcome === "true" ? EXIT.OK : EXIT.TIMEOUT;
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
      // The release executable (a Node single executable application) is its own node.
      const standalone = (await import("node:sea")).isSea();
      const options = {
        nodekeeperPath: standalone ? process.execPath : resolve(process.argv[1] ?? "nodekeeper"),
        nodePath: standalone ? null : process.execPath,
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
    .command("verify-install")
    .description("check the installed release: the executable against its own manifest, the files against MANIFEST, its signature; exit 0 all match, 2 something differs")
    .option("--root <dir>", "the installation's root (default: from the executable's path, / for /usr/bin/nodekeeper)")
    .option("--pubkey <file>", "the release's PEM public key: check MANIFEST.sig with it")
    .action(async (opts: { root?: string; pubkey?: string }) => {
      const path = await import("node:path");
      const exe = process.execPath;
      const suffix = "/usr/bin/nodekeeper";
      const root = opts.root !== undefined ? path.resolve(opts.root) : exe.endsWith(suffix) ? exe.slice(0, -suffix.length) || "/" : null;
      if (root === null) throw new CliError(`verify-install: ${exe} is not an installed release (/usr/bin/nodekeeper under some root): give --root DIR`, EXIT.USAGE);
      const { verifyInstall } = await import("../commands/verify-install.js");
      const result = await verifyInstall({ root, pubkeyFile: opts.pubkey === undefined ? undefined : path.resolve(opts.pubkey) });
      const label = (ok: boolean | null) => (ok === true ? "OK     " : ok === false ? "DIFFERS" : "NOTE   ");
      write(`nodekeeper verify-install: root ${result.root}\n`);
      for (const f of result.findings) write(`${label(f.ok)} ${f.subject}: ${f.detail}\n`);
      write(result.ok ? "verify-install: OK\n" : `verify-install: DIFFERS: ${result.differing.join(", ")}\n`);
      process.exitCode = result.ok ? EXIT.OK : EXIT.CRITICAL;
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
      await adoptStateFiles(loaded.config.stateDir);
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

  leafOptions(program);
  // The configuration given after the command wins over one given before it.
  program.hook("preAction", (_program, action) => {
    const own = action.getOptionValue("config") as string | undefined;
    if (own !== undefined) program.setOptionValue("config", own);
  });
  return program;
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
  if (command === "status" || command === "check") return EXIT.UNKNOWN;
  // Not 5 for report/run: a crash must not look like "kept in the outbox",
  // which a timer unit counts as success.
  return 70; // EX_SOFTWARE
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
