/**
 * The demo's `nodetool`: a small program that nodekeeper runs as its
 * `cassandra.nodetool` command (`node dist/dev/fake-nodetool.js --sim=DIR
 * --run=ID <nodetool arguments>`). It answers in Cassandra 4.1's real formats
 * (nodetool-formats.ts) for the world in the demo's sim folder: the nodes that
 * are down show DN, and when node-1's own Cassandra is down it cannot connect
 * to JMX, as the real one. Like a JVM given JAVA_TOOL_OPTIONS, it says so on
 * stderr first. It imports no package, so that it starts fast (sim-files.ts).
 */
import { nodetool } from "./nodetool-formats.js";
import { parseToolArgs, readCassandraWorld, simPaths } from "./sim-files.js";

const args = parseToolArgs(process.argv.slice(2));
const world = readCassandraWorld(simPaths(args.simDir));
const now = Date.now();
const answer = nodetool(args.rest, {
  down: world.down,
  nowMs: now,
  downSinceMs: world.downSinceMs ?? now,
  uptimeSeconds: (now - world.startedAtMs) / 1000,
});
const toolOptions = process.env["JAVA_TOOL_OPTIONS"];
if (toolOptions) process.stderr.write(`Picked up JAVA_TOOL_OPTIONS: ${toolOptions}\n`);
process.stdout.write(answer.stdout);
process.stderr.write(answer.stderr);
process.exitCode = answer.exitCode;
