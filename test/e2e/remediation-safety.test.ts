/**
 * Issue 15, end to end: remediation safety through the built CLI (every cycle
 * one `nodekeeper report` process, see support.ts). A server that nodekeeper
 * stopped is started again whatever Mission Control answers, a start script
 * that forks a daemon is not killed, only answers to the cycle's own report
 * confirm a stop, and wall-clock steps neither confirm a stop nor launch a
 * repair.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { runCli, writeScript } from "../helpers/cli.js";
import { instructionsFor } from "../mission-control/server.js";
import { FLAG_OFF, FLAG_ON, makeE2eNode, waitFor } from "./support.js";
import type { E2eNode } from "./support.js";

/** libfaketime (Debian's libfaketime package; .ci/run installs it): shifts the wall clock of one process, not /proc/uptime. */
const LIBFAKETIME = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";

const STOP = "stop-server dynatrace-server";
const START = "start-server dynatrace-server";

function actionResults(node: E2eNode, action: string): string[] {
  return node.audit().filter((e) => e.type === "action" && e["action"] === action).map((e) => String(e["result"]));
}

/** Two cycles with the flag: the server is stopped. */
async function stopServer(node: E2eNode): Promise<void> {
  node.mc.reply(FLAG_ON);
  await node.cycle();
  node.mc.reply(FLAG_ON);
  await node.cycle();
  assert.deepEqual(node.commands(), [STOP]);
}

describe("e2e remediation safety (issue 15)", { concurrency: true }, () => {
  test("a failed start is retried while Mission Control refuses the reports (401): the server nodekeeper stopped does not stay down", async (t) => {
    const node = await makeE2eNode({ scripts: { startExit: 1 }, remediation: { retryInitialDelayMs: 1, retryMaxDelayMs: 1 } });
    t.after(() => node.close());
    await stopServer(node);
    node.mc.reply(FLAG_OFF);
    await node.cycle();
    assert.deepEqual(node.commands(), [STOP, START]);
    assert.deepEqual(actionResults(node, "start-server"), ["failed"]);

    // The start script works again; Mission Control now refuses every report (a rotated token).
    writeScript(node.fixture.dir, "start-server", `#!/bin/sh\necho "start-server $*" >> '${join(node.fixture.dir, "commands.log")}'\nexit 0\n`);
    node.mc.reply((req) => ({ status: 401, body: instructionsFor(req, { phaFailoverRemediation: true }) }));
    const refused = await node.report();
    assert.equal(refused.code, 4, refused.stdout + refused.stderr);
    assert.deepEqual(node.commands(), [STOP, START, START], "the start is retried although the exchange was refused");
    assert.deepEqual(actionResults(node, "start-server"), ["failed", "done"]);
    const state = JSON.parse(readFileSync(join(node.fixture.stateDir, "apply-state.json"), "utf8")) as { failover: { episode: { active: boolean } } };
    assert.equal(state.failover.episode.active, false, "the refused answer's instructions are not taken");
  });

  test("a start script that forks the server daemon (holding its stdout) is done at its own exit, and the daemon is not killed", async (t) => {
    const node = await makeE2eNode({ remediation: { commandTimeoutMs: 20_000 } });
    t.after(() => node.close());
    const pidFile = join(node.fixture.dir, "daemon.pid");
    t.after(() => {
      try {
        process.kill(Number(readFileSync(pidFile, "utf8")), "SIGKILL");
      } catch {
        // not started, or gone
      }
    });
    writeScript(node.fixture.dir, "start-server", [
      "#!/bin/sh",
      `echo "start-server $*" >> '${join(node.fixture.dir, "commands.log")}'`,
      // The daemon keeps the script's stdout and stderr, as a server started in the background does.
      `sleep 300 & echo $! > '${pidFile}'`,
      "echo 'server starting'",
      "exit 0",
      "",
    ].join("\n"));
    await stopServer(node);
    node.mc.reply(FLAG_OFF);
    await node.cycle();
    assert.deepEqual(node.commands(), [STOP, START]);
    assert.deepEqual(actionResults(node, "start-server"), ["done"], JSON.stringify(node.audit().filter((e) => e.type === "action")));
    const daemon = Number(readFileSync(pidFile, "utf8"));
    assert.doesNotThrow(() => process.kill(daemon, 0), "the server daemon still runs");
    const log = readFileSync(join(node.fixture.stateDir, "server-commands.log"), "utf8");
    assert.match(log, /stop-server: .*stop-server dynatrace-server\n/);
    assert.match(log, /start-server: .*start-server dynatrace-server\nserver starting\n/);
  });

  test("a forward wall-clock step of 20 min during a failover (libfaketime) launches no Cassandra repair", { skip: existsSync(LIBFAKETIME) ? false : `${LIBFAKETIME} is not installed` }, async (t) => {
    const node = await makeE2eNode();
    t.after(() => node.close());
    /** A `report` process whose wall clock runs 20 min ahead: NTP stepped it forward. The boot clock is untouched. */
    const steppedCycle = async () => {
      const r = await runCli(["--config", node.configFile, "report"], {
        env: { ...node.env, LD_PRELOAD: LIBFAKETIME, FAKETIME: "+20m", DONT_FAKE_MONOTONIC: "1" }, timeoutMs: 60_000,
      });
      assert.equal(r.code, 0, r.stdout + r.stderr);
      return r;
    };
    await stopServer(node);
    node.mc.reply(FLAG_ON);
    await steppedCycle(); // by the wall clock nodekeeper "did not run for 20 min"
    node.mc.reply(FLAG_OFF);
    await steppedCycle(); // the failover ends: the server is started again
    assert.deepEqual(node.commands(), [STOP, START]);
    await steppedCycle();
    await steppedCycle();
    assert.deepEqual(node.commands(), [STOP, START], "no repair: Cassandra stayed up and the node did not restart");
    assert.deepEqual([...new Set(node.repairStatuses())], ["NOT_REQUIRED"]);
    const reports = node.reports();
    assert.ok(Date.parse(reports.at(-1)!.generatedAt) - Date.parse(reports[0]!.generatedAt) > 19 * 60_000, "the reports carry the stepped wall clock");
  });

  test("a stop interrupted by kill -9 is waited for before the next cycle starts the server", async (t) => {
    const node = await makeE2eNode();
    t.after(() => node.close());
    const log = join(node.fixture.dir, "commands.log");
    const release = join(node.fixture.dir, "slow-stop.release");
    writeScript(node.fixture.dir, "stop-server", [
      "#!/bin/sh",
      `echo "stop-server begin" >> '${log}'`,
      "i=0",
      `while [ ! -e '${release}' ] && [ $i -lt 1200 ]; do sleep 0.05; i=$((i+1)); done`,
      `echo "stop-server end" >> '${log}'`,
      "exit 0",
      "",
    ].join("\n"));
    t.after(() => {
      try {
        writeFileSync(release, ""); // a stop script still waiting ends
      } catch {
        // the node's folder is gone already
      }
    });
    node.mc.reply(FLAG_ON);
    await node.cycle();
    node.mc.reply(FLAG_ON);
    const child = node.startReport();
    const exited = new Promise((resolve) => child.once("exit", resolve));
    // The stop runs and its process group is on record: kill -9 nodekeeper now.
    const stateFile = join(node.fixture.stateDir, "apply-state.json");
    await waitFor(() => {
      try {
        const s = JSON.parse(readFileSync(stateFile, "utf8")) as { inFlight?: Array<{ action: string; pgid: number | null }> };
        return s.inFlight?.some((f) => f.action === "stop-server" && f.pgid !== null) === true;
      } catch {
        return false;
      }
    }, "the stop-server in flight with its process group", 60_000);
    child.kill("SIGKILL");
    await exited;
    assert.deepEqual(node.commands(), ["stop-server begin"]);

    // The failover ends at once: the next cycle must not start the server while the stop still runs.
    node.mc.reply(FLAG_OFF);
    const next = node.report();
    await waitFor(() => node.audit().some((e) => e.type === "state" && e["event"] === "action-interrupted"), "the next cycle sees the interrupted stop", 60_000);
    await new Promise((resolve) => setTimeout(resolve, 1_000)); // the next cycle had time to start the server, if it would
    writeFileSync(release, "");
    const r = await next;
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.deepEqual(node.commands(), ["stop-server begin", "stop-server end", START], "the start came after the stop ended");
    const settled = node.audit().filter((e) => e.type === "state" && e["event"] === "interrupted-action-settled");
    assert.equal(settled.length, 1);
    assert.match(String(settled[0]!["reason"]), /waited for it to end/);
  });
});
