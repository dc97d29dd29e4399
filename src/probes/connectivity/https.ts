/**
 * One sample of a peer server's health endpoint: a fresh TLS connection, one
 * GET, the whole answer read. Each sample pays the same connect and handshake,
 * so the samples measure the same thing and the median means something.
 *
 * Plain node:tls and a minimal HTTP/1.1 exchange (http1.ts) rather than
 * node:https or undici: with a thousand peers the probe is CPU-bound on the
 * handshakes, and the HTTP machinery per sample was the largest share of what
 * the probe spent beyond a bare client (see test/bench/connectivity-1000.ts).
 */
import { connect, type SecureContext, type TLSSocket } from "node:tls";
import { healthRequest, MAX_BODY_BYTES, MAX_HEAD_BYTES, parseResponse } from "./http1.js";
import { classifyError, failure, hostPort, type Sample } from "./outcome.js";
import type { RunScope } from "./scope.js";
import { settleOnce, trackClose } from "./socket.js";

export interface HttpsTarget {
  readonly address: string;
  readonly port: number;
  readonly path: string;
  /** Healthy: 200 with this body, surrounding white space ignored. */
  readonly expectBody: string;
  /** Built once per probe run: parsing the CA bundle per connection costs more than the handshake. */
  readonly secureContext: SecureContext;
  /** False only when the configuration explicitly skips verification. */
  readonly verify: boolean;
}

/** A short, printable excerpt of an unexpected body for `status`. */
function excerpt(body: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what we strip
  const clean = body.trim().replace(/[\u0000-\u001f\u007f]+/g, " ");
  return clean.length > 80 ? `${clean.slice(0, 80)}…` : clean;
}

function ms(from: number, to: number | undefined): string {
  return to === undefined ? "?" : (to - from).toFixed(1);
}

/** The Host header: the address (bracketed if IPv6), with the port unless it is 443. */
function hostHeader(address: string, port: number): string {
  return port === 443 ? (address.includes(":") ? `[${address}]` : address) : hostPort(address, port);
}

/** Resolves (never rejects) with the sample; the socket's close is tracked by `scope`. `deadline` is a `performance.now()` time in ms. */
export function httpsSample(target: HttpsTarget, deadline: number, scope: RunScope): Promise<Sample> {
  const { address, port, path } = target;
  const where = `https://${hostPort(address, port)}${path}`;
  return new Promise<Sample>((resolve) => {
    const start = performance.now();
    const budget = Math.ceil(deadline - start); // ceil: the timer never fires before the deadline
    if (scope.cancelled) return resolve(failure("error", `not probed: ${scope.reason}`));
    if (budget <= 0) return resolve(failure("timeout", `no time left to ask ${where}`));

    let connectedAt: number | undefined;
    let secureAt: number | undefined;
    let phase = "connecting";
    let received: Buffer[] = [];
    let receivedBytes = 0;

    let socket: TLSSocket;
    try {
      socket = connect({
        host: address,
        port,
        secureContext: target.secureContext,
        rejectUnauthorized: target.verify,
        // No servername: peers are addressed by IP, and SNI must not carry an IP
        // (RFC 6066); the certificate is checked against the IP's SAN.
      });
    } catch (error) {
      // Only arguments the schema already refuses (a bad port) throw here.
      return resolve(classifyError(error, where));
    }
    const { finish, settled } = settleOnce({
      scope, closing: trackClose(socket, true), budgetMs: budget, resolve,
      // `phase` is read when the deadline fires: it says how far the sample got.
      onTimeout: () => failure("timeout", `no answer from ${where} within ${budget} ms (${phase})`),
    });

    const check = (ended: boolean) => {
      const data = received.length === 1 ? received[0]! : Buffer.concat(received, receivedBytes);
      received = [data];
      const parsed = parseResponse(data, ended);
      if (parsed.state === "partial") return;
      if (parsed.state === "invalid") {
        finish(failure("wrong-answer", `${where}: ${parsed.reason}`));
        return;
      }
      const end = performance.now();
      const body = parsed.body.toString("utf8");
      if (parsed.status !== 200) {
        finish(failure("wrong-answer", `${where} answered HTTP ${parsed.status} "${excerpt(body)}" (expected 200 "${target.expectBody}")`));
      } else if (body.trim() !== target.expectBody) {
        finish(failure("wrong-answer", `${where} answered "${excerpt(body)}" (expected "${target.expectBody}")`));
      } else {
        const tls = target.verify
          ? "TLS verified"
          : `TLS NOT verified${socket.authorizationError ? ` (would fail: ${String(socket.authorizationError)})` : ""}`;
        const phases = `connect ${ms(start, connectedAt)} ms, TLS ${ms(connectedAt ?? start, secureAt)} ms, answer ${ms(secureAt ?? start, end)} ms`;
        finish({ ok: true, ms: end - start, note: `${phases}; ${tls}` });
      }
    };

    socket.setNoDelay(true);
    // Errors after finish() (a late reset) are swallowed: the sample is decided.
    socket.on("error", (error) => finish(classifyError(error, where)));
    socket.once("connect", () => {
      connectedAt = performance.now();
      phase = "TLS handshake";
    });
    socket.once("secureConnect", () => {
      secureAt = performance.now();
      phase = "waiting for the answer";
      socket.write(healthRequest(path, hostHeader(address, port)));
    });
    socket.on("data", (chunk: Buffer) => {
      if (settled()) return;
      phase = "reading the answer";
      received.push(chunk);
      receivedBytes += chunk.length;
      if (receivedBytes > MAX_HEAD_BYTES + MAX_BODY_BYTES + 1_024) {
        finish(failure("wrong-answer", `${where}: answer over ${MAX_HEAD_BYTES + MAX_BODY_BYTES} bytes`));
        return;
      }
      check(false);
    });
    socket.once("end", () => {
      if (settled()) return;
      if (secureAt === undefined) finish(failure("error", `${where} closed the connection during the TLS handshake`));
      else check(true);
    });
  });
}
