#!/usr/bin/env node
/**
 * A fake `nodetool` for tests: serves sample outputs, refuses like a JVM that
 * cannot reach JMX, hangs with a grandchild, or answers slowly. Plain Node,
 * no dependencies, so it starts in a few tens of milliseconds.
 *
 * Put it in the config as the nodetool command (`cassandra.nodetool:
 * [".../fake-nodetool.mjs"]`), or prefix it with `/usr/bin/env VAR=value ...`
 * to give one test its own scenario without touching the test process's env.
 *
 * Environment:
 *   FAKE_NODETOOL_DIR      Folder that sample paths are relative to
 *                          (default: ../fixtures/nodetool next to this script).
 *   FAKE_NODETOOL_MAP      JSON object: command → answer. The command is the
 *                          nodetool arguments joined by spaces; the longest key
 *                          that is a word prefix of the arguments wins, so
 *                          "tpstats" also serves "tpstats -F json". An answer is
 *                          a sample path (stdout, exit 0) or an object:
 *                            { "stdout": path, "stdoutText": text,
 *                              "stderr": path, "stderrText": text,
 *                              "exit": n, "mode": mode, "delayMs": n }
 *                          Example: {"status": "4.1/status-multidc-down.txt",
 *                                    "listpendinghints": "4.1/listpendinghints-several.txt",
 *                                    "repair_admin": {"stdout": "3.11/repair_admin-unsupported.txt", "exit": 1}}
 *                          A command that is not mapped answers as a nodetool
 *                          that does not know it: stdout "nodetool: Found
 *                          unexpected parameters: [...]" + help line, exit 1.
 *   FAKE_NODETOOL_MODE     serve (default) | hang | refuse | auth | slow
 *                          (a map entry's "mode" overrides it for that command)
 *                          hang:   starts a grandchild that sleeps (and holds
 *                                  stdout, like a JVM under a wrapper script),
 *                                  then never exits;
 *                          refuse: stderr "nodetool: Failed to connect to
 *                                  '127.0.0.1:7199' - ConnectException: ...", exit 1;
 *                          auth:   stderr "... SecurityException: 'Authentication
 *                                  failed! Invalid username or password'.", exit 1;
 *                          slow:   waits FAKE_NODETOOL_DELAY_MS, then serves.
 *   FAKE_NODETOOL_JDK      8 | 11 (default 11): the refuse wording. JDK 8 later
 *                          builds print 'Connection refused (Connection refused)'.
 *   FAKE_NODETOOL_DELAY_MS Delay before answering, in ms (slow mode default 3000).
 *   FAKE_NODETOOL_PIDFILE  hang mode: "<own pid> <grandchild pid>" is written here.
 *   FAKE_NODETOOL_LOG      One JSON line per invocation is appended here:
 *                          {"argv": [...], "pid": n, "javaToolOptions": "..."}.
 *   JAVA_TOOL_OPTIONS      When set, stderr starts with "Picked up
 *                          JAVA_TOOL_OPTIONS: <value>", as a real JVM prints it.
 */
import { spawn } from "node:child_process";
import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, isAbsolute, join } from "node:path";
import { setInterval, setTimeout } from "node:timers";
import { fileURLToPath } from "node:url";

const env = process.env;
const here = dirname(fileURLToPath(import.meta.url));
const dir = env.FAKE_NODETOOL_DIR || join(here, "..", "fixtures", "nodetool");

// Global connection options a wrapper may put before the command (-h host -p port ...).
const WITH_VALUE = new Set(["-h", "--host", "-p", "--port", "-u", "--username", "-pw", "--password", "-pwf", "--password-file"]);
const FLAGS = new Set(["-pp", "--print-port"]);

const raw = process.argv.slice(2);
const args = [];
for (let i = 0; i < raw.length; i++) {
  if (args.length === 0 && WITH_VALUE.has(raw[i])) i++;
  else if (args.length === 0 && FLAGS.has(raw[i])) continue;
  else args.push(raw[i]);
}

if (env.FAKE_NODETOOL_LOG) {
  appendFileSync(env.FAKE_NODETOOL_LOG, `${JSON.stringify({ argv: raw, pid: process.pid, javaToolOptions: env.JAVA_TOOL_OPTIONS ?? null })}\n`);
}
if (env.JAVA_TOOL_OPTIONS) process.stderr.write(`Picked up JAVA_TOOL_OPTIONS: ${env.JAVA_TOOL_OPTIONS}\n`);

const map = env.FAKE_NODETOOL_MAP ? JSON.parse(env.FAKE_NODETOOL_MAP) : {};
let answer;
for (let n = args.length; n > 0 && answer === undefined; n--) answer = map[args.slice(0, n).join(" ")];
const entry = typeof answer === "string" ? { stdout: answer } : (answer ?? null);
const mode = entry?.mode ?? env.FAKE_NODETOOL_MODE ?? "serve";
const delayMs = Number(entry?.delayMs ?? env.FAKE_NODETOOL_DELAY_MS ?? (mode === "slow" ? 3000 : 0));

const read = (path) => readFileSync(isAbsolute(path) ? path : join(dir, path), "utf8");

function finish() {
  if (mode === "hang") return hang();
  if (mode === "refuse") {
    const message = env.FAKE_NODETOOL_JDK === "8" ? "Connection refused (Connection refused)" : "Connection refused";
    process.stderr.write(`nodetool: Failed to connect to '127.0.0.1:7199' - ConnectException: '${message}'.\n`);
    process.exitCode = 1;
    return;
  }
  if (mode === "auth") {
    process.stderr.write("nodetool: Failed to connect to '127.0.0.1:7199' - SecurityException: 'Authentication failed! Invalid username or password'.\n");
    process.exitCode = 1;
    return;
  }
  if (entry === null) {
    process.stdout.write(`nodetool: Found unexpected parameters: [${args.join(", ")}]\nSee 'nodetool help' or 'nodetool help <command>'.\n`);
    process.exitCode = 1;
    return;
  }
  if (entry.stdout !== undefined) process.stdout.write(read(entry.stdout));
  if (entry.stdoutText !== undefined) process.stdout.write(entry.stdoutText);
  if (entry.stderr !== undefined) process.stderr.write(read(entry.stderr));
  if (entry.stderrText !== undefined) process.stderr.write(entry.stderrText);
  process.exitCode = entry.exit ?? 0;
}

function hang() {
  // The grandchild keeps our stdout open, as a JVM started by a wrapper script would.
  const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 60000)"], { stdio: ["ignore", "inherit", "inherit"] });
  if (env.FAKE_NODETOOL_PIDFILE) writeFileSync(env.FAKE_NODETOOL_PIDFILE, `${process.pid} ${child.pid}\n`);
  setInterval(() => {}, 60_000);
}

if (delayMs > 0) setTimeout(finish, delayMs);
else finish();
