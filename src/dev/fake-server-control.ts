/**
 * The demo's stand-in for `systemctl stop|start dynatrace-server`, run by
 * nodekeeper as `remediation.stopServerCommand` / `startServerCommand`:
 * `node dist/dev/fake-server-control.js --sim=DIR --run=ID --ms=N stop|start`.
 * It takes N ms, as a real stop or start takes a while, then flips the
 * server's state in the sim folder; the server API double (simulated-node.ts)
 * answers from that state, so nodekeeper's next probe sees the server down or
 * up again. A start gives the server a new start time, which is how
 * nodekeeper notices a restart.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { parseToolArgs, simPaths } from "./sim-files.js";
import { appendSimEvent, readServerWorld, writeServerWorld } from "./world.js";

const args = parseToolArgs(process.argv.slice(2));
const paths = simPaths(args.simDir);
const action = args.rest[0];
if (action !== "stop" && action !== "start") {
  process.stderr.write(`usage: fake-server-control --sim=DIR --run=ID [--ms=N] stop|start (got ${JSON.stringify(args.rest)})\n`);
  process.exit(2);
}
const before = readServerWorld(paths);
process.stdout.write(`${action === "stop" ? "Stopping" : "Starting"} dynatrace-server (simulated)...\n`);
await sleep(args.durationMs);
if (action === "stop") {
  writeServerWorld(paths, { ...before, running: false });
  appendSimEvent(paths, "server-stopped", before.running ? "dynatrace-server stopped" : "dynatrace-server was not running");
} else {
  writeServerWorld(paths, { running: true, startedAt: new Date().toISOString() });
  appendSimEvent(paths, "server-started", before.running ? "dynatrace-server restarted" : "dynatrace-server started");
}
process.stdout.write(`dynatrace-server ${action === "stop" ? "stopped" : "started"}\n`);
