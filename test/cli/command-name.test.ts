/** Which command a crash belongs to decides its exit code (status and check speak Nagios). */
import assert from "node:assert/strict";
import { test } from "node:test";
import { commandName } from "../../src/cli/main.js";

test("commandName skips options and the value of --config", () => {
  assert.equal(commandName(["--config", "status.json", "status"]), "status");
  assert.equal(commandName(["-c", "/etc/nodekeeper/check", "check", "cassandra"]), "check");
  assert.equal(commandName(["--config=/etc/x.json", "--debug", "check", "components"]), "check");
  assert.equal(commandName(["--debug", "report", "--dry-run"]), "report");
  assert.equal(commandName(["--help"]), undefined);
});
