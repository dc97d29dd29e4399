/**
 * Node facts for the report (masterNode, nodeState, serverState, traffic
 * flags, multiDcMigrationState, clusterState) from the local server's
 * management API. Where each fact sits in the answer is configurable
 * (`server.fields`). When the server does not answer: nodeState OFFLINE,
 * serverState derived from the server component, the rest at their
 * documented unknowns.
 */
import * as z from "zod";
import type { ServerConfig } from "../config/schema.js";
import { readSecretFile } from "../config/secret-file.js";
import type { Effects } from "../effects/index.js";
import { cleanText } from "../effects/text.js";
import { NodeStateSchema } from "../report/schema.js";
import type { NodeState } from "../report/schema.js";
import type { ComponentResult } from "./components.js";
import { errorMessage } from "./engine.js";
import { pick } from "./json-path.js";

export interface NodeFacts {
  readonly source: "server" | "fallback";
  readonly masterNode: boolean;
  readonly nodeState: NodeState;
  readonly serverState: NodeState;
  readonly oneAgentTrafficEnabled: boolean;
  readonly webUiTrafficEnabled: boolean;
  readonly multiDcMigrationState: "NOT_STARTED" | "IN_PROGRESS" | "SUCCEEDED" | "FAILED";
  readonly clusterState: string;
  /** When the server process started, as the server says; a change means a restart. */
  readonly serverStartedAt: string | null;
  /** Why the facts are fallbacks, when they are. */
  readonly note: string | null;
}

const MAX_BODY = 256 * 1024; // 256 KiB

const MigrationSchema = z.enum(["NOT_STARTED", "IN_PROGRESS", "SUCCEEDED", "FAILED"]);


/** serverState when the API is silent: from the unit (or other source) of the server component. */
function serverStateFromComponent(component: ComponentResult | undefined): NodeState {
  if (!component) return "UNDEFINED";
  switch (component.status) {
    case "NOT_INSTALLED":
      return "OFFLINE";
    case "ERROR":
      return "OFFLINE"; // stopped or failed
    case "WARNING":
      return /deactivating/.test(component.description) ? "SHUTDOWN_IMMINENT" : "STARTUP";
    default:
      // Running (or unknown) yet its API does not answer: nodekeeper cannot tell more.
      return "UNDEFINED";
  }
}

export function fallbackFacts(component: ComponentResult | undefined, note: string): NodeFacts {
  return {
    source: "fallback",
    masterNode: false,
    nodeState: "OFFLINE",
    serverState: serverStateFromComponent(component),
    oneAgentTrafficEnabled: false,
    webUiTrafficEnabled: false,
    multiDcMigrationState: "NOT_STARTED",
    clusterState: "UNDEFINED",
    serverStartedAt: null,
    note: cleanText(note),
  };
}

/** Parses the server's answer with the configured field paths; never throws. */
export function factsFromAnswer(body: unknown, server: ServerConfig, component: ComponentResult | undefined): NodeFacts {
  const f = server.fields;
  const state = (path: string) => NodeStateSchema.catch("UNDEFINED").parse(pick(body, path));
  const bool = (path: string) => z.boolean().catch(false).parse(pick(body, path));
  const started = pick(body, f.startedAt);
  const nodeState = NodeStateSchema.safeParse(pick(body, f.nodeState));
  if (!nodeState.success) return fallbackFacts(component, `the server's answer has no valid ${f.nodeState}`);
  return {
    source: "server",
    masterNode: bool(f.masterNode),
    nodeState: nodeState.data,
    serverState: state(f.serverState),
    oneAgentTrafficEnabled: bool(f.oneAgentTrafficEnabled),
    webUiTrafficEnabled: bool(f.webUiTrafficEnabled),
    multiDcMigrationState: MigrationSchema.catch("NOT_STARTED").parse(pick(body, f.multiDcMigrationState)),
    // Text from the server's API: cleaned of control characters and capped (src/effects/text.ts).
    clusterState: cleanText(z.string().min(1).catch("UNDEFINED").parse(pick(body, f.clusterState)), 128) || "UNDEFINED",
    serverStartedAt: typeof started === "string" || typeof started === "number" ? cleanText(String(started), 128) : null,
    note: null,
  };
}

export async function probeNodeFacts(
  effects: Effects,
  server: ServerConfig,
  serverComponent: Promise<ComponentResult | undefined>,
  signal: AbortSignal,
): Promise<NodeFacts> {
  let client;
  try {
    let token: string | undefined;
    if (server.tokenFile) {
      // The same rules as every secret file: a group- or world-readable token is refused.
      const read = await readSecretFile("server.tokenFile", server.tokenFile);
      if (!read.ok) return fallbackFacts(await serverComponent, read.reason);
      token = read.token;
    }
    client = await effects.http({
      caFile: server.caFile,
      connectTimeoutMs: server.timeoutMs, headersTimeoutMs: server.timeoutMs, bodyTimeoutMs: server.timeoutMs,
      connections: 1, lightweight: true,
    });
    const url = new URL(server.nodeStatusPath, server.url).toString();
    const res = await client.request({
      method: "GET", url, signal, maxResponseBytes: MAX_BODY,
      // The same scheme as the apply step's PUTs (src/apply/server-api.ts).
      headers: { accept: "application/json", ...(token ? { authorization: `Api-Token ${token}` } : {}) },
    });
    if (res.status !== 200) return fallbackFacts(await serverComponent, `the server's API answered ${res.status}`);
    return factsFromAnswer(JSON.parse(res.body.toString("utf8")) as unknown, server, await serverComponent);
  } catch (error) {
    return fallbackFacts(await serverComponent, `the server's API did not answer: ${errorMessage(error)}`);
  } finally {
    await client?.close().catch(() => undefined);
  }
}
