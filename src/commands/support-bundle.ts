/**
 * `support-bundle`: one .tar.gz a person can attach to a ticket, made of
 * what nodekeeper knows about this node: the effective configuration with
 * secrets redacted, `status --json`, `diagnose --json`, the last 1,000 audit
 * lines, the nodekeeper logs it can find (the configured log file, the
 * journal of its units), versions (Node, nodekeeper, OS, Cassandra) and the
 * systemd units.
 *
 * No secret may leave in it. The configuration is redacted key by key
 * (redactConfig), and then every entry, whatever its source, is scrubbed of
 * every secret value nodekeeper can read: the Mission Control and server
 * tokens, the client key (the whole PEM and each of its lines), the proxy
 * password (raw, URL-encoded and JSON-escaped forms). The archive is built in
 * memory (tar.ts) and written with mode 0600.
 */
import { arch, release, type, version as osVersion } from "node:os";
import { basename, join, resolve } from "node:path";
import { ConfigError, loadConfig, redactConfig } from "../config/load.js";
import type { LoadedConfig } from "../config/load.js";
import type { Config } from "../config/schema.js";
import type { FileSystem } from "../effects/fs.js";
import type { Effects } from "../effects/index.js";
import { writeFileAtomic } from "../state/atomic.js";
import { AUDIT_FILE } from "../state/audit.js";
import { NODEKEEPER_VERSION } from "../contract/version.js";
import { diagnose, diagnoseDocument } from "./diagnose.js";
import { status } from "./status.js";
import { RUN_UNIT, SERVICE_UNIT, TIMER_UNIT } from "./systemd-units.js";
import { tarGz, type TarEntry } from "./tar.js";
import { redactText } from "../contract/text.js";

export interface SupportBundleOptions {
  readonly configFile: string | undefined;
  /** Where to write; default ./nodekeeper-support-<node>-<time>.tar.gz. */
  readonly output?: string | undefined;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly threadPoolSize: number;
}

export interface SupportBundleResult {
  readonly file: string;
  readonly bytes: number;
  readonly entries: ReadonlyArray<{ readonly name: string; readonly bytes: number }>;
  /** What could not be collected, in words (also in the bundle's README.txt). */
  readonly problems: readonly string[];
  /** How many secret values were looked for (none of them is in the archive). */
  readonly secretsScrubbed: number;
}

const DIR = "nodekeeper-support";
export const AUDIT_LINES = 1_000;
const LOG_LINES = 5_000;
/** A tail is read from at most this many bytes at the end of a file. */
const TAIL_BYTES = 8 * 1024 * 1024; // 8 MiB
const CHILD_TIMEOUT_MS = 10_000; // 10 s for journalctl or systemctl
const UNIT_DIRS = ["/etc/systemd/system", "/run/systemd/system", "/usr/lib/systemd/system", "/lib/systemd/system"];

export async function supportBundle(effects: Effects, options: SupportBundleOptions): Promise<SupportBundleResult> {
  const now = effects.clock.now();
  const problems: string[] = [];
  const entries: TarEntry[] = [];
  const add = (name: string, content: string) => entries.push({ name: `${DIR}/${name}`, content });
  const json = (value: unknown) => JSON.stringify(value, null, 2) + "\n";

  let loaded: LoadedConfig | null = null;
  try {
    loaded = await loadConfig(options.configFile);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(`the configuration does not validate (see diagnose.json); status was not run`);
  }
  const config = loaded?.config ?? null;
  const secrets = config ? await secretValues(effects.fs, config) : [];

  if (loaded && config) {
    add("config.json", json({ file: loaded.file, effective: redactConfig(config) }));
    try {
      const { snapshot: _raw, ...view } = await status(effects, loaded, { fresh: false });
      add("status.json", json(view));
      add("versions.json", json(await versions(effects.fs, config, view.cassandra.version)));
    } catch (error) {
      problems.push(`status failed: ${(error as Error).message}`);
      add("versions.json", json(await versions(effects.fs, config, null)));
    }
  }
  add("diagnose.json", json(diagnoseDocument(await diagnose(effects, { configFile: options.configFile, env: options.env, threadPoolSize: options.threadPoolSize }))));
  if (config) {
    const audit = await auditTail(effects.fs, config.stateDir, config.missionControl.audit.keep);
    if (audit === null) problems.push(`no audit log in ${config.stateDir}`);
    else add("audit-tail.jsonl", audit);
    if (config.log.file) {
      const log = await tailLines(effects.fs, config.log.file, LOG_LINES);
      if (log === null) problems.push(`the log file ${config.log.file} cannot be read`);
      else add(`logs/${basename(config.log.file)}`, log);
    }
  }
  const journal = await effects.runner.run(
    ["journalctl", "--no-pager", "-o", "short-iso", "-n", String(LOG_LINES), "-u", SERVICE_UNIT, "-u", RUN_UNIT],
    { timeoutMs: CHILD_TIMEOUT_MS, maxOutputBytes: TAIL_BYTES, env: { SYSTEMD_COLORS: "0", LC_ALL: "C" } },
  );
  if (journal.exitCode === 0) add("logs/journal.txt", journal.stdout);
  else problems.push(`journalctl: ${journal.notFound ? "not installed" : journal.timedOut ? `no answer within ${CHILD_TIMEOUT_MS / 1000} s` : firstLine(journal.stderr) || `exit ${String(journal.exitCode)}`}`);
  const units = await unitFiles(effects, config);
  add("systemd-units.txt", units.text);
  problems.push(...units.problems);

  add("README.txt", [
    `nodekeeper support bundle`,
    `made ${new Date(now).toISOString()} by nodekeeper ${NODEKEEPER_VERSION}${config ? ` on node ${config.nodeId} of cluster ${config.clusterId}` : ""}`,
    ``,
    `config.json         the effective configuration, secrets redacted`,
    `status.json         nodekeeper status --json, as of the moment above`,
    `diagnose.json       nodekeeper diagnose --json`,
    `audit-tail.jsonl    the last ${AUDIT_LINES} lines of the audit log`,
    `logs/               nodekeeper's log file and the journal of its units, as found`,
    `versions.json       Node, nodekeeper, the OS, Cassandra`,
    `systemd-units.txt   nodekeeper's systemd units`,
    ``,
    `Every value of ${secrets.length} secrets (tokens, the client key, the proxy password) was removed from every file.`,
    ...(problems.length ? ["", "Not collected:", ...problems.map((p) => `- ${p}`)] : []),
    "",
  ].join("\n"));

  const scrubbed = entries.map((e) => ({ ...e, content: scrub(String(e.content), secrets) }));
  const archive = tarGz(scrubbed, now);
  const file = resolve(options.output ?? `nodekeeper-support-${safeName(config?.nodeId ?? "node")}-${new Date(now).toISOString().replace(/[-:]|\.\d+/g, "")}.tar.gz`);
  // Beside the target, then renamed: a bundle is whole or absent; mode 0600
  // whatever the umask (exactMode). Not nodekeeper's folder (ownFolder off):
  // a missing folder is an error, and the file keeps the owner who ran it.
  await writeFileAtomic(file, archive, { mode: 0o600, exactMode: true, ownFolder: false });
  return {
    file, bytes: archive.length, problems, secretsScrubbed: secrets.length,
    entries: scrubbed.map((e) => ({ name: e.name, bytes: Buffer.byteLength(e.content) })),
  };
}

function safeName(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]+/g, "_").slice(0, 60);
}

function firstLine(text: string): string {
  return text.trim().split("\n", 1)[0]?.slice(0, 200) ?? "";
}

// ---- secrets

async function readQuietly(fs: FileSystem, path: string | undefined): Promise<string | null> {
  if (!path) return null;
  try {
    return await fs.readFile(path);
  } catch {
    return null;
  }
}

/** Every secret value nodekeeper can read, in the forms it could appear in. */
async function secretValues(fs: FileSystem, config: Config): Promise<string[]> {
  const values = new Set<string>();
  const addValue = (v: string | null | undefined) => {
    const t = v?.trim();
    if (t && t.length >= 4) values.add(t); // shorter would redact ordinary words; no real secret is that short
  };
  const [mcToken, serverToken, key] = await Promise.all([
    readQuietly(fs, config.missionControl.tokenFile), readQuietly(fs, config.server.tokenFile), readQuietly(fs, config.missionControl.keyFile),
  ]);
  addValue(mcToken);
  addValue(serverToken);
  if (key) {
    addValue(key);
    // Each line of the PEM body: a partial copy must not leak either.
    for (const line of key.split("\n")) if (!line.startsWith("-----")) addValue(line.length >= 16 ? line : null);
  }
  const proxy = config.missionControl.proxy;
  if (proxy && proxy !== "none") {
    try {
      const password = new URL(proxy).password;
      addValue(password);
      addValue(decodeURIComponent(password));
    } catch {
      // The schema accepted it as a URL; nothing else to take out.
    }
  }
  // Longest first: a secret that contains another is removed whole.
  return [...values].sort((a, b) => b.length - a.length);
}

/** The secrets as redactText removes them (as they are and JSON-escaped), and URL-encoded too (proxy URLs carry passwords so). */
function scrub(text: string, secrets: readonly string[]): string {
  return redactText(text, secrets.flatMap((secret) => [secret, encodeURIComponent(secret)]));
}

// ---- files

/** The last `n` lines of a file, read from at most its last 8 MiB; null when it cannot be read. */
export async function tailLines(fs: FileSystem, path: string, n: number): Promise<string | null> {
  try {
    const { bytes, size } = await fs.readTail(path, TAIL_BYTES);
    const lines = bytes.toString("utf8").split("\n");
    if (bytes.length < size) lines.shift(); // the first line is cut
    if (lines.at(-1) === "") lines.pop();
    return lines.slice(-n).join("\n") + (lines.length ? "\n" : "");
  } catch {
    return null;
  }
}

/** The last AUDIT_LINES lines over the audit log and its rotations (newest last); null when there is none. */
async function auditTail(fs: FileSystem, stateDir: string, keep: number): Promise<string | null> {
  const base = join(stateDir, AUDIT_FILE);
  const files = [base, ...Array.from({ length: keep }, (_, i) => `${base}.${i + 1}`)];
  let lines: string[] = [];
  let found = false;
  for (const file of files) {
    if (lines.length >= AUDIT_LINES) break;
    const text = await tailLines(fs, file, AUDIT_LINES - lines.length);
    if (text === null) continue;
    found = true;
    lines = [...text.split("\n").filter((l) => l !== ""), ...lines];
  }
  return found ? lines.slice(-AUDIT_LINES).join("\n") + (lines.length ? "\n" : "") : null;
}

async function versions(fs: FileSystem, config: Config, cassandra: string | null) {
  const osRelease = await readQuietly(fs, "/etc/os-release");
  const pretty = osRelease ? /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(osRelease)?.[1] ?? null : null;
  return {
    nodekeeper: NODEKEEPER_VERSION,
    node: process.version,
    os: { name: pretty, type: type(), release: release(), version: osVersion(), arch: arch() },
    cassandra: cassandra ?? null,
    nodetool: config.cassandra.nodetool,
  };
}

/** nodekeeper's units: `systemctl cat` (systemctl(1)), else the unit files found on disk. */
async function unitFiles(effects: Effects, config: Config | null): Promise<{ text: string; problems: string[] }> {
  const units = [SERVICE_UNIT, TIMER_UNIT, RUN_UNIT];
  const cat = await effects.runner.run(["systemctl", "cat", "--no-pager", "--", ...units], { timeoutMs: CHILD_TIMEOUT_MS, env: { SYSTEMD_COLORS: "0", LC_ALL: "C" } });
  if (cat.stdout.trim() !== "") return { text: cat.stdout, problems: [] };
  const parts: string[] = [];
  for (const unit of units) {
    for (const dir of UNIT_DIRS) {
      const text = await readQuietly(effects.fs, join(dir, unit));
      if (text !== null) {
        parts.push(`# ${join(dir, unit)}\n${text}`);
        break;
      }
    }
  }
  const why = cat.notFound ? "systemctl is not installed" : firstLine(cat.stderr) || "systemctl cat printed nothing";
  if (parts.length === 0) return { text: `no nodekeeper unit found (${why}); configuration stateDir ${config?.stateDir ?? "?"}\n`, problems: [`systemd units: none found (${why})`] };
  return { text: parts.join("\n"), problems: [] };
}
