/** The human form of `status`. */
import type { StatusView } from "../commands/status.js";
import { formatBytes } from "../probes/directories.js";
import { NODEKEEPER_VERSION } from "../version.js";
import { bold, paint, renderTable } from "./table.js";
import type { Style } from "./table.js";

export function renderStatus(view: StatusView, style: Style): string {
  const out: string[] = [];
  const source = view.node.configFile ?? "embedded default configuration";
  out.push(
    `${bold("nodekeeper", style)} ${NODEKEEPER_VERSION} · cluster ${view.node.clusterId} · node ${view.node.nodeId} (${view.node.ip}) · ${source}`,
  );
  out.push(`Overall: ${paint(view.overall, view.overall, style)}   (probed in ${Math.round(view.durationMs)} ms at ${view.generatedAt})`);
  const f = view.nodeFacts;
  out.push(
    `Server: node ${f.nodeState}, server ${f.serverState}, cluster ${f.clusterState}${f.masterNode ? ", master node" : ""}` +
      (f.note ? ` (${f.note})` : `, OneAgent traffic ${f.oneAgentTrafficEnabled ? "on" : "off"}, web UI traffic ${f.webUiTrafficEnabled ? "on" : "off"}`),
  );
  if (view.maintenance) {
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
  if (view.notes.length > 0) {
    out.push("");
    for (const note of view.notes) out.push(`Note: ${note}`);
  }
  return out.join("\n") + "\n";
}
