// `npm run release`: a release that installs on a node without Node.js.
//
//   dist/release/nodekeeper                               the executable (linux-x64)
//   dist/release/nodekeeper_<version>_amd64.deb           Debian package (dpkg-deb)
//   dist/release/nodekeeper-<version>-linux-x64.tar.gz    the same files, for other distributions
//   dist/release/SHA256SUMS, SHA256SUMS.sig               checksums of both, and their signature
//
// The executable is a Node 20 single executable application (SEA), made the
// documented way (https://nodejs.org/docs/latest-v20.x/api/single-executable-applications.html):
// a sea-config.json (main, output, disableExperimentalSEAWarning, useCodeCache,
// useSnapshot, assets), `node --experimental-sea-config sea-config.json` writes
// the preparation blob, and postject injects it into a copy of this node binary
// as the ELF note NODE_SEA_BLOB, flipping the fuse
// NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2 that tells node a blob is there.
//
// What goes in:
// - main: .ci/sea-entry.cjs, a loader of ~80 lines (useCodeCache: true; it has
//   no import(), which the SEA code cache does not support);
// - asset main.cjs: the CLI bundled for the executable. Unlike `npm run build`
//   it has undici inlined instead of beside it (dist/undici.cjs, loaded by a
//   file-based require): in a SEA require() loads only built-in modules, and
//   a loose undici.cjs next to /usr/bin/nodekeeper, found through
//   createRequire(process.execPath), would be a second file to install, verify
//   and keep in step with the executable, for ~1 MB that costs a cold start
//   nothing (esbuild wraps it in a function that runs on first use; V8 only
//   pre-parses it). The `dev` demo is left out: it runs helper programs
//   (dist/fake-*.js) through node, which a production node does not have; the
//   release's `nodekeeper dev` says so and exits 64;
// - asset main.cjs.v8cache: V8's code cache for main.cjs, trained here by
//   running `status --json` and `report --dry-run` (see .ci/sea-entry.cjs);
// - asset manifest: one line carrying the executable's own sha256 (below).
//
// Nothing else is read from disk at run time, and the build checks it: every
// import esbuild left outside the bundle must be a Node built-in, every source
// file that reads import.meta.url (a file beside the code) must be one of the
// two whose use is dead in this bundle, and the executable runs `status` and
// `report --dry-run` from a folder with no dist/, no node_modules and no node.
//
// The executable's manifest: the asset `manifest` is the line
//   NODEKEEPER-SELF-MANIFEST-1 <version> <offset, 16 digits> <sha256, 64 hex>
// injected with both numbers as zeros. The build then finds the line in the
// executable (exactly once, or it fails), writes its byte offset and the
// sha256 of the executable as it was with the zeros. Whoever checks (the
// self component, `verify-install`) hashes the file with those 80 bytes read
// as zeros again: any other byte changed, the hashes differ. A manifest whose
// numbers are edited to match a tampered file is caught by the signed MANIFEST
// of the package, which lists the executable's plain sha256.
//
// The package: /usr/bin/nodekeeper, the systemd units of `nodekeeper systemd`
// (rendered by the same code, for /usr/bin/nodekeeper and
// /etc/nodekeeper/nodekeeper.json) in /lib/systemd/system, not enabled; an
// example configuration as a conffile; /usr/share/nodekeeper/MANIFEST (sha256
// of every installed file but the conffile, `sha256sum -c` format, paths from
// /) and, when signed, MANIFEST.sig; maintainer scripts (.ci/debian/).
//
// Signing: with NODEKEEPER_SIGNING_KEY (a PEM private key), `openssl dgst
// -sha256 -sign` signs SHA256SUMS and MANIFEST; without it the release is
// built unsigned and says so on stderr and in dist/release/UNSIGNED.
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, writeSync, closeSync } from "node:fs";
import { isBuiltin } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

const root = fileURLToPath(new URL("..", import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const version = pkg.version;
// NODEKEEPER_RELEASE_DIR: another output folder (the release test builds into a temporary one).
const out = process.env.NODEKEEPER_RELEASE_DIR ? resolve(process.env.NODEKEEPER_RELEASE_DIR) : join(root, "dist/release");
const work = join(out, "work");
const started = performance.now();
// Reproducible: the files' times are the last commit's (or SOURCE_DATE_EPOCH), owners root.
const epoch = process.env.SOURCE_DATE_EPOCH ?? (spawnSync("git", ["log", "-1", "--format=%ct"], { cwd: root, encoding: "utf8" }).stdout.trim() || "0");
const say = (line) => process.stderr.write(`release: ${line}\n`);

if (process.platform !== "linux" || process.arch !== "x64") fail(`builds linux-x64 only (this is ${process.platform}-${process.arch})`);
for (const tool of ["dpkg-deb", "tar", "strip"]) {
  if (spawnSync(tool, ["--version"], { stdio: "ignore" }).status !== 0) fail(`${tool} is needed (apt-get install dpkg tar binutils)`);
}
const signingKey = process.env.NODEKEEPER_SIGNING_KEY || null;
if (signingKey && !existsSync(signingKey)) fail(`NODEKEEPER_SIGNING_KEY=${signingKey}: no such file`);

rmSync(out, { recursive: true, force: true });
mkdirSync(work, { recursive: true });

// ---- 1. The bundle for the executable -------------------------------------------------

/** `nodekeeper dev` in the executable: the demo needs node for its helper programs. */
const devLeftOut = {
  name: "dev-left-out",
  setup(b) {
    b.onResolve({ filter: /\/dev\/index\.js$/ }, (a) => (a.importer.endsWith(join("src", "cli", "main.ts")) ? { path: "dev", namespace: "dev-left-out" } : undefined));
    b.onLoad({ filter: /.*/, namespace: "dev-left-out" }, () => ({
      resolveDir: join(root, "src/cli"),
      loader: "ts",
      contents: `import { CliError, EXIT } from "../contract/exit-codes.js";
export async function runDev(): Promise<number> {
  throw new CliError("dev: the demo is not part of the release executable (it runs its helper programs through Node.js); run it from a clone: npm ci && npm run build && ./bin/nodekeeper.js dev", EXIT.USAGE);
}`,
    }));
  },
};

const bundle = await build({
  absWorkingDir: root,
  entryPoints: { main: "src/cli/main.ts" },
  outdir: work,
  outExtension: { ".js": ".cjs" },
  bundle: true,
  platform: "node",
  target: "node20.19",
  format: "cjs",
  sourcemap: false,
  metafile: true,
  logLevel: "warning",
  supported: { "dynamic-import": false },
  plugins: [devLeftOut],
  banner: { js: `"use strict";\n/* nodekeeper ${version}: the CLI inside the release executable (.ci/release.mjs) */\nconst __nkImportMetaUrl = require("node:url").pathToFileURL(__filename).href;` },
  define: { __NODEKEEPER_VERSION__: JSON.stringify(version), "import.meta.url": "__nkImportMetaUrl" },
});
const mainFile = join(work, "main.cjs");
asciiOnly(mainFile);

// What the bundle would still load from disk: an error, each named.
// node:sqlite is a built-in of Node 22 that Node 20 lacks: undici requires it only inside
// its SQLite cache store (SqliteCacheStore's constructor), which nodekeeper never makes.
const notBuiltinButNeverLoaded = new Set(["node:sqlite"]);
const builtin = (id) => isBuiltin(id) || notBuiltinButNeverLoaded.has(id);
const problems = [];
for (const [file, output] of Object.entries(bundle.metafile.outputs)) {
  for (const imp of output.imports) {
    if (imp.external && !builtin(imp.path)) problems.push(`${file}: imports ${imp.path} from disk`);
  }
}
// Source files that look beside themselves (import.meta.url): each must be known dead here.
const importMetaOk = new Map([
  ["src/contract/version.ts", "reads package.json only when __NODEKEEPER_VERSION__ is not defined; the build defines it"],
]);
for (const input of Object.keys(bundle.metafile.inputs)) {
  if (input.startsWith("src/dev/")) problems.push(`${input}: the dev demo must not be in the release bundle`);
  if (input.includes("node_modules/") || input.includes(":")) continue; // packages, and the stub above
  const text = readFileSync(join(root, input), "utf8");
  if (/import\.meta\.url|__dirname|__filename/.test(text) && !importMetaOk.has(input)) problems.push(`${input}: finds a file beside its own code (import.meta.url / __dirname), which the executable does not have`);
}
// Dynamic require()s that esbuild left as they are (a computed path): only built-ins can answer them.
const mainText = readFileSync(mainFile, "latin1");
for (const m of mainText.matchAll(/\brequire\(\s*(["'`])([^"'`]+)\1\s*\)/g)) {
  if (!builtin(m[2])) problems.push(`main.cjs: require(${JSON.stringify(m[2])}) is not a built-in`);
}
if (problems.length > 0) fail(`the executable would load files from disk at run time:\n  ${problems.join("\n  ")}`);
say(`bundle: main.cjs ${kb(statSync(mainFile).size)} (undici inlined, dev left out), nothing loaded from disk`);

// ---- 2. The loader, and the code cache trained for main.cjs ----------------------------

const entryFile = join(work, "sea-entry.cjs");
writeFileSync(entryFile, readFileSync(join(root, ".ci/sea-entry.cjs"), "utf8").replace("__NODEKEEPER_VERSION__", version));
const cacheFile = join(work, "main.cjs.v8cache");
const throwaway = throwawayNode(); // removed after the smoke runs below
{
  // Without NODE_OPTIONS: V8 refuses a cache made under other V8 flags than its own.
  const { NODE_OPTIONS: _ignored, ...env } = process.env;
  const train = (args) => run(process.execPath, [entryFile, "--config", throwaway.config, ...args], { ...env, NK_SEA_MAIN: mainFile, NK_SEA_CACHE: cacheFile });
  train(["status", "--json"]);
  train(["report", "--dry-run"]);
}

// ---- 3. The executable -------------------------------------------------------------------

const MARK = ["NODEKEEPER", "SELF", "MANIFEST", "1"].join("-");
const manifestFile = join(work, "manifest");
writeFileSync(manifestFile, `${MARK} ${version} ${"0".repeat(16)} ${"0".repeat(64)}\n`);
const seaConfig = join(work, "sea-config.json");
writeFileSync(seaConfig, JSON.stringify({
  main: entryFile,
  output: join(work, "sea-prep.blob"),
  disableExperimentalSEAWarning: true,
  useCodeCache: true, // for the loader; main.cjs has its own, trained (see sea-entry.cjs)
  useSnapshot: false, // a startup snapshot cannot hold the CLI's lazy requires, sockets or child processes
  assets: { "main.cjs": mainFile, "main.cjs.v8cache": cacheFile, manifest: manifestFile },
}, null, 2));
run(process.execPath, ["--experimental-sea-config", seaConfig], process.env);

const exe = join(out, "nodekeeper");
// Node's own binary carries its symbols and debug information (`file` says "with debug_info,
// not stripped"): stripped, the executable is ~12 MB smaller and runs the same.
run("strip", ["--strip-all", "-o", exe, process.execPath], process.env);
chmodSync(exe, 0o755);
const { inject } = await import(pathToFileURL(join(root, "node_modules/postject/dist/api.js")).href);
await inject(exe, "NODE_SEA_BLOB", readFileSync(join(work, "sea-prep.blob")), {
  sentinelFuse: "NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2",
});
sealManifest(exe);
say(`executable: ${exe} ${mb(statSync(exe).size)} (node ${process.version})`);

// The executable as an operator runs it: no node, no dist/, no node_modules.
const bare = bareEnv();
const smoke = (args, extra = {}) => run(exe, ["--config", throwaway.config, ...args], { ...bare, ...extra }, { cwd: throwaway.dir });
if (run(exe, ["--version"], bare, { cwd: throwaway.dir }).stdout.trim() !== version) fail("the executable's --version is not the package's");
const debugged = smoke(["--debug", "status", "--json"]);
if (!/code cache \(embedded\): used/.test(debugged.stderr)) fail(`the executable does not use its code cache: ${debugged.stderr.split("\n")[0]}`);
const dry = JSON.parse(smoke(["report", "--dry-run"]).stdout);
if (dry.nodekeeperVersion !== version) fail("report --dry-run from the executable has another version");
rmSync(throwaway.dir, { recursive: true, force: true });

// ---- 4. The installed tree -----------------------------------------------------------------

const stage = join(work, "root");
const install = (rel, content, mode) => {
  const path = join(stage, rel);
  mkdirSync(dirname(path), { recursive: true });
  if (Buffer.isBuffer(content) || typeof content === "string") writeFileSync(path, content);
  else copyFileSync(content.file, path);
  chmodSync(path, mode);
};
for (const d of ["usr/bin", "lib/systemd/system", "etc/nodekeeper", "usr/share/nodekeeper", "usr/share/doc/nodekeeper"]) mkdirSync(join(stage, d), { recursive: true, mode: 0o755 });
install("usr/bin/nodekeeper", { file: exe }, 0o755);

const exampleConfig = {
  clusterId: "CHANGE-ME-cluster-id",
  nodeId: "CHANGE-ME-node-id",
  stateDir: "/var/lib/nodekeeper",
  directories: [
    "/opt/dynatrace-managed", "/var/opt/dynatrace-managed", "/var/opt/dynatrace-managed/log",
    "/var/opt/dynatrace-managed/cassandra", "/var/opt/dynatrace-managed/elasticsearch",
    "/var/opt/dynatrace-managed/server/tenantData", "/var/opt/dynatrace-managed/server/replayData",
  ].map((path) => ({ path })),
  log: { level: "info" },
};
// 0644 in the package (Debian's rule for conffiles); postinst makes it 0640 root:nodekeeper on
// the first install, since the operator's configuration may name secrets' files.
install("etc/nodekeeper/nodekeeper.json", `${JSON.stringify(exampleConfig, null, 2)}\n`, 0o644);
// The configuration is what the executable accepts: checked with the executable itself.
run(exe, ["--config", join(stage, "etc/nodekeeper/nodekeeper.json"), "config", "check"], bare);

for (const unit of await units(exampleConfig)) install(`lib/systemd/system/${unit.name}`, unit.content, 0o644);

install("usr/share/doc/nodekeeper/copyright", copyright(), 0o644);
// A native package (the version has no Debian revision): changelog.gz, not changelog.Debian.gz.
install("usr/share/doc/nodekeeper/changelog.gz", gzipSync(changelog(), { level: 9 }), 0o644);
install("usr/share/man/man1/nodekeeper.1.gz", gzipSync(manPage(run(exe, ["--help"], bare).stdout), { level: 9 }), 0o644);
// Node.js links zlib in statically (and so does every Node single executable application): it
// cannot use Debian's libz. The override says so where lintian looks; README lists the rest.
install("usr/share/lintian/overrides/nodekeeper", [
  "# Node.js, inside the executable, has zlib built in: a single executable cannot link Debian's libz.",
  "nodekeeper: embedded-library zlib [usr/bin/nodekeeper]",
  "",
].join("\n"), 0o644);
install("usr/share/doc/nodekeeper/README.md", readFileSync(join(root, "README.md")), 0o644);

// MANIFEST: every installed file but the conffile (the operator edits it), `sha256sum -c` format from /.
const installed = listFiles(stage).filter((f) => !f.startsWith("etc/") && !f.startsWith("usr/share/nodekeeper/"));
const manifest = installed.map((f) => `${sha256(readFileSync(join(stage, f)))}  ${f}\n`).join("");
install("usr/share/nodekeeper/MANIFEST", manifest, 0o644);
if (signingKey) {
  run("openssl", ["dgst", "-sha256", "-sign", signingKey, "-out", join(stage, "usr/share/nodekeeper/MANIFEST.sig"), join(stage, "usr/share/nodekeeper/MANIFEST")], process.env);
  chmodSync(join(stage, "usr/share/nodekeeper/MANIFEST.sig"), 0o644);
}
// The executable checks the tree it is part of: the manifest sealed above and the MANIFEST.
const checked = spawnSync(exe, ["verify-install", "--root", stage], { env: bare, encoding: "utf8" });
if (checked.status !== 0) fail(`verify-install on the staged tree failed:\n${checked.stdout}${checked.stderr}`);

// ---- 5. The Debian package and the tarball ---------------------------------------------------

const debian = join(stage, "DEBIAN");
mkdirSync(debian, { mode: 0o755 });
const installedSizeKb = Math.ceil(installed.reduce((n, f) => n + statSync(join(stage, f)).size, 0) / 1024);
writeFileSync(join(debian, "control"), [
  "Package: nodekeeper",
  `Version: ${version}`,
  "Architecture: amd64",
  "Maintainer: nodekeeper maintainers <nodekeeper@example.com>",
  `Installed-Size: ${installedSizeKb}`,
  "Depends: libc6 (>= 2.28), libstdc++6 (>= 8), libgcc-s1, passwd",
  "Section: admin",
  "Priority: optional",
  "Homepage: https://example.com/nodekeeper",
  "Description: per-node health sidecar for a clustered product",
  " nodekeeper probes a cluster node (systemd units, Cassandra through nodetool,",
  " data folders, peers), reports its health to Mission Control once a minute and",
  " applies Mission Control's answer. One self-contained executable: no Node.js",
  " is needed on the node. The systemd units are installed but not enabled.",
  "",
].join("\n"));
writeFileSync(join(debian, "conffiles"), "/etc/nodekeeper/nodekeeper.json\n");
writeFileSync(join(debian, "md5sums"), listFiles(stage).filter((f) => !f.startsWith("DEBIAN/") && !f.startsWith("etc/"))
  .map((f) => `${createHash("md5").update(readFileSync(join(stage, f))).digest("hex")}  ${f}\n`).join(""));
for (const script of ["postinst", "prerm", "postrm"]) {
  install(`DEBIAN/${script}`, readFileSync(join(root, ".ci/debian", script)), 0o755);
}
chmodSync(join(debian, "control"), 0o644);
chmodSync(join(debian, "conffiles"), 0o644);
chmodSync(join(debian, "md5sums"), 0o644);
for (const script of ["postinst", "prerm", "postrm"]) run("sh", ["-n", join(debian, script)], process.env);

const deb = join(out, `nodekeeper_${version}_amd64.deb`);
run("dpkg-deb", ["--root-owner-group", "-Zgzip", "-z6", "--build", stage, deb], { ...process.env, SOURCE_DATE_EPOCH: epoch });

const tarName = `nodekeeper-${version}-linux-x64`;
const tarRoot = join(work, "tar", tarName);
mkdirSync(tarRoot, { recursive: true });
for (const top of ["usr", "lib", "etc"]) cpSync(join(stage, top), join(tarRoot, top), { recursive: true });
mkdirSync(join(tarRoot, "scripts"));
for (const script of ["postinst", "prerm", "postrm"]) copyFileSync(join(debian, script), join(tarRoot, "scripts", script));
const tarball = join(out, `${tarName}.tar.gz`);
run("tar", ["--sort=name", "--owner=0", "--group=0", "--numeric-owner", `--mtime=@${epoch}`, "-C", join(work, "tar"), "-czf", tarball, tarName], { ...process.env, GZIP: "-n6" });

// ---- 6. Checksums and signature -----------------------------------------------------------------

const sums = [deb, tarball].map((f) => `${sha256(readFileSync(f))}  ${relative(out, f)}\n`).join("");
writeFileSync(join(out, "SHA256SUMS"), sums);
if (signingKey) {
  run("openssl", ["dgst", "-sha256", "-sign", signingKey, "-out", join(out, "SHA256SUMS.sig"), join(out, "SHA256SUMS")], process.env);
  say(`signed with ${signingKey}: SHA256SUMS.sig, /usr/share/nodekeeper/MANIFEST.sig`);
} else {
  writeFileSync(join(out, "UNSIGNED"), "This release was built without NODEKEEPER_SIGNING_KEY: SHA256SUMS and MANIFEST are not signed.\n");
  say("UNSIGNED: NODEKEEPER_SIGNING_KEY is not set; SHA256SUMS.sig and MANIFEST.sig were not made");
}
rmSync(work, { recursive: true, force: true });
for (const f of readdirSync(out)) say(`  ${f} ${mb(statSync(join(out, f)).size)}`);
say(`done in ${((performance.now() - started) / 1000).toFixed(1)} s`);

// ---- helpers --------------------------------------------------------------------------------------

function fail(message) {
  process.stderr.write(`release: ERROR: ${message}\n`);
  process.exit(1);
}

function run(command, args, env, options = {}) {
  const r = spawnSync(command, args, { env, encoding: "utf8", timeout: 300_000, maxBuffer: 64 * 1024 * 1024, ...options }); // 5 min: the last resort
  // status and report answer 0–5 on a sick node; more is a failure.
  if (r.error || r.status === null || r.status > 5) {
    fail(`\`${command} ${args.join(" ")}\` failed (${r.error?.message ?? `exit ${r.status}, signal ${r.signal}`}):\n${r.stderr}`);
  }
  return r;
}

function sha256(data) {
  return createHash("sha256").update(data).digest("hex");
}

function kb(n) {
  return `${(n / 1024).toFixed(0)} KiB`;
}

function mb(n) {
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** esbuild keeps non-ASCII in comments: escaped, so the loader can read main.cjs as Latin-1. */
function asciiOnly(file) {
  const text = readFileSync(file, "utf8");
  writeFileSync(file, text.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`));
}

/** Writes the manifest's offset and the executable's sha256 (with both fields as zeros) into the executable. */
function sealManifest(file) {
  const bytes = readFileSync(file);
  const mark = Buffer.from(`${MARK} ${version} `, "latin1");
  const at = bytes.indexOf(mark);
  if (at < 0 || bytes.indexOf(mark, at + 1) >= 0) fail(`the manifest line must be in the executable exactly once (found ${at < 0 ? "none" : "more"})`);
  const offsetAt = at + mark.length;
  const hashAt = offsetAt + 17;
  if (bytes.subarray(offsetAt, hashAt + 64).toString("latin1") !== `${"0".repeat(16)} ${"0".repeat(64)}`) fail("the manifest line in the executable is not the one injected");
  const digest = sha256(bytes);
  const fd = openSync(file, "r+");
  try {
    writeSync(fd, Buffer.from(String(offsetAt).padStart(16, "0"), "latin1"), 0, 16, offsetAt);
    writeSync(fd, Buffer.from(digest, "latin1"), 0, 64, hashAt);
  } finally {
    closeSync(fd);
  }
}

/** The units `nodekeeper systemd` writes, for the installed paths (the same code, bundled for this script). */
async function units(config) {
  const file = join(work, "units.mjs");
  await build({
    absWorkingDir: root, bundle: true, platform: "node", format: "esm", outfile: file, logLevel: "warning",
    stdin: { contents: `export { renderUnits } from "./src/commands/systemd-units.ts";`, resolveDir: root, loader: "ts" },
  });
  const { renderUnits } = await import(pathToFileURL(file).href);
  return renderUnits({
    nodekeeperPath: "/usr/bin/nodekeeper",
    nodePath: null,
    configFile: "/etc/nodekeeper/nodekeeper.json",
    stateDir: config.stateDir,
    dataDirs: config.directories.map((d) => d.path),
    user: "nodekeeper",
    intervalSec: 60,
  });
}

function listFiles(dir, prefix = "") {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((e) => {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    return e.isDirectory() ? listFiles(dir, rel) : [rel];
  }).sort();
}

/** A throwaway node for training and smoke runs: a temporary state folder, a nodetool printing Cassandra 4.1's status, the server API on a closed loopback port. */
function throwawayNode() {
  const dir = mkdtempSync(join(tmpdir(), "nk-release-"));
  const nodetool = join(dir, "nodetool");
  // A shell script, not a node one: the smoke runs have no node on PATH.
  writeFileSync(nodetool, `#!/bin/sh
[ "$1" = status ] || { echo "nodetool: Found unexpected parameters: [$1]"; exit 1; }
cat <<'EOF'
Datacenter: dc1
===============
Status=Up/Down
|/ State=Normal/Leaving/Joining/Moving
--  Address    Load        Tokens  Owns (effective)  Host ID                               Rack
UN  127.0.0.1  1.21 GiB    16      100.0%            6d2f4c1a-0b9e-4a57-9a43-2f1f0f8f6a11  rack1
EOF
`);
  chmodSync(nodetool, 0o755);
  const config = join(dir, "nodekeeper.json");
  writeFileSync(config, JSON.stringify({
    clusterId: "build", nodeId: "build-1", nodeIp: "127.0.0.1", stateDir: join(dir, "state"),
    server: { url: "https://127.0.0.1:1" }, // closed: refused at once
    cassandra: { nodetool: [nodetool] },
    directories: [{ path: dir }],
    log: { level: "silent" },
  }));
  return { dir, config };
}

/** An environment with a PATH that has no node: a folder of links to the few tools the probes run. */
function bareEnv() {
  const bin = join(work, "bare-bin");
  mkdirSync(bin, { recursive: true });
  for (const tool of ["sh", "cat", "nice", "ionice"]) {
    const found = ["/usr/bin", "/bin"].map((d) => join(d, tool)).find((p) => existsSync(p));
    if (found && !existsSync(join(bin, tool))) execFileSync("ln", ["-s", found, join(bin, tool)]);
  }
  return { PATH: bin, HOME: work, LANG: "C.UTF-8", NO_COLOR: "1" };
}

function copyright() {
  return `Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: nodekeeper
Source: https://example.com/nodekeeper

Files: *
Copyright: 2026 nodekeeper maintainers
License: proprietary
 UNLICENSED: all rights reserved. The executable embeds Node.js (MIT license,
 https://github.com/nodejs/node/blob/main/LICENSE) and the npm packages
 commander, execa, p-limit, pino, undici and zod (MIT licenses).
`;
}

/** A man page from --help: the options and commands, as the executable states them. */
function manPage(help) {
  const escaped = help.replace(/\\/g, "\\e").split("\n").map((l) => (l.startsWith(".") || l.startsWith("'") ? `\\&${l}` : l)).join("\n");
  return `.TH NODEKEEPER 1 "" "nodekeeper ${version}" "User Commands"
.SH NAME
nodekeeper \\- per-node health sidecar: probes this node, reports to Mission Control
.SH SYNOPSIS
.B nodekeeper
[\\fB\\-\\-config\\fR \\fIFILE\\fR] \\fICOMMAND\\fR
.SH DESCRIPTION
.nf
${escaped}
.fi
.SH FILES
/etc/nodekeeper/nodekeeper.json, /var/lib/nodekeeper, /usr/share/doc/nodekeeper/README.md
`;
}

function changelog() {
  const date = new Date(Number(epoch) * 1000 || Date.now()).toUTCString().replace("GMT", "+0000");
  return `nodekeeper (${version}) stable; urgency=medium

  * Release ${version}: self-contained executable (Node.js ${process.version} inside).

 -- nodekeeper maintainers <nodekeeper@example.com>  ${date}
`;
}
