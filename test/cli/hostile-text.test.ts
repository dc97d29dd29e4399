/**
 * Issue 15 item 8: text from outside (here Mission Control's answers) is
 * stripped of control characters and capped before it reaches stdout, the
 * log, `status`, last-exchange.json, the state files or the audit log.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { runCli } from "../helpers/cli.js";
import { instructionsFor } from "../mission-control/server.js";
import { makeToken, writeTokenFile } from "../mission-control/support.js";
import { loopbackWorld } from "./world.js";
import { tempDir } from "../helpers/temp.js";

/** 200 KB behind a colour change, a window-title OSC, a bidi override and 8-bit CSI. */
const HOSTILE = `\x1b[31m\x1b]0;pwned\x07${"A".repeat(200_000)}\u202e\u009b2J\x1b[0m\r\nforged log line`;
const ESC_LIKE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202e]/;
/** Any run of the 200 KB over the cap for one outside string (1 KiB), with room. */
const UNCAPPED = /A{1100}/;

function assertClean(what: string, text: string): void {
  const bad = ESC_LIKE.exec(text);
  assert.equal(bad, null, `${what} holds control character U+${bad?.[0].codePointAt(0)?.toString(16).padStart(4, "0") ?? ""}`);
  assert.doesNotMatch(text, /\\u001b|\\u009b|\\u202e/i, `${what} holds an escaped control character`);
  assert.doesNotMatch(text, UNCAPPED, `${what} holds the 200 KB uncapped`);
}

test("hostile answer text (escape sequences, 200 KB) reaches no stdout, status, last-exchange.json, state file or audit raw", async (t) => {
  const { pki, mc, api, node } = await loopbackWorld(t);
  const tokenFile = writeTokenFile(node.dir, makeToken());
  const config = node.config({
    nodeIp: "127.0.0.1",
    directories: [{ path: node.dir }],
    missionControl: { url: mc.url, tokenFile, caFile: pki.ca.certFile, retry: { baseMs: 50, maxMs: 200, maxAttempts: 2 } },
    server: { url: api.url, caFile: api.caFile },
    remediation: { enabled: false },
    cycle: { deadlineMs: 20_000 },
  });

  // 1. An answer naming a hostile reportId: invalid (exit 6), and said so, cleanly.
  mc.reply((req) => ({ status: 200, body: instructionsFor(req, { reportId: HOSTILE }) }));
  const first = await runCli(["--config", config, "report"], { env: node.env, timeoutMs: 60_000 });
  assert.equal(first.code, 6, first.stdout + first.stderr.slice(0, 2000));
  assert.match(first.stdout + first.stderr, /answer names report/);
  assertClean("report's stdout", first.stdout);
  assertClean("report's log (stderr)", first.stderr);

  // 2. A valid answer whose free text is hostile: applied, stored cleaned.
  mc.reply((req) => ({ status: 200, body: instructionsFor(req, { clusterStatus: HOSTILE, clusterStatusDescription: HOSTILE, nodeStatuses: [{ nodeId: HOSTILE, status: HOSTILE }] }) }));
  const second = await runCli(["--config", config, "report"], { env: node.env, timeoutMs: 60_000 });
  assert.equal(second.code, 0, second.stdout + second.stderr.slice(0, 2000));
  assertClean("report's stdout", second.stdout);
  assertClean("report's log (stderr)", second.stderr);

  const status = await runCli(["--config", config, "status"], { env: node.env, timeoutMs: 60_000 });
  assertClean("status", status.stdout + status.stderr);
  const json = await runCli(["--config", config, "status", "--json"], { env: node.env, timeoutMs: 60_000 });
  assertClean("status --json", json.stdout + json.stderr);

  const files = readdirSync(node.stateDir).filter((f) => !f.endsWith(".lock"));
  for (const must of ["last-exchange.json", "audit.jsonl", "instructions.json"]) assert.ok(files.includes(must), `${must} in ${files.join(" ")}`);
  for (const file of files) {
    if (file === "outbox") continue;
    const text = readFileSync(join(node.stateDir, file), "utf8");
    assertClean(file, text.replace(/[\n\t]/g, " "));
  }
  // The clean text is still there, readable: the marker says how much was cut.
  const instructions = readFileSync(join(node.stateDir, "instructions.json"), "utf8");
  assert.match(instructions, /\[0;pwned|A{100}/, "the printable text is kept");
  assert.match(instructions, /\[\+\d+ chars\]/, "the cut is said");
});

test("audit: the size bound holds exactly, even for a line bigger than the bound", async (t) => {
  const { appendAudit } = await import("../../src/state/audit.js");
  const { statSync } = await import("node:fs");
  const dir = tempDir(t, "nk-audit-");
    const maxBytes = 64 * 1024;
    for (let i = 0; i < 12; i++) {
      // Many small strings: each under the per-string cap, together well over the bound.
      const record = { type: "exchange", at: new Date().toISOString(), reportId: `r${i}`, parts: Array.from({ length: 40 }, () => "B".repeat(3000)) };
      const written = await appendAudit(dir, record, { limits: { maxBytes, keep: 2 } });
      assert.ok(written.ok, written.ok ? "" : written.reason);
      const small = await appendAudit(dir, { type: "state", at: new Date().toISOString(), note: "x".repeat(20_000 + i * 1000) }, { limits: { maxBytes, keep: 2 } });
      assert.ok(small.ok);
      for (const name of readdirSync(dir)) {
        const size = statSync(join(dir, name)).size;
        assert.ok(size <= maxBytes, `${name} is ${size} bytes, over the ${maxBytes}-byte bound`);
      }
    }
    const lines = readdirSync(dir).flatMap((name) => readFileSync(join(dir, name), "utf8").trim().split("\n")).map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.ok(lines.some((l) => typeof l["omitted"] === "string"), "an oversized line is replaced by a record saying so");
});
