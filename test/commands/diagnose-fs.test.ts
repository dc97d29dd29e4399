/**
 * diagnose with a fake file system (effects.fs): files that exist on disk but
 * that this user cannot read, without chmod (a test run as root could read
 * them anyway) and without touching the files themselves.
 */
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { test } from "node:test";
import { diagnose } from "../../src/commands/diagnose.js";
import type { Finding } from "../../src/commands/diagnose.js";
import { realFileSystem } from "../../src/effects/fs.js";
import type { FileSystem } from "../../src/effects/fs.js";
import { realEffects } from "../../src/effects/real.js";
import { makeNodeFixture } from "../helpers/node-fixture.js";
import { makeToken, writeTokenFile } from "../mission-control/support.js";

function finding(findings: readonly Finding[], check: string): Finding {
  const f = findings.find((x) => x.check === check);
  assert.ok(f, `no finding ${check}: ${JSON.stringify(findings.map((x) => x.check))}`);
  return f;
}

function eacces(path: string): Error {
  return Object.assign(new Error(`EACCES: permission denied, open '${path}'`), { code: "EACCES", path });
}

test("diagnose names a token file this user cannot read, and the server token it cannot read, from the file-system effect", async (t) => {
  const node = makeNodeFixture(t);
  mkdirSync(node.stateDir, { mode: 0o750 });
  const tokenFile = writeTokenFile(node.dir, makeToken());
  const serverTokenFile = writeTokenFile(node.stateDir, makeToken());
  const configFile = node.config({ missionControl: { tokenFile }, server: { tokenFile: serverTokenFile } });
  const touched: string[] = [];
  const fs: FileSystem = {
    ...realFileSystem,
    // Owned by root, mode 0600: the permission rule holds, but this user may not read it.
    stat: async (path) => (path === tokenFile ? { isFile: true, isDirectory: false, mode: 0o100600, uid: 0, size: 41 } : realFileSystem.stat(path)),
    access: async (path, wanted) => (path === tokenFile ? false : realFileSystem.access(path, wanted)),
    readFile: async (path, options) => {
      if (path === serverTokenFile) { touched.push(path); throw eacces(path); }
      return realFileSystem.readFile(path, options);
    },
  };
  const run = await diagnose({ ...realEffects(), fs }, { configFile, env: {}, threadPoolSize: 64, systemdBooted: async () => false });
  const token = finding(run.findings, "secrets.missionControl.tokenFile");
  assert.equal(token.verdict, "ERROR");
  assert.equal(token.detail, `${tokenFile} is not readable by this user (owner uid 0, mode 0600)`);
  const api = finding(run.findings, "server-api");
  assert.equal(api.verdict, "ERROR");
  assert.equal(api.detail, `server.tokenFile ${serverTokenFile} cannot be read (EACCES)`);
  assert.deepEqual(touched, [serverTokenFile]);
  assert.equal(run.outcome, "diagnose-error");
});
