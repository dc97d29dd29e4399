/**
 * A small world for apply tests: a temp state dir, fake `systemctl` and repair
 * scripts run through the real process runner (they append their argv to a
 * command log and exit with a code read from a file), a server-API double on
 * 127.0.0.1 recording every request, a fake clock and an audit collector.
 */
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { RemediationConfigSchema } from "../../src/config/remediation.js";
import type { RemediationConfig } from "../../src/config/remediation.js";
import { applyCycle } from "../../src/apply/execute.js";
import type { ApplyOutcome } from "../../src/apply/execute.js";
import type { ApplyFacts, CycleMode } from "../../src/apply/plan/types.js";
import type { BootStamp, Clock } from "../../src/effects/clock.js";
import { createHttpClient } from "../../src/effects/http.js";
import { createProcessRunner } from "../../src/effects/process.js";
import type { Instructions } from "../../src/contract/answer.js";
import { tempDir, type TempOwner } from "../helpers/temp.js";

export const CLUSTER = "cluster-1";
export const NODE = "node-1";
export const START = Date.parse("2025-03-01T10:00:00.000Z");

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

export interface ApiDouble {
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** The status for the next requests (200 by default). */
  status: number;
  close(): Promise<void>;
}

/** A server-API double on 127.0.0.1 only (never any other address). */
export async function startApiDouble(tls?: { cert: string; key: string }): Promise<ApiDouble> {
  const requests: RecordedRequest[] = [];
  const double = {
    url: "",
    requests,
    status: 200,
    close: async () => {},
  };
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      requests.push({ method: req.method ?? "", url: req.url ?? "", headers: { ...req.headers }, body: Buffer.concat(chunks).toString("utf8") });
      const status = double.status;
      res.writeHead(status, { "content-type": "application/json" });
      res.end(status >= 400 ? '{"error":"double says no"}' : "{}");
    });
  };
  const server = tls ? createHttpsServer({ cert: tls.cert, key: tls.key }, handler) : createHttpServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  double.url = `${tls ? "https" : "http"}://127.0.0.1:${port}`;
  double.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return double;
}

/**
 * Wall clock and boot clock: `advance` moves both (time passes), `stepWall`
 * only the wall clock (NTP stepping it, an operator's `date -s`), `reboot`
 * starts a new boot.
 */
export class FakeClock implements Clock {
  bootId = "boot-1";
  bootMs = 3_600_000; // up for 1 h
  constructor(public ms: number = START) {}
  now(): number {
    return this.ms;
  }
  monotonic(): number {
    return this.bootMs;
  }
  boot(): BootStamp {
    return { bootId: this.bootId, bootMs: this.bootMs };
  }
  async sleep(): Promise<void> {}
  advance(ms: number): void {
    this.ms += ms;
    this.bootMs += ms;
  }
  stepWall(ms: number): void {
    this.ms += ms;
  }
  reboot(downMs: number): void {
    this.ms += downMs;
    this.bootId = `boot-${Number(this.bootId.slice(5)) + 1}`;
    this.bootMs = 30_000; // 30 s after the boot
  }
}

export function instructions(reportId: string, overrides: Partial<Instructions> = {}): Instructions {
  return {
    schemaVersion: 1,
    reportId,
    clusterId: CLUSTER,
    responsibilityNodeIds: ["node-1", "node-2"],
    clusterStatus: "HEALTHY",
    clusterStatusDescription: "all good",
    cassandraQuorumOverride: false,
    phaDowntimeLongerThan72h: false,
    phaFailoverRemediation: false,
    nodeStatuses: [{ nodeId: "node-1", status: "OK" }, { nodeId: "node-2", status: "OK" }, { nodeId: "node-3", status: "OK" }],
    componentStatuses: [],
    ...overrides,
  };
}

/** The server known down, as its stopped unit says. */
export const DOWN = "its unit dynatrace-server.service is inactive";

export const healthyFacts: ApplyFacts = {
  serverStartedAt: "2025-03-01T09:00:00.000Z",
  serverRunning: true,
  serverDown: null,
  cassandraUp: true,
  cassandraRepairState: "IDLE",
};

export interface World {
  readonly dir: string;
  readonly stateDir: string;
  readonly commandLog: string;
  readonly clock: FakeClock;
  readonly api: ApiDouble;
  readonly audit: Array<Record<string, unknown>>;
  config: RemediationConfig;
  /** Commands run so far (one line each: "systemctl stop dynatrace-server", "repair"). */
  commands(): string[];
  setExit(script: "systemctl" | "repair", code: number): void;
  /** The fake repair sleeps this long, in seconds, before it exits. */
  setRepairSleep(seconds: number): void;
  /** `raw`: an answer exactly as given, however malformed (adversarial tests). */
  /** `confirms: false`: the answer is to an older report (from the outbox), not to this cycle's. */
  cycle(options?: { answer?: Instructions | null; raw?: { reportId: string; instructions: unknown }; reportId?: string; confirms?: boolean; facts?: Partial<ApplyFacts>; mode?: Partial<CycleMode>; nodeId?: string }): Promise<ApplyOutcome>;
  /** Waits (deadline 15 s) until the background repair has written its result. */
  waitForRepairResult(): Promise<void>;
}

let answerCounter = 0;
export function nextReportId(): string {
  answerCounter += 1;
  return `00000000-0000-4000-8000-${String(answerCounter).padStart(12, "0")}`;
}

/** The world's folder is removed, and its API double closed, when `owner` (the test's `t`) ends. */
export async function makeWorld(owner: TempOwner, options: { config?: Partial<RemediationConfig>; tls?: { cert: string; key: string; caFile: string } } = {}): Promise<World> {
  const dir = tempDir(owner, "nk-apply-");
  const stateDir = join(dir, "state");
  const commandLog = join(dir, "commands.log");
  const systemctl = join(dir, "systemctl");
  const repair = join(dir, "repair-cassandra-data.sh");
  writeFileSync(systemctl, [
    "#!/bin/sh",
    `echo "systemctl $*" >> '${commandLog}'`,
    `code=$(cat '${dir}/systemctl.exit' 2>/dev/null || echo 0)`,
    `[ "$code" = 0 ] || echo "systemctl: simulated failure" >&2`,
    'exit "$code"',
    "",
  ].join("\n"));
  writeFileSync(repair, [
    "#!/bin/sh",
    `echo "repair $*" >> '${commandLog}'`,
    "echo 'repairing keyspaces...'",
    `secs=$(cat '${dir}/repair.sleep' 2>/dev/null || echo 0)`,
    '[ "$secs" = 0 ] || sleep "$secs"',
    `code=$(cat '${dir}/repair.exit' 2>/dev/null || echo 0)`,
    `[ "$code" = 0 ] || echo "repair: keyspace dynatrace failed" >&2`,
    'exit "$code"',
    "",
  ].join("\n"));
  chmodSync(systemctl, 0o755);
  chmodSync(repair, 0o755);

  const api = await startApiDouble(options.tls);
  owner.after(() => api.close());
  const clock = new FakeClock();
  const audit: Array<Record<string, unknown>> = [];
  const runner = createProcessRunner();
  const world: World = {
    dir, stateDir, commandLog, clock, api, audit,
    config: RemediationConfigSchema.parse({
      stopServerCommand: [systemctl, "stop", "dynatrace-server"],
      startServerCommand: [systemctl, "start", "dynatrace-server"],
      repairCommand: [repair],
      repairDetach: "background",
      ...options.config,
    }),
    commands: () => (existsSync(commandLog) ? readFileSync(commandLog, "utf8").split("\n").filter(Boolean).map((l) => l.replace(`${dir}/`, "").trim()) : []),
    setExit: (script, code) => writeFileSync(join(dir, `${script}.exit`), `${code}\n`),
    setRepairSleep: (seconds) => writeFileSync(join(dir, "repair.sleep"), `${seconds}\n`),
    async cycle(o = {}) {
      const confirms = o.confirms ?? true;
      const answer = o.raw
        ? { ...(o.raw as { reportId: string; instructions: Instructions }), confirms }
        : o.answer === undefined || o.answer === null ? null : { reportId: o.reportId ?? o.answer.reportId, instructions: o.answer, confirms };
      return applyCycle(
        { runner, http: createHttpClient, clock, audit: async (entry) => { audit.push(entry as Record<string, unknown>); } },
        {
          stateDir, clusterId: CLUSTER, nodeId: o.nodeId ?? NODE, remediation: world.config,
          server: { url: api.url, timeoutMs: 5_000, ...(options.tls ? { caFile: options.tls.caFile } : {}) },
          answer, facts: { ...healthyFacts, ...o.facts }, mode: { dryRun: false, maintenance: false, ...o.mode },
        },
      );
    },
    async waitForRepairResult() {
      const file = join(stateDir, "cassandra-repair.result");
      const deadline = Date.now() + 15_000;
      while (!existsSync(file)) {
        if (Date.now() > deadline) throw new Error("the background repair left no result within 15 s");
        await new Promise((r) => setTimeout(r, 20));
      }
    },
  };
  return world;
}

/** Audit lines of actions, as "action:result" strings, for compact asserts. */
export function auditedActions(audit: ReadonlyArray<Record<string, unknown>>): string[] {
  return audit.filter((e) => e.type === "action").map((e) => `${String(e.action)}:${String(e.result)}`);
}
