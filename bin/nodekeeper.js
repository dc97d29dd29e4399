#!/usr/bin/env node
// nodekeeper's entry point. Before the CLI loads:
// - libuv's thread pool grows from 4 to 16 threads: a statfs on a dead NFS
//   mount holds a pool thread until the kernel gives up, and four such mounts
//   must not stall every other file operation of the process;
// - `--version` is answered straight from package.json, so monitors that ask
//   for it pay only for Node's own start-up;
// - the CLI, one script (dist/main.cjs), is compiled with the V8 code cache
//   made by `npm run build` (dist/main.cjs.v8cache) when the cache belongs to
//   this build and V8 accepts it (same Node): a cold `status` then skips most
//   of compiling ~1.3 MB of JavaScript. Otherwise V8 compiles it as usual.
//   Why, and how the cache is made: .ci/build.mjs.
//   NODEKEEPER_CODE_CACHE=off ignores the cache (to compare); =train writes it
//   at exit (the build does). `--debug` prints what happened to it.
process.env.UV_THREADPOOL_SIZE ??= "16";

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === "--version" || args[0] === "-V")) {
  const { readFileSync } = await import("node:fs");
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
  process.stdout.write(`${pkg.version}\n`);
} else {
  const { main } = await loadCli();
  await main(process.argv);
}

async function loadCli() {
  const [{ isAscii }, { createHash }, { readFileSync, renameSync, writeFileSync }, { createRequire }, { dirname }, { fileURLToPath }, { Script }] =
    await Promise.all([import("node:buffer"), import("node:crypto"), import("node:fs"), import("node:module"), import("node:path"), import("node:url"), import("node:vm")]);
  const file = fileURLToPath(new URL("../dist/main.cjs", import.meta.url));
  const cacheFile = `${file}.v8cache`;
  const mode = process.env.NODEKEEPER_CODE_CACHE;
  let bytes;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    process.stderr.write(`nodekeeper: cannot read ${file} (${error.code ?? error.message}): is it built? (npm run build)\n`);
    process.exit(70); // EX_SOFTWARE, as for a crash
  }
  // The build makes it ASCII-only: read as Latin-1 it needs no UTF-8 decoding (~4 ms).
  const source = bytes.toString(isAscii(bytes) ? "latin1" : "utf8");
  const buildId = /^\/\/ nodekeeper build (\w+)\n/.exec(source)?.[1] ?? "none";
  const sha256 = (data) => createHash("sha256").update(data).digest("hex");

  // The cache file: one line `nodekeeper-v8cache-1 <build id> <sha256 of the data>`, then V8's data.
  // V8 checks its own version and flags, and the source's length only; the build id
  // and the digest keep a stale or damaged file from reaching it.
  let cachedData;
  let state;
  if (mode === "off") state = "off (NODEKEEPER_CODE_CACHE=off)";
  else {
    try {
      const raw = readFileSync(cacheFile);
      const newline = raw.indexOf(10);
      const [magic, id, digest] = raw.subarray(0, Math.max(newline, 0)).toString("latin1").split(" ");
      const data = raw.subarray(newline + 1);
      if (magic !== "nodekeeper-v8cache-1" || id !== buildId) state = "not used: made for another build";
      else if (sha256(data) !== digest) state = "not used: damaged (digest mismatch)";
      else cachedData = data;
    } catch (error) {
      state = `not used: ${error.code === "ENOENT" ? "absent" : error.message}`;
    }
  }
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: file, cachedData });
  if (cachedData) state = script.cachedDataRejected ? "not used: rejected by V8 (another Node version or V8 flags)" : "used";
  if (args.includes("--debug")) process.stderr.write(`nodekeeper: code cache ${cacheFile}: ${state}\n`);
  if (mode === "train") {
    process.on("exit", () => {
      const data = script.createCachedData();
      const temp = `${cacheFile}.${process.pid}.tmp`;
      writeFileSync(temp, Buffer.concat([Buffer.from(`nodekeeper-v8cache-1 ${buildId} ${sha256(data)}\n`, "latin1"), data]));
      renameSync(temp, cacheFile);
    });
  }
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(file), module, file, dirname(file));
  return module.exports;
}
