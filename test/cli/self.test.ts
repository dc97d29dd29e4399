/**
 * Self-monitoring through the built CLI: cycles that cannot deliver raise the
 * `nodekeeper` component's status, `check self` speaks Nagios about it, and the
 * Prometheus textfile carries the same figures; one delivery clears it.
 */
import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { runCli } from "../helpers/cli.js";
import { makeNodeFixture } from "../helpers/node-fixture.js";
import { makeTestPki } from "../helpers/tls.js";
import { startMissionControl } from "../mission-control/server.js";
import { makeToken, writeTokenFile } from "../mission-control/support.js";

test("check self, status and the textfile: 3 undelivered cycles are a WARNING (142), a delivery makes it OK", async (t) => {
  const pki = makeTestPki();
  const mc = await startMissionControl();
  t.after(() => mc.close());
  const node = makeNodeFixture(t);
  const textfiles = join(node.dir, "textfile");
  mkdirSync(textfiles);
  const config = node.config({
    nodeIp: "127.0.0.1",
    directories: [{ path: node.dir }],
    components: [],
    missionControl: { url: mc.url, tokenFile: writeTokenFile(node.dir, makeToken()), caFile: pki.ca.certFile, retry: { baseMs: 50, maxMs: 100, maxAttempts: 1 } },
    server: { url: "https://127.0.0.1:1", timeoutMs: 1_000 },
    cassandra: { nodetool: [join(node.dir, "no-nodetool")] },
    remediation: { enabled: false },
    cycle: { deadlineMs: 10_000 },
  });
  const cli = (...args: string[]) => runCli(["--config", config, ...args], { env: node.env, timeoutMs: 60_000 });

  await mc.close();
  for (let i = 0; i < 3; i++) assert.equal((await cli("report")).code, 5, "not delivered, kept");
  const check = await cli("check", "self");
  assert.equal(check.code, 1, check.stdout + check.stderr);
  const first = check.stdout.split("\n")[0] ?? "";
  assert.match(first, /^NODEKEEPER SELF WARNING - 3 cycles in a row could not deliver; .*3 in the outbox/);
  assert.match(first, / undelivered=3;2;9;0 outbox=3;4;29;0 /, "perfdata with the thresholds (at or above 3 / 10, 5 / 30)");
  assert.match(first, / last_delivery_age=U;300;900;0 apply_failed=0;;;0;1$/, "never delivered: U");

  const json = JSON.parse((await cli("check", "self", "--json")).stdout) as { data: { resultCode: number; figures: Record<string, unknown> } };
  assert.equal(json.data.resultCode, 142);
  assert.equal(json.data.figures["consecutiveUndelivered"], 3);
  assert.equal(json.data.figures["cycleDeadlineMs"], 10_000);

  const status = await cli("status", "--json", "--textfile", textfiles);
  const self = (JSON.parse(status.stdout) as { components: Array<{ name: string; status: string; resultCode: number; self?: Record<string, unknown> }> }).components.find((c) => c.name === "nodekeeper");
  assert.equal(self?.status, "WARNING");
  assert.equal(self?.resultCode, 142);
  assert.equal(self?.self?.["outboxDepth"], 3);
  assert.equal(status.code, 1, "the node's health includes nodekeeper's own");
  const prom = readFileSync(join(textfiles, "nodekeeper.prom"), "utf8");
  assert.match(prom, /^nodekeeper_self_undelivered_cycles 3$/m);
  assert.match(prom, /^nodekeeper_self_outbox_reports 3$/m);
  assert.match(prom, /^nodekeeper_self_cycle_deadline_seconds 10$/m);
  assert.match(prom, /^nodekeeper_self_last_cycle_duration_seconds \d+(\.\d+)?$/m);
  assert.match(prom, /^nodekeeper_component_result_code\{component="nodekeeper"\} 142$/m);
  assert.doesNotMatch(prom, /nodekeeper_self_last_delivery_age_seconds/, "never delivered: left out, not 0");

  await mc.restart();
  assert.equal((await cli("report")).code, 0);
  const after = await cli("check", "self");
  assert.equal(after.code, 0, after.stdout);
  assert.match(after.stdout, /^NODEKEEPER SELF OK - .* undelivered=0;2;9;0 outbox=0;4;29;0 last_delivery_age=\d+(\.\d+)?s;300;900;0 /);
});
