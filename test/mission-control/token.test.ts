import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { readBearerToken, redactSecrets } from "../../src/mission-control/token.js";
import { makeToken, writeTokenFile } from "./support.js";
import { tempDir } from "../helpers/temp.js";


test("a private token file (0600) is read, without its trailing newline", async (t) => {
  const token = makeToken();
  const file = writeTokenFile(tempDir(t, "nk-token-"), token, 0o600);
  assert.deepEqual(await readBearerToken(file), { ok: true, token });
});

test("0400 is private too", async (t) => {
  const token = makeToken();
  const file = writeTokenFile(tempDir(t, "nk-token-"), token, 0o400);
  assert.deepEqual(await readBearerToken(file), { ok: true, token });
});

for (const [mode, what] of [[0o644, "readable by others"], [0o640, "readable by group"], [0o604, "readable by others"], [0o620, "writable by group"], [0o602, "writable by others"]] as const) {
  test(`a token file with mode ${mode.toString(8)} is refused: names the file and the fix, never the token`, async (t) => {
    const token = makeToken();
    const file = writeTokenFile(tempDir(t, "nk-token-"), token, mode);
    const read = await readBearerToken(file);
    assert.equal(read.ok, false);
    assert.ok(!read.ok);
    assert.ok(read.reason.includes(file), read.reason);
    assert.ok(read.reason.includes(`chmod 600 ${file}`), read.reason);
    assert.ok(read.reason.includes(what), read.reason);
    assert.ok(read.reason.includes(`mode 0${mode.toString(8)}`), read.reason);
    assert.equal(read.reason.includes(token), false);
    assert.equal(read.reason.includes("\n"), false, "one line");
  });
}

test("missing, empty, a folder, bad characters: refused with a reason naming the file", async (t) => {
  const dir = tempDir(t, "nk-token-");
  const missing = await readBearerToken(join(dir, "nope"));
  assert.deepEqual(missing, { ok: false, reason: `missionControl.tokenFile ${join(dir, "nope")} does not exist` });

  const empty = join(dir, "empty");
  writeFileSync(empty, "\n", { mode: 0o600 });
  assert.match((await readBearerToken(empty) as { reason: string }).reason, /is empty/);

  const folder = join(dir, "folder");
  mkdirSync(folder, { mode: 0o700 });
  assert.match((await readBearerToken(folder) as { reason: string }).reason, /not a regular file/);

  const secret = "abc def\r\nX-Injected: 1";
  const bad = join(dir, "bad");
  writeFileSync(bad, secret, { mode: 0o600 });
  const read = await readBearerToken(bad);
  assert.ok(!read.ok);
  assert.match(read.reason, /cannot go in an HTTP header/);
  assert.equal(read.reason.includes("Injected"), false);
});

test("a FIFO in place of the token file does not hang the cycle", async (t) => {
  const dir = tempDir(t, "nk-token-");
  const fifo = join(dir, "fifo");
  execFileSync("mkfifo", ["-m", "600", fifo]);
  const read = await readBearerToken(fifo);
  assert.ok(!read.ok);
  assert.match(read.reason, /not a regular file/);
});

test("redactSecrets: raw and JSON-escaped forms; short secrets too (issue 15 item 12)", () => {
  const token = 'tok"en\\with-quotes';
  const line = JSON.stringify({ a: `x ${token} y` });
  assert.equal(line.includes(JSON.stringify(token).slice(1, -1)), true);
  const redacted = redactSecrets(line, [token]);
  assert.equal(redacted, JSON.stringify({ a: "x [REDACTED] y" }));
  assert.equal(redactSecrets(`plain ${token}`, [token]), "plain [REDACTED]");
  // A short token is still a token: redacted (issue 15 item 12 reversed the old "short strings left alone").
  assert.equal(redactSecrets("a b c", ["b"]), "a [REDACTED] c");
});
