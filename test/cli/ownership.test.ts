/**
 * Issue 15 item 1: commands run by hand as root never lock the service user
 * out of the state folder, and a maintenance switch that cannot be read is ON.
 *
 * Needs root (to chown and to start a CLI as another user): skipped otherwise.
 * The "service user" is uid/gid 65534 (nobody).
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { chmodSync, chownSync, copyFileSync, lstatSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { HealthReportSchema } from "../../src/contract/report.js";
import { BIN, ROOT, runCli } from "../helpers/cli.js";
import type { CliResult } from "../helpers/cli.js";
import { makeToken, writeTokenFile } from "../mission-control/support.js";
import { loopbackWorld } from "./world.js";

const SERVICE = 65534;
const asRoot = process.getuid?.() === 0;

/** The built CLI as the service user. */
function runAs(uid: number, args: readonly string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [BIN, ...args], {
      uid, gid: uid, cwd: ROOT, stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, NO_COLOR: "1", NODEKEEPER_CONFIG: "", HOME: "/", ...env },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => { child.kill("SIGKILL"); reject(new Error(`${args.join(" ")} hung\n${stderr}`)); }, 60_000);
    child.on("error", reject);
    child.on("close", (code, signal) => { clearTimeout(timer); resolve({ code, signal, stdout, stderr, durationMs: performance.now() - started }); });
  });
}

/** Every path under `dir` whose owner is not `uid`. */
function notOwnedBy(dir: string, uid: number): string[] {
  const wrong: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const info = lstatSync(path);
    if (info.uid !== uid || info.gid !== uid) wrong.push(`${path} (${info.uid}:${info.gid})`);
    if (info.isDirectory()) wrong.push(...notOwnedBy(path, uid));
  }
  return wrong;
}

async function setup(t: { after: (fn: () => Promise<void> | void) => void }) {
  const { pki, mc, api, node } = await loopbackWorld(t);
  chmodSync(node.dir, 0o755); // the service user must reach its config and state folder
  mkdirSync(node.stateDir, { mode: 0o750 });
  chownSync(node.stateDir, SERVICE, SERVICE);
  const tokenFile = writeTokenFile(node.dir, makeToken());
  chownSync(tokenFile, SERVICE, SERVICE); // the service user's token, 0600
  // Copies the service user can read (the test PKI's folders are private to root).
  const caFile = join(node.dir, "mc-ca.crt");
  const serverCaFile = join(node.dir, "server-ca.crt");
  copyFileSync(pki.ca.certFile, caFile);
  copyFileSync(api.caFile, serverCaFile);
  chmodSync(caFile, 0o644);
  chmodSync(serverCaFile, 0o644);
  const config = node.config({
    nodeIp: "127.0.0.1",
    directories: [{ path: node.dir }],
    missionControl: { url: mc.url, tokenFile, caFile, retry: { baseMs: 50, maxMs: 200, maxAttempts: 2 } },
    server: { url: api.url, caFile: serverCaFile },
    remediation: { enabled: false },
    cycle: { deadlineMs: 20_000 },
  });
  chmodSync(config, 0o644);
  return { mc, node, config };
}

test("root-run report and maintenance leave every state file owned by the state folder's owner; the service user then reads and writes them", { skip: !asRoot && "needs root" }, async (t) => {
  const { mc, node, config } = await setup(t);
  // As root: one report kept in the outbox (Mission Control down), one delivered, maintenance on.
  await mc.close();
  const kept = await runCli(["--config", config, "report"], { env: node.env, timeoutMs: 60_000 });
  assert.equal(kept.code, 5, kept.stdout + kept.stderr);
  const outbox = join(node.stateDir, "outbox");
  const keptIds = readdirSync(outbox).filter((f) => f.endsWith(".json") && f !== "dropped.json");
  assert.equal(keptIds.length, 1, "one report waits in the outbox");
  assert.deepEqual(notOwnedBy(node.stateDir, SERVICE), [], "after a root-run report that kept its report");
  await mc.restart();
  const on = await runCli(["--config", config, "maintenance", "on", "--reason", "disk swap"], { env: node.env });
  assert.equal(on.code, 0, on.stderr);
  assert.deepEqual(notOwnedBy(node.stateDir, SERVICE), [], "after a root-run report and maintenance on");

  // As the service user: the switch is read (ON), the kept report is sent, not dropped as corrupt.
  const status = await runAs(SERVICE, ["--config", config, "status"], node.env);
  assert.match(status.stdout, /MAINTENANCE MODE since .*disk swap/, status.stdout + status.stderr);
  const before = mc.requests.length;
  const report = await runAs(SERVICE, ["--config", config, "report"], node.env);
  assert.equal(report.code, 0, report.stdout + report.stderr);
  const sent = mc.requests.slice(before).map((q) => HealthReportSchema.parse(q.json));
  assert.equal(sent.length, 2, "the root-made outbox entry and the new report");
  assert.equal(sent[1]!.maintenanceMode, true, "the service user reads the root-made switch: on");
  assert.doesNotMatch(report.stdout + report.stderr, /unreadable|EACCES|corrupt/i);
  const off = await runAs(SERVICE, ["--config", config, "maintenance", "off"], node.env);
  assert.equal(off.code, 0, off.stderr);
  assert.match(off.stdout, /maintenance mode OFF/);
  // And a root-run report now applies over the service user's state without taking it.
  const again = await runCli(["--config", config, "report"], { env: node.env, timeoutMs: 60_000 });
  assert.equal(again.code, 0, again.stdout + again.stderr);
  assert.deepEqual(notOwnedBy(node.stateDir, SERVICE), []);
  const last = await runAs(SERVICE, ["--config", config, "report"], node.env);
  assert.equal(last.code, 0, last.stdout + last.stderr);
  assert.doesNotMatch(last.stdout + last.stderr, /unreadable|EACCES/i);
});

test("a maintenance switch the service user cannot read is ON: reports say so, status and check say why and how to fix it", { skip: !asRoot && "needs root" }, async (t) => {
  const { mc, node, config } = await setup(t);
  // What an older root-run `maintenance on` left: root-owned, 0640.
  const file = join(node.stateDir, "maintenance.json");
  writeFileSync(file, JSON.stringify({ on: true, reason: "ops", since: new Date().toISOString(), by: "root" }), { mode: 0o640 });
  chmodSync(file, 0o640);
  const report = await runAs(SERVICE, ["--config", config, "report"], node.env);
  assert.equal(report.code, 0, report.stdout + report.stderr);
  const body = HealthReportSchema.parse(mc.requests.at(-1)!.json);
  assert.equal(body.maintenanceMode, true, "an unreadable switch is on");
  const status = await runAs(SERVICE, ["--config", config, "status"], node.env);
  assert.match(status.stdout, /MAINTENANCE MODE assumed: .*maintenance\.json cannot be read .*EACCES.*owned by 0:0.*chown 65534:65534 /, status.stdout);
  const check = await runAs(SERVICE, ["--config", config, "check", "components"], node.env);
  assert.equal(check.code, 1, check.stdout);
  assert.match(check.stdout, /maintenance mode assumed: .*cannot be read/);
  // A corrupt one is on too.
  writeFileSync(file, "{ torn");
  chownSync(file, SERVICE, SERVICE);
  const corrupt = await runAs(SERVICE, ["--config", config, "status"], node.env);
  assert.match(corrupt.stdout, /MAINTENANCE MODE assumed: .*not a valid maintenance record.*maintenance off/);
});
