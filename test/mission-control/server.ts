/**
 * A Mission Control for tests: real HTTPS on a loopback address (127.0.0.x
 * only) with the test PKI, scripted answers, every request recorded.
 *
 *   const mc = await startMissionControl();            // https://127.0.0.1:<port>
 *   mc.reply({ status: 503, headers: { "retry-after": "1" } }, answers.instructions());
 *   … run the code under test against mc.url …
 *   mc.requests[0].headers["idempotency-key"]; mc.requests[1].json
 *   await mc.close();
 *
 * Answers are taken from the queue given to `reply()`, one per request, then
 * from the fallback (default: valid instructions echoing the request's
 * reportId and clusterId). An answer is a plain `{status, headers, body}`
 * (an object body is sent as JSON), a misbehaviour (`reset-mid-body`, `hang`,
 * `destroy`), or a function of the recorded request returning one of those.
 *
 * `close()` destroys every connection, hung ones included, and resolves
 * once the port is free; `restart()` listens again on the same port (for
 * "Mission Control down, then back").
 *
 * Also here: `startConnectProxy()`, a minimal HTTP CONNECT proxy on loopback
 * that records the targets it tunnels to.
 */
import { createServer as createHttpServer } from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer } from "node:https";
import type { Server } from "node:https";
import { connect as netConnect } from "node:net";
import type { Socket } from "node:net";
import type { TLSSocket } from "node:tls";
import type { CertPair } from "../helpers/tls.js";
import { makeTestPki } from "../helpers/tls.js";

export interface RecordedRequest {
  /** 0-based, in arrival order. */
  readonly index: number;
  readonly method: string;
  /** Path and query, e.g. "/api/v1/nodekeeper/health". */
  readonly path: string;
  /** Lower-case names; repeated headers joined with ", ". */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** The body parsed as JSON; undefined when it is not JSON. */
  readonly json: unknown;
  /** Subject CN of the client certificate, when one was presented. */
  readonly clientCertCn: string | null;
  readonly receivedAt: number;
}

export type Misbehaviour =
  /** Sends the status and a Content-Length for `body`, half of the body, then resets the connection. */
  | { action: "reset-mid-body"; status?: number; body?: string }
  /** Reads the request and never answers (until close). */
  | { action: "hang" }
  /** Closes the connection right after reading the request. */
  | { action: "destroy" };

export interface PlainReply {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** An object is sent as JSON; a string or Buffer as is. */
  readonly body?: string | Buffer | object;
  /** Sent without Content-Length (chunked). */
  readonly chunked?: boolean;
  /** Waits before answering, in ms. */
  readonly delayMs?: number;
}

export type Reply = PlainReply | Misbehaviour | ((req: RecordedRequest) => PlainReply | Misbehaviour | Promise<PlainReply | Misbehaviour>);

/** A valid 200 answer body for a recorded request: its reportId and clusterId, plus overrides. */
export function instructionsFor(req: RecordedRequest, overrides: Readonly<Record<string, unknown>> = {}): Record<string, unknown> {
  const sent = (req.json ?? {}) as { reportId?: unknown; clusterId?: unknown; nodeId?: unknown };
  return {
    schemaVersion: 1,
    reportId: sent.reportId,
    clusterId: sent.clusterId,
    responsibilityNodeIds: ["node-1"],
    clusterStatus: "HEALTHY",
    clusterStatusDescription: "all nodes healthy",
    cassandraQuorumOverride: false,
    phaDowntimeLongerThan72h: false,
    phaFailoverRemediation: false,
    nodeStatuses: [{ nodeId: typeof sent.nodeId === "string" ? sent.nodeId : "node-1", status: "OK" }],
    componentStatuses: [{ name: "server", status: "OK", nodeId: "node-1" }],
    ...overrides,
  };
}

/** Common answers. */
export const answers = {
  /** 200 with valid instructions echoing the request. */
  instructions: (overrides: Readonly<Record<string, unknown>> = {}): Reply => (req) => ({ status: 200, body: instructionsFor(req, overrides) }),
  status: (status: number, body?: string | object, headers?: Record<string, string>): PlainReply => ({
    status, ...(body !== undefined ? { body } : {}), ...(headers ? { headers } : {}),
  }),
};

export interface MissionControlServer {
  /** https://host:port, no trailing slash. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly requests: RecordedRequest[];
  /** Queues answers, one per coming request, in order. */
  reply(...replies: Reply[]): void;
  /** The answer once the queue is empty. */
  setFallback(reply: Reply): void;
  /** Stops listening and destroys every connection. */
  close(): Promise<void>;
  /** Listens again on the same host and port. */
  restart(): Promise<void>;
}

export interface StartOptions {
  /** A 127.0.0.x address; default 127.0.0.1. */
  readonly host?: string;
  /** Default 0 (any free port). */
  readonly port?: number;
  /** Server certificate; default the test PKI's `server`. */
  readonly cert?: CertPair;
  /** Ask for a client certificate signed by the test CA (not required). */
  readonly requestClientCert?: boolean;
  readonly fallback?: Reply;
  /** Replaces the Date header of every answer; null removes it. */
  readonly date?: () => string | null;
}

function assertLoopback(host: string): void {
  if (!/^127\.0\.0\.\d{1,3}$/.test(host)) throw new Error(`test servers listen on 127.0.0.x only, not ${host}`);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

export async function startMissionControl(options: StartOptions = {}): Promise<MissionControlServer> {
  const host = options.host ?? "127.0.0.1";
  assertLoopback(host);
  const pki = makeTestPki();
  const cert = options.cert ?? pki.server;
  const requests: RecordedRequest[] = [];
  const queue: Reply[] = [];
  let fallback: Reply = options.fallback ?? answers.instructions();
  const sockets = new Set<Socket>();
  let port = options.port ?? 0;
  let server: Server | null = null;

  async function answer(reply: Reply, recorded: RecordedRequest, res: ServerResponse): Promise<void> {
    const r = typeof reply === "function" ? await reply(recorded) : reply;
    if ("action" in r) {
      switch (r.action) {
        case "hang":
          return; // the socket stays open until close()
        case "destroy":
          res.socket?.destroy();
          return;
        case "reset-mid-body": {
          const body = Buffer.from(r.body ?? JSON.stringify({ padding: "x".repeat(2000) }));
          res.writeHead(r.status ?? 200, { "content-type": "application/json", "content-length": String(body.length) });
          res.write(body.subarray(0, Math.floor(body.length / 2)), () => {
            setTimeout(() => res.socket?.destroy(), 20);
          });
          return;
        }
      }
    }
    if (r.delayMs) await new Promise((resolve) => setTimeout(resolve, r.delayMs));
    const body =
      r.body === undefined ? Buffer.alloc(0)
        : Buffer.isBuffer(r.body) ? r.body
          : typeof r.body === "string" ? Buffer.from(r.body)
            : Buffer.from(JSON.stringify(r.body));
    const headers: Record<string, string> = {};
    if (r.body !== undefined && typeof r.body === "object" && !Buffer.isBuffer(r.body)) headers["content-type"] = "application/json";
    Object.assign(headers, r.headers ?? {});
    if (options.date) {
      const d = options.date();
      if (d === null) res.sendDate = false;
      else headers["date"] = d;
    }
    if (r.chunked) {
      res.writeHead(r.status, headers);
      // Several writes without Content-Length: chunked transfer encoding.
      const step = 64 * 1024;
      for (let i = 0; i < body.length; i += step) {
        if (!res.write(body.subarray(i, i + step))) await new Promise((resolve) => res.once("drain", resolve));
        if (res.destroyed) return;
      }
      res.end();
      return;
    }
    headers["content-length"] = String(body.length);
    res.writeHead(r.status, headers);
    res.end(body);
  }

  function make(): Server {
    const s = createServer({
      key: cert.key,
      cert: cert.cert,
      ...(options.requestClientCert ? { requestCert: true, rejectUnauthorized: false, ca: pki.ca.cert } : {}),
    });
    s.on("connection", (socket: Socket) => {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
    });
    s.on("tlsClientError", () => undefined); // refused certificates are the point of some tests
    s.on("request", (req, res) => {
      void (async () => {
        const body = await readBody(req);
        let json: unknown;
        try {
          json = JSON.parse(body);
        } catch {
          json = undefined;
        }
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(req.headers)) {
          if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(", ") : value;
        }
        const peer = (req.socket as TLSSocket).getPeerCertificate?.();
        const cn = peer && typeof peer.subject?.CN === "string" ? peer.subject.CN : null;
        const recorded: RecordedRequest = {
          index: requests.length, method: req.method ?? "", path: req.url ?? "", headers, body, json,
          clientCertCn: cn, receivedAt: Date.now(),
        };
        requests.push(recorded);
        await answer(queue.shift() ?? fallback, recorded, res);
      })().catch(() => res.socket?.destroy());
    });
    return s;
  }

  async function listen(): Promise<void> {
    const s = make();
    await new Promise<void>((resolve, reject) => {
      s.once("error", reject);
      s.listen(port, host, () => {
        s.off("error", reject);
        resolve();
      });
    });
    const address = s.address();
    if (address && typeof address === "object") port = address.port;
    server = s;
  }

  await listen();

  const api: MissionControlServer = {
    get url() {
      return `https://${host}:${port}`;
    },
    host,
    get port() {
      return port;
    },
    requests,
    reply: (...replies) => {
      queue.push(...replies);
    },
    setFallback: (reply) => {
      fallback = reply;
    },
    async close() {
      const s = server;
      server = null;
      if (!s) return;
      const closed = new Promise<void>((resolve) => s.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
    async restart() {
      if (server) return;
      await listen();
    },
  };
  return api;
}

export interface ConnectProxy {
  /** http://host:port */
  readonly url: string;
  /** "host:port" of every CONNECT, in order. */
  readonly tunnels: string[];
  close(): Promise<void>;
}

/** A minimal HTTP CONNECT proxy on loopback (tunnels to loopback targets only). */
export async function startConnectProxy(host = "127.0.0.2"): Promise<ConnectProxy> {
  assertLoopback(host);
  const tunnels: string[] = [];
  const sockets = new Set<Socket>();
  const server = createHttpServer((_req, res) => {
    res.writeHead(405).end();
  });
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  server.on("connect", (req: IncomingMessage, client: Socket, head: Buffer) => {
    const target = req.url ?? "";
    tunnels.push(target);
    const match = /^(127\.0\.0\.\d{1,3}|localhost):(\d+)$/.exec(target);
    if (!match?.[1] || !match[2]) {
      client.end("HTTP/1.1 403 Forbidden\r\n\r\n");
      return;
    }
    const upstream = netConnect(Number(match[2]), match[1], () => {
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on("close", () => sockets.delete(upstream));
    upstream.on("error", () => client.destroy());
    client.on("error", () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const address = server.address();
  const port = address && typeof address === "object" ? address.port : 0;
  return {
    url: `http://${host}:${port}`,
    tunnels,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
