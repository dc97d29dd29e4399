"use strict";
// The entry point of the release executable (`npm run release`, .ci/release.mjs):
// a Node 20 single executable application runs this script, injected into a
// copy of the node binary, instead of a file. It does what bin/nodekeeper.js
// does for the npm install, with what is inside the executable instead of dist/:
// - libuv's thread pool grows from 4 to 16 threads (why: bin/nodekeeper.js);
// - `--version` is answered without loading the CLI;
// - the CLI (the asset `main.cjs`, one CommonJS script with undici inlined) is
//   compiled with the V8 code cache the release build trained for it (the asset
//   `main.cjs.v8cache`): a cold `status` skips most of compiling ~2.5 MB.
//   Node's own SEA option `useCodeCache` caches only what compiling the main
//   script compiles eagerly (its top level), not the functions `status` and
//   `report` compile on their way, so the build trains its own (as `npm run
//   build` does) and checks that the executable uses it.
//
// In the executable, `require()` loads only Node's built-in modules (Node 20
// SEA docs: "require(id) in the injected main script is not file based"); the
// CLI gets a require that says so plainly if it ever asks for anything else,
// since a release must never depend on a file beside it.
//
// Not in the executable (sea.isSea() false) this script is the build's trainer:
// NK_SEA_MAIN names main.cjs, NK_SEA_CACHE the cache file to use and rewrite at
// exit. Both ways build the very same wrapper text, so the cache fits both.
process.env.UV_THREADPOOL_SIZE ??= "16";

const VERSION = "__NODEKEEPER_VERSION__"; // replaced by .ci/release.mjs
const args = process.argv.slice(2);

if (args.length === 1 && (args[0] === "--version" || args[0] === "-V")) {
  process.stdout.write(`${VERSION}\n`);
} else {
  loadCli()
    .main(process.argv)
    .catch((error) => {
      process.stderr.write(`nodekeeper: ${error && error.stack ? error.stack : String(error)}\n`);
      process.exit(70);
    });
}

function loadCli() {
  const sea = require("node:sea");
  const { isBuiltin } = require("node:module");
  const { dirname } = require("node:path");
  const { Script } = require("node:vm");
  const debug = args.includes("--debug");
  const inExecutable = sea.isSea();
  const fs = inExecutable ? null : require("node:fs");

  const source = inExecutable
    ? Buffer.from(sea.getAsset("main.cjs")).toString("latin1") // ASCII only (the build checks)
    : fs.readFileSync(process.env.NK_SEA_MAIN, "latin1");
  let cachedData;
  if (inExecutable) cachedData = Buffer.from(sea.getAsset("main.cjs.v8cache"));
  else if (process.env.NK_SEA_CACHE && fs.existsSync(process.env.NK_SEA_CACHE)) cachedData = fs.readFileSync(process.env.NK_SEA_CACHE);

  const file = process.execPath;
  const builtinOnly = (id) => {
    if (!isBuiltin(id)) throw new Error(`nodekeeper (release executable): cannot load ${JSON.stringify(id)}: only Node's built-in modules are inside`);
    return require(id);
  };
  const module = { exports: {} };
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: `${file}#main.cjs`, cachedData });
  if (debug) {
    const state = cachedData === undefined ? "absent" : script.cachedDataRejected ? "not used: rejected by V8 (another V8, or V8 flags such as NODE_OPTIONS=--max-old-space-size)" : "used";
    process.stderr.write(`nodekeeper: code cache (embedded): ${state}\n`);
  }
  script.runInThisContext()(module.exports, builtinOnly, module, file, dirname(file));
  if (!inExecutable && process.env.NK_SEA_CACHE) {
    process.on("exit", () => fs.writeFileSync(process.env.NK_SEA_CACHE, script.createCachedData()));
  }
  return module.exports;
}
