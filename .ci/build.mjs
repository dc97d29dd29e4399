// `npm run build`: bundles the CLI with esbuild into dist/, then trains a V8
// code cache for it.
//
// Why: nodekeeper starts as a new process every minute on every node (the
// timer's `report`), and by hand at 3 a.m. (`status`). Profiles of a cold
// `status --json` (node --cpu-prof) showed where the time went:
// - one ES module per source file (tsc's output): loading ~400 modules one by
//   one was half of start-up;
// - ESM chunks (esbuild's code splitting): V8 compiling ~0.8 MB of chunks,
//   and resolving and linking 25 modules, were still a third of it.
// Node 22 caches compiled code for modules (module.enableCompileCache); Node
// 20, which these machines run, only for scripts (vm.Script's cachedData).
// So the CLI is one CommonJS script with a code cache made here:
//
//   dist/main.cjs          the CLI and its libraries. Commands' dynamic imports
//                          stay lazy: esbuild turns each into a function that
//                          runs the module's body on first use, so a command
//                          still runs only what it uses.
//   dist/main.cjs.v8cache  V8's compiled code for main.cjs, written by running
//                          `status` and `report --dry-run` on a throwaway node
//                          (below), so it also holds the functions those
//                          commands compile on their way. bin/nodekeeper.js
//                          uses it when it matches this build and this Node;
//                          otherwise V8 compiles as usual (slower, same result).
//   dist/undici.cjs        undici, apart: only the Mission Control sender uses
//                          it, and --help, --version and status must not pay
//                          for its ~1 MB.
//   dist/fake-*.js         the demo's helper programs, which the demo finds
//                          next to its own code.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = fileURLToPath(new URL("..", import.meta.url));
const dist = join(root, "dist");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const common = { bundle: true, platform: "node", target: "node20.19", sourcemap: "linked", logLevel: "warning", absWorkingDir: root };

rmSync(dist, { recursive: true, force: true });

// `import("undici")` becomes `require("./undici.cjs")`, resolved next to main.cjs at run time.
const undiciApart = {
  name: "undici-apart",
  setup(b) {
    b.onResolve({ filter: /^undici$/ }, () => ({ path: "./undici.cjs", external: true }));
  },
};

await Promise.all([
  build({
    ...common,
    entryPoints: { main: "src/cli/main.ts" },
    outdir: dist,
    outExtension: { ".js": ".cjs" },
    format: "cjs",
    // Every import() becomes a lazy require(): a script compiled with vm.Script has no module loader behind it.
    supported: { "dynamic-import": false },
    plugins: [undiciApart],
    // "use strict" first: esbuild's own comes after the banner, where it is no longer a directive.
    banner: { js: `"use strict";\nconst __nkImportMetaUrl = require("node:url").pathToFileURL(__filename).href;` },
    define: { __NODEKEEPER_VERSION__: JSON.stringify(pkg.version), "import.meta.url": "__nkImportMetaUrl" },
  }),
  build({ ...common, entryPoints: { undici: "undici" }, outdir: dist, outExtension: { ".js": ".cjs" }, format: "cjs", sourcemap: false }),
  build({
    ...common,
    entryPoints: {
      "fake-nodetool": "src/dev/fake-nodetool.ts",
      "fake-repair": "src/dev/fake-repair.ts",
      "fake-server-control": "src/dev/fake-server-control.ts",
    },
    outdir: dist,
    format: "esm",
    splitting: true,
    chunkNames: "chunk-[hash]",
    // Some bundled CommonJS packages call require(); give ESM output one.
    banner: { js: "import { createRequire as __nkCreateRequire } from 'node:module'; const require = __nkCreateRequire(import.meta.url);" },
  }),
]);

// A Cassandra 4.1 `nodetool status` of a healthy three-node ring on loopback addresses.
const NODETOOL_STATUS = `Datacenter: dc1
===============
Status=Up/Down
|/ State=Normal/Leaving/Joining/Moving
--  Address    Load        Tokens  Owns (effective)  Host ID                               Rack
UN  127.0.0.1  1.21 GiB    16      100.0%            6d2f4c1a-0b9e-4a57-9a43-2f1f0f8f6a11  rack1
UN  127.0.0.2  1.19 GiB    16      100.0%            7e3a5d2b-1caf-4b68-8b54-3a2a1a9a7b22  rack1
UN  127.0.0.3  1.22 GiB    16      100.0%            8f4b6e3c-2dba-4c79-9c65-4b3b2bab8c33  rack1
`;

asciiOnly(join(dist, "main.cjs"));
// undici too: Node keeps a loaded script's source in the JS heap, as Latin-1 when it is
// all ASCII, else as UTF-16: its 36 lines of non-ASCII comments doubled it (1 -> 2 MB, measured
// in a heap snapshot of a running `run`).
asciiOnly(join(dist, "undici.cjs"));
train();

/**
 * esbuild escapes non-ASCII in code but keeps it in comments: escape those too,
 * so bin/nodekeeper.js can read the script as Latin-1, without UTF-8 decoding
 * (about 4 ms of a cold start for 1.3 MB), and V8 keeps it one byte a character.
 */
function asciiOnly(file) {
  const text = readFileSync(file, "utf8");
  // Per UTF-16 unit, as a JavaScript escape is: a character beyond U+FFFF becomes its two surrogates.
  writeFileSync(file, text.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`));
}

/**
 * Runs the built CLI on a throwaway node (a temporary state folder, a nodetool
 * that prints a Cassandra 4.1 `status`, the server API on a closed loopback
 * port) with NODEKEEPER_CODE_CACHE=train: each run starts from the cache the
 * previous one wrote and adds what it compiled. Nothing leaves loopback,
 * nothing outside the temporary folder is written.
 */
function train() {
  const dir = mkdtempSync(join(tmpdir(), "nk-build-"));
  try {
    const nodetool = join(dir, "nodetool.mjs");
    writeFileSync(nodetool, `if (process.argv[2] !== "status") { console.log("nodetool: Found unexpected parameters: [" + process.argv[2] + "]"); process.exit(1); }
console.log(${JSON.stringify(NODETOOL_STATUS)});
`);
    const config = join(dir, "nodekeeper.json");
    writeFileSync(config, JSON.stringify({
      clusterId: "build", nodeId: "build-1", nodeIp: "127.0.0.1", stateDir: join(dir, "state"),
      server: { url: "https://127.0.0.1:1" }, // closed: refused at once
      cassandra: { nodetool: [process.execPath, nodetool] },
      directories: [{ path: dir }],
      log: { level: "silent" },
    }));
    // Without NODE_OPTIONS: V8 flags in it (--max-old-space-size, --expose-gc…) would go
    // into the cache, and V8 refuses a cache made under other flags than its own.
    const { NODE_OPTIONS: _ignored, ...env } = process.env;
    const cli = (args, extraEnv) => {
      const run = spawnSync(process.execPath, [join(root, "bin/nodekeeper.js"), "--config", config, ...args], {
        env: { ...env, NO_COLOR: "1", ...extraEnv },
        stdio: ["ignore", "ignore", "pipe"],
        timeout: 120_000, // 2 min: a stuck probe has its own deadline; this is the last resort
        encoding: "utf8",
      });
      // status and report answer 0–5 on a sick node; anything else is a crash worth showing.
      if (run.error || run.status === null || run.status > 5) {
        throw new Error(`\`nodekeeper ${args.join(" ")}\` failed (${run.error?.message ?? `exit ${run.status}, signal ${run.signal}`}):\n${run.stderr}`);
      }
      return run.stderr;
    };
    cli(["status", "--json"], { NODEKEEPER_CODE_CACHE: "train" });
    cli(["report", "--dry-run"], { NODEKEEPER_CODE_CACHE: "train" });
    // What a plain start does with it: a cache V8 refuses would only cost time, silently.
    const said = /^nodekeeper: code cache \S+: (.*)$/m.exec(cli(["--debug", "status", "--json"], {}))?.[1];
    if (said !== "used") throw new Error(`the trained code cache is not used by a plain start: ${said ?? "no answer"}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
