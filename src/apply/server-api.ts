/**
 * The local server's management API, for the two instructions that go through
 * it (src/contract/CONTRACT.md section 2):
 *
 *   PUT {server.url}/api/v1.0/onpremise/nodeManagement/responsibilityOverride
 *       body {"responsibilityNodeIds": [...]}, Content-Type: application/json
 *   PUT {server.url}/api/v1.0/onpremise/nodeManagement/cassandraQuorumOverride/{level | UNSET}
 *       no body
 *
 * Where these paths come from: CONTRACT.md section 2 fixes them. They are not
 * in the public Cluster API v1 documentation (searched: the Cluster v1 pages
 * list GET /api/v1.0/onpremise/cluster, GET and POST .../cluster/configuration,
 * .../cluster/configuration/status/{requestedAt}; "Configure cluster nodes
 * responsibilities" there is POST .../cluster/configuration with per-node
 * webUI/agent flags, https://docs.dynatrace.com/managed/shortlink/api-cluster-post-nodes-responsibilities,
 * which is not Mission Control's responsibility override). Nothing documented
 * to check them against, so they stay as the contract says, and every non-2xx
 * answer is a failure shown with its status and retried with back-off.
 *
 * TLS through the HTTP effect: certificates are verified, `server.caFile` adds
 * a CA bundle. With `server.tokenFile`, its content (trimmed) goes in
 * `Authorization: Api-Token <token>`, the scheme of the server's
 * `/api/v1.0/onpremise` API. Any 2xx is success; anything else, and every
 * transport error, is a failure with a one-line reason. Nothing here throws.
 * Every request has a deadline of `server.timeoutMs` (connect, headers, body,
 * and the whole request).
 */
import { readSecretFile } from "../config/secret-file.js";
import type { HttpClient, HttpClientFactory } from "../effects/http.js";
import { oneLine } from "./text.js";

export const RESPONSIBILITY_OVERRIDE_PATH = "api/v1.0/onpremise/nodeManagement/responsibilityOverride";
export const QUORUM_OVERRIDE_PATH = "api/v1.0/onpremise/nodeManagement/cassandraQuorumOverride";
/** Answers of these calls are tiny; 64 KiB is plenty for an error page. */
const MAX_RESPONSE_BYTES = 64 * 1024;

export interface ServerApiConfig {
  readonly url: string;
  readonly caFile?: string | undefined;
  readonly tokenFile?: string | undefined;
  /** Per request, in milliseconds. */
  readonly timeoutMs: number;
}

export type ServerApiResult = { readonly ok: true; readonly status: number } | { readonly ok: false; readonly error: string };

export interface ServerApi {
  putResponsibilityOverride(nodeIds: readonly string[]): Promise<ServerApiResult>;
  /** `level` is a consistency level such as CL_LOCAL_QUORUM, or UNSET. */
  putQuorumOverride(level: string): Promise<ServerApiResult>;
  close(): Promise<void>;
}

/** The URL of `path` under the configured base, which may carry a path prefix. */
export function serverApiUrl(base: string, path: string): string {
  const root = base.endsWith("/") ? base : `${base}/`;
  return new URL(path, root).toString();
}

export async function openServerApi(factory: HttpClientFactory, config: ServerApiConfig): Promise<ServerApi> {
  let setupError: string | null = null;
  let token: string | null = null;
  if (config.tokenFile !== undefined) {
    // The same rules as every secret file: a group- or world-readable token is refused.
    const read = await readSecretFile("server.tokenFile", config.tokenFile);
    if (read.ok) token = read.token;
    else setupError = read.reason;
  }
  let client: HttpClient | null = null;
  if (setupError === null) {
    try {
      client = await factory({
        caFile: config.caFile,
        connectTimeoutMs: config.timeoutMs,
        headersTimeoutMs: config.timeoutMs,
        bodyTimeoutMs: config.timeoutMs,
        connections: 1,
      });
    } catch (error) {
      setupError = `cannot set up the HTTP client for the server API: ${message(error)}`;
    }
  }

  async function put(path: string, body: string | undefined): Promise<ServerApiResult> {
    if (client === null) return { ok: false, error: setupError ?? "no HTTP client" };
    const headers: Record<string, string> = { Accept: "application/json", "User-Agent": "nodekeeper" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (token !== null) headers.Authorization = `Api-Token ${token}`;
    const url = serverApiUrl(config.url, path);
    try {
      const response = await client.request({
        method: "PUT", url, headers, body,
        signal: AbortSignal.timeout(config.timeoutMs),
        maxResponseBytes: MAX_RESPONSE_BYTES,
      });
      if (response.status >= 200 && response.status < 300) return { ok: true, status: response.status };
      const text = oneLine(response.body.toString("utf8"), 200);
      return { ok: false, error: `HTTP ${response.status} from PUT /${path}${text !== "" ? `: ${text}` : ""}` };
    } catch (error) {
      const kind = (error as { kind?: unknown }).kind;
      return { ok: false, error: `PUT /${path} failed${typeof kind === "string" ? ` (${kind})` : ""}: ${message(error)}` };
    }
  }

  return {
    putResponsibilityOverride: (nodeIds) =>
      put(RESPONSIBILITY_OVERRIDE_PATH, JSON.stringify({ responsibilityNodeIds: [...nodeIds] })),
    putQuorumOverride: (level) => put(`${QUORUM_OVERRIDE_PATH}/${encodeURIComponent(level)}`, undefined),
    async close() {
      try {
        await client?.close();
      } catch {
        // closing a pool that failed is not worth a failure of its own
      }
    },
  };
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
