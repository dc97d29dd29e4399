import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { runCli } from "../helpers/cli.js";
import { FAILED, makeNodeFixture, RUNNING } from "../helpers/node-fixture.js";

interface Row { name?: string; path?: string; status: string; resultCode: number; description?: string; details?: string; version?: string | null; freeBytes?: number | null; freePercent?: number | null; writeLatencyMs?: number | null }

test("status --json: units through systemctl, directories with free space, worst status decides the exit code", async (t) => {
  const node = makeNodeFixture(t);
  const data = join(node.dir, "data");
  mkdirSync(data);
  node.unit("dynatrace-server.service", RUNNING);
  node.unit("dynatrace-cassandra.service", FAILED);
  const config = node.config({ directories: [{ path: data }, { path: "missing" }] });

  const r = await runCli(["--config", config, "status", "--json"], { env: node.env });
  assert.equal(r.code, 2, r.stderr);
  const view = JSON.parse(r.stdout) as { statusVersion: number; overall: string; components: Row[]; directories: Row[]; node: { nodeId: string } };
  assert.equal(view.statusVersion, 1);
  assert.equal(view.overall, "ERROR");
  assert.equal(view.node.nodeId, "node-1");
  const byName = new Map(view.components.map((c) => [c.name, c]));
  assert.equal(byName.get("nodekeeper")?.status, "OK");
  assert.match(byName.get("nodekeeper")?.version ?? "", /^\d+\.\d+\.\d+/);
  assert.equal(byName.get("dynatrace-server")?.status, "OK");
  assert.equal(byName.get("dynatrace-server")?.resultCode, 0);
  const cassandra = byName.get("dynatrace-cassandra");
  assert.equal(cassandra?.status, "ERROR");
  assert.equal(cassandra?.resultCode, 102);
  assert.match(cassandra?.description ?? "", /SubState=failed/);
  assert.equal(byName.get("dynatrace-nginx")?.status, "NOT_INSTALLED");
  assert.equal(byName.get("dynatrace-nginx")?.resultCode, 101);

  const [ok, missing] = view.directories;
  assert.equal(ok?.path, data);
  assert.equal(ok?.status, "OK");
  assert.ok((ok?.freeBytes ?? 0) > 0, "free bytes of a real directory");
  assert.ok((ok?.freePercent ?? -1) > 0 && (ok?.freePercent ?? 101) <= 100);
  assert.ok((ok?.writeLatencyMs ?? -1) >= 0, "the write test ran");
  // A relative path resolves against the config file's folder.
  assert.equal(missing?.path, join(node.dir, "missing"));
  assert.equal(missing?.status, "ERROR");
  assert.equal(missing?.resultCode, 201);
});

test("status: all healthy exits 0; the table names each component", async (t) => {
  const node = makeNodeFixture(t);
  node.unit("web.service", RUNNING);
  const config = node.config({ components: [{ name: "web", status: { type: "systemd", unit: "web.service" } }], directories: [{ path: node.dir }] });
  const r = await runCli(["--config", config, "status"], { env: node.env });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^web\s+OK\s/m);
  assert.match(r.stdout, /^nodekeeper\s+OK\s/m);
  assert.doesNotMatch(r.stdout, /\u001b\[/, "no colour when not a TTY");
});

test("status when systemd is not PID 1: says so plainly; units without a unit file are NOT_INSTALLED", async (t) => {
  const node = makeNodeFixture(t);
  node.unit("dynatrace-server.service", RUNNING); // a unit file exists, state unreadable
  const config = node.config({ directories: [] });
  const r = await runCli(["--config", config, "status", "--json"], { env: { ...node.env, FAKE_SYSTEMCTL_MODE: "not-booted" } });
  const view = JSON.parse(r.stdout) as { overall: string; components: Row[]; notes: string[] };
  const byName = new Map(view.components.map((c) => [c.name, c]));
  assert.equal(byName.get("dynatrace-server")?.status, "UNKNOWN");
  assert.equal(byName.get("dynatrace-server")?.resultCode, 105);
  assert.equal(byName.get("dynatrace-elasticsearch")?.status, "NOT_INSTALLED");
  assert.ok(view.notes.some((n) => /systemd is not running/.test(n)), JSON.stringify(view.notes));
  assert.equal(view.overall, "UNKNOWN");
  assert.equal(r.code, 3);
  const table = await runCli(["--config", config, "status"], { env: { ...node.env, FAKE_SYSTEMCTL_MODE: "not-booted" } });
  assert.match(table.stdout, /Note: systemd is not running on this machine/);
});

test("status: a hanging systemctl is cut at its deadline and its units are UNKNOWN", async (t) => {
  const node = makeNodeFixture(t);
  const config = node.config({
    components: [{ name: "web", status: { type: "systemd", unit: "web.service" }, timeoutMs: 500 }],
    directories: [],
  });
  const r = await runCli(["--config", config, "status", "--json"], { env: { ...node.env, FAKE_SYSTEMCTL_MODE: "hang" } });
  const view = JSON.parse(r.stdout) as { components: Row[] };
  const web = view.components.find((c) => c.name === "web");
  assert.equal(web?.status, "UNKNOWN");
  // systemctl's own deadline (500 ms) says it precisely; on a loaded machine the
  // engine's backstop (250 ms later) may answer first: either is a timeout.
  assert.match(web?.description ?? "", /did not answer within 500 ms|no answer within 750 ms/);
  assert.ok(r.durationMs < 10_000, `took ${r.durationMs} ms`);
});
