/**
 * Preflight of an exchange with Mission Control: what stops it before
 * anything is sent. A problem here is a configuration error (exit 64 through
 * exitCodeOf, contract section 3): nothing is sent, this cycle's report stays
 * in the outbox for when the configuration is fixed.
 */
import { isLoopbackHost } from "../config/common.js";
import type { MissionControlConfig } from "../config/mission-control.js";
import { readSecretFile } from "../config/secret-file.js";
import { secureContextFor } from "../effects/http.js";
import type { HttpClientOptions } from "../effects/http.js";
import type { FileSystem } from "../effects/fs.js";
import { healthUrl } from "./sender.js";
import { codeOf, readBearerToken } from "./token.js";

/** What the exchange needs to send: the token, the HTTPS client's options, the health URL. */
export interface Setup {
  readonly token: string;
  readonly clientOptions: HttpClientOptions;
  readonly url: string;
}

export type Preflight = { ok: true; setup: Setup } | { ok: false; reason: string };

/**
 * Checks what must be right locally before anything is sent: the URL (https,
 * or http to a loopback host), the bearer token file, the CA and client
 * certificate files. A problem is a reason in plain words, naming the key.
 * The CA and certificate files are read through `fs` (effects.fs).
 */
export async function preflight(config: MissionControlConfig, url: string, fs: Pick<FileSystem, "readFile">): Promise<Preflight> {
  let target: string;
  try {
    const base = new URL(url);
    if (base.protocol !== "https:" && !(base.protocol === "http:" && isLoopbackHost(base.hostname))) {
      return { ok: false, reason: `missionControl.url ${url}: plain http:// is refused unless the host is a loopback address` };
    }
    target = healthUrl(url);
  } catch {
    return { ok: false, reason: `missionControl.url ${url} is not a URL` };
  }
  if (config.tokenFile === undefined) {
    return { ok: false, reason: "missionControl.tokenFile is not set: Mission Control needs the bearer token" };
  }
  const token = await readBearerToken(config.tokenFile);
  if (!token.ok) return { ok: false, reason: token.reason };

  if ((config.certFile === undefined) !== (config.keyFile === undefined)) {
    return { ok: false, reason: "missionControl.certFile and missionControl.keyFile go together: set both or neither" };
  }
  const pem: Partial<Record<"caFile" | "certFile" | "keyFile", string>> = {};
  for (const key of ["caFile", "certFile", "keyFile"] as const) {
    const path = config[key];
    if (path === undefined) continue;
    if (key === "keyFile") {
      // A private key is a secret file: the same permission rule as the tokens.
      const read = await readSecretFile("missionControl.keyFile", path, "pem");
      if (!read.ok) return { ok: false, reason: read.reason };
      pem[key] = read.token;
      continue;
    }
    try {
      pem[key] = await fs.readFile(path);
    } catch (error) {
      const code = codeOf(error);
      return { ok: false, reason: `missionControl.${key} ${path} cannot be read (${code ?? (error as Error).message})` };
    }
  }
  // Bad PEM or a key that does not match its certificate: say so now, naming
  // the keys, instead of failing every TLS handshake with an obscure error.
  try {
    if (pem.caFile !== undefined) secureContextFor({ ca: pem.caFile });
  } catch (error) {
    return { ok: false, reason: `missionControl.caFile ${config.caFile}: not a usable PEM bundle (${(error as Error).message})` };
  }
  try {
    if (pem.certFile !== undefined && pem.keyFile !== undefined) secureContextFor({ cert: pem.certFile, key: pem.keyFile });
  } catch (error) {
    return { ok: false, reason: `missionControl.certFile/keyFile ${config.certFile}, ${config.keyFile}: not a usable certificate and key (${(error as Error).message})` };
  }
  return {
    ok: true,
    setup: {
      token: token.token,
      url: target,
      clientOptions: {
        caFile: config.caFile,
        certFile: config.certFile,
        keyFile: config.keyFile,
        connectTimeoutMs: config.connectTimeoutMs,
        headersTimeoutMs: config.headersTimeoutMs,
        bodyTimeoutMs: config.bodyTimeoutMs,
        proxy: config.proxy === "none" ? undefined : (config.proxy ?? "env"),
        connections: 1, // one report at a time, in order
      },
    },
  };
}
