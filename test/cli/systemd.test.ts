import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { runCli } from "../helpers/cli.js";
import { tempDir } from "../helpers/temp.js";
import { makeNodeFixture } from "../helpers/node-fixture.js";

test("systemd --write: the units land where asked, with the state folder writable and the timer minutely", async (t) => {
  const node = makeNodeFixture(t);
  const config = node.config({ directories: [{ path: node.dir }] });
  const out = tempDir(t, "nk-units-");
  const r = await runCli(["--config", config, "systemd", "--write", out, "--user", "nkuser"], { env: node.env });
  assert.equal(r.code, 0, r.stderr);
  for (const name of ["nodekeeper.service", "nodekeeper.timer", "nodekeeper-run.service"]) assert.ok(existsSync(join(out, name)), name);
  const service = readFileSync(join(out, "nodekeeper.service"), "utf8");
  assert.match(service, /^User=nkuser$/m);
  assert.match(service, /^ProtectSystem=strict$/m);
  assert.match(service, new RegExp(`^ReadWritePaths=.*${node.stateDir.replace(/[/.]/g, "\\$&")}`, "m"));
  assert.match(service, new RegExp(`--config.*${config.replace(/[/.]/g, "\\$&")}`));
  assert.match(readFileSync(join(out, "nodekeeper.timer"), "utf8"), /^OnCalendar=minutely$/m);
  if (!existsSync("/usr/bin/systemd-analyze")) {
    t.skip("systemd-analyze is not installed");
    return;
  }
  const verify = execFileSync("/usr/bin/systemd-analyze", ["verify", "--man=no", ...["nodekeeper.service", "nodekeeper.timer", "nodekeeper-run.service"].map((n) => join(out, n))], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  assert.doesNotMatch(verify, /nodekeeper/);
});
