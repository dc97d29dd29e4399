/**
 * Servers the demo opens, each bound to one 127.0.0.x address, with every
 * connection tracked so that closing really closes: no keep-alive socket or
 * half-open TLS handshake outlives the demo.
 */
import { once } from "node:events";
import type { IncomingMessage } from "node:http";
import type { Server as NetServer, Socket, AddressInfo } from "node:net";
import { DevSetupError } from "./pki.js";

/** Closing waits at most this long for the server's `close` event: 2 s. */
const CLOSE_DEADLINE_MS = 2_000;
/** Listening again on a port just closed: tries for at most this long: 3 s. */
const RELISTEN_DEADLINE_MS = 3_000;

/** Binding a loopback port answers at once; 5 s means something is badly wrong. */
const LISTEN_DEADLINE_MS = 5_000;

const LOOPBACK = /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;

async function withDeadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms); })]);
  } finally {
    if (timer) clearTimeout(timer);
  }
}

/**
 * Reads a whole (small) request body, then calls `done` with it, or with null
 * when it was over `maxBytes` (the caller answers 413 in its own words).
 */
export function readSmallBody(req: IncomingMessage, maxBytes: number, done: (body: string | null) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  req.on("data", (chunk: Buffer) => {
    size += chunk.length;
    if (size <= maxBytes) chunks.push(chunk);
  });
  req.on("error", () => undefined);
  req.on("end", () => done(size > maxBytes ? null : Buffer.concat(chunks).toString("utf8")));
}

export class Listener {
  private readonly sockets = new Set<Socket>();
  private boundPort = 0;

  constructor(
    readonly name: string,
    readonly host: string,
    readonly server: NetServer,
  ) {
    if (!LOOPBACK.test(host)) throw new Error(`the demo listens on 127.0.0.0/8 only, not ${host}`);
    server.on("connection", (socket: Socket) => {
      this.sockets.add(socket);
      socket.once("close", () => this.sockets.delete(socket));
    });
  }

  get port(): number {
    return this.boundPort;
  }

  get listening(): boolean {
    return this.server.listening;
  }

  /** Listens on `port` (0: any free one); a missing 127.0.0.x address is a one-line setup error. */
  async listen(port = 0): Promise<number> {
    const deadline = performance.now() + RELISTEN_DEADLINE_MS;
    for (;;) {
      try {
        this.server.listen({ host: this.host, port, exclusive: true });
        await withDeadline(once(this.server, "listening"), LISTEN_DEADLINE_MS, `listening on ${this.host}:${port}`);
        this.boundPort = (this.server.address() as AddressInfo).port;
        return this.boundPort;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === "EADDRNOTAVAIL") {
          throw new DevSetupError(
            `cannot listen on ${this.host}: this system does not route all of 127.0.0.0/8 to the loopback interface (Linux does; on macOS: sudo ifconfig lo0 alias ${this.host} up)`,
            69,
          );
        }
        // A port just closed may still be held for a moment; try again until the deadline.
        if (code === "EADDRINUSE" && port !== 0 && performance.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 100));
          continue;
        }
        throw new DevSetupError(`cannot listen on ${this.host}:${port} for ${this.name}: ${(error as Error).message}`, 70);
      }
    }
  }

  /** Stops listening and destroys every open connection. Never throws. */
  async close(): Promise<void> {
    if (!this.server.listening) {
      this.destroySockets();
      return;
    }
    const closed = once(this.server, "close").catch(() => undefined);
    this.server.close();
    this.destroySockets();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([closed, new Promise((resolve) => { timer = setTimeout(resolve, CLOSE_DEADLINE_MS); })]);
    if (timer) clearTimeout(timer);
  }

  private destroySockets(): void {
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }
}
