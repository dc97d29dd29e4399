/**
 * Node facts for the report (masterNode, nodeState, serverState, traffic
 * flags, multiDcMigrationState, clusterState) and the server's version, from
 * the local server's management API; then, with the server's systemd unit,
 * whether the server runs, is known down, and which run of it this is.
 *
 * Default source (`server.factsSource: "cluster-api"`): the documented Cluster
 * API v1, two GETs in parallel (token with the ServiceProviderAPI permission,
 * `Authorization: Api-Token <token>`):
 *
 * - `GET /api/v1.0/onpremise/cluster`, "Get cluster information about known
 *   cluster nodes" (https://docs.dynatrace.com/managed/shortlink/api-cluster-get-info-known-servers,
 *   also .../managed-cluster/cluster-api/cluster-api-v1/cluster-v1/get-cluster-info-known-servers):
 *   200 with an array of `Cluster` objects `{id: integer, clusterMemberAddress,
 *   operationState, buildVersion, osInfo, jvmInfo, dnsEntryPointUris[],
 *   restServiceRootUris[], communicationUris[]}`, each of which "can be null".
 *   The page's example: `"clusterMemberAddress": "10.10.4.2:5701"`,
 *   `"operationState": "RUNNING"`, `"buildVersion": "1.216.10.20210429-124335"`.
 *   operationState is typed "string" there, without a list of values; the
 *   report's node states (CONTRACT.md: OFFLINE, STARTUP, ..., RUNNING, ...,
 *   UNDEFINED) are taken as they are, anything else is UNDEFINED, said so.
 * - `GET /api/v1.0/onpremise/cluster/configuration`, "Get cluster nodes
 *   configuration" (.../cluster-api-v1/cluster-v1/get-cluster-nodes-configuration):
 *   200 with `{"clusterNodes": [{"id": 1, "ipAddress": "10.10.4.2",
 *   "webUI": false, "agent": true, "datacenter": "datacenter-1", "kubernetesRole": ""}]}`.
 *
 * This node is the entry with id `server.nodeId`, or else the one whose
 * `ipAddress`, or `clusterMemberAddress` without its port, is nodekeeper's IP.
 * The documented API does not carry masterNode, clusterState nor
 * multiDcMigrationState: each comes from a configured source
 * (`server.masterNode` ...), or is the contract's unknown value (false,
 * UNDEFINED, NOT_STARTED). clusterState is not derived from the nodes'
 * operation states: the contract wants it "as the local server reports it",
 * and the server's cluster state has values (upgrades, migrations) that no
 * combination of node states shows.
 *
 * The legacy source (`factsSource: "node-status"`) reads one JSON object at
 * `server.nodeStatusPath` with the configured `fields`.
 *
 * Every fact says where it came from (`origins`), for `status --json`.
 * Never throws.
 */
import * as z from "zod";
import type { ServerConfig, ServerFactSource } from "../config/schema.js";
import type { Effects } from "../effects/index.js";
import { NodeStateSchema } from "../contract/report.js";
import type { NodeState } from "../contract/report.js";
import { HttpError } from "../effects/http.js";
import type { HttpClient } from "../effects/http.js";
import { readSecretFile } from "../config/secret-file.js";
import { cleanText } from "../contract/text.js";
import type { ComponentResult } from "./components.js";
import { errorMessage } from "./engine.js";
import { pick } from "./json-path.js";
import { CODES } from "../contract/result-codes.js";

export const CLUSTER_NODES_PATH = "/api/v1.0/onpremise/cluster";
export const CLUSTER_CONFIGURATION_PATH = "/api/v1.0/onpremise/cluster/configuration";

export const FACT_NAMES = [
  "nodeState", "serverState", "oneAgentTrafficEnabled", "webUiTrafficEnabled",
  "masterNode", "clusterState", "multiDcMigrationState", "serverVersion",
] as const;
export type FactName = (typeof FACT_NAMES)[number];

/** Where one fact came from: `known` false means the value is the contract's unknown, and `detail` says why. */
export interface FactOrigin {
  readonly known: boolean;
  readonly detail: string;
}

export interface ThisNode {
  readonly id: number | null;
  readonly matchedBy: "server.nodeId" | "ipAddress" | "clusterMemberAddress";
}

export interface NodeFacts {
  /** "server": this node's entry was read from the server's API; "fallback": it was not. */
  readonly source: "server" | "fallback";
  readonly api: "cluster-api" | "node-status";
  readonly masterNode: boolean;
  readonly nodeState: NodeState;
  readonly serverState: NodeState;
  readonly oneAgentTrafficEnabled: boolean;
  readonly webUiTrafficEnabled: boolean;
  readonly multiDcMigrationState: "NOT_STARTED" | "IN_PROGRESS" | "SUCCEEDED" | "FAILED";
  readonly clusterState: string;
  /** The server's buildVersion (cleaned, capped); null when unknown. */
  readonly serverVersion: string | null;
  /** This node's operationState as the server said it (cleaned, capped); null when unknown. */
  readonly operationState: string | null;
  readonly thisNode: ThisNode | null;
  /** One line when the server answered its node list and this node is not in it. */
  readonly missingFromNodeList: string | null;
  /** The API refused connections (nothing listens): the server is known down. */
  readonly apiRefused: boolean;
  /** The legacy source's start time of the server; a change means a restart. */
  readonly apiStartedAt: string | null;
  readonly origins: Record<FactName, FactOrigin>;
  /**
   * Whether the server runs: true (operationState RUNNING), false (another
   * operationState, or known down), null (nobody can tell).
   */
  readonly serverRunning: boolean | null;
  /** Why the server is known down (unit inactive or failed, API refusing connections); null otherwise. */
  readonly serverDown: string | null;
  /**
   * Identity of the server's current run, without spaces: its systemd unit's
   * InvocationID, or MainPID and start time; else the legacy API's start time;
   * null when unknown. A change means the server restarted.
   */
  readonly serverStartId: string | null;
  /** Why facts are unknown, in one line; null when all came from the server. */
  readonly note: string | null;
}

const MAX_BODY = 1024 * 1024; // 1 MiB: a node list of a large cluster is a few KiB per node
const MAX_TEXT = 200;

const MigrationSchema = z.enum(["NOT_STARTED", "IN_PROGRESS", "SUCCEEDED", "FAILED"]);

/** A string or number from the server as text: cleaned and capped (contract/text.ts); null when empty or of another type. */
export function serverText(value: unknown, max = MAX_TEXT): string | null {
  if (typeof value !== "string" && typeof value !== "number") return null;
  const text = cleanText(String(value), max).replace(/\s+/g, " ").trim();
  return text === "" ? null : text;
}

// --- The documented shapes, read leniently: every field may be null or missing.

const nullableString = z.string().nullable().optional().catch(null);
const ClusterNodeSchema = z.object({
  id: z.number().int().nullable().optional().catch(null),
  clusterMemberAddress: nullableString,
  operationState: nullableString,
  buildVersion: nullableString,
});
type ClusterNode = z.infer<typeof ClusterNodeSchema>;
const ConfigNodeSchema = z.object({
  id: z.number().int().nullable().optional().catch(null),
  ipAddress: nullableString,
  webUI: z.boolean().nullable().optional().catch(null),
  agent: z.boolean().nullable().optional().catch(null),
});
type ConfigNode = z.infer<typeof ConfigNodeSchema>;

/** The node list of GET /cluster; null when the body is not an array. Entries that are not objects are skipped. */
export function parseClusterNodes(body: unknown): ClusterNode[] | null {
  if (!Array.isArray(body)) return null;
  return body.flatMap((n) => {
    const r = ClusterNodeSchema.safeParse(n);
    return r.success ? [r.data] : [];
  });
}

/** The clusterNodes of GET /cluster/configuration; null when absent. */
export function parseConfigNodes(body: unknown): ConfigNode[] | null {
  const list = body !== null && typeof body === "object" && !Array.isArray(body) ? (body as { clusterNodes?: unknown }).clusterNodes : undefined;
  if (!Array.isArray(list)) return null;
  return list.flatMap((n) => {
    const r = ConfigNodeSchema.safeParse(n);
    return r.success ? [r.data] : [];
  });
}

/** The host part of an address with or without a port: "10.0.0.1:5701", "[::1]:5701", "::1", "10.0.0.1". */
export function hostOf(address: string): string {
  const a = address.trim().toLowerCase();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(a);
  if (bracketed) return bracketed[1]!;
  // One colon: IPv4 or a name with a port; more: a bare IPv6 address.
  const colons = a.split(":").length - 1;
  return colons === 1 ? a.slice(0, a.indexOf(":")) : a;
}

const sameIp = (a: string | null | undefined, ip: string) => typeof a === "string" && hostOf(a) === hostOf(ip);

/** Finds this node in either list, by configured id or else by address. */
export function findThisNode(
  nodes: readonly ClusterNode[] | null,
  config: readonly ConfigNode[] | null,
  nodeId: number | undefined,
  nodeIp: string,
): { node: ClusterNode | null; conf: ConfigNode | null; thisNode: ThisNode | null } {
  if (nodeId !== undefined) {
    const node = nodes?.find((n) => n.id === nodeId) ?? null;
    const conf = config?.find((n) => n.id === nodeId) ?? null;
    return { node, conf, thisNode: node || conf ? { id: nodeId, matchedBy: "server.nodeId" } : null };
  }
  const byIp = config?.find((n) => sameIp(n.ipAddress, nodeIp)) ?? null;
  if (byIp) {
    const node = byIp.id != null ? nodes?.find((n) => n.id === byIp.id) ?? null : null;
    return { node: node ?? nodes?.find((n) => sameIp(n.clusterMemberAddress, nodeIp)) ?? null, conf: byIp, thisNode: { id: byIp.id ?? null, matchedBy: "ipAddress" } };
  }
  const node = nodes?.find((n) => sameIp(n.clusterMemberAddress, nodeIp)) ?? null;
  if (node) {
    const conf = node.id != null ? config?.find((n) => n.id === node.id) ?? null : null;
    return { node, conf, thisNode: { id: node.id ?? null, matchedBy: "clusterMemberAddress" } };
  }
  return { node: null, conf: null, thisNode: null };
}

// --- HTTP

interface Fetched {
  readonly path: string;
  /** Parsed JSON, or the text when not JSON; undefined when no 200. */
  readonly body?: unknown;
  readonly status?: number;
  /** Why there is no body, in one line. */
  readonly problem?: string;
  readonly refused?: boolean;
}

async function fetchJson(client: HttpClient, base: string, path: string, token: string | undefined, signal: AbortSignal): Promise<Fetched> {
  try {
    const root = base.endsWith("/") ? base.slice(0, -1) : base;
    const res = await client.request({
      method: "GET", url: `${root}${path}`, signal, maxResponseBytes: MAX_BODY,
      headers: { accept: "application/json", "user-agent": "nodekeeper", ...(token ? { authorization: `Api-Token ${token}` } : {}) },
    });
    if (res.status !== 200) {
      const why = res.status === 401 || res.status === 403
        ? `GET ${path} answered ${res.status}: the API token (server.tokenFile) is missing, wrong, or lacks the ServiceProviderAPI permission`
        : `GET ${path} answered ${res.status}`;
      return { path, status: res.status, problem: why };
    }
    const text = res.body.toString("utf8");
    try {
      return { path, status: 200, body: JSON.parse(text) as unknown };
    } catch {
      return { path, status: 200, body: text };
    }
  } catch (error) {
    const refused = error instanceof HttpError && error.kind === "refused";
    return { path, problem: `GET ${path} failed: ${serverText(errorMessage(error)) ?? "no answer"}`, refused };
  }
}

// --- Building the facts

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function unknownFacts(api: NodeFacts["api"], why: string): Mutable<NodeFacts> {
  const origins = Object.fromEntries(FACT_NAMES.map((n) => [n, { known: false, detail: why }])) as Record<FactName, FactOrigin>;
  return {
    source: "fallback", api,
    masterNode: false, nodeState: "UNDEFINED", serverState: "UNDEFINED",
    oneAgentTrafficEnabled: false, webUiTrafficEnabled: false,
    multiDcMigrationState: "NOT_STARTED", clusterState: "UNDEFINED",
    serverVersion: null, operationState: null, thisNode: null, missingFromNodeList: null,
    apiRefused: false, apiStartedAt: null, origins,
    serverRunning: null, serverDown: null, serverStartId: null, note: why,
  };
}

/** Facts when the probe did not return at all (engine deadline): all unknown. */
export function fallbackFacts(server: Pick<ServerConfig, "factsSource">, why: string): NodeFacts {
  return unknownFacts(server.factsSource, why);
}

const stateOf = (op: string | null): { state: NodeState; known: boolean } => {
  const r = NodeStateSchema.safeParse(op);
  return r.success ? { state: r.data, known: true } : { state: "UNDEFINED", known: false };
};

/** The facts from the two documented answers (each may be missing). Pure; never throws. */
export function factsFromClusterApi(
  nodesAnswer: Fetched,
  configAnswer: Fetched,
  server: Pick<ServerConfig, "nodeId">,
  nodeIp: string,
): Mutable<NodeFacts> {
  const nodes = nodesAnswer.body !== undefined ? parseClusterNodes(nodesAnswer.body) : null;
  const conf = configAnswer.body !== undefined ? parseConfigNodes(configAnswer.body) : null;
  const nodesWhy = nodesAnswer.problem ?? (nodes === null ? `GET ${CLUSTER_NODES_PATH} answered 200 without a node array` : null);
  const confWhy = configAnswer.problem ?? (conf === null ? `GET ${CLUSTER_CONFIGURATION_PATH} answered 200 without clusterNodes[]` : null);
  const f = unknownFacts("cluster-api", [nodesWhy, confWhy].filter((w) => w !== null).join("; ") || "unknown");
  f.apiRefused = nodesAnswer.refused === true || configAnswer.refused === true;
  const found = findThisNode(nodes, conf, server.nodeId, nodeIp);
  f.thisNode = found.thisNode;
  const who = server.nodeId !== undefined ? `node id ${server.nodeId} (server.nodeId)` : `this node's address ${nodeIp}`;
  const by = found.thisNode ? `node ${found.thisNode.id ?? "?"}, found by ${found.thisNode.matchedBy}` : "";
  if (nodes !== null && found.node === null) {
    f.missingFromNodeList = `the server's node list (GET ${CLUSTER_NODES_PATH}, ${nodes.length} node(s)) has no entry for ${who}`;
  }
  const set = (name: FactName, known: boolean, detail: string) => { f.origins[name] = { known, detail }; };

  if (found.node) {
    const op = serverText(found.node.operationState, 64);
    f.operationState = op;
    const { state, known } = stateOf(op);
    f.nodeState = state;
    f.serverState = state;
    const detail = known
      ? `GET ${CLUSTER_NODES_PATH}: operationState of ${by}`
      : op === null
        ? `GET ${CLUSTER_NODES_PATH}: operationState of ${by} is null`
        : `GET ${CLUSTER_NODES_PATH}: operationState of ${by} is "${op}", not a node state the report knows`;
    set("nodeState", known, detail);
    set("serverState", known, detail);
    f.serverVersion = serverText(found.node.buildVersion, 64);
    set("serverVersion", f.serverVersion !== null, f.serverVersion !== null
      ? `GET ${CLUSTER_NODES_PATH}: buildVersion of ${by}`
      : `GET ${CLUSTER_NODES_PATH}: buildVersion of ${by} is null`);
  } else {
    const why = nodesWhy ?? f.missingFromNodeList ?? "this node is not in the server's node list";
    for (const n of ["nodeState", "serverState", "serverVersion"] as const) set(n, false, why);
  }

  if (found.conf) {
    for (const [name, key] of [["webUiTrafficEnabled", "webUI"], ["oneAgentTrafficEnabled", "agent"]] as const) {
      const value = found.conf[key];
      if (typeof value === "boolean") {
        f[name] = value;
        set(name, true, `GET ${CLUSTER_CONFIGURATION_PATH}: ${key} of ${by}`);
      } else {
        set(name, false, `GET ${CLUSTER_CONFIGURATION_PATH}: ${key} of ${by} is null`);
      }
    }
  } else {
    const why = confWhy ?? `the server's node configuration (GET ${CLUSTER_CONFIGURATION_PATH}) has no entry for ${who}`;
    set("webUiTrafficEnabled", false, why);
    set("oneAgentTrafficEnabled", false, why);
  }
  for (const n of ["masterNode", "clusterState", "multiDcMigrationState"] as const) {
    set(n, false, `not carried by the Cluster API's node endpoints, and no source is configured (server.${n})`);
  }
  f.source = found.node !== null || found.conf !== null ? "server" : "fallback";
  f.note = noteOf(f);
  return f;
}

/** The legacy single-endpoint answer, read with the configured field paths. Pure; never throws. */
export function factsFromNodeStatus(answer: Fetched, server: Pick<ServerConfig, "fields" | "nodeStatusPath">): Mutable<NodeFacts> {
  const f = unknownFacts("node-status", answer.problem ?? "unknown");
  f.apiRefused = answer.refused === true;
  const body = answer.body;
  if (body === undefined) return f;
  const fields = server.fields;
  const nodeState = NodeStateSchema.safeParse(pick(body, fields.nodeState));
  if (!nodeState.success) {
    const why = `GET ${server.nodeStatusPath}: the answer has no valid ${fields.nodeState}`;
    for (const n of FACT_NAMES) f.origins[n] = { known: false, detail: why };
    f.note = why;
    return f;
  }
  const from = (field: string) => `GET ${server.nodeStatusPath}: ${field}`;
  const take = <T>(name: FactName, field: string, schema: z.ZodType<T>, assign: (v: T) => void) => {
    const r = schema.safeParse(pick(body, field));
    if (r.success) assign(r.data);
    f.origins[name] = { known: r.success, detail: r.success ? from(field) : `${from(field)} is missing or invalid` };
  };
  f.source = "server";
  f.nodeState = nodeState.data;
  f.origins.nodeState = { known: true, detail: from(fields.nodeState) };
  take("serverState", fields.serverState, NodeStateSchema, (v) => (f.serverState = v));
  take("masterNode", fields.masterNode, z.boolean(), (v) => (f.masterNode = v));
  take("oneAgentTrafficEnabled", fields.oneAgentTrafficEnabled, z.boolean(), (v) => (f.oneAgentTrafficEnabled = v));
  take("webUiTrafficEnabled", fields.webUiTrafficEnabled, z.boolean(), (v) => (f.webUiTrafficEnabled = v));
  take("multiDcMigrationState", fields.multiDcMigrationState, MigrationSchema, (v) => (f.multiDcMigrationState = v));
  take("clusterState", fields.clusterState, z.string().min(1), (v) => (f.clusterState = serverText(v, 64) ?? "UNDEFINED"));
  f.origins.serverVersion = { known: false, detail: `the legacy source ${server.nodeStatusPath} does not carry it` };
  f.operationState = f.serverState;
  const started = pick(body, fields.startedAt);
  f.apiStartedAt = typeof started === "string" || typeof started === "number" ? serverText(started, 64)?.replace(/\s+/g, "_") ?? null : null;
  f.note = noteOf(f);
  return f;
}

/** One configured extra source's value. */
function extraValue(answer: Fetched, source: ServerFactSource): { value: unknown; problem: string | null } {
  if (answer.body === undefined) return { value: undefined, problem: answer.problem ?? "no answer" };
  const value = source.field !== undefined ? pick(answer.body, source.field) : answer.body;
  return { value, problem: null };
}

function applyExtra(f: Mutable<NodeFacts>, name: "masterNode" | "clusterState" | "multiDcMigrationState", source: ServerFactSource, answer: Fetched): void {
  const { value, problem } = extraValue(answer, source);
  const from = `GET ${source.path}${source.field !== undefined ? `: ${source.field}` : ""}`;
  if (problem !== null) {
    f.origins[name] = { known: false, detail: `configured source ${problem}` };
    return;
  }
  if (name === "masterNode") {
    const v = typeof value === "boolean" ? value : value === "true" ? true : value === "false" ? false : null;
    if (v !== null) f.masterNode = v;
    f.origins.masterNode = v !== null ? { known: true, detail: from } : { known: false, detail: `${from} is not true or false` };
  } else if (name === "multiDcMigrationState") {
    const r = MigrationSchema.safeParse(typeof value === "string" ? value.trim() : value);
    if (r.success) f.multiDcMigrationState = r.data;
    f.origins.multiDcMigrationState = r.success ? { known: true, detail: from } : { known: false, detail: `${from} is not one of ${MigrationSchema.options.join(", ")}` };
  } else {
    const v = typeof value === "string" ? serverText(value, 64) : null;
    if (v !== null) f.clusterState = v;
    f.origins.clusterState = v !== null ? { known: true, detail: from } : { known: false, detail: `${from} is not a string` };
  }
}

function noteOf(f: NodeFacts): string | null {
  const unknown = FACT_NAMES.filter((n) => !f.origins[n].known && !["masterNode", "clusterState", "multiDcMigrationState"].includes(n));
  if (f.missingFromNodeList) return f.missingFromNodeList;
  if (unknown.length === 0) return null;
  return `${unknown.join(", ")} unknown: ${f.origins[unknown[0]!].detail}`;
}

/**
 * Reads the node facts from the server's API: the two documented GETs (or the
 * legacy one) and the configured extra sources, all in parallel on one
 * client, one connection each, within `signal`. Never throws.
 */
export async function probeNodeFacts(effects: Effects, server: ServerConfig, nodeIp: Promise<string>, signal: AbortSignal): Promise<NodeFacts> {
  let client: HttpClient | undefined;
  try {
    let token: string | undefined;
    if (server.tokenFile) {
      // The same rules as every secret file: a group- or world-readable token is refused.
      const read = await readSecretFile("server.tokenFile", server.tokenFile);
      if (!read.ok) return unknownFacts(server.factsSource, read.reason);
      token = read.token;
    }
    const extras = (["masterNode", "clusterState", "multiDcMigrationState"] as const)
      .flatMap((name) => (server[name] ? [{ name, source: server[name] }] : []));
    const paths = server.factsSource === "cluster-api" ? [CLUSTER_NODES_PATH, CLUSTER_CONFIGURATION_PATH] : [server.nodeStatusPath];
    client = await effects.http({
      caFile: server.caFile,
      connectTimeoutMs: server.timeoutMs, headersTimeoutMs: server.timeoutMs, bodyTimeoutMs: server.timeoutMs,
      connections: paths.length + extras.length, lightweight: true,
    });
    const c = client;
    const [answers, extraAnswers, ip] = await Promise.all([
      Promise.all(paths.map((p) => fetchJson(c, server.url, p, token, signal))),
      Promise.all(extras.map((e) => fetchJson(c, server.url, e.source.path, token, signal))),
      nodeIp,
    ]);
    const f = server.factsSource === "cluster-api"
      ? factsFromClusterApi(answers[0]!, answers[1]!, server, ip)
      : factsFromNodeStatus(answers[0]!, server);
    extras.forEach((e, i) => applyExtra(f, e.name, e.source, extraAnswers[i]!));
    return f;
  } catch (error) {
    return unknownFacts(server.factsSource, `the server's API could not be asked: ${serverText(errorMessage(error)) ?? ""}`);
  } finally {
    await client?.close().catch(() => undefined);
  }
}

/** serverState when the API is silent on it: from the server's unit (or other status source). */
function serverStateFromComponent(component: ComponentResult | undefined): NodeState | null {
  if (!component) return null;
  if (component.status === "ERROR" && component.unit) return "OFFLINE"; // stopped or failed unit
  if (component.status === "WARNING" && component.unit) return /deactivating/.test(component.description) ? "SHUTDOWN_IMMINENT" : "STARTUP";
  return null;
}

/**
 * Adds what the server's systemd unit says: whether the server is known down,
 * whether it runs, and the identity of its current run. Pure.
 */
export function withServerUnit(facts: NodeFacts, component: ComponentResult | undefined): NodeFacts {
  const f: Mutable<NodeFacts> = { ...facts, origins: { ...facts.origins } };
  const unit = component?.unit;
  const unitDown = component !== undefined && unit !== undefined &&
    (component.resultCode === CODES.UNIT_INACTIVE || component.resultCode === CODES.UNIT_FAILED);
  f.serverDown = unitDown
    ? `its unit ${unit.unit} is ${unit.activeState || "not active"}`
    : f.apiRefused ? "its API refuses connections" : null;
  const op = f.origins.serverState.known ? f.serverState : null;
  f.serverRunning = f.serverDown !== null ? false : op === null ? null : op === "RUNNING";
  if (!f.origins.serverState.known) {
    const fromUnit = serverStateFromComponent(component);
    if (fromUnit !== null) {
      f.serverState = fromUnit;
      f.origins.serverState = { known: true, detail: `the server's unit ${unit?.unit ?? ""}: ${component?.description ?? ""}` };
    }
  }
  if (!f.origins.nodeState.known && f.serverDown !== null) {
    f.nodeState = "OFFLINE";
    f.origins.nodeState = { known: true, detail: `the server is down: ${f.serverDown}` };
  }
  // InvocationID is unique per run; MainPID with the start time (wall and
  // monotonic) where it is not available. A unit without a main process has no run.
  if (unit && component?.status === "OK" && (unit.invocationId !== null || unit.mainPid !== null)) {
    f.serverStartId = unit.invocationId !== null
      ? `unit:${unit.invocationId}`
      : `unit:pid${unit.mainPid}@${unit.startedMonotonicUs ?? (unit.startedAt ?? "").replace(/\s+/g, "_")}`;
  } else {
    f.serverStartId = f.apiStartedAt;
  }
  return f;
}
