/**
 * The exchange against a real HTTPS Mission Control on loopback (server.ts):
 * every answer of the contract's table, the outbox across outages, the audit
 * log, and the token nowhere but in the Authorization header.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { createHttpClient } from "../../src/effects/http.js";
import { auditPath } from "../../src/state/audit.js";
import { MissionControlConfigSchema } from "../../src/config/mission-control.js";
import type { MissionControlConfig, MissionControlConfigInput } from "../../src/config/mission-control.js";
import { exchange } from "../../src/mission-control/exchange.js";
import type { ExchangeInput, ExchangeOutcome } from "../../src/mission-control/exchange.js";
import { readLastExchange } from "../../src/state/last-exchange.js";
import { listOutbox, readOutboxSummary } from "../../src/state/outbox.js";
import { exitCodeOf } from "../../src/contract/outcomes.js";
import { HealthReportSchema } from "../../src/contract/report.js";
import type { HealthReport } from "../../src/contract/report.js";
import { readInstructions } from "../../src/state/instructions.js";
import { makeTestPki } from "../helpers/tls.js";
import { answers, startConnectProxy, startMissionControl } from "./server.js";
import type { MissionControlServer } from "./server.js";
import { CLUSTER_ID, makeReport, makeToken, memoryLogger, TestClock, writeTokenFile } from "./support.js";
import { LaterOwner, tempDir } from "../helpers/temp.js";

const pki = makeTestPki();
const TOKEN = makeToken();
const USER_AGENT = "nodekeeper/1.2.3";

/** Everything the token must never appear in, checked at the end. */
const stateDirs: string[] = [];
const logs: string[][] = [];
const texts: string[] = [];
/** The folders the tests made: kept until the check at the end has searched them. */
const folders = new LaterOwner();

interface Harness {
  readonly stateDir: string;
  readonly tokenFile: string;
  readonly clock: TestClock;
  readonly config: MissionControlConfig;
  cycle(report?: HealthReport, extra?: Partial<ExchangeInput>): Promise<ExchangeOutcome>;
}

function harness(
  url: string | undefined,
  over: Partial<MissionControlConfigInput> = {},
  opts: { deadlineMs?: number; tokenMode?: number } = {},
): Harness {
  const dir = tempDir(folders, "nk-mc-");
  const stateDir = join(dir, "state");
  const tokenFile = writeTokenFile(dir, TOKEN, opts.tokenMode ?? 0o600);
  const clock = new TestClock();
  const log = memoryLogger();
  stateDirs.push(stateDir);
  logs.push(log.lines);
  const config = MissionControlConfigSchema.parse({
    ...(url !== undefined ? { url } : {}),
    tokenFile,
    caFile: pki.ca.certFile,
    proxy: "none",
    connectTimeoutMs: 2_000,
    headersTimeoutMs: 3_000,
    bodyTimeoutMs: 3_000,
    retry: { baseMs: 100, maxMs: 1_000, maxAttempts: 4 },
    ...over,
  });
  return {
    stateDir, tokenFile, clock, config,
    async cycle(report = makeReport(), extra = {}) {
      const outcome = await exchange(
        { http: createHttpClient, clock, logger: log.logger, random: () => 0.5 },
        {
          config, clusterId: CLUSTER_ID, stateDir, report, userAgent: USER_AGENT,
          deadlineAt: clock.monotonic() + (opts.deadlineMs ?? 20_000), ...extra,
        },
      );
      texts.push(outcome.summary, ...outcome.problems, JSON.stringify(outcome));
      return outcome;
    },
  };
}

interface AuditError {
  kind: string;
  code: string | null;
}

/** The fields of audit.jsonl lines that the tests read. */
interface AuditLine {
  type: string;
  reportId: string;
  reportIds: string[];
  outcome: string;
  reason: string;
  request: { headers: Record<string, string>; body: unknown };
  response: { status: number; body: string } | null;
  attempts: Array<{ status: number | null; error: AuditError | null; retryAfterMs: number | null; waitMs: number | null }>;
  error: AuditError | null;
}

function auditLines(stateDir: string): AuditLine[] {
  return readFileSync(auditPath(stateDir), "utf8").trim().split("\n").map((l) => JSON.parse(l) as AuditLine);
}

async function outboxIds(stateDir: string): Promise<string[]> {
  return (await listOutbox(stateDir)).map((e) => e.reportId);
}

/** A port on 127.0.0.1 where nothing listens (a server opened and closed). */
async function downServer(): Promise<MissionControlServer> {
  const mc = await startMissionControl();
  await mc.close();
  return mc;
}

function filesUnder(dir: string): string[] {
  let out: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of names) {
    const path = join(dir, name);
    out = statSync(path).isDirectory() ? out.concat(filesUnder(path)) : out.concat(path);
  }
  return out;
}

after(() => {
  // The token appears in no audit line, state file, log line, summary or problem.
  for (const dir of stateDirs) {
    for (const file of filesUnder(dir)) {
      assert.equal(readFileSync(file, "utf8").includes(TOKEN), false, `token found in ${file}`);
    }
  }
  for (const lines of logs) for (const line of lines) assert.equal(line.includes(TOKEN), false, `token in log line ${line}`);
  for (const text of texts) assert.equal(text.includes(TOKEN), false, `token in ${text}`);
  assert.ok(stateDirs.length > 20, "the checks above covered the tests");
  folders.run();
});

describe("exchange: answers of the contract", () => {
  let mc: MissionControlServer;
  const withServer = async (fn: () => Promise<void>, options: Parameters<typeof startMissionControl>[0] = {}) => {
    mc = await startMissionControl(options);
    try {
      await fn();
    } finally {
      await mc.close();
    }
  };

  test("200 with instructions: contract-valid body, exact headers, recorded, applied", () => withServer(async () => {
    const h = harness(mc.url);
    const report = makeReport();
    const o = await h.cycle(report);
    assert.equal(exitCodeOf(o.result), 0);
    assert.equal(o.result, "delivered");
    assert.equal(o.apply, true);
    assert.equal(o.answersThisReport, true);
    assert.equal(o.instructions?.reportId, report.reportId);
    assert.equal(o.instructions?.clusterStatus, "HEALTHY");
    assert.equal(o.httpStatus, 200);
    assert.deepEqual(o.counts, { delivered: 1, kept: 0, dropped: 0, droppedTotal: 0 });
    assert.equal(o.attempts, 1);

    assert.equal(mc.requests.length, 1);
    const req = mc.requests[0]!;
    assert.equal(req.method, "POST");
    assert.equal(req.path, "/api/v1/nodekeeper/health");
    assert.equal(req.headers["content-type"], "application/json");
    assert.equal(req.headers["authorization"], `Bearer ${TOKEN}`);
    assert.equal(req.headers["user-agent"], USER_AGENT);
    assert.equal(req.headers["idempotency-key"], report.reportId);
    assert.deepEqual(HealthReportSchema.parse(req.json), report);

    // Recorded for the apply step, the outbox empty, the exchange audited.
    const recorded = await readInstructions(h.stateDir);
    assert.equal(recorded.state, "ok");
    assert.equal(recorded.state === "ok" && recorded.record.reportId, report.reportId);
    assert.deepEqual(await outboxIds(h.stateDir), []);
    const [line, ...rest] = auditLines(h.stateDir);
    assert.equal(rest.length, 0);
    assert.equal(line!.type, "exchange");
    assert.equal(line!.reportId, report.reportId);
    assert.equal(line!.request.headers.authorization, "Bearer [REDACTED]");
    assert.equal(line!.request.headers["idempotency-key"], report.reportId);
    assert.deepEqual(line!.request.body, report);
    assert.equal(line!.response!.status, 200);
    assert.equal(JSON.parse(line!.response!.body).reportId, report.reportId);
    assert.equal(line!.outcome, "accepted");
    assert.equal(line!.attempts.length, 1);
    // Clock offset from the Date header: same machine, so within a few seconds.
    assert.ok(o.clockOffsetMs !== null && Math.abs(o.clockOffsetMs) < 5_000, `offset ${o.clockOffsetMs}`);
    const last = await readLastExchange(h.stateDir);
    assert.equal(last.state, "ok");
    assert.equal(last.state === "ok" && last.value.exitCode, 0);
  }));

  test("204: delivered, nothing to apply, nothing recorded", () => withServer(async () => {
    mc.reply(answers.status(204));
    const h = harness(mc.url);
    const o = await h.cycle();
    assert.equal(exitCodeOf(o.result), 0);
    assert.equal(o.result, "delivered");
    assert.equal(o.instructions, null);
    assert.equal(o.apply, false);
    assert.deepEqual(await outboxIds(h.stateDir), []);
    assert.equal((await readInstructions(h.stateDir)).state, "absent");
  }));

  for (const status of [400, 422]) {
    test(`${status}: rejected, not retried, not kept, reason audited, exit 4`, () => withServer(async () => {
      mc.reply(answers.status(status, { error: "componentStatuses[0].resultCode: unknown code 77" }));
      const h = harness(mc.url);
      const o = await h.cycle();
      assert.equal(exitCodeOf(o.result), 4);
      assert.equal(o.result, "refused");
      assert.equal(o.apply, false);
      assert.equal(mc.requests.length, 1);
      assert.deepEqual(await outboxIds(h.stateDir), []);
      assert.match(o.summary, /unknown code 77/);
      const [line] = auditLines(h.stateDir);
      assert.equal(line!.outcome, "rejected");
      assert.match(line!.reason, /unknown code 77/);
    }));
  }

  for (const status of [401, 403]) {
    test(`${status}: not authorised, not retried, kept for when credentials are fixed, exit 4`, () => withServer(async () => {
      mc.reply(answers.status(status));
      const h = harness(mc.url);
      const first = makeReport();
      const o = await h.cycle(first);
      assert.equal(exitCodeOf(o.result), 4);
      assert.equal(o.result, "refused");
      assert.equal(mc.requests.length, 1);
      assert.deepEqual(await outboxIds(h.stateDir), [first.reportId]);
      if (status === 401) assert.match(o.summary, /tokenFile/);
      // Fixed: both go, in order.
      const second = makeReport();
      const next = await h.cycle(second);
      assert.equal(exitCodeOf(next.result), 0);
      assert.deepEqual(mc.requests.map((r) => r.headers["idempotency-key"]), [first.reportId, first.reportId, second.reportId]);
      assert.deepEqual(await outboxIds(h.stateDir), []);
    }));
  }

  test("409: mismatch, nothing applied, not retried, not kept, exit 4", () => withServer(async () => {
    mc.reply(answers.status(409, { error: "node node-1 is not in cluster cluster-test" }));
    const h = harness(mc.url);
    const o = await h.cycle();
    assert.equal(exitCodeOf(o.result), 4);
    assert.equal(o.apply, false);
    assert.equal(o.instructions, null);
    assert.equal(mc.requests.length, 1);
    assert.deepEqual(await outboxIds(h.stateDir), []);
    assert.equal((await readInstructions(h.stateDir)).state, "absent");
  }));

  test("429 with Retry-After: waits exactly that long, then delivers (same Idempotency-Key)", () => withServer(async () => {
    mc.reply(answers.status(429, "slow down", { "retry-after": "2" }));
    const h = harness(mc.url);
    const report = makeReport();
    const o = await h.cycle(report);
    assert.equal(exitCodeOf(o.result), 0);
    assert.equal(o.attempts, 2);
    assert.deepEqual(h.clock.sleeps, [2_000]);
    assert.deepEqual(mc.requests.map((r) => r.headers["idempotency-key"]), [report.reportId, report.reportId]);
    const [line] = auditLines(h.stateDir);
    assert.equal(line!.attempts[0]!.status, 429);
    assert.equal(line!.attempts[0]!.retryAfterMs, 2_000);
    assert.equal(line!.attempts[0]!.waitMs, 2_000);
  }));

  test("429 with Retry-After as an HTTP date, read against the answer's Date", () => withServer(async () => {
    const serverNow = new Date(Date.now() - 3_600_000); // the server's clock one hour behind ours: must not matter
    mc.reply(() => ({
      status: 429,
      headers: { date: serverNow.toUTCString(), "retry-after": new Date(serverNow.getTime() + 3_000).toUTCString() },
    }));
    const h = harness(mc.url);
    const o = await h.cycle();
    assert.equal(exitCodeOf(o.result), 0);
    assert.deepEqual(h.clock.sleeps, [3_000]);
  }));

  test("429 with Retry-After past the deadline: no wait, kept at once, exit 5", () => withServer(async () => {
    mc.reply(answers.status(429, undefined, { "retry-after": "120" }));
    const h = harness(mc.url, {}, { deadlineMs: 30_000 });
    const report = makeReport();
    const o = await h.cycle(report);
    assert.equal(exitCodeOf(o.result), 5);
    assert.equal(o.result, "kept");
    assert.equal(mc.requests.length, 1);
    assert.deepEqual(h.clock.sleeps, []);
    assert.deepEqual(await outboxIds(h.stateDir), [report.reportId]);
    assert.match(o.summary, /deadline/);
  }));

  test("503 throughout: Retry-After honoured on every attempt, then kept, exit 5", () => withServer(async () => {
    mc.setFallback(answers.status(503, "maintenance", { "retry-after": "1" }));
    const h = harness(mc.url);
    const report = makeReport();
    const o = await h.cycle(report);
    assert.equal(exitCodeOf(o.result), 5);
    assert.equal(o.httpStatus, 503);
    assert.equal(mc.requests.length, 4); // retry.maxAttempts
    assert.deepEqual(h.clock.sleeps, [1_000, 1_000, 1_000]);
    assert.deepEqual(await outboxIds(h.stateDir), [report.reportId]);
    assert.match(o.summary, /503/);
  }));

  test("503 without Retry-After: exponential back-off with full jitter", () => withServer(async () => {
    mc.reply(answers.status(503), answers.status(503), answers.status(503));
    const h = harness(mc.url);
    const o = await h.cycle();
    assert.equal(exitCodeOf(o.result), 0);
    // random() = 0.5 of ceilings 100, 200, 400 ms
    assert.deepEqual(h.clock.sleeps, [50, 100, 200]);
  }));

  test("500 then 200: retried after back-off, delivered once", () => withServer(async () => {
    mc.reply(answers.status(500, "oops"));
    const h = harness(mc.url);
    const report = makeReport();
    const o = await h.cycle(report);
    assert.equal(exitCodeOf(o.result), 0);
    assert.equal(o.attempts, 2);
    assert.deepEqual(h.clock.sleeps, [50]);
    assert.equal(o.instructions?.reportId, report.reportId);
    assert.deepEqual(await outboxIds(h.stateDir), []);
  }));

  test("a reset half-way through the body: retried with the same Idempotency-Key, delivered", () => withServer(async () => {
    mc.reply({ action: "reset-mid-body" });
    const h = harness(mc.url);
    const report = makeReport();
    const o = await h.cycle(report);
    assert.equal(exitCodeOf(o.result), 0, o.summary);
    assert.deepEqual(mc.requests.map((r) => r.headers["idempotency-key"]), [report.reportId, report.reportId]);
    const [line] = auditLines(h.stateDir);
    assert.equal(line!.attempts[0]!.error!.kind, "reset");
    assert.equal(line!.attempts[1]!.status, 200);
  }));

  test("headers that never come: headers timeout, retried, then kept, exit 5", () => withServer(async () => {
    mc.setFallback({ action: "hang" });
    const h = harness(mc.url, { headersTimeoutMs: 300, retry: { baseMs: 100, maxMs: 1_000, maxAttempts: 2 } });
    const report = makeReport();
    const o = await h.cycle(report);
    assert.equal(exitCodeOf(o.result), 5);
    assert.equal(mc.requests.length, 2);
    assert.deepEqual(await outboxIds(h.stateDir), [report.reportId]);
    const [line] = auditLines(h.stateDir);
    assert.deepEqual(line!.attempts.map((a) => a.error?.kind), ["timeout", "timeout"]);
    assert.match(o.summary, /timed out/);
  }));

  test("the cycle's deadline ends a hung request", () => withServer(async () => {
    mc.setFallback({ action: "hang" });
    const h = harness(mc.url, { headersTimeoutMs: 60_000 }, { deadlineMs: 600 });
    const started = Date.now();
    const o = await h.cycle();
    assert.equal(exitCodeOf(o.result), 5);
    assert.ok(Date.now() - started < 10_000);
    assert.equal(mc.requests.length, 1);
  }));

  test("a 2 MiB body (declared length): refused unread, report delivered, exit 6", () => withServer(async () => {
    mc.reply({ status: 200, body: Buffer.alloc(2 * 1024 * 1024, 0x20) });
    const h = harness(mc.url);
    const o = await h.cycle();
    assert.equal(exitCodeOf(o.result), 6);
    assert.equal(o.result, "answer-invalid");
    assert.equal(o.apply, false);
    assert.equal(mc.requests.length, 1);
    assert.deepEqual(await outboxIds(h.stateDir), []);
    assert.match(o.summary, /limit/);
  }));

  test("a 2 MiB body (chunked, no length): cut at 1 MiB, exit 6", () => withServer(async () => {
    mc.reply({ status: 200, body: Buffer.alloc(2 * 1024 * 1024, 0x20), chunked: true });
    const h = harness(mc.url);
    const o = await h.cycle();
    assert.equal(exitCodeOf(o.result), 6);
    assert.equal(mc.requests.length, 1);
    assert.deepEqual(await outboxIds(h.stateDir), []);
  }));

  test("invalid JSON: delivered, nothing applied, exit 6", () => withServer(async () => {
    mc.reply({ status: 200, body: "{\"schemaVersion\": 1, " });
    const h = harness(mc.url);
    const o = await h.cycle();
    assert.equal(exitCodeOf(o.result), 6);
    assert.equal(o.instructions, null);
    assert.equal(o.apply, false);
    assert.deepEqual(await outboxIds(h.stateDir), []);
    assert.equal((await readInstructions(h.stateDir)).state, "absent");
    assert.match(o.summary, /not JSON/);
  }));

  test("a missing required field: nothing applied, exit 6", () => withServer(async () => {
    mc.reply(answers.instructions({ phaFailoverRemediation: undefined })); // undefined: left out of the JSON
    const h = harness(mc.url);
    const o = await h.cycle();
    assert.equal(exitCodeOf(o.result), 6);
    assert.match(o.summary, /phaFailoverRemediation/);
  }));

  test("a wrong reportId: nothing applied, exit 6", () => withServer(async () => {
    mc.reply(answers.instructions({ reportId: "00000000-0000-4000-8000-000000000000" }));
    const h = harness(mc.url);
    const o = await h.cycle();
    assert.equal(exitCodeOf(o.result), 6);
    assert.equal(o.apply, false);
    assert.match(o.summary, /00000000-0000-4000-8000-000000000000/);
    assert.deepEqual(await outboxIds(h.stateDir), []);
  }));

  test("a wrong clusterId: nothing applied, exit 6", () => withServer(async () => {
    mc.reply(answers.instructions({ clusterId: "someone-elses-cluster" }));
    const h = harness(mc.url);
    const o = await h.cycle();
    assert.equal(exitCodeOf(o.result), 6);
    assert.equal(o.apply, false);
    assert.match(o.summary, /someone-elses-cluster/);
  }));

  test("unknown extra fields: accepted and ignored", () => withServer(async () => {
    mc.reply(answers.instructions({ futureField: { nested: true }, anotherOne: 42 }));
    const h = harness(mc.url);
    const o = await h.cycle();
    assert.equal(exitCodeOf(o.result), 0);
    assert.equal(o.apply, true);
    assert.equal(Object.hasOwn(o.instructions ?? {}, "futureField"), false);
  }));

  test("a server certificate from another CA: refused, not retried, kept, exit 5", () => withServer(async () => {
    const h = harness(mc.url);
    const report = makeReport();
    const o = await h.cycle(report);
    assert.equal(exitCodeOf(o.result), 5);
    assert.equal(o.attempts, 1);
    assert.equal(mc.requests.length, 0);
    assert.deepEqual(await outboxIds(h.stateDir), [report.reportId]);
    const [line] = auditLines(h.stateDir);
    assert.equal(line!.error!.kind, "tls");
    assert.match(o.summary, /TLS/);
  }, { cert: pki.serverFromOtherCa }));

  test("an expired server certificate: refused, kept, exit 5", () => withServer(async () => {
    const h = harness(mc.url);
    const o = await h.cycle();
    assert.equal(exitCodeOf(o.result), 5);
    assert.equal(mc.requests.length, 0);
    const [line] = auditLines(h.stateDir);
    assert.equal(line!.error!.kind, "tls");
    assert.equal(line!.error!.code, "CERT_HAS_EXPIRED");
  }, { cert: pki.expiredServer }));

  test("a client certificate is presented when configured", () => withServer(async () => {
    const h = harness(mc.url, { certFile: pki.client.certFile, keyFile: pki.client.keyFile });
    const o = await h.cycle();
    assert.equal(exitCodeOf(o.result), 0);
    assert.equal(mc.requests[0]!.clientCertCn, "client");
  }, { requestClientCert: true }));

  test("clock offset from the Date header; WARNING beyond 30 s; kept by status while MC is down", () => withServer(async () => {
    const h = harness(mc.url);
    const o = await h.cycle();
    assert.equal(exitCodeOf(o.result), 0);
    assert.ok(o.clockOffsetMs !== null && o.clockOffsetMs > 57_000 && o.clockOffsetMs < 63_000, `offset ${o.clockOffsetMs}`);
    assert.match(o.summary, /behind Mission Control/);
    await mc.close();
    const down = await h.cycle();
    assert.equal(exitCodeOf(down.result), 5);
    assert.equal(down.clockOffsetMs, null);
    const last = await readLastExchange(h.stateDir);
    assert.ok(last.state === "ok");
    assert.equal(last.value.clockOffsetMs, o.clockOffsetMs);
    assert.ok(last.value.clockOffsetMeasuredAt !== null);
  }, { date: () => new Date(Date.now() + 60_000).toUTCString() }));
});

describe("exchange: outbox across outages", () => {
  test("Mission Control down for five cycles, then back: all delivered, in order, none twice", async (t) => {
    const mc = await downServer();
    t.after(() => mc.close());
    const h = harness(mc.url);
    const reports: HealthReport[] = [];
      for (let cycle = 1; cycle <= 5; cycle++) {
        const report = makeReport();
        reports.push(report);
        const o = await h.cycle(report);
        assert.equal(exitCodeOf(o.result), 5, o.summary);
        assert.equal(o.counts.kept, cycle);
        assert.match(o.summary, /connection refused/);
      }
      assert.deepEqual(await outboxIds(h.stateDir), reports.map((r) => r.reportId));
      const summary = await readOutboxSummary(h.stateDir);
      assert.equal(summary.depth, 5);
      assert.equal(summary.oldest?.reportId, reports[0]!.reportId);
      assert.equal(summary.oldest?.generatedAt, reports[0]!.generatedAt);

      await mc.restart();
      const sixth = makeReport();
      reports.push(sixth);
      const o = await h.cycle(sixth);
      assert.equal(exitCodeOf(o.result), 0, o.summary);
      assert.equal(o.counts.delivered, 6);
      assert.equal(o.counts.kept, 0);
      const sent = mc.requests.map((r) => r.headers["idempotency-key"]);
      assert.deepEqual(sent, reports.map((r) => r.reportId));
      assert.equal(new Set(sent).size, 6);
      for (const [i, req] of mc.requests.entries()) assert.deepEqual(HealthReportSchema.parse(req.json), reports[i]);
      // Only the answer to the newest report is applied.
      assert.equal(o.instructions?.reportId, sixth.reportId);
      assert.equal(o.answersThisReport, true);
      assert.match(o.summary, /5 earlier reports/);
      // Audit: 5 × refused connections, then 6 deliveries.
      const lines = auditLines(h.stateDir).filter((l) => l.type === "exchange");
      assert.equal(lines.length, 11);
      assert.deepEqual(lines.slice(5).map((l) => l.reportId), reports.map((r) => r.reportId));
      assert.ok(lines.slice(0, 5).every((l) => l.error?.kind === "refused" && l.attempts.length === 4));
  });

  test("at the bound the oldest are dropped, counted and shown", async () => {
    const mc = await downServer();
    const h = harness(mc.url, { outbox: { maxReports: 3 } });
    const reports = [makeReport(), makeReport(), makeReport(), makeReport(), makeReport()];
    let last: ExchangeOutcome | undefined;
    for (const r of reports) last = await h.cycle(r);
    assert.equal(last && exitCodeOf(last.result), 5);
    assert.equal(last?.counts.dropped, 1);
    assert.equal(last?.counts.droppedTotal, 2);
    assert.match(last.summary, /1 report dropped from the outbox \(2 in all\)/);
    assert.deepEqual(await outboxIds(h.stateDir), reports.slice(2).map((r) => r.reportId));
    const summary = await readOutboxSummary(h.stateDir);
    assert.equal(summary.droppedTotal, 2);
    assert.equal(summary.lastDrop?.count, 1);
    const drops = auditLines(h.stateDir).filter((l) => l.type === "outbox-drop");
    assert.deepEqual(drops.flatMap((l) => l.reportIds), reports.slice(0, 2).map((r) => r.reportId));
  });

  test("an old report rejected (400) is dropped from the outbox and the flush goes on", async (t) => {
    const mc = await downServer();
    t.after(() => mc.close());
    const h = harness(mc.url);
    const old = [makeReport(), makeReport()];
    for (const r of old) await h.cycle(r);
    await mc.restart();
      mc.reply(answers.status(400, "bad"));
      const report = makeReport();
      const o = await h.cycle(report);
      assert.equal(exitCodeOf(o.result), 0);
      assert.deepEqual(o.reports.map((r) => r.fate), ["rejected", "accepted", "accepted"]);
      assert.deepEqual(await outboxIds(h.stateDir), []);
      assert.equal(mc.requests.length, 3);
  });

  test("401 during the flush stops it: everything kept in order, exit 4", async (t) => {
    const mc = await downServer();
    t.after(() => mc.close());
    const h = harness(mc.url);
    const old = [makeReport(), makeReport()];
    for (const r of old) await h.cycle(r);
    await mc.restart();
      mc.setFallback(answers.status(401));
      const report = makeReport();
      const o = await h.cycle(report);
      assert.equal(exitCodeOf(o.result), 4);
      assert.equal(mc.requests.length, 1);
      assert.deepEqual(await outboxIds(h.stateDir), [...old, report].map((r) => r.reportId));
      assert.match(o.summary, /was not sent/);
  });

  test("an invalid answer to an old report does not block the valid answer to the newest", async (t) => {
    const mc = await downServer();
    t.after(() => mc.close());
    const h = harness(mc.url);
    await h.cycle(makeReport());
    await mc.restart();
      mc.reply({ status: 200, body: "not json" });
      const report = makeReport();
      const o = await h.cycle(report);
      assert.equal(exitCodeOf(o.result), 0);
      assert.equal(o.apply, true);
      assert.equal(o.instructions?.reportId, report.reportId);
      assert.deepEqual(await outboxIds(h.stateDir), []);
  });

  test("the newest report fails after an old one was delivered: its answer is the newest delivered", async (t) => {
    const mc = await downServer();
    t.after(() => mc.close());
    const h = harness(mc.url, { retry: { baseMs: 100, maxMs: 1_000, maxAttempts: 2 } });
    const old = makeReport();
    await h.cycle(old);
    await mc.restart();
      mc.reply(answers.instructions());
      mc.setFallback(answers.status(503));
      const report = makeReport();
      const o = await h.cycle(report);
      assert.equal(exitCodeOf(o.result), 5);
      assert.equal(o.answeredReportId, old.reportId);
      assert.equal(o.answersThisReport, false);
      assert.deepEqual(await outboxIds(h.stateDir), [report.reportId]);
  });

  test("no time left: nothing sent, report kept", async (t) => {
    const mc = await startMissionControl();
    t.after(() => mc.close());
      const h = harness(mc.url);
      const report = makeReport();
      const o = await h.cycle(report, { deadlineAt: h.clock.monotonic() - 1 });
      assert.equal(exitCodeOf(o.result), 5);
      assert.equal(mc.requests.length, 0);
      assert.deepEqual(await outboxIds(h.stateDir), [report.reportId]);
  });

  test("cancelled (SIGTERM in run): stops waiting, report kept", async (t) => {
    const mc = await startMissionControl({ fallback: answers.status(503, undefined, { "retry-after": "5" }) });
    t.after(() => mc.close());
      const h = harness(mc.url);
      const controller = new AbortController();
      controller.abort();
      const report = makeReport();
      const o = await h.cycle(report, { signal: controller.signal });
      assert.equal(exitCodeOf(o.result), 5);
      assert.deepEqual(await outboxIds(h.stateDir), [report.reportId]);
  });
});

describe("exchange: configuration and secrets", () => {
  test("no missionControl.url: says so, sends and stores nothing, exit 64", async () => {
    const h = harness(undefined);
    const o = await h.cycle();
    assert.equal(exitCodeOf(o.result), 64);
    assert.equal(o.result, "not-configured");
    assert.match(o.summary, /missionControl\.url is not configured/);
    assert.deepEqual(await outboxIds(h.stateDir), []);
  });

  test("a token file readable by others: refused with the fix, nothing sent, report kept, exit 64", async (t) => {
    const mc = await startMissionControl();
    t.after(() => mc.close());
      const h = harness(mc.url, {}, { tokenMode: 0o644 });
      const report = makeReport();
      const o = await h.cycle(report);
      assert.equal(exitCodeOf(o.result), 64);
      assert.equal(o.result, "config-error");
      assert.ok(o.summary.includes(`chmod 600 ${h.tokenFile}`), o.summary);
      assert.equal(mc.requests.length, 0);
      assert.deepEqual(await outboxIds(h.stateDir), [report.reportId]);
  });

  test("an unreadable CA file is named in the error", async () => {
    const h = harness("https://127.0.0.1:1", { caFile: "/nonexistent/ca.pem" });
    const o = await h.cycle();
    assert.equal(exitCodeOf(o.result), 64);
    assert.match(o.summary, /missionControl\.caFile \/nonexistent\/ca\.pem/);
  });

  test("a client key that does not match its certificate is named in the error", async () => {
    const h = harness("https://127.0.0.1:1", { certFile: pki.client.certFile, keyFile: pki.server.keyFile });
    const o = await h.cycle();
    assert.equal(exitCodeOf(o.result), 64);
    assert.match(o.summary, /missionControl\.certFile\/keyFile/);
  });

  test("plain http:// to a non-loopback host is refused even if the config was not parsed", async () => {
    const h = harness("https://127.0.0.1:1");
    const o = await h.cycle(undefined, { config: { ...h.config, url: "http://192.0.2.1:8080" } });
    assert.equal(exitCodeOf(o.result), 64);
    assert.match(o.summary, /plain http/);
  });

  test("an invalid report is not sent (internal error), exit 5", async (t) => {
    const mc = await startMissionControl();
    t.after(() => mc.close());
      const h = harness(mc.url);
      const bad = { ...makeReport(), nodekeeperIp: "not-an-ip" } as HealthReport;
      const o = await h.cycle(bad);
      assert.equal(exitCodeOf(o.result), 5);
      assert.equal(mc.requests.length, 0);
      assert.match(o.problems.join(" "), /nodekeeperIp/);
  });

  test("a state directory that cannot be written: the report still goes out, problems are told", async (t) => {
    const mc = await startMissionControl();
    t.after(() => mc.close());
      const h = harness(mc.url);
    const blocker = join(tempDir(folders, "nk-mc-blocked-"), "file");
      writeFileSync(blocker, "");
      const o = await h.cycle(undefined, { stateDir: join(blocker, "state"), deadlineAt: Number.POSITIVE_INFINITY });
      assert.equal(exitCodeOf(o.result), 0, o.summary);
      assert.equal(mc.requests.length, 1);
      assert.match(o.problems.join("\n"), /could not be stored in the outbox/);
      assert.match(o.problems.join("\n"), /audit log not written/);
      assert.match(o.problems.join("\n"), /instructions not recorded/);
      assert.equal(o.instructionsRecorded, false);
      assert.equal(o.apply, true);
  });

  test("an HTTP client that cannot be made is a configuration error, never a throw", async () => {
    const h = harness("https://127.0.0.1:1");
    const o = await exchange(
      { http: () => Promise.reject(new Error("boom")), clock: h.clock },
      { config: h.config, clusterId: CLUSTER_ID, stateDir: h.stateDir, report: makeReport(), userAgent: USER_AGENT, deadlineAt: h.clock.monotonic() + 1_000 },
    );
    assert.equal(exitCodeOf(o.result), 64);
    assert.match(o.summary, /boom/);
    assert.equal((await outboxIds(h.stateDir)).length, 1);
  });

  test("an answer echoing the token is redacted in the audit log and the summary", async (t) => {
    const mc = await startMissionControl({ fallback: answers.status(400, { error: `invalid credentials near ${TOKEN}` }) });
    t.after(() => mc.close());
      const h = harness(mc.url);
      const o = await h.cycle();
      assert.equal(exitCodeOf(o.result), 4);
      assert.match(o.summary, /\[REDACTED\]/);
      const text = readFileSync(auditPath(h.stateDir), "utf8");
      assert.equal(text.includes(TOKEN), false);
      assert.match(text, /\[REDACTED\]/);
  });
});

describe("exchange: proxies", () => {
  test("missionControl.proxy: the report goes through the CONNECT proxy", async (t) => {
    const mc = await startMissionControl();
    t.after(() => mc.close());
    const proxy = await startConnectProxy();
    t.after(() => proxy.close());
      const h = harness(mc.url, { proxy: proxy.url });
      const o = await h.cycle();
      assert.equal(exitCodeOf(o.result), 0, o.summary);
      assert.deepEqual(proxy.tunnels, [`127.0.0.1:${mc.port}`]);
      assert.equal(mc.requests.length, 1);
  });

  test("HTTPS_PROXY from the environment, and NO_PROXY, like other tools", async (t) => {
    const mc = await startMissionControl();
    t.after(() => mc.close());
    const proxy = await startConnectProxy("127.0.0.3");
    t.after(() => proxy.close());
    const saved = { HTTPS_PROXY: process.env.HTTPS_PROXY, NO_PROXY: process.env.NO_PROXY, https_proxy: process.env.https_proxy, no_proxy: process.env.no_proxy };
    try {
      delete process.env.https_proxy;
      delete process.env.no_proxy;
      delete process.env.NO_PROXY;
      process.env.HTTPS_PROXY = proxy.url;
      const viaEnv = harness(mc.url, { proxy: undefined });
      assert.equal(exitCodeOf((await viaEnv.cycle()).result), 0);
      assert.deepEqual(proxy.tunnels, [`127.0.0.1:${mc.port}`]);

      process.env.NO_PROXY = "127.0.0.1";
      const bypass = harness(mc.url, { proxy: undefined });
      assert.equal(exitCodeOf((await bypass.cycle()).result), 0);
      assert.equal(proxy.tunnels.length, 1);
      assert.equal(mc.requests.length, 2);
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });
});
