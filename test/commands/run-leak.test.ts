/**
 * Issue 18, no regression later: 300 cycles of `run` in one process must not
 * keep memory or handles. Not timed: it counts bytes of the JS heap after a
 * full GC and the process's active handles, after 50 warm-up cycles (modules
 * loaded, code compiled, caches filled) and again 250 cycles later.
 *
 * What is real: the cycle, the run loop, the state folder (temporary), the
 * HTTPS client and its TLS context, a Mission Control on loopback answering
 * with instructions every time (so the apply step runs too). What is fake:
 * child processes (a runner answering as nodetool 4.1 and systemctl do, from
 * test/fixtures) and the clock's sleeps (the loop does not wait for slots).
 * A leak of a few kilobytes per cycle (a kept report, an answer, a TLS
 * session, a timer) fails the bound; V8's own compiled code, which still
 * grows a little while the optimizer works, stays well within it.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { parseConfig } from "../../src/config/load.js";
import "../../src/config/zod-settings.js";
import type { Clock } from "../../src/effects/clock.js";
import { systemClock } from "../../src/effects/clock.js";
import { createLogger } from "../../src/effects/log.js";
import type { ProcessRunner, RunResult } from "../../src/effects/process.js";
import { realEffects } from "../../src/effects/real.js";
import { runLoop } from "../../src/commands/run.js";
import { exitCodeOf } from "../../src/contract/outcomes.js";
import { ROOT, writeConfig } from "../helpers/cli.js";
import { tempDir } from "../helpers/temp.js";
import { makeTestPki } from "../helpers/tls.js";
import { answers, startMissionControl } from "../mission-control/server.js";
import { makeToken, writeTokenFile } from "../mission-control/support.js";
import { rmSync } from "node:fs";

const SAMPLES = join(ROOT, "test/fixtures/nodetool/4.1");
const NODETOOL: Record<string, string> = {
  status: "status-multidc-down.txt",
  info: "info-gossip-native-disabled.txt",
  version: "version.txt",
  tpstats: "tpstats-json-repair-validation-active.txt",
  listpendinghints: "listpendinghints-several.txt",
  repair_admin: "repair_admin-list-empty.txt",
  netstats: "netstats-idle.txt",
  describecluster: "describecluster-healthy-mixed-versions.txt",
  compactionstats: "compactionstats-idle.txt",
};

/** `systemctl show` of a running unit, in the Key=Value form systemctl prints. */
function shown(unit: string): string {
  return `Id=${unit}\nLoadState=loaded\nActiveState=active\nSubState=running\nResult=success\nActiveEnterTimestamp=\n`;
}

/** Answers as nodetool 4.1 and systemctl would, without starting a process. */
function fakeRunner(): ProcessRunner & { runs: number } {
  const samples = new Map(Object.entries(NODETOOL).map(([verb, file]) => [verb, readFileSync(join(SAMPLES, file), "utf8")]));
  const result = (exitCode: number, stdout: string): RunResult => ({
    exitCode, signal: null, stdout, stderr: "", timedOut: false, notFound: false, spawnError: null, truncated: false, durationMs: 1,
  });
  const runner = {
    runs: 0,
    run(argv: readonly string[]): Promise<RunResult> {
      runner.runs++;
      const program = argv[0] ?? "";
      if (program.endsWith("nodetool")) {
        const sample = samples.get(argv[1] ?? "");
        return Promise.resolve(sample === undefined ? result(1, `nodetool: Found unexpected parameters: [${argv[1]}]\n`) : result(0, sample));
      }
      if (program === "systemctl" && argv[1] === "show") {
        const units = argv.slice(argv.indexOf("--") + 1);
        return Promise.resolve(result(0, units.map(shown).join("\n")));
      }
      if (program === "systemctl" && argv[1] === "list-unit-files") {
        return Promise.resolve(result(0, argv.slice(argv.indexOf("--") + 1).map((u) => `${u} enabled enabled`).join("\n") + "\n"));
      }
      return Promise.resolve(result(1, ""));
    },
    killAll() {},
  };
  return runner;
}

/** The JS heap in use after full collections (bytes): what is kept, not what is garbage. */
function heapAfterGc(gc: () => void): number {
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().heapUsed;
}

/** Handles and requests keeping the event loop alive (sockets, timers, servers, file handles). */
function activeResources(): string[] {
  return process.getActiveResourcesInfo().filter((r) => r !== "TTYWrap");
}

test("300 cycles of run in one process keep neither JS heap nor handles", { timeout: 600_000 }, async (t) => {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  const pki = makeTestPki();
  const mc = await startMissionControl();
  const reply = answers.instructions();
  mc.setFallback((req) => {
    mc.requests.length = 0; // the test server records requests: not nodekeeper's memory
    return typeof reply === "function" ? reply(req) : reply;
  });
  const dir = tempDir(t, "nk-leak-");
  t.after(async () => {
    await mc.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const configFile = writeConfig(dir, {
    clusterId: "leak", nodeId: "leak-1", nodeIp: "127.0.0.1", stateDir: join(dir, "state"),
    server: { url: "https://127.0.0.1:1" }, // closed: refused at once
    cassandra: { nodetool: ["nodetool"] },
    directories: [{ path: dir }, { path: ROOT }],
    missionControl: { url: mc.url, caFile: pki.ca.certFile, tokenFile: writeTokenFile(dir, makeToken()), proxy: "none" },
    remediation: { enabled: false },
    log: { level: "warn" },
  });
  const config = parseConfig(JSON.parse(readFileSync(configFile, "utf8")), configFile, dir);
  const runner = fakeRunner();
  const clock: Clock = { ...systemClock, sleep: () => Promise.resolve() };
  const effects = { ...realEffects(), runner, clock };
  const logger = await createLogger({ level: "warn", file: join(dir, "run.log") });
  const stop = new AbortController();
  const WARM = 50;
  const TOTAL = 300;
  let cycles = 0;
  const exitCodes = new Set<number>();
  let start: { heap: number; handles: string[] } | null = null;
  await runLoop(effects, config, {
    intervalMs: 60_000, logger, stop: stop.signal, maxCycles: TOTAL, immediate: true,
    afterCycle: (result) => {
      cycles++;
      exitCodes.add(exitCodeOf(result.outcome));
      // After the cycle's last await: its sockets and timers are released or about to be; a tick lets them go.
      if (cycles === WARM) return new Promise<void>((resolve) => setImmediate(() => {
        start = { heap: heapAfterGc(gc), handles: activeResources() };
        resolve();
      }));
      return Promise.resolve();
    },
  });
  await new Promise((resolve) => setImmediate(resolve));
  const end = { heap: heapAfterGc(gc), handles: activeResources() };
  assert.equal(cycles, TOTAL);
  // Every cycle delivered and applied: a run that failed early would leak nothing and prove nothing.
  assert.deepEqual([...exitCodes], [0]);
  assert.ok(runner.runs >= TOTAL, `the fake nodetool/systemctl answered ${runner.runs} times`);
  assert.ok(start);
  const s = start as { heap: number; handles: string[] };
  const growthKb = (end.heap - s.heap) / 1024;
  t.diagnostic(`heap after GC: ${(s.heap / 1048576).toFixed(2)} MB after ${WARM} cycles, ${(end.heap / 1048576).toFixed(2)} MB after ${TOTAL} (${growthKb.toFixed(0)} KB); handles ${s.handles.length} -> ${end.handles.length}`);
  // 1 MiB over 250 cycles: 4 KB a cycle, less than one report body.
  assert.ok(growthKb < 1024, `the JS heap after GC grew by ${growthKb.toFixed(0)} KB over ${TOTAL - WARM} cycles`);
  assert.ok(end.handles.length <= s.handles.length, `active handles grew: ${JSON.stringify(s.handles)} -> ${JSON.stringify(end.handles)}`);
});
