/**
 * Result codes of the Cassandra component (range 300–399; 0 is OK).
 *
 * These are published in the README and sent to Mission Control: a code, once
 * published, keeps its meaning forever. Add new codes; never renumber or
 * reword one into something else. 300–309: nodetool could not tell us;
 * 310–319: this node is not serving; 320–329: the cluster needs attention.
 */
import type { Status } from "./status.js";

export interface CassandraResultCode {
  readonly code: number;
  readonly name: string;
  readonly status: Status;
  readonly meaning: string;
}

export const CASSANDRA_RESULT_CODES = [
  { code: 300, name: "NODETOOL_NOT_INSTALLED", status: "NOT_INSTALLED", meaning: "The configured nodetool command (cassandra.nodetool) does not exist on this node, so Cassandra is taken as not installed here." },
  { code: 301, name: "JMX_UNREACHABLE", status: "ERROR", meaning: "nodetool could not connect to Cassandra's JMX port (connection refused, unknown host, no route, JMX restarting): Cassandra is down, starting, or not listening where nodetool looks." },
  { code: 302, name: "JMX_AUTH_FAILED", status: "UNKNOWN", meaning: "Cassandra's JMX refused nodetool's credentials; Cassandra's health cannot be read until the JMX user or password used by the nodetool wrapper is fixed." },
  { code: 303, name: "NODETOOL_COMMAND_UNSUPPORTED", status: "UNKNOWN", meaning: "This Cassandra version's nodetool does not know a command nodekeeper needs (nodetool: Found unexpected parameters)." },
  { code: 304, name: "NODETOOL_TIMEOUT", status: "UNKNOWN", meaning: "nodetool did not finish within its deadline and was killed with its whole process group; Cassandra's JMX may be overloaded or hung." },
  { code: 305, name: "NODETOOL_OUTPUT_UNPARSEABLE", status: "UNKNOWN", meaning: "nodetool answered, but its output could not be understood (unexpected format, or cut off because it exceeded the output cap)." },
  { code: 306, name: "NODETOOL_FAILED", status: "UNKNOWN", meaning: "nodetool ran but reported an error (an `error:` stack trace, an `Error:` line, an unexpected exit code or signal); see the description and Cassandra's log." },
  { code: 307, name: "NODETOOL_NOT_STARTABLE", status: "UNKNOWN", meaning: "The nodetool command exists but could not be started (permission denied, not executable, bad interpreter)." },
  { code: 308, name: "NODETOOL_SKIPPED", status: "UNKNOWN", meaning: "nodetool was not run: the probe's time budget was used up, or another nodekeeper process kept the nodetool lock for too long." },
  { code: 309, name: "PROBE_INTERNAL_ERROR", status: "UNKNOWN", meaning: "The Cassandra probe itself failed unexpectedly (a nodekeeper bug); the description carries the error." },
  { code: 310, name: "NODE_STARTING", status: "ERROR", meaning: "Cassandra on this node is still starting or bootstrapping and does not serve yet (server not initialised, or no system_traces yet)." },
  { code: 311, name: "NODE_NOT_NORMAL", status: "ERROR", meaning: "This node's ring state is not UN (Up/Normal): it is joining, leaving, moving, or not seen as up." },
  { code: 312, name: "NODE_NOT_IN_RING", status: "ERROR", meaning: "This node's host ID is not among the ring members listed by nodetool status." },
  { code: 313, name: "NODE_UNIDENTIFIED", status: "UNKNOWN", meaning: "This node could not be recognised among the ring members (its host ID is not known yet), so its own ring state is unknown." },
  { code: 314, name: "GOSSIP_NOT_RUNNING", status: "ERROR", meaning: "Gossip is disabled on this node (nodetool info: Gossip active false); the node is cut off from the cluster." },
  { code: 315, name: "NATIVE_TRANSPORT_NOT_RUNNING", status: "ERROR", meaning: "The native transport (CQL port) is disabled on this node (nodetool info: Native Transport active false); clients cannot use it." },
  { code: 320, name: "PEERS_DOWN", status: "WARNING", meaning: "One or more other ring members are down (DN) or in an unknown state (?N) as seen from this node." },
  { code: 321, name: "SCHEMA_DISAGREEMENT", status: "WARNING", meaning: "Reachable nodes report more than one schema version (nodetool describecluster)." },
  { code: 322, name: "HINTS_PILING_UP", status: "WARNING", meaning: "This node holds more pending hint files than the configured thresholds (cassandra.hints), in total or for one peer." },
  { code: 323, name: "HINT_WINDOW_NEAR", status: "WARNING", meaning: "A peer's oldest hint held by this node approaches the max hint window (cassandra.hints.warnWindowRatio of getmaxhintwindow): if the peer does not come back in time, it will need a repair." },
  { code: 324, name: "HINT_WINDOW_PASSED", status: "ERROR", meaning: "A peer's oldest hint is older than the max hint window: Cassandra no longer stores hints for it, and it needs a repair once it is back." },
  { code: 325, name: "REPAIR_AGE_NEAR_GC_GRACE", status: "WARNING", meaning: "The last successful repair shown by repair_admin summarize-repaired approaches gc_grace_seconds (cassandra.repairAge): repair before it passes, or deleted data can come back." },
  { code: 326, name: "REPAIR_AGE_PAST_GC_GRACE", status: "ERROR", meaning: "The last successful repair shown by repair_admin summarize-repaired is older than gc_grace_seconds: deleted data can come back; repair now." },
] as const satisfies readonly CassandraResultCode[];

export type CassandraResultCodeName = (typeof CASSANDRA_RESULT_CODES)[number]["name"];

const BY_NAME = new Map<string, CassandraResultCode>(CASSANDRA_RESULT_CODES.map((c) => [c.name, c]));

/** The entry for a code name (every name used in code exists; checked by the tests). */
export function resultCode(name: CassandraResultCodeName): CassandraResultCode {
  return BY_NAME.get(name) ?? { code: 309, name: "PROBE_INTERNAL_ERROR", status: "UNKNOWN", meaning: "" };
}
