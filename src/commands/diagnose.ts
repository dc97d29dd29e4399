/**
 * `diagnose`: every dependency of nodekeeper checked in one go, one finding
 * per line with a verdict and the fix, for the operator who asks "why does
 * this node not report?". Read-only: it writes nothing, sends no report and
 * runs no action. Every network step has a deadline, and traffic goes only to
 * the configured addresses (Mission Control or its proxy, the server API).
 *
 * Mission Control's token. CONTRACT.md offers one endpoint, `POST
 * /api/v1/nodekeeper/health`, and no "who am I" request. `diagnose` POSTs an
 * empty JSON object `{}` to it with the token: that is never a valid report
 * (no reportId, no schemaVersion), so Mission Control records nothing and
 * answers no instructions, and the answer tells the token apart: 401/403 is
 * the token refused; 400/422 is a rejected body, hence a token accepted
 * (authentication comes before validation). The same answer's Date header
 * gives the clock offset.
 */
import { X509Certificate, createPrivateKey } from "node:crypto";
import type { Socket } from "node:net";
import { join } from "node:path";
import { oneLine } from "../apply/text.js";
import { runNodetool } from "../cassandra/nodetool.js";
import { parseVersion } from "../cassandra/parse/version.js";
import { ConfigError, loadConfig } from "../config/load.js";
import type { LoadedConfig } from "../config/load.js";
import type { Config } from "../config/schema.js";
import { exitCodeOf } from "../contract/outcomes.js";
import type { DiagnoseOutcome, ExitCode } from "../contract/outcomes.js";
import type { FileSystem } from "../effects/fs.js";
import type { Effects } from "../effects/index.js";
import { secureContextFor } from "../effects/http.js";
import { CLOCK_OFFSET_WARNING_MS, clockOffsetFromDate, describeClockOffset } from "../mission-control/clock-offset.js";
import { healthUrl } from "../mission-control/sender.js";
import { CLUSTER_NODES_PATH, findThisNode, parseClusterNodes } from "../probes/node-facts.js";
import { resolveNodeIp } from "../probes/node-ip.js";
import { chooseProxy, connectTunnel, inspectTls, openTcp, resolveHost, scalar } from "./diagnose-net.js";
import { RUN_UNIT, SERVICE_UNIT, TIMER_UNIT } from "./systemd-units.js";

/** OK, WARNING and ERROR as in `status`; SKIP: not applicable here, or not reachable because an earlier step failed. */
export type Verdict = "OK" | "WARNING" | "ERROR" | "SKIP";

export interface Finding {
  /** Stable id, e.g. `mission-control.tls`. */
  readonly check: string;
  readonly verdict: Verdict;
  readonly detail: string;
  /** What to do, for a verdict other than OK. */
  readonly fix: string | null;
}

export const DIAGNOSE_JSON_VERSION = 1;

export interface DiagnoseResult {
  readonly diagnoseVersion: typeof DIAGNOSE_JSON_VERSION;
  readonly generatedAt: string;
  readonly configFile: string | null;
  readonly worst: Verdict;
  /** 0 OK (or SKIP), 1 WARNING, 2 ERROR; 64 when the configuration cannot be used. */
  readonly exitCode: ExitCode;
  readonly findings: readonly Finding[];
  readonly durationMs: number;
}

/** What `diagnose` returns: the `--json` document, and the outcome the command ends with. */
export interface DiagnoseRun extends DiagnoseResult {
  readonly outcome: DiagnoseOutcome;
}

/** The `diagnose --json` document (version 1): the run without its outcome, which the exit code already states. */
export function diagnoseDocument(run: DiagnoseRun): DiagnoseResult {
  const { outcome: _outcome, ...document } = run;
  return document;
}

export interface DiagnoseOptions {
  /** --config, else NODEKEEPER_CONFIG; undefined: the embedded default. */
  readonly configFile: string | undefined;
  /** The environment the proxy is read from (HTTPS_PROXY, NO_PROXY). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** libuv's thread-pool size of this process (UV_THREADPOOL_SIZE as it started). */
  readonly threadPoolSize: number;
  /** Checks whether systemd is the init system: sd_booted(3)'s test, /run/systemd/system is a directory. */
  readonly systemdBooted?: () => Promise<boolean>;
}

/** Certificates closer to their end than this are a WARNING. */
export const CERT_WARNING_DAYS = 14;
/** Free space of the state folder below which a finding is raised. */
const STATE_FREE_ERROR_BYTES = 64 * 1024 * 1024; // 64 MiB: the outbox (5 MiB) and the audit log (4 × 10 MiB) must fit
const STATE_FREE_WARNING_BYTES = 512 * 1024 * 1024; // 512 MiB
/** The state folder is small: a walk beyond this many entries stops (and says so). */
const MAX_STATE_ENTRIES = 2_000;
const DAY_MS = 86_400_000;
const ago = (n: number) => (n === 0 ? "less than a day ago" : `${days(n)} ago`);
const days = (n: number) => `${n} day${n === 1 ? "" : "s"}`;
/** The Cluster API of the server (documented: GET /api/v1.0/onpremise/cluster, an array of nodes). */

const RANK: Record<Verdict, number> = { OK: 0, SKIP: 0, WARNING: 1, ERROR: 2 };

const ok = (check: string, detail: string): Finding => ({ check, verdict: "OK", detail, fix: null });
const skip = (check: string, detail: string): Finding => ({ check, verdict: "SKIP", detail, fix: null });
const warn = (check: string, detail: string, fix: string): Finding => ({ check, verdict: "WARNING", detail, fix });
const error = (check: string, detail: string, fix: string): Finding => ({ check, verdict: "ERROR", detail, fix });

function codeOf(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : "error";
}

function mode4(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, "0");
}

function whoCanRead(mode: number): string | null {
  const who: string[] = [];
  if (mode & 0o070) who.push(mode & 0o040 ? "readable by group" : "open to group");
  if (mode & 0o007) who.push(mode & 0o004 ? "readable by others" : "open to others");
  return who.length ? who.join(" and ") : null;
}

export async function diagnose(effects: Effects, options: DiagnoseOptions): Promise<DiagnoseRun> {
  const started = effects.clock.monotonic();
  let loaded: LoadedConfig;
  try {
    loaded = await loadConfig(options.configFile);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    const findings = e.problems.map((p) => error("config", `${e.source}: ${oneLine(p, 300)}`, "fix the key named (nodekeeper config check lists every problem)"));
    return finish(effects, started, options.configFile ?? null, findings, true);
  }
  const { config } = loaded;
  const groups = await Promise.all([
    Promise.resolve([ok("config", `${loaded.file ?? "embedded default"}: valid`)]),
    checkStateDir(effects.fs, config.stateDir),
    checkSecrets(effects.fs, config, loaded.file),
    checkMissionControl(effects, config, options.env),
    checkClientCertificate(effects.fs, config, effects.clock.now()),
    checkServerApi(effects, config),
    checkSystemd(effects, config, options.systemdBooted ?? (() => systemdBooted(effects.fs))),
    checkNodetool(effects, config),
    Promise.resolve([checkThreadPool(options.threadPoolSize, config.directories.length)]),
  ]);
  return finish(effects, started, loaded.file, groups.flat(), false);
}

/** As a Nagios plugin ranks its findings; a configuration that cannot be loaded is the operator's to fix first. */
const OUTCOME: Readonly<Record<Verdict, DiagnoseOutcome>> = { OK: "diagnose-ok", SKIP: "diagnose-ok", WARNING: "diagnose-warning", ERROR: "diagnose-error" };

function finish(effects: Effects, started: number, configFile: string | null, findings: Finding[], configBroken: boolean): DiagnoseRun {
  const worst = findings.reduce<Verdict>((w, f) => (RANK[f.verdict] > RANK[w] ? f.verdict : w), "OK");
  const outcome = configBroken ? "diagnose-config-broken" : OUTCOME[worst];
  return {
    diagnoseVersion: DIAGNOSE_JSON_VERSION,
    generatedAt: new Date(effects.clock.now()).toISOString(),
    configFile,
    worst,
    // The document states the exit code the command ends with: from the one table, so the two cannot differ.
    exitCode: exitCodeOf(outcome),
    findings,
    durationMs: Math.round(effects.clock.monotonic() - started),
    outcome,
  };
}

async function systemdBooted(fs: FileSystem): Promise<boolean> {
  try {
    return (await fs.stat("/run/systemd/system")).isDirectory;
  } catch {
    return false;
  }
}

// ---- the state folder

async function checkStateDir(fs: FileSystem, dir: string): Promise<Finding[]> {
  const id = "state-dir";
  let st;
  try {
    st = await fs.stat(dir);
  } catch (e) {
    const c = codeOf(e);
    return [error(id, `${dir}: ${c === "ENOENT" ? "does not exist" : `cannot be read (${c})`}`, `install -d -o <nodekeeper user> -m 0750 ${dir}`)];
  }
  if (!st.isDirectory) return [error(id, `${dir} is not a directory`, `move it away and run: install -d -o <nodekeeper user> -m 0750 ${dir}`)];
  const findings: Finding[] = [ok(id, `${dir} exists`)];
  const uid = process.getuid?.() ?? -1;
  const writable = await fs.access(dir, { write: true, execute: true });
  if (st.uid === uid) findings.push(ok(`${id}.owner`, `owned by this user (uid ${uid})`));
  else if (writable) findings.push(warn(`${id}.owner`, `owned by uid ${st.uid}, not by this user (uid ${uid}), but writable`, `chown -R <nodekeeper user> ${dir}`));
  else findings.push(error(`${id}.owner`, `owned by uid ${st.uid} and not writable by this user (uid ${uid}): no state, outbox or audit can be written`, `chown -R <nodekeeper user> ${dir}`));
  if (st.mode & 0o022) findings.push(warn(`${id}.mode`, `mode ${mode4(st.mode)}: writable by ${st.mode & 0o002 ? "others" : "group"}, who could plant state or instructions`, `chmod 0750 ${dir}`));
  else if (st.mode & 0o007) findings.push(warn(`${id}.mode`, `mode ${mode4(st.mode)}: others can read the audit log and reports`, `chmod 0750 ${dir}`));
  else findings.push(ok(`${id}.mode`, `mode ${mode4(st.mode)}`));
  findings.push(await checkFreeSpace(fs, dir));
  findings.push(await checkUnreadable(fs, dir));
  return findings;
}

async function checkFreeSpace(fs: FileSystem, dir: string): Promise<Finding> {
  const id = "state-dir.space";
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<null>((resolve) => { timer = setTimeout(() => resolve(null), 5_000); }); // 5 s: a hung mount never answers
  try {
    const s = await Promise.race([fs.statfs(dir), hung]);
    if (s === null) return error(id, `statfs ${dir} did not return within 5 s: the file system hangs`, "check the mount (dmesg, the NFS server)");
    const free = s.bavail * s.bsize;
    const percent = s.blocks > 0 ? (100 * s.bavail) / s.blocks : 0;
    const text = `${(free / 1024 / 1024).toFixed(0)} MiB free (${percent.toFixed(1)} %)`;
    if (free < STATE_FREE_ERROR_BYTES) return error(id, `${text}: the outbox and audit log need ${STATE_FREE_ERROR_BYTES / 1024 / 1024} MiB`, `free space on the file system of ${dir}`);
    if (free < STATE_FREE_WARNING_BYTES) return warn(id, text, `free space on the file system of ${dir}`);
    return ok(id, text);
  } catch (e) {
    return error(id, `statfs ${dir} failed (${codeOf(e)})`, "check the file system");
  } finally {
    clearTimeout(timer);
  }
}

async function checkUnreadable(fs: FileSystem, dir: string): Promise<Finding> {
  const id = "state-dir.files";
  const unreadable: string[] = [];
  let seen = 0;
  let cut = false;
  const walk = async (path: string, depth: number): Promise<void> => {
    let entries;
    try {
      entries = await fs.readdir(path);
    } catch {
      unreadable.push(path);
      return;
    }
    for (const entry of entries) {
      if (++seen > MAX_STATE_ENTRIES) { cut = true; return; }
      const full = join(path, entry.name);
      if (entry.isDirectory && depth < 3) await walk(full, depth + 1);
      else if (entry.isFile && !(await fs.access(full, { read: true, write: true }))) unreadable.push(full);
    }
  };
  await walk(dir, 0);
  const more = cut ? ` (stopped after ${MAX_STATE_ENTRIES} entries)` : "";
  if (unreadable.length === 0) return ok(id, `${Math.min(seen, MAX_STATE_ENTRIES)} entries, all readable and writable${more}`);
  const list = unreadable.slice(0, 5).join(", ") + (unreadable.length > 5 ? ` and ${unreadable.length - 5} more` : "");
  return error(id, `${unreadable.length} cannot be read or written by this user: ${list}${more}`, `chown -R <nodekeeper user> ${dir}`);
}

// ---- secret files

async function checkSecrets(fs: FileSystem, config: Config, configFile: string | null): Promise<Finding[]> {
  const mc = config.missionControl;
  const files: Array<[string, string | undefined]> = [
    ["missionControl.tokenFile", mc.tokenFile],
    ["missionControl.keyFile", mc.keyFile],
    ["server.tokenFile", config.server.tokenFile],
  ];
  // A proxy URL with a password makes the configuration file itself a secret.
  if (configFile && mc.proxy && mc.proxy !== "none" && new URL(mc.proxy).password) files.push(["config-file", configFile]); // holds the proxy password
  const findings = await Promise.all(files.filter(([, p]) => p !== undefined).map(([key, path]) => checkSecretFile(fs, key, path!)));
  return findings.length ? findings : [skip("secrets", "no token or key file configured")];
}

async function checkSecretFile(fs: FileSystem, key: string, path: string): Promise<Finding> {
  const id = `secrets.${key}`;
  let st;
  try {
    st = await fs.stat(path);
  } catch (e) {
    const c = codeOf(e);
    return error(id, `${path}: ${c === "ENOENT" ? "does not exist" : `cannot be read (${c})`}`, c === "ENOENT" ? `create it with mode 600: install -m 600 /dev/null ${path}, then write the secret into it` : `chown <nodekeeper user> ${path} && chmod 600 ${path}`);
  }
  if (!st.isFile) return error(id, `${path} is not a regular file`, `put the secret in a regular file with mode 600`);
  const open = whoCanRead(st.mode);
  if (open) return error(id, `${path} is ${open} (mode ${mode4(st.mode)}): nodekeeper refuses it`, `chmod 600 ${path}`);
  const readable = await fs.access(path, { read: true });
  if (!readable) return error(id, `${path} is not readable by this user (owner uid ${st.uid}, mode ${mode4(st.mode)})`, `chown <nodekeeper user> ${path}`);
  return ok(id, `${path}: mode ${mode4(st.mode)}, owner uid ${st.uid}`);
}

// ---- Mission Control

async function checkMissionControl(effects: Effects, config: Config, env: DiagnoseOptions["env"]): Promise<Finding[]> {
  const mc = config.missionControl;
  if (!mc.url) return [skip("mission-control", "missionControl.url is not set: no report is sent")];
  const url = new URL(mc.url);
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const port = Number(url.port || (url.protocol === "https:" ? 443 : 80));
  const deadline = mc.connectTimeoutMs;
  const findings: Finding[] = [];
  const proxy = chooseProxy(mc.proxy, host, env);
  if (proxy.display === null) findings.push(ok("mission-control.proxy", `direct connection (${proxy.source})`));
  else if (proxy.url === null) return [...findings, error("mission-control.proxy", `${proxy.source}: not a URL`, "set missionControl.proxy to http://host:port, or \"none\"")];
  else findings.push(ok("mission-control.proxy", `through ${proxy.display} (${proxy.source})`));

  // Name resolution and TCP: of Mission Control, or of the proxy, which resolves Mission Control itself.
  const hop = proxy.url ? { host: proxy.url.hostname.replace(/^\[|\]$/g, ""), port: Number(proxy.url.port || (proxy.url.protocol === "https:" ? 443 : 80)), what: "the proxy" } : { host, port, what: "Mission Control" };
  const dns = await resolveHost(hop.host, deadline);
  if (!dns.ok) {
    findings.push(error("mission-control.dns", `${hop.what} ${hop.host}: ${dns.reason}`, "check /etc/resolv.conf and the host name in the configuration"));
    return [...findings, ...skipped(["tcp", "tls", "certificate", "hostname", "token", "clock"], "name resolution failed")];
  }
  findings.push(ok("mission-control.dns", isIpLiteral(hop.host) ? `${hop.host} is an IP address: no lookup` : `${hop.host} → ${dns.addresses.slice(0, 4).join(", ")}`));
  const tcp = await openTcp(hop.host, hop.port, deadline);
  if (!tcp.ok) {
    findings.push(error("mission-control.tcp", `${hop.what} ${hop.host}:${hop.port}: ${tcp.reason}`, `check the firewall and routes towards ${hop.host}:${hop.port}`));
    return [...findings, ...skipped(["tls", "certificate", "hostname", "token", "clock"], "no TCP connection")];
  }
  findings.push(ok("mission-control.tcp", `${hop.what} ${hop.host}:${hop.port} accepts connections (${tcp.ms.toFixed(1)} ms)`));
  if (proxy.url) {
    if (proxy.url.protocol !== "http:") {
      tcp.socket.destroy();
      findings.push(skip("mission-control.tls", `TLS to Mission Control through an ${proxy.url.protocol}// proxy is not inspected by diagnose`));
    } else {
      const auth = proxy.url.username ? `Basic ${Buffer.from(`${decodeURIComponent(proxy.url.username)}:${decodeURIComponent(proxy.url.password)}`).toString("base64")}` : null;
      const tunnel = await connectTunnel(tcp.socket, `${url.hostname}:${port}`, auth, deadline);
      if (!tunnel.ok) {
        tcp.socket.destroy();
        findings.push(error("mission-control.proxy", tunnel.reason, tunnel.code === "407" ? "put the proxy's user and password in missionControl.proxy" : "check the proxy's rules for Mission Control's host and port"));
        return [...findings, ...skipped(["tls", "certificate", "hostname", "token", "clock"], "no tunnel through the proxy")];
      }
    }
  }
  if (url.protocol === "https:" && !findings.some((f) => f.check === "mission-control.tls")) {
    findings.push(...(await checkTls(effects.fs, tcp.socket, host, mc, effects.clock.now(), deadline)));
  } else if (url.protocol !== "https:") {
    tcp.socket.destroy();
    findings.push(skip("mission-control.tls", "plain http:// to a loopback address: no TLS"));
  }
  if (findings.some((f) => f.verdict === "ERROR" && f.check === "mission-control.tls")) {
    return [...findings, ...skipped(["token", "clock"], "TLS fails")];
  }
  return [...findings, ...(await checkToken(effects, config))];
}

function isIpLiteral(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(":");
}

function skipped(checks: readonly string[], why: string): Finding[] {
  return checks.map((c) => skip(`mission-control.${c}`, `not checked: ${why}`));
}

async function checkTls(fs: FileSystem, socket: Socket, host: string, mc: Config["missionControl"], now: number, deadline: number): Promise<Finding[]> {
  const trust = mc.caFile ? `the system roots and missionControl.caFile ${mc.caFile}` : "the system roots (no missionControl.caFile)";
  let context;
  try {
    const [ca, cert, key] = await Promise.all([mc.caFile, mc.certFile, mc.keyFile].map((p) => (p ? fs.readFile(p) : Promise.resolve(undefined))));
    context = secureContextFor({ ca, cert, key });
  } catch (e) {
    socket.destroy();
    return [error("mission-control.tls", `cannot build the TLS context: ${oneLine((e as Error).message, 160)}`, "check missionControl.caFile, certFile and keyFile (PEM, key matching the certificate)")];
  }
  const facts = await inspectTls(socket, host, context, deadline);
  if (!facts.ok) return [error("mission-control.tls", `TLS handshake with ${host}: ${facts.reason}`, "check that Mission Control speaks TLS on this port, and whether it wants a client certificate (missionControl.certFile/keyFile)")];
  const findings: Finding[] = [];
  const left = Math.trunc((facts.validToMs - now) / DAY_MS); // whole days, towards 0 either way
  if (facts.chainError) {
    findings.push(error("mission-control.tls", `certificate of ${host} (${facts.subject}, issued by ${facts.issuer}) is not trusted: ${facts.chainError}; checked against ${trust}`,
      `set missionControl.caFile to the PEM bundle of the CA that issued it (${facts.issuer})`));
  } else {
    findings.push(ok("mission-control.tls", `${facts.protocol ?? "TLS"}; chain of ${facts.subject} verified against ${trust}`));
  }
  if (!Number.isFinite(facts.validToMs)) findings.push(warn("mission-control.certificate", `unreadable expiry date ${JSON.stringify(facts.validTo)}`, "ask Mission Control's operators"));
  else if (facts.validToMs < now) findings.push(error("mission-control.certificate", `Mission Control's certificate expired ${ago(-left)} (${facts.validTo})`, "Mission Control's operators must renew its certificate"));
  else if (left < CERT_WARNING_DAYS) findings.push(warn("mission-control.certificate", `Mission Control's certificate expires in ${days(left)} (${facts.validTo})`, "Mission Control's operators must renew its certificate"));
  else findings.push(ok("mission-control.certificate", `expires in ${days(left)} (${facts.validTo})`));
  if (facts.hostError) findings.push(error("mission-control.hostname", facts.hostError, `use the host name the certificate names in missionControl.url, or have the certificate reissued for ${host}`));
  else findings.push(ok("mission-control.hostname", `the certificate names ${host}`));
  return findings;
}

async function checkToken(effects: Effects, config: Config): Promise<Finding[]> {
  const mc = config.missionControl;
  if (!mc.tokenFile) return [error("mission-control.token", "missionControl.tokenFile is not set: every report would be refused", "set missionControl.tokenFile to a file (mode 600) holding the token"), skip("mission-control.clock", "not checked: no token")];
  const { readBearerToken } = await import("../mission-control/token.js");
  const token = await readBearerToken(mc.tokenFile);
  if (!token.ok) return [error("mission-control.token", token.reason, "see the secret's line above"), skip("mission-control.clock", "not checked: no usable token")];
  let client;
  try {
    client = await effects.http({
      caFile: mc.caFile, certFile: mc.certFile, keyFile: mc.keyFile,
      connectTimeoutMs: mc.connectTimeoutMs, headersTimeoutMs: mc.headersTimeoutMs, bodyTimeoutMs: mc.bodyTimeoutMs,
      proxy: mc.proxy === "none" ? undefined : (mc.proxy ?? "env"), connections: 1,
    });
    const sentAt = effects.clock.now();
    const res = await client.request({
      method: "POST", url: healthUrl(mc.url!), body: "{}",
      headers: { "content-type": "application/json", authorization: `Bearer ${token.token}`, "user-agent": "nodekeeper-diagnose" },
      signal: AbortSignal.timeout(mc.connectTimeoutMs + mc.headersTimeoutMs), maxResponseBytes: 64 * 1024,
    });
    const offset = clockOffsetFromDate(res.headers["date"], sentAt, effects.clock.now());
    const clock = offset === null ? skip("mission-control.clock", "Mission Control's answer had no Date header")
      : Math.abs(offset) > CLOCK_OFFSET_WARNING_MS ? warn("mission-control.clock", describeClockOffset(offset), "check NTP: timedatectl timesync-status, chronyc tracking")
      : ok("mission-control.clock", describeClockOffset(offset));
    const status = res.status;
    if (status === 401 || status === 403) return [error("mission-control.token", `Mission Control refused the token (HTTP ${status})`, `put a valid token for this node in ${mc.tokenFile} (mode 600)`), clock];
    if (status === 400 || status === 422) return [ok("mission-control.token", `token accepted (the empty probe body was refused with HTTP ${status}, as intended)`), clock];
    if (status === 409) return [error("mission-control.token", "Mission Control answered 409: it does not know this cluster or node", "check clusterId and nodeId"), clock];
    return [warn("mission-control.token", `unexpected answer HTTP ${status} to an empty body: whether the token is accepted is not known`, "run nodekeeper report and read its summary"), clock];
  } catch (e) {
    return [error("mission-control.token", `the request failed: ${oneLine((e as Error).message, 160)}`, "see the lines above (TLS, proxy)"), skip("mission-control.clock", "not checked: no answer")];
  } finally {
    await client?.close().catch(() => undefined);
  }
}

// ---- client certificate

async function checkClientCertificate(fs: FileSystem, config: Config, now: number): Promise<Finding[]> {
  const { certFile, keyFile } = config.missionControl;
  const id = "client-certificate";
  if (!certFile) return [skip(id, "no missionControl.certFile: no client certificate")];
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(await fs.readBytes(certFile));
  } catch (e) {
    return [error(id, `${certFile}: ${codeOf(e) === "error" ? "not a PEM certificate" : `cannot be read (${codeOf(e)})`}`, "put the PEM client certificate there")];
  }
  const validTo = Date.parse(cert.validTo);
  const left = Math.trunc((validTo - now) / DAY_MS); // whole days, towards 0 either way
  const subject = oneLine(cert.subject.replace(/\n/g, ", "), 120);
  const findings: Finding[] = [];
  if (validTo < now) findings.push(error(id, `${certFile} (${subject}) expired ${ago(-left)} (${cert.validTo}): Mission Control will refuse the TLS handshake`, "renew the client certificate and replace missionControl.certFile and keyFile"));
  else if (left < CERT_WARNING_DAYS) findings.push(warn(id, `${certFile} (${subject}) expires in ${days(left)} (${cert.validTo})`, "renew the client certificate"));
  else findings.push(ok(id, `${certFile} (${subject}) expires in ${days(left)} (${cert.validTo})`));
  if (keyFile) {
    try {
      if (!cert.checkPrivateKey(createPrivateKey(await fs.readBytes(keyFile)))) findings.push(error(`${id}.key`, `${keyFile} is not the key of ${certFile}`, "pair the certificate with its own key"));
    } catch (e) {
      findings.push(error(`${id}.key`, `${keyFile}: ${codeOf(e) === "error" ? "not a usable private key" : `cannot be read (${codeOf(e)})`}`, "put the PEM private key of the certificate there"));
    }
  }
  return findings;
}

// ---- the local server's API

async function checkServerApi(effects: Effects, config: Config): Promise<Finding[]> {
  const server = config.server;
  const url = new URL(CLUSTER_NODES_PATH, server.url).toString();
  let token: string | undefined;
  if (server.tokenFile) {
    try {
      token = (await effects.fs.readFile(server.tokenFile)).trim();
    } catch (e) {
      return [error("server-api", `server.tokenFile ${server.tokenFile} cannot be read (${codeOf(e)})`, "see the secret's line above")];
    }
  }
  let client;
  try {
    client = await effects.http({ caFile: server.caFile, connectTimeoutMs: server.timeoutMs, headersTimeoutMs: server.timeoutMs, bodyTimeoutMs: server.timeoutMs, connections: 1, lightweight: true });
    const res = await client.request({
      method: "GET", url, signal: AbortSignal.timeout(server.timeoutMs * 2), maxResponseBytes: 4 * 1024 * 1024,
      headers: { accept: "application/json", ...(token ? { authorization: `Api-Token ${token}` } : {}) },
    });
    const reach = ok("server-api", `${url} answered HTTP ${res.status}`);
    if (res.status === 401 || res.status === 403) {
      return [reach, error("server-api.token", `the server refused ${token ? "the token of server.tokenFile" : "a request without token"} (HTTP ${res.status})`, token ? `put a valid API token (scope: cluster management) in ${server.tokenFile}` : "set server.tokenFile to a file (mode 600) holding an API token"), skip("server-api.node", "not checked: not authorised")];
    }
    if (res.status !== 200) return [warn("server-api", `${url} answered HTTP ${res.status}`, "is the server running and fully started? systemctl status dynatrace-server"), skip("server-api.token", "not known"), skip("server-api.node", "not checked")];
    const findings = [reach, ok("server-api.token", token ? "token accepted" : "no token configured, none asked for")];
    let nodes: unknown;
    try {
      nodes = JSON.parse(res.body.toString("utf8"));
    } catch {
      return [...findings, warn("server-api.node", `${CLUSTER_NODES_PATH} did not answer JSON`, "check server.url points at the server's API")];
    }
    const list = parseClusterNodes(nodes);
    if (list === null) return [...findings, warn("server-api.node", `${CLUSTER_NODES_PATH} did not answer a node list`, "check server.url points at the server's API")];
    const ip = await resolveNodeIp(config.nodeIp, config.missionControl.url);
    // The same match as status: server.nodeId, else clusterMemberAddress ("ip:port") by its host.
    const me = findThisNode(list, null, server.nodeId, ip).node;
    if (!me) return [...findings, warn("server-api.node", `this node's IP ${ip} is not among the ${list.length} nodes of the server's list`, `set nodeIp to this node's cluster address (the list has: ${list.slice(0, 6).map((n) => oneLine(n.clusterMemberAddress ?? "?", 40)).join(", ")})`)];
    return [...findings, ok("server-api.node", `this node (${ip}) is node ${oneLine(scalar(me.id) ?? "?", 20)} of ${list.length}, ${oneLine(me.operationState ?? "state unknown", 40)}`)];
  } catch (e) {
    return [error("server-api", `${url}: ${oneLine((e as Error).message, 160)}`, "is the server running? systemctl status dynatrace-server; check server.url and server.caFile"), skip("server-api.token", "not checked: unreachable"), skip("server-api.node", "not checked: unreachable")];
  } finally {
    await client?.close().catch(() => undefined);
  }
}

// ---- systemd

async function checkSystemd(effects: Effects, config: Config, booted: () => Promise<boolean>): Promise<Finding[]> {
  const findings: Finding[] = [];
  const pid1 = await booted();
  findings.push(pid1 ? ok("systemd", "systemd is PID 1 (the init system)")
    : warn("systemd", "systemd is NOT PID 1 on this machine (a container, or booted without it): unit states cannot be read and nodekeeper's timer cannot run here",
      "run `nodekeeper run` under this machine's own supervisor, or check it from the host"));
  const product = config.components.flatMap((c) => (c.status.type === "systemd" ? [c.status.unit] : []));
  const ours = [SERVICE_UNIT, TIMER_UNIT, RUN_UNIT];
  const units = [...ours, ...product];
  const r = await effects.runner.run(["systemctl", "list-unit-files", "--no-legend", "--no-pager", "--", ...units], { timeoutMs: 5_000, env: { SYSTEMD_COLORS: "0", LC_ALL: "C" } });
  if (r.notFound) return [...findings, warn("systemd.units", "systemctl is not installed here", "install systemd, or supervise `nodekeeper run` otherwise")];
  if (r.timedOut) return [...findings, warn("systemd.units", "systemctl list-unit-files did not answer within 5 s", "check systemd (systemctl daemon-reexec)")];
  // `systemctl list-unit-files --no-legend`: one line per unit, "NAME STATE [PRESET]" (systemctl(1)).
  const present = new Set(r.stdout.split("\n").map((l) => l.trim().split(/\s+/, 1)[0] ?? "").filter(Boolean));
  const has = (u: string) => present.has(u) || present.has(`${u}.service`);
  const missingOurs = ours.filter((u) => !has(u));
  findings.push(missingOurs.length === 0 ? ok("systemd.units", `nodekeeper's units present: ${ours.join(", ")}`)
    : missingOurs.length === ours.length ? warn("systemd.units", "none of nodekeeper's units is installed", "nodekeeper systemd --write /etc/systemd/system && systemctl daemon-reload && systemctl enable --now nodekeeper.timer")
    : warn("systemd.units", `missing: ${missingOurs.join(", ")}`, "nodekeeper systemd --write /etc/systemd/system && systemctl daemon-reload"));
  const productPresent = product.filter(has);
  findings.push(product.length === 0 ? skip("systemd.product-units", "no component is a systemd unit")
    : ok("systemd.product-units", `${productPresent.length} of ${product.length} product units installed${productPresent.length ? `: ${productPresent.join(", ")}` : ""}`));
  return findings;
}

// ---- nodetool

async function checkNodetool(effects: Effects, config: Config): Promise<Finding[]> {
  const c = config.cassandra;
  const cmd = c.nodetool.join(" ");
  const outcome = await runNodetool(effects.runner, { command: c.nodetool, timeoutMs: c.timeoutMs, maxOutputBytes: c.maxOutputBytes, forceUsLocale: c.forceUsLocale, lowPriority: c.lowPriority }, ["version"], parseVersion);
  const found = ok("nodetool", `${cmd} runs`);
  switch (outcome.kind) {
    case "ok":
      return [found, ok("nodetool.jmx", "Cassandra's JMX answered"), ok("nodetool.version", `Cassandra ${outcome.value.releaseVersion}`)];
    case "not_installed":
      return [warn("nodetool", `${oneLine(outcome.reason, 200)}: Cassandra counts as not installed here`, "set cassandra.nodetool to this node's nodetool wrapper"), skip("nodetool.jmx", "no nodetool"), skip("nodetool.version", "no nodetool")];
    case "not_startable":
      return [error("nodetool", oneLine(outcome.reason, 200), `make it executable for this user: chmod +x ${c.nodetool[0] ?? ""}`), skip("nodetool.jmx", "no nodetool"), skip("nodetool.version", "no nodetool")];
    case "jmx_unreachable":
      return [found, error("nodetool.jmx", oneLine(outcome.reason, 240), "is Cassandra running and listening on its JMX port? systemctl status dynatrace-cassandra"), skip("nodetool.version", "not read: JMX unreachable")];
    case "auth_failed":
      return [found, error("nodetool.jmx", oneLine(outcome.reason, 240), "fix the JMX user or password used by the nodetool wrapper"), skip("nodetool.version", "not read: JMX refused")];
    case "timeout":
      return [found, error("nodetool.jmx", oneLine(outcome.reason, 240), "Cassandra's JMX may be hung: look at its log and GC"), skip("nodetool.version", "not read")];
    default:
      return [found, warn("nodetool.version", oneLine(outcome.reason, 240), "run the command by hand and look at its output")];
  }
}

// ---- the thread pool

function checkThreadPool(size: number, directories: number): Finding {
  // Each hung mount holds one libuv thread (statfs never returns); four must stay for everything else.
  const needed = directories + 4;
  if (!Number.isFinite(size) || size < needed) return warn("thread-pool", `libuv thread pool: ${size} threads for ${directories} directories: a few hung mounts could stall every file operation`, `start nodekeeper with UV_THREADPOOL_SIZE=${Math.max(16, needed)}`);
  return ok("thread-pool", `libuv thread pool: ${size} threads (${directories} directories probed)`);
}
