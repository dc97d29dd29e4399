/**
 * A double of the local server's management API on loopback HTTPS, answering
 * exactly the documented Cluster API v1 shapes:
 *
 * - `GET /api/v1.0/onpremise/cluster` ("Get cluster information about known
 *   cluster nodes"): an array of `{id: integer, clusterMemberAddress,
 *   operationState, buildVersion, osInfo, jvmInfo, dnsEntryPointUris,
 *   restServiceRootUris, communicationUris}`, any of them possibly null;
 * - `GET /api/v1.0/onpremise/cluster/configuration` ("Get cluster nodes
 *   configuration"): `{"clusterNodes": [{id, ipAddress, webUI, agent, datacenter, kubernetesRole}]}`;
 *
 * plus the legacy node-status object (for `server.factsSource: "node-status"`),
 * other GET paths set per test (configured extra fact sources), and the apply
 * PUTs. Records every request with its method, path, headers and body.
 */
import { once } from "node:events";
import { createServer } from "node:https";
import type { ServerResponse } from "node:http";
import type { Server } from "node:https";
import type { AddressInfo } from "node:net";
import { makeTestPki } from "./tls.js";

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: string;
}

export interface ServerApiDouble {
  readonly url: string;
  readonly caFile: string;
  readonly requests: RecordedRequest[];
  /** What GET /api/v1.0/onpremise/cluster answers: the node array, or an HTTP status. */
  nodes: Array<Record<string, unknown>> | number;
  /** What GET /api/v1.0/onpremise/cluster/configuration answers: the object, or an HTTP status. */
  configuration: Record<string, unknown> | number;
  /** The legacy node-status JSON; null: answer 503. */
  nodeStatus: Record<string, unknown> | null;
  /** Other GET paths and their JSON answers. */
  extra: Record<string, unknown>;
  /** When set, every request without `Authorization: Api-Token <token>` gets 401. */
  token: string | null;
  /** Status for PUTs (200 by default). */
  putStatus: number;
  close(): Promise<void>;
}

export const CLUSTER_PATH = "/api/v1.0/onpremise/cluster";
export const CONFIGURATION_PATH = "/api/v1.0/onpremise/cluster/configuration";
export const NODE_STATUS_PATH = "/api/v1.0/onpremise/nodeManagement/nodeServerStatus";
export const BUILD_VERSION = "1.302.56.20241017-095631";

/** A node of GET /cluster as the documentation shows it (its example, with loopback addresses). */
export function clusterNode(id: number, address: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id, clusterMemberAddress: `${address}:5701`, operationState: "RUNNING", buildVersion: BUILD_VERSION,
    osInfo: "Platform: Linux, Version: 5.4.0-1041, Architecture: amd64, Processors: 8",
    jvmInfo: "VM: OpenJDK 64-Bit Server VM, Version: 11.0.10, Vendor: AdoptOpenJDK",
    dnsEntryPointUris: null, restServiceRootUris: [`https://${address}:8021/api`], communicationUris: [`https://${address}:8020`],
    ...overrides,
  };
}

/** A node of GET /cluster/configuration. */
export function configNode(id: number, address: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { id, ipAddress: address, webUI: true, agent: true, datacenter: "datacenter-1", kubernetesRole: "", ...overrides };
}

export async function startServerApi(host = "127.0.0.1"): Promise<ServerApiDouble> {
  const pki = makeTestPki();
  const double: ServerApiDouble = {
    url: "",
    caFile: pki.ca.certFile,
    requests: [],
    // This node is 127.0.0.1 (id 1); another node of the cluster (id 3) is listed too.
    nodes: [clusterNode(1, "127.0.0.1"), clusterNode(3, "127.0.0.3")],
    configuration: { clusterNodes: [configNode(1, "127.0.0.1"), configNode(3, "127.0.0.3", { webUI: false })] },
    nodeStatus: {
      masterNode: true, nodeState: "RUNNING", serverState: "RUNNING",
      oneAgentTrafficEnabled: true, webUiTrafficEnabled: true,
      multiDcMigrationState: "NOT_STARTED", clusterState: "RUNNING", startedAt: "2026-11-21T00:00:00Z",
    },
    extra: {},
    token: null,
    putStatus: 200,
    close: async () => undefined,
  };
  const json = (res: ServerResponse, value: unknown) => {
    if (typeof value === "number") { res.statusCode = value; res.end(); return; }
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify(value));
  };
  const server: Server = createServer({ cert: pki.server.cert, key: pki.server.key }, (req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (d: string) => (body += d));
    req.on("end", () => {
      const path = req.url ?? "";
      double.requests.push({ method: req.method ?? "", path, headers: req.headers, body });
      if (double.token !== null && req.headers.authorization !== `Api-Token ${double.token}`) {
        res.statusCode = 401;
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify({ error: { code: 401, message: "Missing authorization parameter." } }));
        return;
      }
      if (req.method === "GET" && path === CLUSTER_PATH) return json(res, double.nodes);
      if (req.method === "GET" && path === CONFIGURATION_PATH) return json(res, double.configuration);
      if (req.method === "GET" && path === NODE_STATUS_PATH) return json(res, double.nodeStatus ?? 503);
      if (req.method === "GET" && path in double.extra) return json(res, double.extra[path]);
      if (req.method === "PUT") { res.statusCode = double.putStatus; res.end(); return; }
      res.statusCode = 404;
      res.end();
    });
  });
  server.listen(0, host);
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return Object.assign(double, {
    url: `https://${host}:${port}`,
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, "close").catch(() => undefined);
    },
  });
}
