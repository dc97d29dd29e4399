import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { HealthReportSchema } from "../../src/contract/report.js";
import { NODEKEEPER_VERSION } from "../../src/contract/version.js";
import { runCli } from "../helpers/cli.js";
import { makeToken, writeTokenFile } from "../mission-control/support.js";
import { loopbackWorld } from "./world.js";

async function setup(t: { after: (fn: () => Promise<void> | void) => void }) {
  const { pki, mc, api, node } = await loopbackWorld(t);
  const token = makeToken();
  const tokenFile = writeTokenFile(node.dir, token);
  const config = node.config({
    nodeIp: "127.0.0.1",
    directories: [{ path: node.dir }],
    missionControl: { url: mc.url, tokenFile, caFile: pki.ca.certFile, retry: { baseMs: 50, maxMs: 200, maxAttempts: 3 } },
    server: { url: api.url, caFile: api.caFile },
    remediation: { enabled: false },
    cycle: { deadlineMs: 15_000 },
  });
  return { mc, api, node, token, config };
}

test("report: delivers a contract-valid body with the contract's headers, records the answer, exit 0", async (t) => {
  const { mc, node, token, config } = await setup(t);
  const r = await runCli(["--config", config, "report"], { env: node.env });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(mc.requests.length, 1);
  const req = mc.requests[0]!;
  assert.equal(req.method, "POST");
  assert.equal(req.path, "/api/v1/nodekeeper/health");
  assert.equal(req.headers["content-type"], "application/json");
  assert.equal(req.headers["authorization"], `Bearer ${token}`);
  assert.equal(req.headers["user-agent"], `nodekeeper/${NODEKEEPER_VERSION}`);
  const body = HealthReportSchema.parse(req.json);
  assert.equal(req.headers["idempotency-key"], body.reportId);
  assert.equal(body.nodeState, "RUNNING", "node facts from the server API double");
  // The answer was recorded for the apply step; the audit has the exchange, without the token.
  const state = readdirSync(node.stateDir);
  assert.ok(state.includes("instructions.json"), state.join(" "));
  const audit = readFileSync(join(node.stateDir, "audit.jsonl"), "utf8");
  assert.match(audit, new RegExp(body.reportId));
  for (const text of [audit, r.stdout, r.stderr]) assert.ok(!text.includes(token), "the token appears nowhere");
});

test("report: exit codes 4 (refused), 6 (invalid answer), 5 (down, kept) then delivered in order", async (t) => {
  const { mc, node, config } = await setup(t);
  mc.reply({ status: 409, body: "cluster mismatch" });
  assert.equal((await runCli(["--config", config, "report"], { env: node.env })).code, 4);
  mc.reply({ status: 200, body: { schemaVersion: 1 } });
  assert.equal((await runCli(["--config", config, "report"], { env: node.env })).code, 6);
  await mc.close();
  const down = await runCli(["--config", config, "report"], { env: node.env });
  assert.equal(down.code, 5, down.stdout + down.stderr);
  assert.equal(readdirSync(join(node.stateDir, "outbox")).filter((f) => f.endsWith(".json") && f !== "dropped.json").length, 1);
  await mc.restart();
  const before = mc.requests.length;
  const back = await runCli(["--config", config, "report"], { env: node.env });
  assert.equal(back.code, 0, back.stdout + back.stderr);
  const sent = mc.requests.slice(before).map((q) => HealthReportSchema.parse(q.json));
  assert.equal(sent.length, 2, "the kept report first, then the new one");
  assert.ok(sent[0]!.generatedAt < sent[1]!.generatedAt);
});

test("report: a second cycle while one holds the lock exits 75 and names the holder", async (t) => {
  const { mc, node, config } = await setup(t);
  mc.reply({ status: 200, delayMs: 3_000, body: {} }); // hold the first cycle
  const first = runCli(["--config", config, "report"], { env: node.env });
  await new Promise((r) => setTimeout(r, 1_500));
  const second = await runCli(["--config", config, "report"], { env: node.env });
  assert.equal(second.code, 75, second.stdout + second.stderr);
  assert.match(second.stdout, /another cycle holds the lock: .*pid \d+/);
  await first;
});

test("report --quiet: one line when the outcome changes, nothing when it stays the same", async (t) => {
  const { mc, node, config } = await setup(t);
  const first = await runCli(["--config", config, "report", "--quiet"], { env: node.env });
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /delivered report/);
  const same = await runCli(["--config", config, "report", "--quiet"], { env: node.env });
  assert.equal(same.code, 0);
  assert.equal(same.stdout, "", "the same outcome says nothing");
  assert.doesNotMatch(same.stderr, /delivered report/, "nor logs it at info");
  // The files that keep the cycle's exit code keep their format (issue 14: outcomes, not numbers, in the code).
  assert.equal(readFileSync(join(node.stateDir, "last-outcome"), "utf8"), "0 delivered\n");
  mc.reply({ status: 503, headers: { "retry-after": "0" } }, { status: 503 }, { status: 503 });
  await mc.close();
  const down = await runCli(["--config", config, "report", "--quiet"], { env: node.env });
  assert.equal(down.code, 5);
  assert.notEqual(down.stdout, "", "a change is said");
  assert.equal(readFileSync(join(node.stateDir, "last-outcome"), "utf8"), "5 kept\n");
  const last = JSON.parse(readFileSync(join(node.stateDir, "last-exchange.json"), "utf8")) as { result: string; exitCode: number };
  assert.deepEqual([last.result, last.exitCode], ["kept", 5]);
  const self = JSON.parse(readFileSync(join(node.stateDir, "self.json"), "utf8")) as { lastCycle: { exitCode: number; delivered: boolean } };
  assert.deepEqual([self.lastCycle.exitCode, self.lastCycle.delivered], [5, false]);
  const cycles = readFileSync(join(node.stateDir, "audit.jsonl"), "utf8").trim().split("\n")
    .map((l) => JSON.parse(l) as { type: string; exitCode?: number; exchange?: { result: string } })
    .filter((l) => l.type === "cycle");
  assert.deepEqual(cycles.map((l) => [l.exitCode, l.exchange?.result]), [[0, "delivered"], [0, "delivered"], [5, "kept"]]);
});
