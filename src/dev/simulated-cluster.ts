/**
 * The simulated cluster around node-1, all in this process, all on loopback:
 *
 * - each peer (node-2 … node-6, on 127.0.0.2 … 127.0.0.6) has the listeners
 *   nodekeeper's connectivity probe looks at: its host port (TCP), its
 *   server's HTTPS health endpoint answering `RUNNING`, and its two Cassandra
 *   ports (native transport and storage, TCP). Taking a peer's Cassandra down
 *   closes those two listeners, so the probe is refused, as with a stopped
 *   Cassandra; bringing it back listens on the same ports again;
 * - node-1's server API double (HTTPS on 127.0.0.1): the documented Cluster
 *   API v1 node endpoints the report's node facts come from (GET
 *   /api/v1.0/onpremise/cluster: an array of {id, clusterMemberAddress,
 *   operationState, buildVersion, osInfo, jvmInfo, dnsEntryPointUris,
 *   restServiceRootUris, communicationUris}; GET .../cluster/configuration:
 *   {clusterNodes: [{id, ipAddress, webUI, agent, datacenter, kubernetesRole}]};
 *   see src/probes/node-facts.ts for the doc pages), `/rest/health`, and the
 *   responsibility and quorum override PUTs nodekeeper's apply step sends. It
 *   follows the server state in the sim folder, which the fake server control
 *   flips: `syncServerApi()` (before each probe) closes its port while the
 *   server is stopped, so it refuses connections as a stopped server does, and
 *   listens on the same port again once it runs;
 * - node-1's Elasticsearch double (plain HTTP on 127.0.0.1, as Elasticsearch
 *   listens locally): cluster health and version.
 *
 * Ports are picked by the system at start (non-privileged) and written into
 * the configuration as per-peer overrides.
 */
import { createServer as createHttpServer } from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { createServer as createNetServer } from "node:net";
import { NODES, THIS_NODE_ID, thisNode } from "./cluster.js";
import type { SimNode } from "./cluster.js";
import { Listener, readSmallBody } from "./listeners.js";
import type { SimPaths } from "./sim-files.js";
import { readServerWorld } from "./world.js";

export const CLUSTER_NODES_PATH = "/api/v1.0/onpremise/cluster";
export const CLUSTER_CONFIGURATION_PATH = "/api/v1.0/onpremise/cluster/configuration";
const OVERRIDE_PREFIX = "/api/v1.0/onpremise/nodeManagement/";
const SERVER_VERSION = "1.302.56.20241017-095631";
const ELASTICSEARCH_VERSION = "7.17.24";
/** Request bodies of the doubles are tiny; anything bigger is refused: 64 KiB. */
const MAX_BODY_BYTES = 64 * 1024;

export interface Tls {
  readonly cert: string;
  readonly key: string;
}

export interface PeerPorts {
  readonly nodeId: string;
  readonly address: string;
  readonly hostPort: number;
  readonly serverPort: number;
  readonly cassandraPorts: readonly [number, number];
}

export interface RecordedPut {
  readonly path: string;
  readonly body: string;
  readonly status: number;
}

class SimulatedPeer {
  readonly host: Listener;
  readonly server: Listener;
  readonly cql: Listener;
  readonly storage: Listener;

  constructor(readonly node: SimNode, tls: Tls) {
    // The host port and Cassandra's ports only need to accept: close at once.
    const accept = () => createNetServer((socket) => socket.end());
    this.host = new Listener(`${node.id} host port`, node.address, accept());
    this.cql = new Listener(`${node.id} Cassandra native transport`, node.address, accept());
    this.storage = new Listener(`${node.id} Cassandra storage port`, node.address, accept());
    this.server = new Listener(`${node.id} server health`, node.address, createHttpsServer({ ...tls }, (req, res) => {
      drain(req, res, () => {
        if (req.method === "GET" && req.url === "/rest/health") return send(res, 200, "RUNNING", "text/plain");
        send(res, 404, "not found", "text/plain");
      });
    }));
  }

  async start(): Promise<PeerPorts> {
    await this.host.listen();
    await this.server.listen();
    await this.cql.listen();
    await this.storage.listen();
    return this.ports();
  }

  ports(): PeerPorts {
    return {
      nodeId: this.node.id, address: this.node.address, hostPort: this.host.port, serverPort: this.server.port,
      cassandraPorts: [this.cql.port, this.storage.port],
    };
  }

  async cassandraDown(): Promise<void> {
    await Promise.all([this.cql.close(), this.storage.close()]);
  }

  /** Listens on the same ports again (the configuration names them). */
  async cassandraUp(): Promise<void> {
    if (!this.cql.listening) await this.cql.listen(this.cql.port);
    if (!this.storage.listening) await this.storage.listen(this.storage.port);
  }

  async close(): Promise<void> {
    await Promise.all([this.host.close(), this.server.close(), this.cql.close(), this.storage.close()]);
  }
}

/** Reads the whole (small) request body, then calls `done`; an oversized body gets 413. */
function drain(req: IncomingMessage, res: ServerResponse, done: (body: string) => void): void {
  readSmallBody(req, MAX_BODY_BYTES, (body) => (body === null ? send(res, 413, "request body too large", "text/plain") : done(body)));
}

/** The server's integer node id: node-3 is 3. */
function serverNodeId(node: SimNode): number {
  return Number(/\d+$/.exec(node.id)?.[0] ?? "0");
}

function send(res: ServerResponse, status: number, body: string, type: string): void {
  res.writeHead(status, { "content-type": type, "content-length": Buffer.byteLength(body), connection: "close" });
  res.end(body);
}

export class SimulatedCluster {
  private readonly peers: SimulatedPeer[];
  private readonly serverApi: Listener;
  private readonly elasticsearch: Listener;
  /** Every PUT the server API double received, in order. */
  readonly puts: RecordedPut[] = [];

  constructor(private readonly paths: SimPaths, tls: Tls) {
    const me = thisNode();
    this.peers = NODES.filter((n) => n.id !== THIS_NODE_ID).map((n) => new SimulatedPeer(n, tls));
    this.serverApi = new Listener("node-1 server API", me.address, createHttpsServer({ ...tls }, (req, res) => {
      drain(req, res, (body) => this.handleServerApi(req, res, body));
    }));
    this.elasticsearch = new Listener("node-1 Elasticsearch", me.address, createHttpServer((req, res) => {
      drain(req, res, () => {
        if (req.method !== "GET") return send(res, 405, "", "text/plain");
        if (req.url === "/") {
          return send(res, 200, JSON.stringify({ name: me.id, cluster_name: "demo-cluster", version: { number: ELASTICSEARCH_VERSION } }), "application/json");
        }
        if (req.url === "/_cluster/health") {
          return send(res, 200, JSON.stringify({ cluster_name: "demo-cluster", status: "green", number_of_nodes: NODES.length }), "application/json");
        }
        send(res, 404, "", "text/plain");
      });
    }));
  }

  async start(): Promise<{ peers: PeerPorts[]; serverApiUrl: string; elasticsearchUrl: string }> {
    const peers: PeerPorts[] = [];
    for (const p of this.peers) peers.push(await p.start());
    await this.serverApi.listen();
    await this.elasticsearch.listen();
    return {
      peers,
      serverApiUrl: `https://${this.serverApi.host}:${this.serverApi.port}`,
      elasticsearchUrl: `http://${this.elasticsearch.host}:${this.elasticsearch.port}`,
    };
  }

  /** The server API's port follows the simulated server: closed (refusing) while it is stopped. */
  async syncServerApi(): Promise<void> {
    const running = this.serverState().running;
    if (running && !this.serverApi.listening) await this.serverApi.listen(this.serverApi.port);
    else if (!running && this.serverApi.listening) await this.serverApi.close();
  }

  /** Closes or reopens the Cassandra ports of the peers named (node-1's own Cassandra is the fake nodetool's business). */
  async setCassandra(nodeIds: readonly string[], up: boolean): Promise<void> {
    for (const p of this.peers.filter((peer) => nodeIds.includes(peer.node.id))) {
      if (up) await p.cassandraUp();
      else await p.cassandraDown();
    }
  }

  /** Every port the demo listens on, for the record (and the tests). */
  ports(): string[] {
    return [
      ...this.peers.flatMap((p) => [p.host, p.server, p.cql, p.storage]),
      this.serverApi, this.elasticsearch,
    ].map((l) => `${l.host}:${l.port}`);
  }

  async close(): Promise<void> {
    await Promise.all([...this.peers.map((p) => p.close()), this.serverApi.close(), this.elasticsearch.close()]);
  }

  private serverState(): { running: boolean; startedAt: string } {
    try {
      return readServerWorld(this.paths);
    } catch {
      return { running: false, startedAt: "" };
    }
  }

  private handleServerApi(req: IncomingMessage, res: ServerResponse, body: string): void {
    const server = this.serverState();
    const url = req.url ?? "";
    if (req.method === "GET" && url === "/rest/health") {
      return server.running ? send(res, 200, "RUNNING", "text/plain") : send(res, 503, "server stopped", "text/plain");
    }
    if (!server.running) return send(res, 503, "dynatrace-server is stopped", "text/plain");
    if (req.method === "GET" && url === CLUSTER_NODES_PATH) {
      return send(res, 200, JSON.stringify(NODES.map((n) => ({
        id: serverNodeId(n), clusterMemberAddress: `${n.address}:5701`, operationState: "RUNNING", buildVersion: SERVER_VERSION,
        osInfo: "Platform: Linux, Version: 5.14.0, Architecture: amd64, Processors: 16",
        jvmInfo: "VM: OpenJDK 64-Bit Server VM, Version: 17.0.12, Vendor: Eclipse Adoptium",
        dnsEntryPointUris: null, restServiceRootUris: [`https://${n.address}/api`], communicationUris: [`https://${n.address}:8020`],
      }))), "application/json");
    }
    if (req.method === "GET" && url === CLUSTER_CONFIGURATION_PATH) {
      return send(res, 200, JSON.stringify({
        clusterNodes: NODES.map((n) => ({ id: serverNodeId(n), ipAddress: n.address, webUI: true, agent: true, datacenter: n.dataCenter, kubernetesRole: "" })),
      }), "application/json");
    }
    if (req.method === "PUT" && url.startsWith(OVERRIDE_PREFIX)) {
      const what = url.slice(OVERRIDE_PREFIX.length);
      const known = what === "responsibilityOverride" || /^cassandraQuorumOverride\/[A-Z_]+$/.test(what);
      const status = known ? 200 : 404;
      this.puts.push({ path: url, body, status });
      return send(res, status, known ? "{}" : "unknown override", "application/json");
    }
    send(res, 404, "not found", "text/plain");
  }
}
