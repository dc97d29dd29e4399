/**
 * What one probe attempt (a "sample") came to, and how a socket error maps to
 * the outcome kinds that `status` tells apart.
 */
import { classifyHttpError } from "../../effects/http.js";

export const OUTCOMES = ["ok", "refused", "timeout", "tls", "dns", "wrong-answer", "unreachable", "error"] as const;
export type Outcome = (typeof OUTCOMES)[number];
export type FailureOutcome = Exclude<Outcome, "ok">;

export interface SampleOk {
  readonly ok: true;
  /** Latency of this sample in milliseconds. */
  readonly ms: number;
  /** What the sample saw besides its latency (phases, TLS state), for `status`. */
  readonly note: string;
}

export interface SampleFailure {
  readonly ok: false;
  readonly outcome: FailureOutcome;
  readonly detail: string;
}

export type Sample = SampleOk | SampleFailure;

export function failure(outcome: FailureOutcome, detail: string): SampleFailure {
  return { ok: false, outcome, detail };
}

/** Plain words for the TLS verification errors an operator meets on a cluster. */
const TLS_WORDS: Readonly<Record<string, string>> = {
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "certificate not issued by a trusted CA",
  UNABLE_TO_GET_ISSUER_CERT: "certificate not issued by a trusted CA",
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: "certificate not issued by a trusted CA",
  SELF_SIGNED_CERT_IN_CHAIN: "certificate chain ends in an untrusted CA",
  DEPTH_ZERO_SELF_SIGNED_CERT: "self-signed certificate",
  CERT_HAS_EXPIRED: "certificate expired",
  CERT_NOT_YET_VALID: "certificate not yet valid",
  ERR_TLS_CERT_ALTNAME_INVALID: "certificate does not name this address",
  CERT_SIGNATURE_FAILURE: "certificate signature invalid",
  CERT_REVOKED: "certificate revoked",
  ERR_SSL_WRONG_VERSION_NUMBER: "not a TLS server (plain HTTP on the HTTPS port?)",
};

function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; current && typeof current === "object" && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string") return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Maps a socket, TLS or HTTP-parser error to an outcome and a one-line detail. */
export function classifyError(error: unknown, where: string): SampleFailure {
  const code = errorCode(error);
  if (code?.startsWith("HPE_")) {
    // llhttp could not parse what came back: something answers, but not HTTP.
    return failure("wrong-answer", `not an HTTP answer from ${where} (${code})`);
  }
  const classified = classifyHttpError(error);
  const suffix = code ? ` (${code})` : "";
  switch (classified.kind) {
    case "refused":
      return failure("refused", `connection refused by ${where}${suffix}`);
    case "timeout":
      return failure("timeout", `timed out: ${where}${suffix}`);
    case "dns":
      return failure("dns", `name resolution failed for ${where}${suffix}`);
    case "tls": {
      const words = code ? TLS_WORDS[code] : undefined;
      return failure("tls", `TLS failure with ${where}: ${words ?? classified.message}${suffix}`);
    }
    case "unreachable":
      return failure("unreachable", `${where} unreachable${suffix}`);
    case "reset":
      return failure("error", `connection reset by ${where}${suffix}`);
    case "too-large":
      return failure("wrong-answer", `answer from ${where} too large`);
    case "other":
      return failure("error", `${where}: ${classified.message}${suffix}`);
  }
}

/** "127.0.0.2:443", "[::1]:443". */
export function hostPort(address: string, port: number): string {
  return address.includes(":") ? `[${address}]:${port}` : `${address}:${port}`;
}
