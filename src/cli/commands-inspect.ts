/**
 * The commands that look at the node and change nothing: `status`,
 * `diagnose`, `support-bundle`, `explain`, `wait`. Each registration parses
 * the options, calls the command, renders its data and ends with the exit
 * code of the command's outcome (src/contract/outcomes.ts).
 */
import type { Command } from "commander";
import { CliError } from "../contract/exit-codes.js";
import { exitCodeOf } from "../contract/outcomes.js";
import type { WaitPoll, WaitResult } from "../commands/wait.js";
import { configFile, loadConfigFor, loadEffects, threadPoolSize } from "./load.js";
import type { GlobalOptions } from "./load.js";
import { style, write, writeJson } from "./output.js";

export function registerStatus(program: Command): void {
  program
    .command("status")
    .description("probe now, send nothing, print the node's health; exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN")
    .option("--json", "print JSON (documented, versioned shape)")
    .option("--fresh", "bypass cached slow-changing facts (nodetool)")
    .option("--textfile <dir>", "also write node_exporter textfile metrics into DIR")
    .action(async (opts: { json?: boolean; fresh?: boolean; textfile?: string }, cmd: Command) => {
      const loaded = await loadConfigFor(cmd.optsWithGlobals<GlobalOptions>());
      const effects = await loadEffects();
      const { status } = await import("../commands/status.js");
      const view = await status(effects, loaded, { fresh: opts.fresh === true });
      if (opts.textfile) {
        const { writeMetrics } = await import("../commands/metrics.js");
        await writeMetrics(opts.textfile, loaded.config.stateDir, view.snapshot, null, true);
      }
      if (opts.json) {
        const { snapshot: _raw, ...json } = view;
        // Spelled out, not writeJson: test/cli/startup.test.ts edits this very line in the bundle.
        write(JSON.stringify(json, null, 2) + "\n");
      }
      else write((await import("../render/status.js")).renderStatus(view, style()));
      process.exitCode = exitCodeOf({ health: view.overall });
    });
}

export function registerDiagnose(program: Command): void {
  program
    .command("diagnose")
    .description("check every dependency (configuration, state folder, secrets, Mission Control, server API, systemd, nodetool): one line each with the fix; exit 0 OK, 1 WARNING, 2 ERROR")
    .option("--json", "print the findings as JSON")
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const effects = await loadEffects();
      const { diagnose, diagnoseDocument } = await import("../commands/diagnose.js");
      const run = await diagnose(effects, { configFile: configFile(cmd.optsWithGlobals<GlobalOptions>()), env: process.env, threadPoolSize: threadPoolSize() });
      if (opts.json) writeJson(diagnoseDocument(run));
      else write((await import("./render-diagnose.js")).renderDiagnose(run, style()));
      process.exitCode = exitCodeOf(run.outcome);
    });
}

export function registerSupportBundle(program: Command): void {
  program
    .command("support-bundle")
    .description("write one .tar.gz for a ticket: configuration (secrets redacted), status, diagnose, audit and log tails, versions, systemd units")
    .option("--output <file>", "the archive to write (default ./nodekeeper-support-<node>-<time>.tar.gz)")
    .action(async (opts: { output?: string }, cmd: Command) => {
      const effects = await loadEffects();
      const { supportBundle } = await import("../commands/support-bundle.js");
      const r = await supportBundle(effects, { configFile: configFile(cmd.optsWithGlobals<GlobalOptions>()), output: opts.output, env: process.env, threadPoolSize: threadPoolSize() });
      for (const e of r.entries) write(`  ${e.name} (${e.bytes} bytes)\n`);
      for (const p of r.problems) write(`  not collected: ${p}\n`);
      write(`wrote ${r.file} (${r.bytes} bytes, mode 0600; ${r.secretsScrubbed} secret values removed)\n`);
      process.exitCode = exitCodeOf("done");
    });
}

export function registerExplain(program: Command): void {
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
      // No such report, or no report yet: the operator named the wrong one.
      if (!result.ok) throw new CliError(`explain: ${result.error}`, exitCodeOf("usage"));
      const e = result.explanation;
      if (opts.json) writeJson(e);
      else write(e.sections.map((s) => [s.lines.length > 0 ? `${s.title}:` : s.title, ...s.lines.map((l) => `  ${l}`)].join("\n")).join("\n") + "\n");
      process.exitCode = exitCodeOf("done");
    });
}

export function registerWait(program: Command): void {
  program
    .command("wait")
    .description("a runbook gate: probe every interval until EXPR holds over the `status --json` facts; exit 0 true, 124 timeout, 64 bad EXPR")
    .requiredOption("--until <expr>", "condition, e.g. 'cassandra.hints.total < 1000 and cassandra.repair == IDLE' or 'peers.down == 0'")
    .option("--timeout <duration>", "give up after this long (exit 124): 90s, 30m, 2h", "30m")
    .option("--interval <duration>", "time between polls, at least 1s", "10s")
    .option("--fresh", "read every nodetool fact at each poll, not the cached ones (a JVM per fact per poll)")
    .action(async (opts: { until: string; timeout: string; interval: string; fresh?: boolean }, cmd: Command) => {
      const { planWait, badExpressionMessage } = await import("../commands/wait-options.js");
      const plan = planWait(opts);
      if (!plan.ok) throw new CliError(plan.message, exitCodeOf(plan.outcome)); // before the configuration: a typo is told at once
      const loaded = await loadConfigFor(cmd.optsWithGlobals<GlobalOptions>());
      const effects = await loadEffects();
      const { waitUntil, waitOutcome } = await import("../commands/wait.js");
      const progress = await waitProgress(plan.timeoutMs);
      const result = await waitUntil(effects, loaded, { expression: opts.until, timeoutMs: plan.timeoutMs, intervalMs: plan.intervalMs, fresh: opts.fresh === true, onPoll: progress.onPoll });
      progress.end();
      if (result.outcome === "bad-expression") throw new CliError(badExpressionMessage(opts.until, result.error), exitCodeOf(waitOutcome(result)));
      effects.runner.killAll(); // a poll abandoned at the timeout leaves nothing behind
      write(await waitVerdict(result));
      process.exitCode = exitCodeOf(waitOutcome(result));
    });
}

/** `wait`'s progress: a TTY gets one line rewritten in place; a log gets a line per change. */
async function waitProgress(timeoutMs: number) {
  const { describeObserved, formatDuration } = await import("../commands/wait.js");
  const tty = process.stdout.isTTY === true;
  let previous = "";
  return {
    onPoll: (p: WaitPoll) => {
      const line = `${describeObserved(p.observed)}: ${p.value ? "true" : "not yet"}`;
      if (tty) write(`\r\x1b[Kwaiting ${formatDuration(p.elapsedMs)} of ${formatDuration(timeoutMs)}, poll ${p.poll}: ${line}`);
      else if (line !== previous) write(`${p.at} ${line}\n`);
      previous = line;
    },
    end: () => {
      if (tty) write("\r\x1b[K");
    },
  };
}

/** The last line of `wait`: how long, how many polls, and what the last poll saw. */
async function waitVerdict(result: Exclude<WaitResult, { outcome: "bad-expression" }>): Promise<string> {
  const { describeObserved, formatDuration } = await import("../commands/wait.js");
  const seen = result.last ? `: ${describeObserved(result.last.observed)}` : " (no poll finished)";
  return result.outcome === "true"
    ? `condition true after ${formatDuration(result.elapsedMs)} (${result.polls} poll${result.polls === 1 ? "" : "s"})${seen}\n`
    : `timed out after ${formatDuration(result.elapsedMs)}, condition still false${seen}\n`;
}
