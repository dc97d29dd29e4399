/**
 * The HTTP effect: every outbound HTTP(S) request of nodekeeper goes through a
 * client made here, on undici with an explicit dispatcher (never the global
 * fetch, whose pool, timeouts and proxy we would not control). undici is loaded
 * lazily so that `--version` and `--help` do not pay for it.
 */
import { readFile } from "node:fs/promises";
import { createSecureContext } from "node:tls";
import type { SecureContext } from "node:tls";
import type * as Undici_ from "undici";

export interface HttpClientOptions {
  /** PEM bundle added to the system roots (the contract's "adds a CA bundle"). */
  readonly caFile?: string | undefined;
  /** Trust only `caFile`, not the system roots (peers in a cluster CA). */
  readonly caOnly?: boolean;
  readonly certFile?: string | undefined;
  readonly keyFile?: string | undefined;
  /** Skip certificate verification. Only when the configuration says so explicitly. */
  readonly insecureSkipVerify?: boolean;
  readonly connectTimeoutMs: number;
  readonly headersTimeoutMs: number;
  readonly bodyTimeoutMs: number;
  /** A proxy URL, or the string "env" for HTTPS_PROXY/HTTP_PROXY/NO_PROXY, or none. */
  readonly proxy?: string | undefined;
  /** Connections kept per origin; 1 for a control-plane client. */
  readonly connections?: number;
  /**
   * A few one-shot GETs to local endpoints (the server's API, a component's
   * health page): served by node:https instead of undici, so that a command
   * that never talks to Mission Control (status, check) does not load and
   * compile undici (about 1 MB of JavaScript) at start-up. No proxy.
   */
  readonly lightweight?: boolean;
}

export interface HttpRequest {
  readonly method: "GET" | "POST" | "PUT" | "DELETE";
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly signal?: AbortSignal;
  /** Responses larger than this are refused with kind "too-large". */
  readonly maxResponseBytes: number;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
  /** The body was over `maxResponseBytes` (only ever on a non-2xx status) and was cut. */
  readonly truncated?: boolean;
}

export type HttpErrorKind =
  | "timeout" // connect, headers or body timeout, or our own deadline
  | "refused"
  | "dns"
  | "tls"
  | "reset" // connection closed or reset mid-exchange
  | "too-large"
  | "unreachable"
  | "other";

export class HttpError extends Error {
  constructor(
    readonly kind: HttpErrorKind,
    message: string,
    readonly code: string | undefined,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "HttpError";
  }
}

export interface HttpClient {
  /** Resolves with any HTTP status; rejects only with an HttpError. */
  request(req: HttpRequest): Promise<HttpResponse>;
  close(): Promise<void>;
}

export type HttpClientFactory = (options: HttpClientOptions) => Promise<HttpClient>;

const TLS_CODES = new Set([
  "CERT_HAS_EXPIRED", "CERT_NOT_YET_VALID", "DEPTH_ZERO_SELF_SIGNED_CERT", "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE", "UNABLE_TO_GET_ISSUER_CERT", "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "ERR_TLS_CERT_ALTNAME_INVALID", "CERT_SIGNATURE_FAILURE", "CERT_REVOKED", "ERR_SSL_WRONG_VERSION_NUMBER",
  "EPROTO", "ERR_TLS_HANDSHAKE_TIMEOUT",
]);

/** Maps whatever undici or the socket threw to one of our kinds. */
export function classifyHttpError(error: unknown, deadlinePassed = true): HttpError {
  if (error instanceof HttpError) return error;
  const chain: Array<{ code?: unknown; name?: unknown; message?: unknown }> = [];
  let current: unknown = error;
  for (let depth = 0; current && typeof current === "object" && depth < 5; depth++) {
    chain.push(current);
    current = (current as { cause?: unknown }).cause;
  }
  const codes = chain.map((e) => (typeof e.code === "string" ? e.code : "")).filter(Boolean);
  const names = chain.map((e) => (typeof e.name === "string" ? e.name : ""));
  const message = chain.map((e) => (typeof e.message === "string" ? e.message : "")).find(Boolean) ?? String(error);
  const code = codes.find((c) => !c.startsWith("UND_ERR_") || codes.length === 1) ?? codes[0];
  const has = (...wanted: string[]) => codes.some((c) => wanted.includes(c));
  let kind: HttpErrorKind = "other";
  if (names.includes("TimeoutError") || (deadlinePassed && names.includes("AbortError"))) kind = "timeout";
  else if (has("UND_ERR_CONNECT_TIMEOUT", "UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT", "ETIMEDOUT")) kind = "timeout";
  else if (codes.some((c) => TLS_CODES.has(c) || c.startsWith("ERR_SSL_") || c.startsWith("ERR_TLS_"))) kind = "tls";
  else if (has("ECONNREFUSED")) kind = "refused";
  else if (has("ENOTFOUND", "EAI_AGAIN", "EAI_FAIL")) kind = "dns";
  else if (has("EHOSTUNREACH", "ENETUNREACH", "EADDRNOTAVAIL")) kind = "unreachable";
  else if (has("ECONNRESET", "EPIPE", "UND_ERR_SOCKET", "UND_ERR_CLOSED")) kind = "reset";
  return new HttpError(kind, message, code, { cause: error });
}

const contexts = new Map<string, SecureContext>();

/** The part of Node's native SecureContext used here (`SecureContext.context`, typed `any` by @types/node). */
interface NativeContext {
  addCACert(pem: string): void;
}

/**
 * One TLS context per distinct (CA, certificate, key), made once per process.
 * Passing `ca: [...rootCertificates, extra]` instead would re-parse the ~140
 * system roots for every connection: about 100 ms of CPU each time, measured.
 * Here the system roots come from Node's default store (parsed once) and the
 * extra CA is added to it. Throws on a bad PEM or a key that does not match.
 */
export function secureContextFor(pem: { ca?: string | undefined; caOnly?: boolean | undefined; cert?: string | undefined; key?: string | undefined }): SecureContext {
  const id = JSON.stringify([pem.ca ?? null, pem.caOnly === true, pem.cert ?? null, pem.key ?? null]);
  const cached = contexts.get(id);
  if (cached) return cached;
  const identity = { ...(pem.cert !== undefined ? { cert: pem.cert } : {}), ...(pem.key !== undefined ? { key: pem.key } : {}) };
  let context: SecureContext;
  if (pem.ca !== undefined && pem.caOnly) {
    context = createSecureContext({ ...identity, ca: pem.ca });
  } else {
    context = createSecureContext(identity);
    if (pem.ca !== undefined) {
      // addCACert is the native method Node's own `ca` option uses; on a
      // context made without `ca` it adds to a copy of the default roots.
      const native = context.context as NativeContext;
      for (const cert of splitPem(pem.ca)) native.addCACert(cert);
    }
  }
  contexts.set(id, context);
  return context;
}

/** The certificates of a PEM bundle, one string each; throws when there are none. */
function splitPem(bundle: string): string[] {
  const certs = bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (certs.length === 0) throw new Error("no PEM certificate found");
  return certs;
}

async function readPem(path: string | undefined): Promise<string | undefined> {
  return path === undefined ? undefined : readFile(path, "utf8");
}

export const createHttpClient: HttpClientFactory = async (options) => {
  if (options.lightweight && !options.proxy) return createNodeHttpClient(options);
  const undici = await loadUndici();
  const [ca, cert, key] = await Promise.all([
    readPem(options.caFile), readPem(options.certFile), readPem(options.keyFile),
  ]);
  const secureContext = secureContextFor({ ca, caOnly: options.caOnly, cert, key });
  const connect = {
    secureContext,
    rejectUnauthorized: options.insecureSkipVerify !== true,
    timeout: options.connectTimeoutMs,
  };
  const common = {
    connect,
    headersTimeout: options.headersTimeoutMs,
    bodyTimeout: options.bodyTimeoutMs,
    connections: options.connections ?? 4,
    keepAliveTimeout: 30_000, // 30 s: reuse the connection within a cycle, drop it between minutes
  };
  // TLS towards a proxy: our CA and deadline, but never our client certificate,
  // which is for Mission Control only.
  const proxyTls = { secureContext: secureContextFor({ ca, caOnly: options.caOnly }), rejectUnauthorized: connect.rejectUnauthorized, timeout: connect.timeout };
  const dispatcher = options.proxy === "env" ? envProxyDispatcher(undici, common, connect, proxyTls)
    : options.proxy ? new undici.ProxyAgent({ ...common, uri: options.proxy, requestTls: connect, proxyTls })
    : new undici.Agent(common);

  return {
    async request(req) {
      try {
        const response = await undici.request(req.url, {
          method: req.method,
          headers: req.headers ? { ...req.headers } : {},
          body: req.body,
          dispatcher,
          signal: req.signal,
        });
        // Destroying the body (over the cap) makes undici emit an abort error on it:
        // with nobody listening, that would be an uncaught exception.
        response.body.on("error", () => undefined);
        return await readCapped(response.statusCode, flatHeaders(response.headers), response.body, req.maxResponseBytes);
      } catch (error) {
        // An abort is a timeout only when it is our caller's deadline; undici
        // also aborts internally, e.g. when a proxy refuses CONNECT (407).
        throw classifyHttpError(error, req.signal?.aborted === true);
      }
    },
    async close() {
      await dispatcher.destroy();
    },
  };
};

/** Response headers as one string each (a repeated header's values joined). */
function flatHeaders(raw: Readonly<Record<string, string | string[] | undefined>>): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return headers;
}

/**
 * A response's body, read up to the cap, for both engines. Over the cap, a 2xx
 * answer is refused (its content would be the instructions), but an error
 * status still counts as that status, with the body cut: a 1 MiB 503 page is
 * a 503, not a delivered report. A declared length over the cap is not read.
 */
async function readCapped(
  status: number,
  headers: Record<string, string>,
  body: AsyncIterable<Buffer> & { destroy(): unknown },
  maxBytes: number,
): Promise<HttpResponse> {
  const success = status >= 200 && status < 300;
  const tooLarge = (size: number) => new HttpError("too-large", `response of ${size} bytes or more is over the ${maxBytes}-byte limit`, undefined);
  const declared = Number(headers["content-length"]);
  if (Number.isFinite(declared) && declared > maxBytes) {
    body.destroy();
    if (success) throw tooLarge(declared);
    return { status, headers, body: Buffer.alloc(0), truncated: true };
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > maxBytes) {
      body.destroy();
      if (success) throw tooLarge(size);
      chunks.push(chunk.subarray(0, chunk.length - (size - maxBytes)));
      return { status, headers, body: Buffer.concat(chunks), truncated: true };
    }
    chunks.push(chunk);
  }
  return { status, headers, body: Buffer.concat(chunks), truncated: false };
}

type Undici = typeof Undici_;

/**
 * undici is CommonJS: Node's own ESM loader exposes its exports as named
 * exports, the bundle (esbuild) under `default`. Either way, the module.
 */
async function loadUndici(): Promise<Undici> {
  const imported = (await import("undici")) as Undici & { default?: Undici };
  return typeof imported.Agent === "function" ? imported : (imported.default ?? imported);
}

/**
 * Proxy from the environment, as curl and Go do it: HTTPS_PROXY (or
 * https_proxy) for https URLs, never HTTP_PROXY, and NO_PROXY honoured. No
 * HTTPS_PROXY at all: a direct connection.
 */
function envProxyDispatcher(
  undici: Undici,
  common: ConstructorParameters<Undici["Agent"]>[0] & object,
  requestTls: object,
  proxyTls: object,
) {
  const httpsProxy = process.env["HTTPS_PROXY"] ?? process.env["https_proxy"];
  if (!httpsProxy) return new undici.Agent(common);
  return new undici.EnvHttpProxyAgent({
    ...common,
    httpsProxy,
    // Plain http is allowed only to loopback (contract section 1): never proxied.
    httpProxy: "",
    noProxy: process.env["NO_PROXY"] ?? process.env["no_proxy"] ?? "",
    requestTls,
    proxyTls,
  });
}

/** The lightweight client: node:http(s), one connection per request, the same deadlines, cap and errors. */
async function createNodeHttpClient(options: HttpClientOptions): Promise<HttpClient> {
  const [ca, cert, key] = await Promise.all([readPem(options.caFile), readPem(options.certFile), readPem(options.keyFile)]);
  const secureContext = secureContextFor({ ca, caOnly: options.caOnly, cert, key });
  const [http, https] = await Promise.all([import("node:http"), import("node:https")]);
  return {
    request(req) {
      return new Promise<HttpResponse>((resolve, reject) => {
        const url = new URL(req.url);
        const secure = url.protocol === "https:";
        const fail = (error: unknown) => reject(classifyHttpError(error, req.signal?.aborted === true));
        const request = (secure ? https : http).request(url, {
          method: req.method,
          headers: { ...(req.headers ?? {}), connection: "close" },
          agent: false,
          ...(secure ? { secureContext, rejectUnauthorized: options.insecureSkipVerify !== true } : {}),
          signal: req.signal,
        });
        // One deadline for connect and headers, then one for the body.
        let timer = setTimeout(() => request.destroy(Object.assign(new Error(`no answer within ${options.connectTimeoutMs + options.headersTimeoutMs} ms`), { code: "ETIMEDOUT" })), options.connectTimeoutMs + options.headersTimeoutMs);
        request.on("error", (error) => {
          clearTimeout(timer);
          fail(error);
        });
        request.on("response", (response) => {
          clearTimeout(timer);
          timer = setTimeout(() => response.destroy(Object.assign(new Error(`body not complete within ${options.bodyTimeoutMs} ms`), { code: "ETIMEDOUT" })), options.bodyTimeoutMs);
          readCapped(response.statusCode ?? 0, flatHeaders(response.headers), response, req.maxResponseBytes)
            .then(resolve, fail)
            .finally(() => clearTimeout(timer));
        });
        request.end(req.body);
      });
    },
    close: () => Promise.resolve(),
  };
}
