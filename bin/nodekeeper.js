#!/usr/bin/env node
// nodekeeper's entry point, a CommonJS script (bin/package.json says so). Before the CLI loads:
// - libuv's thread pool grows from 4 to 16 threads: a statfs on a dead NFS
//   mount holds a pool thread until the kernel gives up, and four such mounts
//   must not stall every other file operation of the process. libuv reads
//   UV_THREADPOOL_SIZE once, when the pool starts: an ES module entry is too
//   late (the ESM loader has already used the pool to read it), a CommonJS
//   one is loaded with synchronous reads, so this line comes first;
// - `--version` is answered straight from package.json, so monitors that ask
//   for it pay only for Node's own start-up;
// - the CLI, one script (dist/main.cjs), is compiled with the V8 code cache
//   made by `npm run build` (dist/main.cjs.v8cache) when the cache was made
//   from this very script and V8 accepts it (same Node, same V8 flags): a cold
//   `status` then skips most of compiling ~1.3 MB of JavaScript. Otherwise V8
//   compiles it as usual. Why, and how the cache is made: .ci/build.mjs.
//   NODEKEEPER_CODE_CACHE=off ignores the cache (to compare); =train writes it
//   at exit (the build does). `--debug` prints what happened to it.
"use strict";
process.env.UV_THREADPOOL_SIZE ??= "16";

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === "--version" || args[0] === "-V")) {
  const { readFileSync } = require("node:fs");
  const pkg = JSON.parse(readFileSync(require("node:path").join(__dirname, "../package.json"), "utf8"));
  process.stdout.write(`${pkg.version}\n`);
} else {
  // A rejection here ends the process as an unhandled one, as the former top-level await did.
  void loadCli().then(({ main }) => main(process.argv));
}

/** The CLI's exports; a CLI that cannot be loaded is one line on stderr and the exit code a crash has. */
async function loadCli() {
  const { isAscii } = require("node:buffer");
  const { createHash } = require("node:crypto");
  const { readFileSync, renameSync, writeFileSync } = require("node:fs");
  const { createRequire } = require("node:module");
  const { dirname, join } = require("node:path");
  const { Script } = require("node:vm");
  const file = join(__dirname, "../dist/main.cjs");
  const cacheFile = `${file}.v8cache`;
  const debug = args.includes("--debug");
  const fail = (what, error) => {
    process.stderr.write(`nodekeeper: ${what}\n`);
    if (debug && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    // As a crash of the command: status and check speak Nagios (3 UNKNOWN), the rest 70 (EX_SOFTWARE).
    // The command's name by commandName's rule (src/cli/main.ts), which cannot be loaded here.
    const command = args.find((a, i) => !a.startsWith("-") && args[i - 1] !== "-c" && args[i - 1] !== "--config");
    process.exit(command === "status" || command === "check" ? 3 : 70);
  };

  let bytes;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    fail(`cannot read ${file} (${error.code ?? error.message}): is it built? (npm run build)`, error);
  }
  // Node maps stack traces through source maps only for what its own loaders load: then no cache.
  if (process.sourceMapsEnabled) {
    if (debug) process.stderr.write(`nodekeeper: code cache ${cacheFile}: not used: source maps are on (--enable-source-maps)\n`);
    try {
      return createRequire(file)(file);
    } catch (error) {
      fail(`cannot load ${file}: ${error.message}`, error);
    }
  }
  // The build makes it ASCII-only: read as Latin-1 it needs no UTF-8 decoding (~4 ms).
  const source = bytes.toString(isAscii(bytes) ? "latin1" : "utf8");
  const sha256 = (data) => createHash("sha256").update(data).digest("hex");
  // ~1 ms for 1.3 MB. V8 checks its own version and flags but of the source only its
  // length: a script edited in place, same length, would run the cached old code.
  const sourceDigest = sha256(bytes);

  // The cache file: one line `nodekeeper-v8cache-2 <sha256 of main.cjs> <sha256 of the data>`, then V8's data.
  let cachedData;
  let state;
  const mode = process.env.NODEKEEPER_CODE_CACHE;
  if (mode === "off") state = "off (NODEKEEPER_CODE_CACHE=off)";
  else {
    try {
      const raw = readFileSync(cacheFile);
      const newline = raw.indexOf(10);
      const [magic, madeFrom, digest] = raw.subarray(0, Math.max(newline, 0)).toString("latin1").split(" ");
      const data = raw.subarray(newline + 1);
      if (magic !== "nodekeeper-v8cache-2" || madeFrom !== sourceDigest) state = "not used: made from another main.cjs";
      else if (sha256(data) !== digest) state = "not used: damaged (digest mismatch)";
      else cachedData = data;
    } catch (error) {
      state = `not used: ${error.code === "ENOENT" ? "absent" : error.message}`;
    }
  }
  const module = { exports: {} };
  let script;
  try {
    script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: file, cachedData });
    if (cachedData) state = script.cachedDataRejected ? "not used: rejected by V8 (another Node version, or V8 flags such as NODE_OPTIONS=--max-old-space-size)" : "used";
    if (debug) process.stderr.write(`nodekeeper: code cache ${cacheFile}: ${state}\n`);
    script.runInThisContext()(module.exports, createRequire(file), module, file, dirname(file));
  } catch (error) {
    fail(`cannot load ${file}: ${error.message}`, error);
  }
  if (mode === "train") {
    process.on("exit", () => {
      const data = script.createCachedData();
      const temp = `${cacheFile}.${process.pid}.tmp`;
      writeFileSync(temp, Buffer.concat([Buffer.from(`nodekeeper-v8cache-2 ${sourceDigest} ${sha256(data)}\n`, "latin1"), data]));
      renameSync(temp, cacheFile);
    });
  }
  return module.exports;
}
