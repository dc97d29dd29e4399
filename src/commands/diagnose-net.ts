/**
 * The network steps of `diagnose`, one at a time so that each can say where
 * it broke: name resolution, TCP connect, an HTTP CONNECT tunnel through a
 * proxy, the TLS handshake and what the peer's certificate says. Nothing here
 * sends a byte of application data: the TLS connection is closed right after
 * the handshake. Every step has a deadline and never throws.
 */
import { lookup } from "node:dns/promises";
import { connect as netConnect, isIP, type Socket } from "node:net";
import { checkServerIdentity, connect as tlsConnect, type PeerCertificate, type SecureContext, type TLSSocket } from "node:tls";
import { oneLine } from "../apply/text.js";

export type NetFailure = { ok: false; reason: string; code: string | null };

/** Resolves `host` (not an IP) within `deadlineMs`; the lookup itself cannot be cancelled, only abandoned. */
export async function resolveHost(host: string, deadlineMs: number): Promise<{ ok: true; addresses: string[] } | NetFailure> {
  if (isIP(host)) return { ok: true, addresses: [host] };
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<NetFailure>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, reason: `no answer from the resolver within ${deadlineMs} ms`, code: "ETIMEOUT" }), deadlineMs);
  });
  try {
    return await Promise.race([
      lookup(host, { all: true }).then((list) => ({ ok: true as const, addresses: list.map((a) => a.address) }),
        (error: NodeJS.ErrnoException) => ({ ok: false as const, reason: `${error.code ?? "error"}: ${oneLine(error.message, 160)}`, code: error.code ?? null })),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** One TCP connection, or why not; the caller owns (and destroys) the socket. */
export function openTcp(host: string, port: number, deadlineMs: number): Promise<{ ok: true; socket: Socket; ms: number } | NetFailure> {
  return new Promise((resolve) => {
    const started = performance.now();
    const socket = netConnect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ ok: false, reason: `no connection within ${deadlineMs} ms`, code: "ETIMEDOUT" });
    }, deadlineMs);
    socket.once("connect", () => {
      clearTimeout(timer);
      socket.removeAllListeners("error");
      socket.on("error", () => undefined); // the caller decides; a late reset must not crash us
      resolve({ ok: true, socket, ms: performance.now() - started });
    });
    socket.once("error", (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ ok: false, reason: `${error.code ?? "error"}: ${oneLine(error.message, 160)}`, code: error.code ?? null });
    });
  });
}

/**
 * `CONNECT host:port` on an open connection to an HTTP proxy (RFC 9110
 * section 9.3.6): 2xx means the tunnel is open. Only the status line is read.
 */
export function connectTunnel(socket: Socket, target: string, proxyAuthorization: string | null, deadlineMs: number): Promise<{ ok: true } | NetFailure> {
  return new Promise((resolve) => {
    let head = "";
    const done = (outcome: { ok: true } | NetFailure) => {
      clearTimeout(timer);
      socket.removeListener("data", onData);
      resolve(outcome);
    };
    const timer = setTimeout(() => done({ ok: false, reason: `the proxy did not answer CONNECT within ${deadlineMs} ms`, code: "ETIMEDOUT" }), deadlineMs);
    const onData = (chunk: Buffer) => {
      head += chunk.toString("latin1");
      const end = head.indexOf("\r\n\r\n");
      if (end < 0) {
        if (head.length > 16_384) done({ ok: false, reason: "the proxy's answer to CONNECT has no end of headers", code: null });
        return;
      }
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(head);
      const code = status ? Number(status[1]) : 0;
      if (code >= 200 && code < 300) done({ ok: true });
      else done({ ok: false, reason: `the proxy refused CONNECT ${target}: ${oneLine(head.slice(0, head.indexOf("\r\n")), 120)}`, code: String(code) });
    };
    socket.on("data", onData);
    socket.once("close", () => done({ ok: false, reason: "the proxy closed the connection during CONNECT", code: "ECONNRESET" }));
    socket.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n${proxyAuthorization ? `Proxy-Authorization: ${proxyAuthorization}\r\n` : ""}\r\n`);
  });
}

export interface TlsFacts {
  readonly ok: true;
  /** Null when the chain verifies against the trust store given. */
  readonly chainError: string | null;
  /** Null when the certificate names the host (RFC 6125, Node's checkServerIdentity). */
  readonly hostError: string | null;
  readonly subject: string;
  readonly issuer: string;
  readonly validTo: string;
  readonly validToMs: number;
  readonly protocol: string | null;
}

/** A string or number from outside as text; anything else as null. */
export function scalar(value: unknown): string | null {
  return typeof value === "string" || typeof value === "number" ? String(value) : null;
}

function nameOf(entity: Record<string, unknown> | undefined): string {
  if (!entity) return "?";
  const cn = scalar(entity["CN"]);
  const o = scalar(entity["O"]);
  return oneLine([cn ? `CN=${cn}` : null, o ? `O=${o}` : null].filter(Boolean).join(", ") || "?", 120);
}

/**
 * A TLS handshake over `socket` (a plain connection or a proxy tunnel) that
 * does not abort on a bad certificate, so that the certificate can be
 * described: the verdict comes from `authorizationError` (the chain against
 * `secureContext`'s trust store) and checkServerIdentity (the host name).
 */
export function inspectTls(socket: Socket, host: string, secureContext: SecureContext, deadlineMs: number): Promise<TlsFacts | NetFailure> {
  return new Promise((resolve) => {
    let tls: TLSSocket;
    try {
      tls = tlsConnect({
        socket, secureContext, rejectUnauthorized: false,
        // SNI carries host names only (RFC 6066 section 3).
        ...(isIP(host) ? {} : { servername: host }),
      });
    } catch (error) {
      socket.destroy();
      resolve({ ok: false, reason: oneLine((error as Error).message, 160), code: null });
      return;
    }
    const finish = (outcome: TlsFacts | NetFailure) => {
      clearTimeout(timer);
      tls.destroy();
      socket.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(() => finish({ ok: false, reason: `no TLS handshake within ${deadlineMs} ms`, code: "ETIMEDOUT" }), deadlineMs);
    tls.once("error", (error: NodeJS.ErrnoException) => finish({ ok: false, reason: `${error.code ?? "error"}: ${oneLine(error.message, 160)}`, code: error.code ?? null }));
    tls.once("secureConnect", () => {
      const cert: PeerCertificate = tls.getPeerCertificate(false);
      if (!cert || Object.keys(cert).length === 0) return finish({ ok: false, reason: "the server sent no certificate", code: null });
      const identity = checkServerIdentity(host, cert);
      const authError = tls.authorizationError as unknown;
      finish({
        ok: true,
        chainError: authError ? oneLine(scalar((authError as { code?: unknown }).code) ?? scalar(authError) ?? (authError as Error).message, 120) : null,
        hostError: identity ? oneLine(identity.message, 200) : null,
        subject: nameOf(cert.subject as unknown as Record<string, unknown>),
        issuer: nameOf(cert.issuer as unknown as Record<string, unknown>),
        validTo: cert.valid_to,
        validToMs: Date.parse(cert.valid_to),
        protocol: tls.getProtocol(),
      });
    });
  });
}

export interface ProxyChoice {
  /** The proxy's URL with any password replaced by ***; null: direct. */
  readonly display: string | null;
  readonly url: URL | null;
  /** Where the choice came from, in words. */
  readonly source: string;
}

/**
 * The proxy the sender would use (effects/http.ts): `missionControl.proxy`
 * ("none": direct), else HTTPS_PROXY/https_proxy unless NO_PROXY names the host.
 */
export function chooseProxy(configured: string | undefined, host: string, env: Readonly<Record<string, string | undefined>>): ProxyChoice {
  if (configured === "none") return { display: null, url: null, source: "missionControl.proxy is \"none\"" };
  const raw = configured ?? env["HTTPS_PROXY"] ?? env["https_proxy"];
  const source = configured ? "missionControl.proxy" : "HTTPS_PROXY";
  if (!raw) return { display: null, url: null, source: "no missionControl.proxy and no HTTPS_PROXY" };
  if (!configured && noProxyMatches(env["NO_PROXY"] ?? env["no_proxy"] ?? "", host)) {
    return { display: null, url: null, source: `NO_PROXY names ${host}` };
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { display: "(unparsable proxy URL)", url: null, source };
  }
  return { display: redactedUrl(url), url, source };
}

/** A URL as text, its password (if any) replaced by ***. */
export function redactedUrl(url: URL): string {
  if (!url.password) return url.href;
  const copy = new URL(url.href);
  copy.password = "***";
  return copy.href;
}

function noProxyMatches(list: string, host: string): boolean {
  const h = host.toLowerCase();
  return list.split(",").map((e) => e.trim().toLowerCase().replace(/:\d+$/, "")).filter(Boolean).some((entry) => {
    if (entry === "*") return true;
    const bare = entry.replace(/^\*?\./, "");
    return h === bare || h.endsWith(`.${bare}`);
  });
}
