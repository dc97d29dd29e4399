/**
 * `nodekeeper systemd`'s option building, now a command function
 * (unitOptionsFor): the paths, the release executable told apart from a
 * script node runs (passed in as data), the problems it names. And the units
 * it renders, byte for byte as before the split into one function per unit
 * (test/fixtures/systemd-units/, written by the renderer before the split).
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { renderUnits, unitOptionsFor } from "../../src/commands/systemd-units.js";
import type { UnitOptions, UnitRequest } from "../../src/commands/systemd-units.js";
import { ROOT } from "../helpers/cli.js";

const REQUEST: UnitRequest = {
  user: "nodekeeper", interval: "60", textfile: undefined,
  configFile: "/etc/nodekeeper/custom.json", stateDir: "/var/lib/nodekeeper", dataDirs: ["/data/cassandra"],
  standalone: false, execPath: "/usr/local/bin/node", script: "bin/nodekeeper.js", cwd: "/opt/nodekeeper",
};

test("a script node runs: node and the script, made absolute against the working folder; no textfile", () => {
  const { options, problems } = unitOptionsFor(REQUEST);
  assert.deepEqual(problems, []);
  assert.deepEqual(options, {
    nodekeeperPath: "/opt/nodekeeper/bin/nodekeeper.js", nodePath: "/usr/local/bin/node",
    configFile: "/etc/nodekeeper/custom.json", stateDir: "/var/lib/nodekeeper", dataDirs: ["/data/cassandra"],
    user: "nodekeeper", intervalSec: 60,
  });
});

test("the release executable is its own node; the embedded default configuration is named where the package installs it; --textfile made absolute", () => {
  const { options, problems } = unitOptionsFor({ ...REQUEST, standalone: true, execPath: "/usr/bin/nodekeeper", script: "ignored", configFile: null, textfile: "../textfile", interval: "300" });
  assert.deepEqual(problems, []);
  assert.deepEqual(options, {
    nodekeeperPath: "/usr/bin/nodekeeper", nodePath: null,
    configFile: "/etc/nodekeeper/nodekeeper.json", stateDir: "/var/lib/nodekeeper", dataDirs: ["/data/cassandra"],
    user: "nodekeeper", intervalSec: 300, textfileDir: "/opt/textfile",
  });
});

test("no script (argv[1] missing): `nodekeeper` in the working folder, as before", () => {
  assert.equal(unitOptionsFor({ ...REQUEST, script: undefined }).options.nodekeeperPath, "/opt/nodekeeper/nodekeeper");
});

test("the problems, each with its key: root, a relative state folder, /, an interval off the clock, a path a unit cannot carry", () => {
  const { problems } = unitOptionsFor({ ...REQUEST, user: "root", interval: "7", stateDir: "state", dataDirs: ["/", "/data/$x"] });
  assert.deepEqual(problems, [
    'stateDir: must be an absolute path, got "state"',
    'dataDirs[1]: "/data/$x" holds a character a unit file cannot carry safely (control character, quote, backslash or $)',
    'dataDirs[0]: "/" cannot be made writable without undoing ProtectSystem=strict',
    "user: nodekeeper needs a dedicated user, not root (root undoes the hardening)",
    "intervalSec: 7 cannot be a timer on the clock: use 10, 12, 15, 20, 30 or 60 seconds, or a number of minutes that divides 60",
  ]);
  assert.deepEqual(unitOptionsFor({ ...REQUEST, interval: "1m" }).problems, ["intervalSec: NaN cannot be a timer on the clock: use 10, 12, 15, 20, 30 or 60 seconds, or a number of minutes that divides 60"]);
});

const FIXTURES: Record<string, UnitOptions> = {
  "node-script": { nodekeeperPath: "/opt/nodekeeper/bin/nodekeeper.js", nodePath: "/usr/bin/node", configFile: "/etc/nodekeeper/nodekeeper.json", stateDir: "/var/lib/nodekeeper", dataDirs: ["/data/cassandra", "/data/es/", "/var/lib/nodekeeper"], user: "nodekeeper", intervalSec: 60 },
  "release-home-textfile": { nodekeeperPath: "/usr/bin/nodekeeper", nodePath: null, configFile: "/home/ops/nk conf/100%.json", stateDir: "/srv/nk state", dataDirs: ["/home/ops/data", "/a", "/b", "/c"], user: "nk", group: "dynatrace", intervalSec: 300, textfileDir: "/var/lib/node_exporter/textfile/" },
};

for (const [name, options] of Object.entries(FIXTURES)) {
  test(`renderUnits (${name}): the three units, byte for byte as before the split`, () => {
    for (const unit of renderUnits(options)) {
      assert.equal(unit.content, readFileSync(join(ROOT, "test/fixtures/systemd-units", `${name}.${unit.name}`), "utf8"), unit.name);
    }
  });
}
