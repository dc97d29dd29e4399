/**
 * `check cluster`: what Mission Control last said about the whole cluster
 * (its answer's clusterStatus and nodeStatuses), as long as that answer is
 * recent enough to say anything about now. No thresholds: Mission Control's
 * words decide.
 */
import * as z from "zod";
import { shortList, worstState, type NagiosState, type PerfDatum } from "./nagios.js";
import { checkResult, type CheckResult } from "./result.js";
import { firstSentence, formatAge, plural } from "./text.js";

export interface ClusterAnswer {
  readonly clusterStatus: string;
  readonly clusterStatusDescription: string;
  readonly nodeStatuses: readonly { readonly nodeId: string; readonly status: string }[];
  /** When the answer was received (our clock), RFC 3339. */
  readonly receivedAt: string;
}

export interface ClusterCheckInput {
  /** The last recorded answer from Mission Control; null when none was ever recorded. */
  readonly answer: ClusterAnswer | null;
  readonly now: Date;
  /** Older than this (ms), the answer says nothing about now: UNKNOWN. Three report intervals is a sensible value. */
  readonly maxAgeMs: number;
}

/** An answer dated further in the future than this (ms) means our clock went back: its age cannot be told. */
export const FUTURE_TOLERANCE_MS = 60_000;

const OK_WORDS: ReadonlySet<string> = new Set(["RUNNING", "OK", "HEALTHY"]);
const UNKNOWN_WORDS: ReadonlySet<string> = new Set(["UNKNOWN", "UNDEFINED"]);
const CRITICAL_MARKERS = ["ERROR", "DOWN", "EMERGENCY", "FAIL", "CRITICAL", "OFFLINE", "DISCONNECTED"] as const;

/**
 * Mission Control's cluster status in Nagios words (case-insensitive):
 * RUNNING, OK, HEALTHY → OK; UNKNOWN, UNDEFINED, empty → UNKNOWN (Mission
 * Control does not know either); a word CONTAINING ERROR, DOWN (so SHUTDOWN
 * too), EMERGENCY, FAIL (FAILED, FAILURE), CRITICAL, OFFLINE or DISCONNECTED
 * (DATABASE_DISCONNECTED) → CRITICAL; any other word → WARNING, never OK: a
 * status nodekeeper does not know is not a healthy one.
 */
export function clusterStatusState(status: string): NagiosState {
  const word = status.trim().toUpperCase();
  if (word === "" || UNKNOWN_WORDS.has(word)) return "UNKNOWN";
  if (OK_WORDS.has(word)) return "OK";
  if (CRITICAL_MARKERS.some((m) => word.includes(m))) return "CRITICAL";
  return "WARNING";
}

const ReceivedAtSchema = z.iso.datetime({ offset: true });

/**
 * UNKNOWN when there is no answer, its time cannot be read, or it is older
 * than maxAgeMs (the text says how old) or dated in the future (a clock that
 * went back). Otherwise the cluster status decides (clusterStatusState), and
 * any node whose status is not one of those OK words makes it at least WARNING.
 */
export function checkCluster(input: ClusterCheckInput): CheckResult {
  const { answer, now, maxAgeMs } = input;
  const emptyData = { answer: null, ageMs: null, maxAgeMs, stale: null };
  if (answer === null) {
    return checkResult("cluster", "UNKNOWN", "no answer from Mission Control recorded yet", [], [], emptyData);
  }
  const received = ReceivedAtSchema.safeParse(answer.receivedAt);
  const receivedMs = received.success ? Date.parse(received.data) : Number.NaN;
  const nodes = answer.nodeStatuses;
  // The contract leaves the node status words open: the same words that make a
  // cluster status OK make a node's status OK.
  const notRunning = nodes.filter((s) => !OK_WORDS.has(s.status.trim().toUpperCase()));
  const ageMs = Number.isNaN(receivedMs) ? null : now.getTime() - receivedMs;
  const perfdata: PerfDatum[] = [
    { label: "age", value: ageMs === null ? null : Math.max(0, ageMs) / 1000, uom: "s", min: 0 },
    { label: "nodes", value: nodes.length, min: 0 },
    { label: "nodes_not_running", value: notRunning.length, min: 0, max: nodes.length },
  ];
  const clusterState = clusterStatusState(answer.clusterStatus);
  const data = {
    clusterStatus: answer.clusterStatus,
    clusterStatusDescription: answer.clusterStatusDescription,
    clusterState,
    receivedAt: answer.receivedAt,
    ageMs, maxAgeMs,
    nodeStatuses: nodes,
    nodesNotRunning: notRunning,
  };
  const then = `cluster was ${answer.clusterStatus || "(empty)"} then`;
  if (ageMs === null) {
    return checkResult("cluster", "UNKNOWN", `the recorded answer has no readable time (${JSON.stringify(answer.receivedAt)})`, perfdata, [], { ...data, stale: null });
  }
  if (ageMs > maxAgeMs) {
    return checkResult("cluster", "UNKNOWN", `last answer from Mission Control is ${formatAge(ageMs)} old (limit ${formatAge(maxAgeMs)}); ${then}`, perfdata, [], { ...data, stale: true });
  }
  if (ageMs < -FUTURE_TOLERANCE_MS) {
    return checkResult("cluster", "UNKNOWN", `last answer from Mission Control is dated ${formatAge(-ageMs)} in the future (clock set back?); ${then}`, perfdata, [], { ...data, stale: true });
  }

  const state = worstState([clusterState, notRunning.length > 0 ? "WARNING" : "OK"]);
  const description = answer.clusterStatusDescription.trim();
  const parts = [`cluster ${answer.clusterStatus || "(empty)"}${clusterState !== "OK" && description !== "" ? `: ${firstSentence(description, 80)}` : ""}`];
  parts.push(notRunning.length > 0
    ? `${notRunning.length} of ${plural(nodes.length, "node")} not RUNNING: ${shortList(notRunning.map((s) => `${s.nodeId} ${s.status || "(empty)"}`))}`
    : `${plural(nodes.length, "node")} RUNNING`);
  const details = [
    ...(description !== "" ? [`cluster: ${answer.clusterStatus} ${description}`] : []),
    ...notRunning.map((s) => `${s.nodeId}: ${s.status}`),
  ];
  return checkResult("cluster", state, `${parts.join("; ")} (answer ${formatAge(Math.max(0, ageMs))} old)`, perfdata, details, { ...data, stale: false });
}
