import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { runCli } from "../helpers/cli.js";
import { FAILED, makeNodeFixture, RUNNING } from "../helpers/node-fixture.js";

/** The Nagios plugin output grammar: "TEXT[ | PERFDATA]" on the first line. */
const NAGIOS_LINE = /^NODEKEEPER (COMPONENTS|DIRECTORIES|CASSANDRA|CONNECTIVITY|CLUSTER) (OK|WARNING|CRITICAL|UNKNOWN) - [^|\n]+( \| ('[^']+'|[^ =']+)=-?[\d.]+[a-zA-Z%]*(;[^; ]*){0,4}( ('[^']+'|[^ =']+)=(-?[\d.]+|U)[a-zA-Z%]*(;[^; ]*){0,4})*)?$/;
const EXIT: Record<string, number> = { OK: 0, WARNING: 1, CRITICAL: 2, UNKNOWN: 3 };

function parse(stdout: string): { state: string; line: string } {
  const line = stdout.split("\n")[0] ?? "";
  assert.match(line, NAGIOS_LINE);
  return { state: / (OK|WARNING|CRITICAL|UNKNOWN) - /.exec(line)![1]!, line };
}

test("check components / directories / cluster: Nagios lines whose state matches the exit code", async () => {
  const node = makeNodeFixture();
  const data = join(node.dir, "data");
  mkdirSync(data);
  node.unit("web.service", RUNNING);
  node.unit("db.service", FAILED);
  const healthy = node.config({ components: [{ name: "web", status: { type: "systemd", unit: "web.service" } }], directories: [{ path: data }] });
  let r = await runCli(["--config", healthy, "check", "components"], { env: node.env });
  assert.equal(parse(r.stdout).state, "OK");
  assert.equal(r.code, 0);
  r = await runCli(["--config", healthy, "check", "directories"], { env: node.env });
  assert.equal(parse(r.stdout).state, "OK");
  assert.equal(r.code, EXIT.OK);
  // free space is between 0 and 100 %: a warning range of 101: ("at least 101 %") always alerts.
  r = await runCli(["--config", healthy, "check", "directories", "--warning", "101:"], { env: node.env });
  assert.equal(parse(r.stdout).state, "WARNING");
  assert.equal(r.code, 1);
  r = await runCli(["--config", healthy, "check", "directories", "--warning", "101:", "--json"], { env: node.env });
  assert.equal(JSON.parse(r.stdout).state, "WARNING");

  const broken = node.config({ components: [{ name: "db", status: { type: "systemd", unit: "db.service" } }], directories: [] });
  r = await runCli(["--config", broken, "check", "components"], { env: node.env });
  const { state, line } = parse(r.stdout);
  assert.equal(state, "CRITICAL");
  assert.equal(r.code, 2);
  assert.match(line, /db/);

  r = await runCli(["--config", healthy, "check", "cluster"], { env: node.env });
  assert.equal(parse(r.stdout).state, "UNKNOWN", "no answer from Mission Control yet: UNKNOWN, never OK");
  assert.equal(r.code, 3);
});

test("check: unknown area and a bad range exit 64", async () => {
  assert.equal((await runCli(["check", "disks"])).code, 64);
  const r = await runCli(["check", "directories", "--critical", "ten"]);
  assert.equal(r.code, 64);
  assert.match(r.stderr, /--critical/);
  assert.equal((await runCli(["check", "components", "--warning", "5"])).code, 64);
});
