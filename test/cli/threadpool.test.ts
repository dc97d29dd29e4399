/**
 * Issue 15 item 10: libuv's thread pool really has the 16 threads the README
 * promises, for the CLI as people and the systemd units run it
 * (`node bin/nodekeeper.js ...`), and UV_THREADPOOL_SIZE set by the operator
 * still wins.
 *
 * Node 20 names all its threads "node", so the pool is measured by count:
 * the threads of a running `status` with the default, against the same
 * command with UV_THREADPOOL_SIZE=4 and =16 given explicitly. libuv starts
 * all pool threads at once, on the first file operation, and keeps them.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import { test } from "node:test";
import { BIN, ROOT, writeScript } from "../helpers/cli.js";
import { makeNodeFixture } from "../helpers/node-fixture.js";
import { suiteOwner } from "../helpers/temp.js";

const files = suiteOwner();

/** The most threads seen in a `status` run (systemctl answers after 2 s, so the process lives that long). */
async function threadsOfStatus(env: Record<string, string | undefined>): Promise<number> {
  const node = makeNodeFixture(files);
  writeScript(node.binDir, "systemctl", "#!/bin/sh\nsleep 2\nexit 1\n");
  const config = node.config({ nodeIp: "127.0.0.1", directories: [{ path: node.dir }], server: { url: "https://127.0.0.1:1" } });
  const merged: Record<string, string | undefined> = { ...process.env, NO_COLOR: "1", ...node.env, ...env };
  for (const [k, v] of Object.entries(merged)) if (v === undefined) delete merged[k];
  const child = spawn(process.execPath, [BIN, "--config", config, "status"], { cwd: ROOT, env: merged, stdio: "ignore" });
  let max = 0;
  let done = false;
  const exited = new Promise<void>((resolve) => child.on("exit", () => { done = true; resolve(); }));
  while (!done) {
    try {
      max = Math.max(max, readdirSync(`/proc/${child.pid}/task`).length);
    } catch {
      // exited between two looks
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  await exited;
  return max;
}

test("the CLI runs with a 16-thread libuv pool by default; UV_THREADPOOL_SIZE from the environment still wins", async () => {
  const four = await threadsOfStatus({ UV_THREADPOOL_SIZE: "4" });
  const sixteen = await threadsOfStatus({ UV_THREADPOOL_SIZE: "16" });
  const byDefault = await threadsOfStatus({ UV_THREADPOOL_SIZE: undefined });
  assert.equal(sixteen - four, 12, `threads with a pool of 16 (${sixteen}) and of 4 (${four}) differ by the pool`);
  assert.equal(byDefault, sixteen, `by default (${byDefault} threads) as with UV_THREADPOOL_SIZE=16 (${sixteen}), not as with 4 (${four})`);
});
