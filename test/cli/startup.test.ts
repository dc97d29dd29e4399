/**
 * Start-up (issue 8): the CLI runs from one script compiled with the V8 code
 * cache of its build; a missing, stale, damaged or foreign cache only costs
 * time; --help and status never load undici.
 */
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { test } from "node:test";
import { ROOT, runCli } from "../helpers/cli.js";
import { suiteOwner, tempDir } from "../helpers/temp.js";
import { makeNodeFixture, RUNNING } from "../helpers/node-fixture.js";
import { makeToken, writeTokenFile } from "../mission-control/support.js";

const files = suiteOwner();

function statusNode() {
  const node = makeNodeFixture(files);
  node.unit("dynatrace-server.service", RUNNING);
  const config = node.config({ nodeIp: "127.0.0.1", directories: [{ path: node.dir }], server: { url: "https://127.0.0.1:1" } });
  return { node, config };
}

/** A copy of bin/ and dist/ to spoil, so the tests running beside this one keep theirs. */
function installCopy(): { bin: string; cache: string } {
  const root = tempDir(files, "nk-install-");
  mkdirSync(join(root, "bin"));
  mkdirSync(join(root, "dist"));
  copyFileSync(join(ROOT, "package.json"), join(root, "package.json"));
  copyFileSync(join(ROOT, "bin/nodekeeper.js"), join(root, "bin/nodekeeper.js"));
  copyFileSync(join(ROOT, "bin/package.json"), join(root, "bin/package.json")); // bin/ is CommonJS
  for (const f of ["main.cjs", "main.cjs.v8cache", "undici.cjs"]) copyFileSync(join(ROOT, "dist", f), join(root, "dist", f));
  return { bin: join(root, "bin/nodekeeper.js"), cache: join(root, "dist/main.cjs.v8cache") };
}

const CACHE_LINE = /^nodekeeper: code cache \S+: (.*)$/m;

/** What status --json concludes, without what changes from one run to the next (pid, free bytes, times). */
function stable(stdout: string): unknown {
  const view = JSON.parse(stdout) as {
    overall: string; notes: string[]; node: unknown;
    components: { name: string; status: string; resultCode: number }[];
    directories: { path: string; status: string; resultCode: number }[];
    cassandra: { status?: string; resultCode?: number };
    connectivity: { summary: unknown };
    instructions: { lines: string[] };
  };
  return {
    overall: view.overall, node: view.node, notes: view.notes,
    components: view.components.map((c) => [c.name, c.status, c.resultCode]),
    directories: view.directories.map((d) => [d.path, d.status, d.resultCode]),
    cassandra: [view.cassandra.status, view.cassandra.resultCode],
    connectivity: view.connectivity.summary,
    instructions: view.instructions.lines,
  };
}

test("the build's code cache is used, and status answers the same without it", async () => {
  const { node, config } = statusNode();
  const cached = await runCli(["--debug", "--config", config, "status", "--json"], { env: node.env });
  assert.equal(cached.code, 0, cached.stderr);
  assert.equal(CACHE_LINE.exec(cached.stderr)?.[1], "used");
  const off = await runCli(["--debug", "--config", config, "status", "--json"], { env: { ...node.env, NODEKEEPER_CODE_CACHE: "off" } });
  assert.equal(off.code, 0, off.stderr);
  assert.equal(CACHE_LINE.exec(off.stderr)?.[1], "off (NODEKEEPER_CODE_CACHE=off)");
  assert.deepEqual(stable(cached.stdout), stable(off.stdout));
});

test("a missing, stale, damaged or foreign cache is not used, says why under --debug, and changes nothing else", async () => {
  const { node, config } = statusNode();
  const { bin, cache } = installCopy();
  const run = () => runCli(["--debug", "--config", config, "status", "--json"], { env: node.env, bin });
  const good = readFileSync(cache);
  const newline = good.indexOf(10);
  const [magic, madeFrom] = good.subarray(0, newline).toString("latin1").split(" ");
  const data = good.subarray(newline + 1);
  const withHeader = (id: string, payload: Buffer, digest = createHash("sha256").update(payload).digest("hex")) =>
    Buffer.concat([Buffer.from(`${magic} ${id} ${digest}\n`), payload]);

  const baseline = await run();
  assert.equal(CACHE_LINE.exec(baseline.stderr)?.[1], "used");

  const flipped = Buffer.from(data);
  flipped[Math.floor(flipped.length / 2)]! ^= 0xff;
  // V8 data of the right size but not V8's: the digest matches, V8 must refuse it.
  const foreign = Buffer.alloc(data.length, 0x5a);
  const cases: [string, Buffer | null, string][] = [
    ["absent", null, "not used: absent"],
    ["another main.cjs", withHeader("0".repeat(64), data), "not used: made from another main.cjs"],
    ["damaged", withHeader(madeFrom!, flipped, createHash("sha256").update(data).digest("hex")), "not used: damaged (digest mismatch)"],
    ["truncated", good.subarray(0, newline + 1 + 1000), "not used: damaged (digest mismatch)"],
    ["not V8's", withHeader(madeFrom!, foreign), "not used: rejected by V8 (another Node version, or V8 flags such as NODE_OPTIONS=--max-old-space-size)"],
    ["no header", data, "not used: made from another main.cjs"],
  ];
  for (const [name, content, expected] of cases) {
    if (content === null) rmSync(cache);
    else writeFileSync(cache, content);
    const r = await run();
    assert.equal(CACHE_LINE.exec(r.stderr)?.[1], expected, name);
    assert.equal(r.code, baseline.code, `${name}: ${r.stderr}`);
    assert.deepEqual(stable(r.stdout), stable(baseline.stdout), name);
  }
});

/** The CommonJS files a command loaded, from a preloaded hook that lists require's cache at exit. */
async function loadedFiles(args: string[], env: Record<string, string>): Promise<{ files: string[]; code: number | null; stderr: string }> {
  const dir = tempDir(files, "nk-loaded-");
  const hook = join(dir, "hook.cjs");
  const out = join(dir, "loaded.json");
  writeFileSync(hook, `process.on("exit", () => require("node:fs").writeFileSync(${JSON.stringify(out)}, JSON.stringify(Object.keys(require("node:module")._cache))));\n`);
  const r = await runCli(args, { env: { ...env, NODE_OPTIONS: `--require ${hook}` } });
  return { files: JSON.parse(readFileSync(out, "utf8")) as string[], code: r.code, stderr: r.stderr };
}

test("--help and status do not load undici; report, which sends, does", async () => {
  const { node, config } = statusNode();
  const isUndici = (f: string) => f.endsWith(join("dist", "undici.cjs"));
  const help = await loadedFiles(["--help"], node.env);
  assert.equal(help.code, 0);
  assert.deepEqual(help.files.filter(isUndici), []);
  const status = await loadedFiles(["--config", config, "status", "--json"], node.env);
  assert.equal(status.code, 0);
  assert.deepEqual(status.files.filter(isUndici), []);
  // The check can fail: report loads undici for Mission Control (a closed loopback port).
  const sendConfig = node.config({
    nodeIp: "127.0.0.1", directories: [{ path: node.dir }], server: { url: "https://127.0.0.1:1" },
    missionControl: { url: "https://127.0.0.1:1", tokenFile: writeTokenFile(node.dir, makeToken()), retry: { baseMs: 10, maxMs: 20, maxAttempts: 1 } },
    remediation: { enabled: false },
  });
  const report = await loadedFiles(["--config", sendConfig, "report", "--quiet"], node.env);
  assert.equal(report.code, 5, report.stderr); // not delivered, kept in the outbox
  assert.equal(report.files.filter(isUndici).length, 1, report.stderr);
});

test("an unbuilt install says so in one line and exits 70", async () => {
  const { bin } = installCopy();
  rmSync(join(bin, "../../dist/main.cjs"));
  const r = await runCli(["report"], { bin });
  assert.equal(r.code, 70);
  assert.match(r.stderr, /^nodekeeper: cannot read \S+main\.cjs \(ENOENT\): is it built\? \(npm run build\)\n$/);
});

test("a damaged main.cjs: one line, UNKNOWN (3) for status and check, 70 for the rest; --debug adds the stack", async () => {
  const { bin } = installCopy();
  const main = join(bin, "../../dist/main.cjs");
  const source = readFileSync(main);
  writeFileSync(main, source.subarray(0, Math.floor(source.length / 2)));
  for (const [args, code] of [[["status"], 3], [["--config", "/nowhere.json", "check", "components"], 3], [["report"], 70]] as const) {
    const r = await runCli([...args], { bin });
    assert.equal(r.code, code, args.join(" "));
    assert.match(r.stderr, /^nodekeeper: cannot load \S+main\.cjs: .+\n$/, args.join(" "));
  }
  const debug = await runCli(["--debug", "status"], { bin });
  assert.match(debug.stderr, /\n\S*SyntaxError: /);
});

test("main.cjs edited in place (same length): the old compiled code is not used, the edit takes effect", async () => {
  const { node, config } = statusNode();
  const { bin } = installCopy();
  const main = join(bin, "../../dist/main.cjs");
  const source = readFileSync(main, "latin1");
  const from = "JSON.stringify(json, null, 2)";
  assert.equal(source.split(from).length, 2, "the JSON output line is in the bundle once");
  writeFileSync(main, source.replace(from, "JSON.stringify(json, null, 7)"), "latin1");
  const r = await runCli(["--debug", "--config", config, "status", "--json"], { env: node.env, bin });
  assert.equal(CACHE_LINE.exec(r.stderr)?.[1], "not used: made from another main.cjs");
  assert.match(r.stdout, /^\{\n {7}"statusVersion": 1,/);
});

test("with source maps on, the cache is set aside and stack traces name the TypeScript sources", async () => {
  const { bin } = installCopy();
  copyFileSync(join(ROOT, "dist/main.cjs.map"), join(bin, "../../dist/main.cjs.map"));
  const r = await runCli(["--debug", "--config", "/nowhere.json", "status"], { bin, env: { NODE_OPTIONS: "--enable-source-maps" } });
  assert.equal(CACHE_LINE.exec(r.stderr)?.[1], "not used: source maps are on (--enable-source-maps)");
  assert.equal(r.code, 64, r.stderr); // the configuration cannot be read
  assert.match(r.stderr, /src\/config\/load\.ts:\d+/);
});
