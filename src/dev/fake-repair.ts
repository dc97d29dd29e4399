/**
 * The demo's stand-in for `/opt/dynatrace-managed/utils/repair-cassandra-data.sh`,
 * run by nodekeeper as `remediation.repairCommand` (detached, under its
 * repair wrapper): `node dist/dev/fake-repair.js --sim=DIR --run=ID --ms=N
 * --demo-pid=P`. It "repairs" for N ms, printing a few progress lines to the
 * repair log, and succeeds. It outlives nodekeeper's cycle by design, so it
 * watches the demo: when the demo's process is gone (killed hard), it stops
 * too, and nothing of the demo is left running.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { thisNode } from "./cluster.js";
import { parseToolArgs, processAlive, simPaths } from "./sim-files.js";
import { appendSimEvent } from "./world.js";

const POLL_MS = 100; // how often the demo's process is looked for, and progress is made

const args = parseToolArgs(process.argv.slice(2));
const paths = simPaths(args.simDir);
const me = thisNode();
const keyspaces = ["system_auth", "system_distributed", "ruxit"];

appendSimEvent(paths, "repair-started", `full repair of ${me.id}'s Cassandra data in ${me.dataCenter}`);
process.stdout.write(`[${new Date().toISOString()}] repair-cassandra-data (simulated): full repair of ${me.address} in ${me.dataCenter}\n`);
const started = Date.now();
let reported = -1;
while (Date.now() - started < args.durationMs) {
  if (args.demoPid !== null && !processAlive(args.demoPid)) {
    process.stdout.write("the demo is gone: repair abandoned\n");
    process.exit(143);
  }
  const step = Math.min(keyspaces.length - 1, Math.floor(((Date.now() - started) / Math.max(1, args.durationMs)) * keyspaces.length));
  if (step !== reported) {
    reported = step;
    process.stdout.write(`[${new Date().toISOString()}] repairing keyspace ${keyspaces[step] ?? "?"} (${step + 1}/${keyspaces.length})\n`);
  }
  await sleep(Math.min(POLL_MS, Math.max(1, args.durationMs - (Date.now() - started))));
}
process.stdout.write(`[${new Date().toISOString()}] repair finished successfully\n`);
appendSimEvent(paths, "repair-finished", "exit code 0");
