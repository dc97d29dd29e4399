/**
 * The hard stop (src/cli/signals.ts) through the built CLI: a SIGTERM or a
 * SIGINT while `wait` polls kills the process group of the child it is
 * waiting on and exits 143 or 130 (128 + the signal's number, as shells
 * report it), with nothing on stdout past the progress lines.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { BIN, ROOT, writeScript } from "../helpers/cli.js";
import { makeNodeFixture } from "../helpers/node-fixture.js";
import { waitGone } from "../helpers/proc.js";

/** Waits (bounded) for `file` to hold a pid: the fake systemctl writes it as it starts. */
async function pidIn(file: string, withinMs: number): Promise<number> {
  const until = performance.now() + withinMs;
  while (performance.now() < until) {
    const text = existsSync(file) ? readFileSync(file, "utf8").trim() : "";
    if (/^\d+$/.test(text)) return Number(text);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`no pid in ${file} within ${withinMs} ms`);
}

for (const [signal, code] of [["SIGTERM", 143], ["SIGINT", 130]] as const) {
  test(`wait: ${signal} while a probe's child runs kills the child's process group and exits ${code}`, async (t) => {
    const node = makeNodeFixture(t);
    const pidFile = join(node.dir, "systemctl.pid");
    // A systemctl that hangs (as on a wedged D-Bus) after saying who it is.
    writeScript(node.binDir, "systemctl", `#!/bin/sh\necho $$ > '${pidFile}'\nexec sleep 300\n`);
    const config = node.config({
      nodeIp: "127.0.0.1",
      server: { timeoutMs: 1_000 }, // nothing listens on the default server API: node facts fall back at once
      components: [{ name: "web", status: { type: "systemd", unit: "web.service" }, timeoutMs: 300_000 }],
      directories: [],
      peers: [],
    });
    const child = spawn(process.execPath, [BIN, "--config", config, "wait", "--until", "components.web.status == OK", "--timeout", "30m"], {
      cwd: ROOT, env: { ...process.env, NO_COLOR: "1", ...node.env }, stdio: ["ignore", "pipe", "pipe"],
    });
    t.after(() => child.kill("SIGKILL"));
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const closed = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on("close", (c, s) => resolve([c, s])));

    const systemctl = await pidIn(pidFile, 60_000);
    child.kill(signal);
    const [exitCode, bySignal] = await closed;
    assert.equal(bySignal, null, "nodekeeper handles the signal and exits by itself");
    assert.equal(exitCode, code, stderr);
    assert.equal(stdout, "", "no poll finished, so no progress line and no verdict");
    assert.equal(stderr, "", "a hard stop says nothing");
    assert.deepEqual(await waitGone([systemctl], 10_000), [], "the hanging systemctl was killed with its process group");
  });
}
