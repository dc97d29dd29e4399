/**
 * What the cli used to decide itself and the commands now return: wait's
 * option checks (usage / bad-expression, with the message the cli prints),
 * verify-install's root, diagnose's outcome beside its --json document, and the outcomes whose exit codes the one table
 * gives (src/contract/outcomes.ts).
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { diagnose, diagnoseDocument } from "../../src/commands/diagnose.js";
import { planWait } from "../../src/commands/wait-options.js";
import { installRoot } from "../../src/commands/verify-install.js";
import { waitOutcome } from "../../src/commands/wait.js";
import type { WaitResult } from "../../src/commands/wait.js";
import { exitCodeOf } from "../../src/contract/outcomes.js";
import { realEffects } from "../../src/effects/real.js";
import { tempDir } from "../helpers/temp.js";

const GOOD = { until: "peers.down == 0", timeout: "30m", interval: "10s" };

test("planWait: the durations in ms when every option is good", () => {
  assert.deepEqual(planWait(GOOD), { ok: true, timeoutMs: 1_800_000, intervalMs: 10_000 });
  assert.deepEqual(planWait({ ...GOOD, timeout: "1s", interval: "1500ms" }), { ok: true, timeoutMs: 1_000, intervalMs: 1_500 });
});

test("planWait: --timeout, then --interval, then --until, each a usage error with the words the cli prints (exit 64)", () => {
  assert.deepEqual(planWait({ until: "(", timeout: "0.5s", interval: "x" }), {
    ok: false, outcome: "usage", message: '--timeout: expected a duration of at least 1s, such as 90s or 30m, got "0.5s"',
  });
  assert.deepEqual(planWait({ until: "(", timeout: "90s", interval: "999ms" }), {
    ok: false, outcome: "usage", message: '--interval: expected a duration of at least 1s, such as 10s, got "999ms"',
  });
  const bad = planWait({ ...GOOD, until: "cassandra.hints.total < and x" });
  assert.equal(bad.ok, false);
  if (bad.ok) return;
  assert.equal(bad.outcome, "bad-expression");
  assert.match(bad.message, /^--until: .+ \(column 25\)\n {2}cassandra\.hints\.total < and x\n {2}\s{24}\^$/);
  assert.deepEqual([exitCodeOf("usage"), exitCodeOf(bad.outcome)], [64, 64]);
});

test("waitOutcome: true, timeout and a bad expression end 0, 124 and 64", () => {
  const results: WaitResult[] = [
    { outcome: "true", polls: 1, elapsedMs: 5, last: { poll: 1, at: "2026-12-07T00:00:00.000Z", elapsedMs: 5, value: true, observed: [] } },
    { outcome: "timeout", polls: 0, elapsedMs: 1_000, last: null },
    { outcome: "bad-expression", error: { message: "unknown path", column: 1 } },
  ];
  assert.deepEqual(results.map(waitOutcome), ["condition-true", "timed-out", "bad-expression"]);
  assert.deepEqual(results.map((r) => exitCodeOf(waitOutcome(r))), [0, 124, 64]);
});

test("installRoot: --root against the working folder; else from /usr/bin/nodekeeper under a root; else a usage error", () => {
  assert.deepEqual(installRoot({ root: "pkg", executable: "/usr/bin/node", cwd: "/tmp/x" }), { ok: true, root: "/tmp/x/pkg" });
  assert.deepEqual(installRoot({ root: undefined, executable: "/usr/bin/nodekeeper", cwd: "/tmp/x" }), { ok: true, root: "/" });
  assert.deepEqual(installRoot({ root: undefined, executable: "/tmp/unpacked/usr/bin/nodekeeper", cwd: "/" }), { ok: true, root: "/tmp/unpacked" });
  assert.deepEqual(installRoot({ root: undefined, executable: "/usr/local/bin/node", cwd: "/" }), {
    ok: false, outcome: "usage", message: "verify-install: /usr/local/bin/node is not an installed release (/usr/bin/nodekeeper under some root): give --root DIR",
  });
});

test("dev's outcomes keep the demo's exit codes: as scripted 0, not as scripted 1, interrupted 130", () => {
  assert.deepEqual((["done", "demo-not-as-scripted", "interrupted-sigint"] as const).map(exitCodeOf), [0, 1, 130]);
});

test("diagnose: a configuration that cannot be loaded is diagnose-config-broken; the --json document states exit code 64 and carries no outcome", async (t) => {
  const dir = tempDir(t, "nk-diagnose-");
  const file = join(dir, "nodekeeper.json");
  writeFileSync(file, JSON.stringify({ clusterId: "", nodeId: "node-1" }));
  const run = await diagnose(realEffects(), { configFile: file, env: {}, threadPoolSize: 4 });
  assert.equal(run.outcome, "diagnose-config-broken");
  const document = diagnoseDocument(run);
  assert.deepEqual(Object.keys(document), ["diagnoseVersion", "generatedAt", "configFile", "worst", "exitCode", "findings", "durationMs"]);
  assert.equal(document.exitCode, 64);
  assert.equal(document.exitCode, exitCodeOf(run.outcome));
});
