/**
 * A double of the local server's management API on loopback HTTPS: serves the
 * node-status answer (settable per test), accepts the apply PUTs, and records
 * every request with its method, path, headers and body.
 */
import { once } from "node:events";
import { createServer } from "node:https";
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
  /** The JSON the node-status endpoint answers; null: answer 503. */
  nodeStatus: Record<string, unknown> | null;
  /** Status for PUTs (200 by default). */
  putStatus: number;
  close(): Promise<void>;
}

export const NODE_STATUS_PATH = "/api/v1.0/onpremise/nodeManagement/nodeServerStatus";

export async function startServerApi(host = "127.0.0.1"): Promise<ServerApiDouble> {
  const pki = makeTestPki();
  const double: ServerApiDouble = {
    url: "",
    caFile: pki.ca.certFile,
    requests: [],
    nodeStatus: {
      masterNode: true, nodeState: "RUNNING", serverState: "RUNNING",
      oneAgentTrafficEnabled: true, webUiTrafficEnabled: true,
      multiDcMigrationState: "NOT_STARTED", clusterState: "RUNNING", startedAt: "2026-11-21T00:00:00Z",
    },
    putStatus: 200,
    close: async () => undefined,
  };
  const server: Server = createServer({ cert: pki.server.cert, key: pki.server.key }, (req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (d: string) => (body += d));
    req.on("end", () => {
      const path = req.url ?? "";
      double.requests.push({ method: req.method ?? "", path, headers: req.headers, body });
      if (req.method === "GET" && path === NODE_STATUS_PATH) {
        if (double.nodeStatus === null) { res.statusCode = 503; res.end(); return; }
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify(double.nodeStatus));
        return;
      }
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
