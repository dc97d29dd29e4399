#!/usr/bin/env node
// nodekeeper's entry point. Two things happen before any module loads:
// - libuv's thread pool grows from 4 to 16 threads: a statfs on a dead NFS
//   mount holds a pool thread until the kernel gives up, and four such mounts
//   must not stall every other file operation of the process;
// - `--version` is answered straight from package.json, so monitors that ask
//   for it pay only for Node's own start-up.
process.env.UV_THREADPOOL_SIZE ??= "16";

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === "--version" || args[0] === "-V")) {
  const { readFileSync } = await import("node:fs");
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
  process.stdout.write(`${pkg.version}\n`);
} else {
  const { main } = await import("../dist/main.js");
  await main(process.argv);
}
