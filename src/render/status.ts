/** The human form of `status`. */
import type { StatusView } from "../commands/status.js";
import { toPeerTableRows } from "../probes/connectivity/index.js";
import { formatBytes } from "../probes/directories.js";
import { NODEKEEPER_VERSION } from "../contract/version.js";
import { FACT_NAMES } from "../probes/node-facts.js";
import { bold, paint, renderTable } from "./table.js";
import type { Style } from "./table.js";

export function renderStatus(view: StatusView, style: Style): string {
  const out: string[] = [];
  const source = view.node.configFile ?? "embedded default configuration";
  out.push(
    `${bold("nodekeeper", style)} ${NODEKEEPER_VERSION} · cluster ${view.node.clusterId} · node ${view.node.nodeId} (${view.node.ip}) · ${source}`,
  );
  out.push(`Overall: ${paint(view.overall, view.overall, style)}   (probed in ${Math.round(view.durationMs)} ms at ${view.generatedAt})`);
  out.push(...renderServer(view, style));
  if (view.maintenance?.problem !== undefined) {
    out.push(paint(`MAINTENANCE MODE assumed: ${view.maintenance.problem}`, "WARNING", style));
  } else if (view.maintenance) {
    out.push(paint(`MAINTENANCE MODE since ${view.maintenance.since || "?"} by ${view.maintenance.by || "?"}: ${view.maintenance.reason} (no remediation runs; \`nodekeeper maintenance off\` ends it)`, "WARNING", style));
  }
  out.push("");
  out.push(
    ...renderTable(
      ["COMPONENT", "STATUS", "VERSION", "CODE", "DETAILS"],
      view.components.map((c) => [c.name, { text: c.status, status: c.status }, c.version ?? "-", String(c.resultCode), c.description]),
      style,
    ),
  );
  out.push("");
  out.push(
    ...renderTable(
      ["DIRECTORY", "STATUS", "FREE", "CODE", "DETAILS"],
      view.directories.map((d) => [
        d.path,
        { text: d.status, status: d.status },
        d.freeBytes !== null && d.freePercent !== null ? `${formatBytes(d.freeBytes)} (${d.freePercent.toFixed(1)}%)` : "-",
        String(d.resultCode),
        d.details,
      ]),
      style,
    ),
  );
  out.push("");
  out.push(...renderMissionControl(view, style));
  out.push("");
  out.push(...renderCassandra(view, style));
  out.push("");
  out.push(...renderPeers(view, style));
  if (view.notes.length > 0) {
    out.push("");
    for (const note of view.notes) out.push(`Note: ${note}`);
  }
  return out.join("\n") + "\n";
}

/** The node facts: values, the server's liveness, and which facts are unknown and why (grouped by reason). */
function renderServer(view: StatusView, style: Style): string[] {
  const f = view.nodeFacts;
  const o = f.origins;
  const flag = (v: boolean, known: boolean) => (known ? (v ? "on" : "off") : "unknown");
  const node = f.thisNode ? ` (node ${f.thisNode.id ?? "?"} by ${f.thisNode.matchedBy})` : "";
  const out = [
    `Server${node}: node ${f.nodeState}, server ${f.serverState}${f.serverVersion ? ` ${f.serverVersion}` : ""}, cluster ${f.clusterState}` +
      `${f.masterNode ? ", master node" : ""}, OneAgent traffic ${flag(f.oneAgentTrafficEnabled, o.oneAgentTrafficEnabled.known)}, ` +
      `web UI traffic ${flag(f.webUiTrafficEnabled, o.webUiTrafficEnabled.known)}`,
  ];
  if (f.missingFromNodeList) out.push(paint(`  This node is missing from the server's node list: ${f.missingFromNodeList}.`, "WARNING", style));
  if (f.serverDown) out.push(paint(`  The server is down: ${f.serverDown}.`, "WARNING", style));
  const byReason = new Map<string, string[]>();
  for (const name of FACT_NAMES) {
    if (o[name].known) continue;
    byReason.set(o[name].detail, [...(byReason.get(o[name].detail) ?? []), name]);
  }
  for (const [reason, names] of byReason) out.push(`  Unknown ${names.join(", ")}: ${reason}.`);
  return out;
}

function renderCassandra(view: StatusView, style: Style): string[] {
  const c = view.cassandra;
  const out: string[] = [];
  const state = c.localRingState ? ` · this node ${c.localRingState}` : "";
  out.push(`${bold("Cassandra", style)}${c.version ? ` ${c.version}` : ""}${state} · ${paint(c.health.status, c.health.status, style)} (${c.health.resultCode}) ${c.health.description}`);
  if (c.ring) {
    const dcs = c.ring.dataCenters.map((dc) => `${dc.name}: ${dc.up}/${dc.members} up${dc.down ? `, ${dc.down} down` : ""}${dc.unknown ? `, ${dc.unknown} unknown` : ""}${dc.changing ? `, ${dc.changing} joining/leaving/moving` : ""}`);
    out.push(`  ring: ${c.ring.members} members (${dcs.join("; ")})`);
    for (const m of c.ring.downMembers) out.push(`  ${paint(m.ringState, "WARNING", style)} ${m.address}${m.dataCenter ? ` in ${m.dataCenter}` : ""}`);
  }
  const gossip = c.gossipActive === null ? "?" : c.gossipActive ? "on" : "OFF";
  const cql = c.nativeTransportActive === null ? "?" : c.nativeTransportActive ? "on" : "OFF";
  out.push(`  repair: ${c.repairState} (${c.repairDetail}) · gossip ${gossip} · native transport ${cql} · schema versions ${c.schemaVersions ?? "?"} · hint files ${c.totalHints ?? hintsUnknownWhy(c)}`);
  const cached = c.facts.filter((f) => f.source === "cache").map((f) => `${f.name} ${Math.round((f.ageMs ?? 0) / 1000)}s old`);
  out.push(`  nodetool: ${c.nodetoolRuns} run(s) this probe, ${Math.round(c.durationMs)} ms${cached.length ? `; cached: ${cached.join(", ")} (--fresh re-reads all)` : ""}`);
  for (const note of c.notes) out.push(`  note: ${note}`);
  return out;
}

function renderPeers(view: StatusView, style: Style): string[] {
  const { summary, peers } = view.connectivity;
  if (peers.length === 0) return [`${bold("Peers", style)}: none configured`];
  const hints = new Map(view.cassandra.peers.map((p) => [p.nodeId, p.hints]));
  const ring = new Map(view.cassandra.peers.flatMap((p) => (p.ringState ? [[p.nodeId, p.ringState] as const] : [])));
  const rows = toPeerTableRows(peers, { hints, ring });
  const out = [`${bold("Peers", style)}: ${paint(summary.status, summary.status, style)} ${summary.summary}`];
  out.push(...renderTable(
    ["NODE", "ADDRESS", "HOST", "SERVER", "CASSANDRA", "HINTS", "RING"],
    rows.map((r) => [r.node, r.address, r.host, r.server, r.cassandra, r.hints, r.ring]),
    style,
  ));
  for (const r of rows) for (const p of r.problems) out.push(`  ${r.node}: ${p}`);
  return out;
}

function renderMissionControl(view: StatusView, style: Style): string[] {
  const mc = view.missionControl;
  const out: string[] = [];
  if (!mc.url) out.push(`${bold("Mission Control", style)}: not configured (missionControl.url); reports are not sent`);
  else {
    const last = mc.lastExchange;
    out.push(`${bold("Mission Control", style)} ${mc.url}`);
    out.push(last
      ? `  last exchange ${last.finishedAt}: ${last.summary} (exit ${last.exitCode})${last.lastDeliveredAt ? `; last delivered ${last.lastDeliveredAt}` : "; nothing delivered yet"}`
      : `  no exchange yet${mc.lastExchangeProblem ? ` (${mc.lastExchangeProblem})` : ""}`);
  }
  const o = mc.outbox;
  if (o.depth > 0 || o.droppedTotal > 0 || o.problem) {
    out.push(`  outbox: ${o.depth} report(s) waiting (${o.bytes} bytes)${o.oldest?.generatedAt ? `, oldest from ${o.oldest.generatedAt}` : ""}; ${o.droppedTotal} dropped in all${o.lastDrop ? ` (last ${o.lastDrop.count} at ${o.lastDrop.at}: ${o.lastDrop.reason})` : ""}${o.problem ? `; ${o.problem}` : ""}`);
  }
  out.push(`  clock: ${mc.clockOffset.status === "WARNING" ? paint(mc.clockOffset.text, "WARNING", style) : mc.clockOffset.text}`);
  if (mc.cycleRunning) out.push(`  a cycle is running now: ${mc.cycleRunning}`);
  out.push(`${bold("Instructions", style)} (cassandraPhaRepairStatus ${view.instructions.cassandraPhaRepairStatus}):`);
  for (const line of view.instructions.lines) out.push(`  ${line}`);
  return out;
}

/** Why the hint count is unknown: the version cannot tell, or it was not read. */
function hintsUnknownWhy(c: StatusView["cassandra"]): string {
  const hints = c.facts.find((f) => f.name === "hints");
  if (hints?.source === "unsupported") return "unknown (this Cassandra version cannot list them; 4.1+ can)";
  if (hints?.error) return `unknown (${hints.error})`;
  return "unknown (not read yet: --fresh reads it now)";
}
