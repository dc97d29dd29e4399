/**
 * The component probe: per component, a status source (systemd unit, HTTP(S)
 * endpoint, TCP port, or command) and an optional version source (file,
 * command output with a regex, or a JSON field of an HTTP endpoint). Systemd
 * units are read in one `systemctl` run for all of them.
 */
import type { Component, StatusSource, VersionSource } from "../config/schema.js";
import { cleanText } from "../contract/text.js";
import type { Effects } from "../effects/index.js";
import { HttpError } from "../effects/http.js";
import type { HttpClient } from "../effects/http.js";
import { NODEKEEPER_VERSION } from "../contract/version.js";
import type { ProbeEngine, ProbeFailure } from "./engine.js";
import { errorMessage } from "./engine.js";
import { pick } from "./json-path.js";
import { CODES, OK } from "../contract/result-codes.js";
import type { SelfFigures, SelfHealth } from "./self.js";
import type { Status } from "../contract/status.js";
import { probeUnits } from "./systemd.js";
import type { UnitIdentity } from "./systemd.js";
import { tcpConnect } from "./tcp.js";

export interface ComponentResult {
  readonly name: string;
  readonly status: Status;
  readonly description: string;
  readonly resultCode: number;
  readonly version: string | null;
  /** Why the version is null, when it is. */
  readonly versionNote?: string;
  /** TLS verification is off for this component's endpoint: status shows it. */
  readonly insecure?: boolean;
  /** The `nodekeeper` component only: the self-monitoring figures (probes/self.ts). */
  readonly self?: SelfFigures;
  /**
   * For a systemd unit: which run of the unit this is (MainPID, start time,
   * InvocationID), read in the same `systemctl show` run as its status.
   * Probe data for the server's and Cassandra's restart detection.
   */
  readonly unit?: UnitIdentity;
}

interface StatusPart {
  status: Status;
  description: string;
  resultCode: number;
  identity?: UnitIdentity;
}

/**
 * Probes that run a child process kill it at their own deadline and say so
 * precisely ("systemctl did not answer within 5000 ms"); the engine's deadline
 * sits this much later, as the backstop.
 */
const CHILD_GRACE_MS = 250;

const MAX_BODY = 256 * 1024; // 256 KiB: a health or version endpoint answers far less

const failureStatus = (f: ProbeFailure): StatusPart => ({ status: "UNKNOWN", description: f.reason, resultCode: f.code });

/**
 * The component for nodekeeper itself: running, since it answers; with its
 * self-monitoring verdict (probes/self.ts) when given.
 */
export function selfComponent(self?: SelfHealth): ComponentResult {
  if (!self) return { name: "nodekeeper", status: "OK", description: `nodekeeper ${NODEKEEPER_VERSION} (pid ${process.pid})`, resultCode: OK, version: NODEKEEPER_VERSION };
  return { name: "nodekeeper", status: self.status, description: self.description, resultCode: self.resultCode, version: NODEKEEPER_VERSION, self: self.figures };
}

export async function probeComponents(
  effects: Effects,
  engine: ProbeEngine,
  components: readonly Component[],
): Promise<{ components: ComponentResult[]; notes: string[] }> {
  const notes: string[] = [];
  const units = components.flatMap((c) => (c.status.type === "systemd" ? [c.status.unit] : []));
  const unitTimeout = Math.max(0, ...components.filter((c) => c.status.type === "systemd").map((c) => c.timeoutMs));
  const systemd = units.length === 0 ? null : engine.run(
    "systemd",
    unitTimeout + CHILD_GRACE_MS,
    (_signal) => probeUnits(effects.runner, units, unitTimeout),
    (failure) => ({ units: new Map(units.map((u) => [u, failureStatus(failure)])), note: null }),
  );
  // HTTP clients are made on first use (undici loads only when a component
  // needs it): one shared by the endpoints with default TLS, one for each
  // endpoint with its own CA or verification off. All are closed at the end.
  const clients: Array<Promise<HttpClient>> = [];
  let shared: Promise<HttpClient> | undefined;
  const httpClient: ClientFor = (source, timeoutMs) => {
    const make = () => {
      const client = effects.http({
        caFile: source.caFile, insecureSkipVerify: source.insecureSkipVerify,
        connectTimeoutMs: timeoutMs, headersTimeoutMs: timeoutMs, bodyTimeoutMs: timeoutMs, connections: 2, lightweight: true,
      });
      clients.push(client);
      return client;
    };
    if (source.caFile !== undefined || source.insecureSkipVerify) return make();
    return (shared ??= make());
  };

  try {
    const results = await Promise.all(
      components.map(async (component): Promise<ComponentResult> => {
        const statusPromise: Promise<StatusPart> =
          component.status.type === "systemd"
            ? (async () => {
                const outcome = await systemd!;
                if (outcome.note && !notes.includes(outcome.note)) notes.push(outcome.note);
                return outcome.units.get((component.status as { unit: string }).unit) ?? { status: "UNKNOWN" as const, description: "no state", resultCode: CODES.SYSTEMCTL_FAILED };
              })()
            : engine.run(`component:${component.name}`, component.timeoutMs,
                (signal) => probeStatus(effects, component.status, component.timeoutMs, signal, httpClient),
                failureStatus);
        const versionPromise = component.version
          ? engine.run(`version:${component.name}`, component.timeoutMs,
              (signal) => probeVersion(effects, component.version!, component.timeoutMs, signal, httpClient),
              (f): VersionPart => ({ version: null, note: f.reason }))
          : Promise.resolve<VersionPart>({ version: null, note: "no version source configured" });
        const [{ identity, ...status }, version] = await Promise.all([statusPromise, versionPromise]);
        const insecure = "insecureSkipVerify" in component.status && component.status.insecureSkipVerify;
        // Command output and HTTP bodies are text from outside: cleaned and capped (src/contract/text.ts).
        return {
          name: component.name,
          ...status,
          ...(identity ? { unit: identity } : {}),
          description: cleanText(status.description),
          version: version.version === null ? null : cleanText(version.version, 128),
          ...(version.version === null ? { versionNote: version.note } : {}),
          ...(insecure ? { insecure: true, description: `${cleanText(status.description)} [TLS verification OFF by configuration]` } : {}),
        };
      }),
    );
    return { components: results, notes };
  } finally {
    await Promise.all(clients.map((c) => c.then((client) => client.close()).catch(() => undefined)));
  }
}

type ClientFor = (source: { caFile?: string | undefined; insecureSkipVerify: boolean }, timeoutMs: number) => Promise<HttpClient>;

async function probeStatus(
  effects: Effects,
  source: StatusSource,
  timeoutMs: number,
  signal: AbortSignal,
  clientFor: ClientFor,
): Promise<StatusPart> {
  switch (source.type) {
    case "systemd":
      throw new Error("systemd sources are probed in one batch");
    case "tcp": {
      const r = await tcpConnect(source.host, source.port, timeoutMs, signal);
      if (r.ok) return { status: "OK", description: `port ${source.port} accepts connections (${r.latencyMs.toFixed(1)} ms)`, resultCode: OK };
      return r.kind === "timeout"
        ? { status: "ERROR", description: `port ${source.port} on ${source.host}: ${r.reason}`, resultCode: CODES.TCP_TIMEOUT }
        : { status: "ERROR", description: `port ${source.port} on ${source.host}: ${r.reason}`, resultCode: CODES.TCP_REFUSED };
    }
    case "command": {
      const r = await effects.runner.run(source.command, { timeoutMs, lowPriority: true });
      if (r.notFound) return { status: "NOT_INSTALLED", description: `${source.command[0] ?? ""} not found`, resultCode: CODES.COMMAND_NOT_FOUND };
      if (r.timedOut) return { status: "UNKNOWN", description: `${source.command[0] ?? ""} did not finish within ${timeoutMs} ms`, resultCode: CODES.PROBE_TIMEOUT };
      if (r.exitCode === 0) return { status: "OK", description: firstLine(r.stdout) || "exit code 0", resultCode: OK };
      return { status: "ERROR", description: `exit code ${String(r.exitCode ?? r.signal)}: ${firstLine(r.stderr) || firstLine(r.stdout)}`, resultCode: CODES.COMMAND_FAILED };
    }
    case "http": {
      try {
        const client = await clientFor(source, timeoutMs);
        const res = await client.request({ method: "GET", url: source.url, signal, maxResponseBytes: MAX_BODY });
        const body = res.body.toString("utf8");
        if (res.status !== source.expectStatus) return { status: "ERROR", description: `${source.url} answered ${res.status}, expected ${source.expectStatus}`, resultCode: CODES.HTTP_UNEXPECTED_STATUS };
        if (source.expectBody !== undefined && !body.includes(source.expectBody)) {
          return { status: "ERROR", description: `${source.url} answered without "${source.expectBody}": ${JSON.stringify(body.slice(0, 80))}`, resultCode: CODES.HTTP_UNEXPECTED_BODY };
        }
        return { status: "OK", description: `${source.url} answered ${res.status}`, resultCode: OK };
      } catch (error) {
        return httpFailure(source.url, error);
      }
    }
  }
}

function httpFailure(url: string, error: unknown): StatusPart {
  const kind = error instanceof HttpError ? error.kind : "other";
  const why = `${url}: ${errorMessage(error)}`;
  if (kind === "tls") return { status: "ERROR", description: `TLS failed: ${why}`, resultCode: CODES.HTTP_TLS_FAILURE };
  if (kind === "timeout") return { status: "ERROR", description: `no answer in time: ${why}`, resultCode: CODES.HTTP_TIMEOUT };
  return { status: "ERROR", description: `unreachable: ${why}`, resultCode: CODES.HTTP_UNREACHABLE };
}

interface VersionPart {
  version: string | null;
  note: string;
}

async function probeVersion(
  effects: Effects,
  source: VersionSource,
  timeoutMs: number,
  signal: AbortSignal,
  clientFor: ClientFor,
): Promise<VersionPart> {
  try {
    switch (source.type) {
      case "file": {
        const text = await effects.fs.readFile(source.path);
        return match(source.regex ? text : text.trim(), source.regex);
      }
      case "command": {
        const r = await effects.runner.run(source.command, { timeoutMs, lowPriority: true, maxOutputBytes: 64 * 1024 });
        if (r.notFound) return { version: null, note: `${source.command[0] ?? ""} not found` };
        if (r.timedOut) return { version: null, note: `version command did not finish within ${timeoutMs} ms` };
        // Many tools print their version on stderr (nginx -v, java -version).
        return match(`${r.stdout}\n${r.stderr}`, source.regex);
      }
      case "http": {
        const client = await clientFor(source, timeoutMs);
        const res = await client.request({ method: "GET", url: source.url, signal, maxResponseBytes: MAX_BODY });
        if (res.status !== 200) return { version: null, note: `${source.url} answered ${res.status}` };
        const value = pick(JSON.parse(res.body.toString("utf8")) as unknown, source.field);
        return typeof value === "string" || typeof value === "number"
          ? { version: String(value), note: "" }
          : { version: null, note: `${source.url} has no field ${source.field}` };
      }
    }
  } catch (error) {
    return { version: null, note: errorMessage(error) };
  }
}

function match(text: string, regex: string | undefined): VersionPart {
  if (regex === undefined) return text ? { version: text, note: "" } : { version: null, note: "empty" };
  const m = new RegExp(regex, "m").exec(text);
  const version = m ? (m[1] ?? m[0]) : null;
  return version ? { version, note: "" } : { version: null, note: `no match for /${regex}/` };
}


function firstLine(text: string): string {
  return text.trim().split("\n", 1)[0]?.slice(0, 200) ?? "";
}
