/**
 * The commands that set nodekeeper up on a node or change its mode:
 * `systemd`, `verify-install`, `maintenance on|off`, `config check`. Each
 * registration parses the options, calls the command, renders its data and
 * ends with the exit code of the command's outcome (src/contract/outcomes.ts).
 */
import type { Command } from "commander";
import { CliError } from "../contract/exit-codes.js";
import { exitCodeOf } from "../contract/outcomes.js";
import { adoptStateFiles, configFile, loadConfigFor } from "./load.js";
import type { GlobalOptions } from "./load.js";
import { write, writeJson } from "./output.js";

export function registerSystemd(program: Command): void {
  program
    .command("systemd")
    .description("print (or --write) a hardened oneshot service + timer and a service for `run`")
    .option("--write <dir>", "write the unit files into DIR (e.g. /etc/systemd/system)")
    .option("--user <name>", "the dedicated user the units run as", "nodekeeper")
    .option("--interval <seconds>", "the timer's interval in seconds", "60")
    .option("--textfile <dir>", "node_exporter textfile folder for the units' commands")
    .action(async (opts: { write?: string; user: string; interval: string; textfile?: string }, cmd: Command) => {
      const loaded = await loadConfigFor(cmd.optsWithGlobals<GlobalOptions>());
      const { renderUnits, unitOptionsFor, writeUnits } = await import("../commands/systemd-units.js");
      const { options, problems } = unitOptionsFor({
        user: opts.user, interval: opts.interval, textfile: opts.textfile,
        configFile: loaded.file, stateDir: loaded.config.stateDir, dataDirs: loaded.config.directories.map((d) => d.path),
        // The release executable (a Node single executable application) is its own node.
        standalone: (await import("node:sea")).isSea(),
        execPath: process.execPath, script: process.argv[1], cwd: process.cwd(),
      });
      if (problems.length > 0) throw new CliError(`systemd: ${problems.join("; ")}`, exitCodeOf("usage"));
      const units = renderUnits(options);
      if (opts.write) {
        const path = await import("node:path");
        const written = await writeUnits(path.resolve(opts.write), units);
        for (const file of written) write(`wrote ${file}\n`);
        write("then: systemctl daemon-reload && systemctl enable --now nodekeeper.timer\n");
      } else {
        for (const u of units) write(`# ---- ${u.name}\n${u.content}\n`);
      }
      process.exitCode = exitCodeOf("done");
    });
}

export function registerVerifyInstall(program: Command): void {
  program
    .command("verify-install")
    .description("check the installed release: the executable against its own manifest, the files against MANIFEST, its signature; exit 0 all match, 2 something differs")
    .option("--root <dir>", "the installation's root (default: from the executable's path, / for /usr/bin/nodekeeper)")
    .option("--pubkey <file>", "the release's PEM public key: check MANIFEST.sig with it")
    .action(async (opts: { root?: string; pubkey?: string }) => {
      const path = await import("node:path");
      const { installRoot, verifyInstall } = await import("../commands/verify-install.js");
      const { realFileSystem } = await import("../effects/fs.js");
      const root = installRoot({ root: opts.root, executable: process.execPath, cwd: process.cwd() });
      if (!root.ok) throw new CliError(root.message, exitCodeOf(root.outcome));
      const result = await verifyInstall({ root: root.root, pubkeyFile: opts.pubkey === undefined ? undefined : path.resolve(opts.pubkey), fs: realFileSystem });
      const label = (ok: boolean | null) => (ok === true ? "OK     " : ok === false ? "DIFFERS" : "NOTE   ");
      write(`nodekeeper verify-install: root ${result.root}\n`);
      for (const f of result.findings) write(`${label(f.ok)} ${f.subject}: ${f.detail}\n`);
      write(result.ok ? "verify-install: OK\n" : `verify-install: DIFFERS: ${result.differing.join(", ")}\n`);
      process.exitCode = exitCodeOf(result.outcome);
    });
}

export function registerMaintenance(program: Command): void {
  const maintenance = program.command("maintenance").description("nodekeeper's maintenance mode: reports say so, and no remediation action runs");
  maintenance
    .command("on")
    .description("turn maintenance mode on")
    .requiredOption("--reason <text>", "why, for the audit log and `status`")
    .action(async (opts: { reason: string }, cmd: Command) => {
      const loaded = await loadConfigFor(cmd.optsWithGlobals<GlobalOptions>());
      const { maintenanceOn } = await import("../commands/maintenance.js");
      const { systemClock } = await import("../effects/clock.js");
      const record = await maintenanceOn(loaded.config.stateDir, opts.reason, systemClock);
      await adoptStateFiles(loaded.config.stateDir);
      write(`maintenance mode ON since ${record.since} (${record.reason})\n`);
      process.exitCode = exitCodeOf("done");
    });
  maintenance
    .command("off")
    .description("turn maintenance mode off")
    .action(async (_opts: unknown, cmd: Command) => {
      const loaded = await loadConfigFor(cmd.optsWithGlobals<GlobalOptions>());
      const { maintenanceOff } = await import("../commands/maintenance.js");
      write((await maintenanceOff(loaded.config.stateDir)) ? "maintenance mode OFF\n" : "maintenance mode was already off\n");
      process.exitCode = exitCodeOf("done");
    });
}

export function registerConfig(program: Command): void {
  const config = program.command("config").description("configuration tools");
  config
    .command("check")
    .description("validate the configuration and print the effective one, secrets redacted")
    .action(async (_opts: unknown, cmd: Command) => {
      const { configCheck } = await import("../commands/config-check.js");
      const result = await configCheck(configFile(cmd.optsWithGlobals<GlobalOptions>()));
      process.stderr.write(`${result.file ?? "embedded default"}: valid\n`);
      writeJson(result.effective);
      process.exitCode = exitCodeOf("done");
    });
}
