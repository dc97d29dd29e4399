/**
 * The demo's compact view of one report cycle: a few lines built from the
 * same data `status` shows (the cycle's snapshot, the apply outcome) plus
 * what Mission Control decided. Pure: data and style in, text out.
 */
import type { ActionReport, ApplyOutcome } from "../apply/index.js";
import { bold, paint } from "../render/table.js";
import type { Style } from "../render/table.js";
import type { CycleResult } from "../commands/cycle.js";
import { exitCodeOf } from "../contract/outcomes.js";
import { connectivityStatus } from "../probes/connectivity/index.js";
import type { Status } from "../contract/status.js";
import type { Snapshot } from "../report/collect.js";
import { DATA_CENTERS, NODES, THIS_NODE_ID } from "./cluster.js";
import type { Decision } from "./mission-control.js";

/** `m:ss` of the demo's clock. */
export function clockLabel(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  return `${Math.floor(total / 60)}:${String(total % 60).padStart(2, "0")}`;
}

const LABEL_WIDTH = 11;
const line = (label: string, text: string) => `  ${label.padEnd(LABEL_WIDTH)}${text}`;
const more = (text: string) => `  ${"".padEnd(LABEL_WIDTH)}${text}`;

function ringStatus(state: string): Status {
  return state === "UN" ? "OK" : state.startsWith("D") || state === "down" ? "ERROR" : "WARNING";
}

/** One line per data center: each node's ring state as nodetool on node-1 shows it, or what the ports say when nodetool cannot tell. */
export function ringLine(snapshot: Snapshot, style: Style): string {
  const c = snapshot.cassandra;
  const ring = new Map(c.peers.map((p) => [p.nodeId, p.ringState]));
  const ports = new Map(snapshot.connectivity.map((p) => [p.nodeId, p.cassandra.connected]));
  const parts = DATA_CENTERS.map((dc) => {
    const nodes = NODES.filter((n) => n.dataCenter === dc).map((n) => {
      let state: string;
      if (n.id === THIS_NODE_ID) state = c.localRingState ?? (c.health.status === "ERROR" ? "down" : "?");
      else state = ring.get(n.id) ?? (ports.get(n.id) === false ? "down" : ports.get(n.id) === true ? "up" : "?");
      return `${n.id} ${paint(state, ringStatus(state), style)}`;
    });
    return `${dc}: ${nodes.join("  ")}`;
  });
  const source = c.localRingState !== null ? "nodetool status on node-1" : "nodetool cannot answer; peers from their Cassandra ports";
  return `${parts.join("   ")}   (${source})`;
}

function actionText(a: ActionReport): string {
  const error = a.error !== null ? `: ${a.error}` : "";
  return `${a.action} ${a.before} → ${a.after}${error}`;
}

export interface CycleViewInput {
  readonly cycle: number;
  readonly atMs: number;
  readonly result: CycleResult;
  /** Mission Control's decision on this cycle's report, if it got it. */
  readonly decision: Decision | null;
  /** Pending lines already shown (so a wait is said once, not every cycle). */
  readonly shownPending: Set<string>;
  /** Lines of things the simulation did during the cycle (fake tools, server API). */
  readonly simLines: readonly string[];
}

export function renderCycle(input: CycleViewInput, style: Style): string {
  const { result, decision } = input;
  const out: string[] = [];
  const ex = result.exchange;
  const sent = ex ? `${ex.result}${ex.httpStatus !== null ? ` (HTTP ${ex.httpStatus})` : ""}` : "not sent";
  out.push(`${bold(`[${clockLabel(input.atMs)}] cycle ${input.cycle}`, style)} · report ${sent} · exit ${exitCodeOf(result.outcome)} · ${(result.durationMs / 1000).toFixed(1)} s`);
  if (ex && ex.result !== "delivered") out.push(more(ex.summary));

  const s = result.snapshot;
  if (s) {
    out.push(line("ring", ringLine(s, style)));
    const f = s.nodeFacts;
    const server = f.source === "server" ? f.serverState : `${f.serverState} (${f.note ?? "its API does not answer"})`;
    const c = s.cassandra.health;
    const peers = connectivityStatus(s.connectivity);
    const repair = result.apply?.cassandraPhaRepairStatus ?? result.report?.cassandraPhaRepairStatus ?? "?";
    out.push(line(THIS_NODE_ID,
      `server ${paint(server, f.serverState === "RUNNING" ? "OK" : "ERROR", style)} · Cassandra ${paint(c.status, c.status, style)} (${c.resultCode}) · ` +
      `peers ${paint(peers.status, peers.status, style)} · PHA repair ${repair}`));
  }

  if (decision) {
    const i = decision.instructions;
    for (const [n, note] of decision.notes.entries()) out.push(n === 0 ? line("MC", note) : more(note));
    const flag = i.phaFailoverRemediation ? paint("failover remediation ON", "WARNING", style) : "failover remediation off";
    out.push((decision.notes.length === 0 ? (t: string) => line("MC", t) : more)(
      `answers ${i.clusterStatus} · ${flag} · quorum override ${i.cassandraQuorumOverride ? "on" : "off"} · responsibility [${i.responsibilityNodeIds.join(", ")}]`,
    ));
  }

  const apply: ApplyOutcome | null = result.apply;
  if (apply) {
    const said: string[] = [];
    for (const e of apply.events) said.push(`${e.event}: ${e.reason}`);
    for (const a of apply.done) said.push(`done ${actionText(a)}`);
    for (const a of apply.failed) said.push(paint(`FAILED ${actionText(a)}`, "ERROR", style));
    for (const a of apply.wouldRun) said.push(`would run ${actionText(a)}`);
    for (const p of apply.pending) {
      const key = `${p.action} ${p.reason}`;
      if (input.shownPending.has(key)) continue;
      input.shownPending.add(key);
      said.push(`waits ${p.action}: ${p.reason}`);
    }
    for (const e of apply.errors) said.push(paint(`problem: ${e}`, "ERROR", style));
    for (const [n, text] of said.entries()) out.push(n === 0 ? line("nodekeeper", text) : more(text));
  }
  for (const [n, text] of input.simLines.entries()) out.push(n === 0 ? line("sim", text) : more(text));
  return `${out.join("\n")}\n`;
}
