/**
 * The demo's embedded Mission Control: the health exchange of src/contract/CONTRACT.md
 * section 1 on loopback HTTPS, with the simple failover policy the product
 * documents.
 *
 * The exchange. `POST /api/v1/nodekeeper/health` with `Authorization: Bearer
 * <token>`; the body is validated with nodekeeper's own HealthReportSchema.
 * Answers: 401 for a missing or wrong token, 400 for a body that is not JSON
 * (or an Idempotency-Key that is not the reportId), 422 for a report the
 * schema refuses, 409 for another cluster or a node it does not know, 413 for
 * a body over 1 MiB, otherwise 200 with instructions that echo the reportId
 * and clusterId. A report sent again (same reportId, e.g. from the outbox)
 * gets the same answer again and changes nothing.
 *
 * The policy (FailoverPolicy below). Mission Control knows the cluster's
 * layout (which node is in which data center) and reads each report for
 * which Cassandra nodes are down: the peers whose Cassandra ports the
 * reporting node cannot reach (`connectivityMetrics[].cassandraConnected`),
 * and the reporting node itself when its `cassandra` component is ERROR
 * (nodetool cannot reach it, or it is not Up/Normal). The report carries no
 * ring table, so that is what it allows. Then, per data center:
 *
 *   - two or more of its Cassandra nodes down in FAILOVER_AFTER_REPORTS
 *     consecutive reports ("for a while") → failover remediation ON for the
 *     nodes of that data center: their servers stop, so that clients go to
 *     the healthy data center;
 *   - fewer than two down in RECOVER_AFTER_REPORTS consecutive reports
 *     ("back") → OFF again: the servers start, and nodes whose Cassandra was
 *     down repair their data.
 *
 * While a data center is in failover, the cassandraQuorumOverride is on (the
 * healthy data center keeps writing at LOCAL_QUORUM), and the responsibility
 * nodes (cluster-wide work) are the first node with Cassandra up of each data
 * center not in failover. clusterStatus is HEALTHY, DEGRADED (Cassandra down
 * somewhere) or FAILOVER; nodeStatuses use the product's node states. A real control plane waits minutes, not reports, and
 * hears from every node; the demo has one reporting node and counts reports.
 */
import { timingSafeEqual } from "node:crypto";
import { createServer } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import { DATA_CENTERS, NODES, nodeById } from "./cluster.js";
import type { DataCenter } from "./cluster.js";
import { Listener, readSmallBody } from "./listeners.js";
import type { Tls } from "./simulated-cluster.js";
import { HealthReportSchema } from "../contract/report.js";
import type { HealthReport, PhaRepairStatus } from "../contract/report.js";
import type { Instructions } from "../contract/answer.js";

export const HEALTH_PATH = "/api/v1/nodekeeper/health";
export const FAILOVER_AFTER_REPORTS = 2;
export const RECOVER_AFTER_REPORTS = 2;
/** Cassandra nodes of one data center that must be down for a failover. */
export const DOWN_NODES_FOR_FAILOVER = 2;
const MAX_BODY_BYTES = 1024 * 1024; // 1 MiB, contract section 1
/** Answers kept for replays (same reportId); a demo sends a few dozen reports. */
const REMEMBERED_ANSWERS = 200;
const H72_MS = 72 * 3_600_000; // phaDowntimeLongerThan72h

interface DcState {
  downStreak: number;
  upStreak: number;
  failover: boolean;
  failoverSince: number | null;
}

/** What Mission Control made of one report, for the demo's narration. */
export interface Decision {
  readonly reportId: string;
  readonly nodeId: string;
  /** Node ids whose Cassandra the report shows down. */
  readonly down: readonly string[];
  /** One sentence per data center that is not simply healthy, and per change. */
  readonly notes: readonly string[];
  /** Data centers whose failover remediation was turned on / off by this report. */
  readonly turnedOn: readonly DataCenter[];
  readonly turnedOff: readonly DataCenter[];
  readonly instructions: Instructions;
  readonly phaRepairStatus: PhaRepairStatus;
}

/** The failover policy: a small state machine fed one report at a time. */
export class FailoverPolicy {
  private readonly dcs = new Map<DataCenter, DcState>(DATA_CENTERS.map((dc) => [dc, { downStreak: 0, upStreak: 0, failover: false, failoverSince: null }]));

  /** Which Cassandra nodes this report shows down (see the module comment). */
  static cassandraDown(report: HealthReport): string[] {
    const down = new Set(report.connectivityMetrics.filter((m) => !m.cassandraConnected).map((m) => m.nodeId));
    const own = report.componentStatuses.find((c) => c.name === "cassandra");
    if (own?.status === "ERROR") down.add(report.nodeId);
    return NODES.map((n) => n.id).filter((id) => down.has(id));
  }

  failoverOn(dc: DataCenter): boolean {
    return this.dcs.get(dc)?.failover ?? false;
  }

  /** Reads one report; with `count` false (an old report) it answers from the current state and changes nothing. */
  decide(report: HealthReport, now: number, count = true): Decision {
    const down = FailoverPolicy.cassandraDown(report);
    const notes: string[] = [];
    const turnedOn: DataCenter[] = [];
    const turnedOff: DataCenter[] = [];
    for (const dc of DATA_CENTERS) {
      const s = this.dcs.get(dc);
      if (s === undefined || !count) continue;
      const members = NODES.filter((n) => n.dataCenter === dc);
      const downHere = members.filter((n) => down.includes(n.id)).map((n) => n.id);
      const what = `${dc}: ${downHere.length} of ${members.length} Cassandra nodes down${downHere.length > 0 ? ` (${downHere.join(", ")})` : ""}`;
      if (downHere.length >= DOWN_NODES_FOR_FAILOVER) {
        s.downStreak++;
        s.upStreak = 0;
        if (!s.failover && s.downStreak >= FAILOVER_AFTER_REPORTS) {
          s.failover = true;
          s.failoverSince = now;
          turnedOn.push(dc);
          notes.push(`${what} in ${s.downStreak} consecutive reports: failover remediation ON for ${members.map((n) => n.id).join(", ")}`);
        } else if (s.failover) {
          notes.push(`${what}: failover remediation stays on`);
        } else {
          notes.push(`${what} (${s.downStreak} report${s.downStreak === 1 ? "" : "s"}; failover remediation after ${FAILOVER_AFTER_REPORTS})`);
        }
      } else {
        s.upStreak++;
        s.downStreak = 0;
        if (s.failover && s.upStreak >= RECOVER_AFTER_REPORTS) {
          s.failover = false;
          s.failoverSince = null;
          turnedOff.push(dc);
          notes.push(`${what} in ${s.upStreak} consecutive reports: ${dc} is back, failover remediation OFF`);
        } else if (s.failover) {
          notes.push(`${what} (${s.upStreak} report${s.upStreak === 1 ? "" : "s"}; failover remediation off after ${RECOVER_AFTER_REPORTS})`);
        } else if (downHere.length > 0) {
          notes.push(what);
        }
      }
    }
    const failing = DATA_CENTERS.filter((dc) => this.failoverOn(dc));
    const self = nodeById(report.nodeId);
    const responsibility = DATA_CENTERS.filter((dc) => !failing.includes(dc)).flatMap((dc) => {
      const first = NODES.find((n) => n.dataCenter === dc && !down.includes(n.id));
      return first ? [first.id] : [];
    });
    const since = self ? this.dcs.get(self.dataCenter)?.failoverSince ?? null : null;
    const instructions: Instructions = {
      schemaVersion: 1,
      reportId: report.reportId,
      clusterId: report.clusterId,
      responsibilityNodeIds: responsibility.sort(),
      clusterStatus: failing.length > 0 ? "FAILOVER" : down.length > 0 ? "DEGRADED" : "HEALTHY",
      clusterStatusDescription: failing.length > 0
        ? `failover remediation on for ${failing.join(", ")}`
        : down.length > 0 ? `Cassandra down on ${down.join(", ")}` : "all nodes healthy",
      cassandraQuorumOverride: failing.length > 0,
      phaDowntimeLongerThan72h: since !== null && now - since > H72_MS,
      phaFailoverRemediation: self !== undefined && failing.includes(self.dataCenter),
      // The product's node states (what `nodekeeper check cluster` reads): a node without its
      // database is DATABASE_DISCONNECTED; one whose server the remediation stops is OFFLINE.
      nodeStatuses: NODES.map((n) => ({
        nodeId: n.id,
        status: down.includes(n.id) ? "DATABASE_DISCONNECTED" : failing.includes(n.dataCenter) ? "OFFLINE" : "RUNNING",
      })),
      componentStatuses: NODES.map((n) => ({ name: "cassandra", status: down.includes(n.id) ? "ERROR" : "OK", nodeId: n.id })),
    };
    return { reportId: report.reportId, nodeId: report.nodeId, down, notes, turnedOn, turnedOff, instructions, phaRepairStatus: report.cassandraPhaRepairStatus };
  }
}

export interface MissionControlOptions {
  readonly host: string;
  readonly tls: Tls;
  readonly token: string;
  readonly clusterId: string;
  readonly clock: { now(): number };
}

export class EmbeddedMissionControl {
  readonly policy = new FailoverPolicy();
  /** Decisions in the order the reports came (replays excluded). */
  readonly decisions: Decision[] = [];
  /** HTTP statuses answered, in order, for the record. */
  readonly answered: number[] = [];
  private readonly listener: Listener;
  private readonly answers = new Map<string, Instructions>();
  /** The newest generatedAt seen per node: an older report (from an outbox) is answered but does not move the policy. */
  private readonly newest = new Map<string, string>();

  constructor(private readonly options: MissionControlOptions) {
    this.listener = new Listener("Mission Control", options.host, createServer({ ...options.tls }, (req, res) => this.handle(req, res)));
  }

  get url(): string {
    return `https://${this.listener.host}:${this.listener.port}`;
  }

  async start(): Promise<string> {
    await this.listener.listen();
    return this.url;
  }

  async close(): Promise<void> {
    await this.listener.close();
  }

  private reply(res: ServerResponse, status: number, body: object | null): void {
    this.answered.push(status);
    const text = body === null ? "" : JSON.stringify(body);
    res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
    res.end(text);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? "").split("?")[0];
    if (path !== HEALTH_PATH) {
      req.resume();
      return this.reply(res, 404, { error: `no such endpoint: ${path ?? ""}` });
    }
    if (req.method !== "POST") {
      req.resume();
      res.setHeader("allow", "POST");
      return this.reply(res, 405, { error: "POST only" });
    }
    readSmallBody(req, MAX_BODY_BYTES, (text) => {
      if (text === null) return this.reply(res, 413, { error: `body over ${MAX_BODY_BYTES} bytes` });
      this.answer(req, res, text);
    });
  }

  private authorised(header: string | undefined): boolean {
    const match = /^Bearer (\S+)$/.exec(header ?? "");
    if (!match?.[1]) return false;
    const given = Buffer.from(match[1]);
    const wanted = Buffer.from(this.options.token);
    return given.length === wanted.length && timingSafeEqual(given, wanted);
  }

  private answer(req: IncomingMessage, res: ServerResponse, text: string): void {
    if (!this.authorised(req.headers.authorization)) return this.reply(res, 401, { error: "missing or wrong bearer token" });
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return this.reply(res, 400, { error: "the body is not JSON" });
    }
    const parsed = HealthReportSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return this.reply(res, 422, { error: `invalid report: ${issue ? `${issue.path.join(".") || "(body)"}: ${issue.message}` : "invalid"}` });
    }
    const report = parsed.data;
    const key = req.headers["idempotency-key"];
    if (key !== undefined && key !== report.reportId) return this.reply(res, 400, { error: "Idempotency-Key is not the report's reportId" });
    if (report.clusterId !== this.options.clusterId) return this.reply(res, 409, { error: `unknown cluster ${report.clusterId}` });
    if (nodeById(report.nodeId) === undefined) return this.reply(res, 409, { error: `node ${report.nodeId} is not part of ${this.options.clusterId}` });

    const replay = this.answers.get(report.reportId);
    if (replay) return this.reply(res, 200, replay);
    const newest = this.newest.get(report.nodeId);
    if (newest !== undefined && report.generatedAt < newest) {
      // An old report from the outbox: answered as things are now, but it does not count as news.
      return this.reply(res, 200, this.policy.decide(report, this.options.clock.now(), false).instructions);
    }
    const decision = this.policy.decide(report, this.options.clock.now());
    this.newest.set(report.nodeId, report.generatedAt);
    this.decisions.push(decision);
    this.answers.set(report.reportId, decision.instructions);
    if (this.answers.size > REMEMBERED_ANSWERS) {
      const oldest = this.answers.keys().next().value;
      if (oldest !== undefined) this.answers.delete(oldest);
    }
    this.reply(res, 200, decision.instructions);
  }
}
