/**
 * The Cassandra component's status, result code and a description a person
 * can act on. Pure.
 *
 * ERROR: this node is not UN, gossip or native transport is off, or nodetool
 * cannot reach Cassandra. WARNING: other ring members are down, the schema
 * disagrees, or hints pile up. OK otherwise. When nodetool could not tell, the
 * code of that failure decides (NOT_INSTALLED, UNKNOWN or ERROR).
 */
import type { Status } from "../contract/status.js";
import { worstStatus } from "../contract/status.js";
import type { NodetoolFailureKind } from "./nodetool.js";
import type { DescribeCluster } from "./parse/describecluster.js";
import type { NodeInfo } from "./parse/info.js";
import type { PendingHints } from "./parse/listpendinghints.js";
import type { RingMember, RingStatus } from "./parse/status.js";
import { formatDuration, type HintDebt, type RepairAge } from "./debt.js";
import type { LocalMatch, PeerCassandra, RingSummary } from "./peers.js";
import { age, type Sourced } from "./repair.js";
import { resultCode, type CassandraResultCodeName } from "../contract/cassandra-result-codes.js";

export interface CassandraHealth {
  readonly status: Status;
  readonly description: string;
  readonly resultCode: number;
}

/** Why nodetool gave no answer: the adapter's failures, plus the probe's own. */
export type ProbeFailureKind = NodetoolFailureKind | "skipped" | "internal";

export interface ProbeFailure {
  readonly kind: ProbeFailureKind;
  readonly reason: string;
}

const FAILURE_CODES: Record<ProbeFailureKind, CassandraResultCodeName> = {
  not_installed: "NODETOOL_NOT_INSTALLED",
  jmx_unreachable: "JMX_UNREACHABLE",
  auth_failed: "JMX_AUTH_FAILED",
  unsupported: "NODETOOL_COMMAND_UNSUPPORTED",
  timeout: "NODETOOL_TIMEOUT",
  unparseable: "NODETOOL_OUTPUT_UNPARSEABLE",
  failed: "NODETOOL_FAILED",
  not_startable: "NODETOOL_NOT_STARTABLE",
  skipped: "NODETOOL_SKIPPED",
  internal: "PROBE_INTERNAL_ERROR",
  not_ready: "NODE_STARTING",
};

const FAILURE_ADVICE: Record<ProbeFailureKind, string> = {
  not_installed: "Cassandra is not installed on this node, or cassandra.nodetool points to the wrong place.",
  jmx_unreachable: "Cassandra is down, still starting, or its JMX port is not reachable: check the Cassandra service and its system.log.",
  auth_failed: "Fix the JMX user or password used by the nodetool command (cassandra.nodetool).",
  unsupported: "Check that cassandra.nodetool runs the nodetool of the installed Cassandra version.",
  timeout: "Cassandra's JMX may be overloaded (long GC pauses?) or hung: check CPU, the GC log and system.log.",
  unparseable: "This nodetool output is not understood by nodekeeper; run the command by hand and report it.",
  failed: "See Cassandra's system.log.",
  not_startable: "Check the permissions and interpreter of the nodetool command (cassandra.nodetool).",
  skipped: "It will be tried again in the next cycle.",
  internal: "This is a nodekeeper bug; please report it.",
  not_ready: "Wait for Cassandra to reach UN; if it stays like this, check system.log.",
};

export function failureHealth(failure: ProbeFailure): CassandraHealth {
  const rc = resultCode(FAILURE_CODES[failure.kind]);
  const lead = failure.kind === "not_ready" ? "Cassandra is still starting or bootstrapping: " : "";
  return { status: rc.status, resultCode: rc.code, description: `${lead}${sentence(failure.reason)} ${FAILURE_ADVICE[failure.kind]}` };
}

export interface HealthInput {
  readonly version: string | null;
  readonly ring: RingStatus;
  readonly summary: RingSummary;
  readonly local: LocalMatch;
  /** The host ID this node is known by (null when nodetool info was never read). */
  readonly localHostId: string | null;
  readonly info: Sourced<NodeInfo> | null;
  readonly describe: Sourced<DescribeCluster> | null;
  readonly hints: Sourced<PendingHints> | "unsupported" | null;
  readonly peers: readonly PeerCassandra[];
  readonly thresholds: { readonly warnTotalFiles: number; readonly warnPeerFiles: number };
  /** A run later in this probe found Cassandra gone (JMX unreachable, not ready). */
  readonly lateFailure: ProbeFailure | null;
  /** Facts that could not be read, for the description. */
  readonly gaps: readonly string[];
  /** This node's own addresses (cassandra.address, nodeIp), as configured, for the not-in-ring message. */
  readonly localAddresses?: readonly string[];
  readonly hintDebt?: HintDebt | null;
  readonly repairAge?: RepairAge | null;
  readonly warnWindowRatio?: number;
  readonly repairWarnRatio?: number;
}

interface Problem {
  readonly name: CassandraResultCodeName;
  readonly text: string;
}

const STATE_WORDS: Record<string, string> = {
  J: "joining the ring (bootstrap or replace in progress)",
  L: "leaving the ring (decommission in progress)",
  M: "moving its token",
};

export function deriveHealth(input: HealthInput): CassandraHealth {
  const problems: Problem[] = [];
  if (input.lateFailure !== null) {
    const f = failureHealth(input.lateFailure);
    problems.push({ name: FAILURE_CODES[input.lateFailure.kind], text: `During this probe: ${f.description}` });
  }

  const local = input.local?.member ?? null;
  if (local === null) {
    const addresses = (input.localAddresses ?? []).filter((a) => a !== "");
    const by = addresses.length > 0 ? `, nor any of its addresses ${addresses.join(", ")}` : " (no address of its own is configured: cassandra.address, nodeIp)";
    if (input.localHostId !== null) {
      problems.push({ name: "NODE_NOT_IN_RING", text: `This node (host ID ${input.localHostId}${by}) is not among the ${input.ring.members.length} ring members: it may have been removed or replaced; compare with nodetool status on another node.` });
    } else if (addresses.length > 0) {
      problems.push({ name: "NODE_UNIDENTIFIED", text: `This node could not be recognised in the ring: its host ID is not known yet (nodetool info not read) and none of its addresses ${addresses.join(", ")} is a ring member.` });
    } else {
      problems.push({ name: "NODE_UNIDENTIFIED", text: "This node could not be recognised in the ring because its host ID is not known yet (nodetool info not read); it will be read in a coming cycle." });
    }
  } else if (local.ringState !== "UN") {
    problems.push({ name: "NODE_NOT_NORMAL", text: `This node is ${local.ringState} in the ring: ${describeState(local)}.` });
  }

  const info = input.info;
  if (info !== null && info.value.gossipActive === false) {
    problems.push({ name: "GOSSIP_NOT_RUNNING", text: `Gossip is disabled on this node (nodetool info, ${age(info.ageMs)}): run nodetool enablegossip, or check system.log for a disk-failure stop or a drain.` });
  }
  if (info !== null && info.value.nativeTransportActive === false) {
    problems.push({ name: "NATIVE_TRANSPORT_NOT_RUNNING", text: `The native transport (CQL) is disabled on this node (nodetool info, ${age(info.ageMs)}): run nodetool enablebinary, or check system.log for why it stopped.` });
  }

  const down = input.summary.downMembers;
  if (down.length > 0) {
    const list = down.slice(0, 5).map((m) => `${m.address} (${m.ringState}${m.dataCenter !== null ? `, ${m.dataCenter}` : ""})`).join(", ");
    const more = down.length > 5 ? ` and ${down.length - 5} more` : "";
    problems.push({ name: "PEERS_DOWN", text: `${down.length} other ring member${down.length === 1 ? " is" : "s are"} down or unknown: ${list}${more}; check Cassandra on ${down.length === 1 ? "that node" : "those nodes"}.` });
  }

  const dc = input.describe;
  if (dc !== null && !dc.value.schemaAgreement) {
    const versions = dc.value.schemaVersions.map((v) => `${v.version.slice(0, 8)} on ${v.hosts.slice(0, 4).join(", ")}${v.hosts.length > 4 ? ", ..." : ""}`).join("; ");
    problems.push({ name: "SCHEMA_DISAGREEMENT", text: `${dc.value.schemaVersions.length} schema versions among reachable nodes (describecluster, ${age(dc.ageMs)}): ${versions}. It usually settles within minutes; if it persists, check the nodes on the minority version.` });
  }

  const hints = input.hints;
  if (hints !== null && hints !== "unsupported") {
    const { warnTotalFiles, warnPeerFiles } = input.thresholds;
    const heavy = hints.value.entries.filter((e) => e.totalFiles >= warnPeerFiles);
    if (hints.value.totalFiles >= warnTotalFiles || heavy.length > 0) {
      const list = [...hints.value.entries]
        .sort((a, b) => b.totalFiles - a.totalFiles)
        .slice(0, 5)
        .map((e) => `${e.host ?? e.address ?? e.hostId} ${e.totalFiles} (${e.status ?? "?"})`)
        .join(", ");
      problems.push({ name: "HINTS_PILING_UP", text: `This node holds ${hints.value.totalFiles} pending hint files (listpendinghints, ${age(hints.ageMs)}; warning at ${warnTotalFiles} in total or ${warnPeerFiles} for one peer): ${list}. Bring the target nodes back, or repair them once hints expire.` });
    }
  }

  problems.push(...hintDebtProblems(input));
  problems.push(...repairAgeProblems(input));

  const gaps = input.gaps.length > 0 ? ` Not read: ${input.gaps.join("; ")}.` : "";
  if (problems.length === 0) return { status: "OK", resultCode: 0, description: `${okSummary(input)}${gaps}` };

  const codes = problems.map((p) => resultCode(p.name));
  const status = worstStatus(codes.map((c) => c.status));
  const lead = codes.filter((c) => c.status === status).sort((a, b) => a.code - b.code)[0];
  return { status, resultCode: lead?.code ?? 309, description: `${problems.map((p) => p.text).join(" ")}${gaps}` };
}

function hintDebtProblems(input: HealthInput): Problem[] {
  const debt = input.hintDebt;
  if (debt === undefined || debt === null) return [];
  const warnAt = input.warnWindowRatio ?? 0.75;
  const window = formatDuration(debt.windowMs);
  const passed = debt.peers.filter((p) => p.ratio >= 1);
  const near = debt.peers.filter((p) => p.ratio >= warnAt && p.ratio < 1);
  const out: Problem[] = [];
  const list = (ps: typeof debt.peers) => ps.slice(0, 3).map((p) => `${p.peer} are ${formatDuration(p.ageMs)} old`).join(", hints for ");
  const more = (ps: typeof debt.peers) => (ps.length > 3 ? ` (and ${ps.length - 3} more peers)` : "");
  if (passed.length > 0) {
    out.push({
      name: "HINT_WINDOW_PASSED",
      text: `Hints for ${list(passed)}${more(passed)}, past the ${window} max hint window (listpendinghints, getmaxhintwindow): Cassandra no longer stores hints for ${passed.length === 1 ? "that peer" : "those peers"}, so ${passed.length === 1 ? "it misses" : "they miss"} writes; once back, run a full repair of ${passed.length === 1 ? "it" : "each"} (nodetool repair --full on that node).`,
    });
  }
  if (near.length > 0) {
    out.push({
      name: "HINT_WINDOW_NEAR",
      text: `Hints for ${list(near)}${more(near)}, Cassandra drops hints after ${window}: a repair will be needed if ${near.length === 1 ? "it does" : "they do"} not come back.`,
    });
  }
  return out;
}

function repairAgeProblems(input: HealthInput): Problem[] {
  const age = input.repairAge;
  if (age === undefined || age === null) return [];
  const warnAt = input.repairWarnRatio ?? 0.75;
  const grace = formatDuration(age.gcGraceMs);
  const what = `The last successful repair of this node is ${formatDuration(age.ageMs)} old (repair_admin summarize-repaired, least recently repaired: ${age.table})`;
  if (age.ratio >= 1) {
    return [{ name: "REPAIR_AGE_PAST_GC_GRACE", text: `${what}, older than gc_grace_seconds (${grace}): deleted data can come back; run a repair of this node now (nodetool repair).` }];
  }
  if (age.ratio >= warnAt) {
    return [{ name: "REPAIR_AGE_NEAR_GC_GRACE", text: `${what}, gc_grace_seconds is ${grace}: repair before then, or deleted data can come back.` }];
  }
  return [];
}

function describeState(m: RingMember): string {
  if (m.status === "D") return "the node sees itself as down, which points to a gossip problem";
  if (m.status === "?") return "its status is unknown to gossip";
  return `it is ${STATE_WORDS[m.state] ?? "not in the normal state"}`;
}

function okSummary(input: HealthInput): string {
  const v = input.version !== null ? `Cassandra ${input.version}` : "Cassandra";
  const dcs = input.summary.dataCenters.map((d) => `${d.name} ${d.up}/${d.members} up`).join(", ");
  const schema = input.describe === null ? "" : "; schema in agreement";
  const hints = input.hints === null || input.hints === "unsupported" ? "" : `; ${input.hints.value.totalFiles} pending hint files`;
  return `${v} is UN on this node; ring: ${dcs}${schema}${hints}.`;
}

function sentence(text: string): string {
  const t = text.trim();
  return t === "" || /[.!?]$/.test(t) ? t : `${t}.`;
}
