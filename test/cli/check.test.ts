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

test("check components / directories / cluster: Nagios lines whose state matches the exit code", async (t) => {
  const node = makeNodeFixture(t);
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

test("check speaks Nagios: -w/-c are the thresholds before or after the area; the configuration is --config, NODEKEEPER_CONFIG or -c before the command", async (t) => {
  const node = makeNodeFixture(t);
  const data = join(node.dir, "data");
  mkdirSync(data);
  // Free space is between 0 and 100 %: "101:" always alerts, "0:" never does. The
  // embedded default (used if the file were not read) has no such folder: CRITICAL.
  const file = node.config({ components: [], directories: [{ path: data, warnFreePercent: 0, minFreePercent: 0, warnFreeInodesPercent: 0, minFreeInodesPercent: 0 }] });
  // [arguments, environment, exit code, the thresholds in the perfdata (";warn;crit")]
  const cases: Array<[readonly string[], Record<string, string>, number, string]> = [
    [["--config", file, "check", "directories", "-w", "0:", "-c", "101:"], {}, 2, ";0:;101:"],
    [["--config", file, "check", "-c", "101:", "-w", "0:", "directories"], {}, 2, ";0:;101:"],
    [["--config", file, "check", "-c101:", "directories"], {}, 2, ";;101:"],
    [["--config", file, "check", "directories", "-w", "101:", "-c", "0:"], {}, 1, ";101:;0:"],
    [["-c", file, "check", "directories", "-w", "101:", "-c", "0:"], {}, 1, ";101:;0:"],
    [["check", "directories", "--config", file, "-w", "101:", "-c", "0:"], {}, 1, ";101:;0:"],
    [["check", "--config", file, "-w", "101:", "directories", "-c", "0:"], {}, 1, ";101:;0:"],
    [["check", "directories", "-w", "101:", "-c", "0:"], { NODEKEEPER_CONFIG: file }, 1, ";101:;0:"],
    [["check", "directories", "-w", "0:", "-c", "0:"], { NODEKEEPER_CONFIG: file }, 0, ";0:;0:"],
    // The configuration after the command wins over the one before it.
    [["--config", join(node.dir, "nope.json"), "check", "directories", "--config", file, "-w", "101:"], {}, 1, ";101:;"],
  ];
  for (const [args, env, code, thresholds] of cases) {
    const r = await runCli(args, { env: { ...node.env, ...env } });
    assert.equal(r.code, code, `${args.join(" ")} ${JSON.stringify(env)}: ${r.stdout}${r.stderr}`);
    assert.match(r.stdout, /^NODEKEEPER DIRECTORIES /);
    assert.ok(new RegExp(`min_free=[\\d.]+%${thresholds};0;100 `).test(r.stdout), `${args.join(" ")}: perfdata with ${thresholds}: ${r.stdout}`);
  }

  // `-c FILE` after check is a threshold, and the error says where the configuration goes.
  const r = await runCli(["check", "directories", "-c", "/etc/nodekeeper/nodekeeper.json"], { env: node.env });
  assert.equal(r.code, 64);
  assert.match(r.stderr, /--critical: invalid range .*in check, -c is the critical threshold: name the configuration with --config FILE or NODEKEEPER_CONFIG/);
  assert.equal(r.stdout, "");
});

test("-c stays short for --config for the other commands, before or after the command (backward compatible)", async (t) => {
  const node = makeNodeFixture(t);
  const file = node.config({ components: [], directories: [] });
  for (const args of [["-c", file, "config", "check"], ["config", "check", "-c", file], ["config", "check", "--config", file], ["--config", join(node.dir, "nope.json"), "config", "check", "-c", file]]) {
    const r = await runCli(args, { env: node.env });
    assert.equal(r.code, 0, `${args.join(" ")}: ${r.stderr}`);
    assert.equal(r.stderr, `${file}: valid\n`);
    assert.equal(JSON.parse(r.stdout).nodeId, "node-1");
  }
  const help = await runCli(["check", "--help"]);
  assert.match(help.stdout, /^\s+--config <file>/m, "check's help shows --config");
  assert.match(help.stdout, /^\s+-c, --critical <range>/m);
});
