/**
 * The release as an operator gets it (issue 20): `npm run release` is built
 * once, signed with a key made here, into a temporary folder; then the .deb is
 * taken apart with dpkg-deb and its executable run with a PATH that has no
 * node, its files, modes and maintainer scripts checked, `verify-install` and
 * the checksums and signature tried before and after one byte changes, and
 * lintian run on the package.
 *
 * About 4-6 minutes on a loaded 2-core machine (the build ~2.5, lintian ~2:
 * it reads the ~90 MB executable). Skipped only where a linux-x64 executable
 * cannot be built at all; a missing tool (dpkg-deb, lintian, openssl, strip)
 * fails, naming what .ci/run installs.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync, writeSync, closeSync } from "node:fs";
import { createServer } from "node:net";
import type { Server } from "node:net";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { ROOT, runCli, writeConfig } from "../helpers/cli.js";
import { writeFakeNodetool41 } from "../helpers/fake-nodetool-41.js";
import { suiteOwner, tempDir } from "../helpers/temp.js";

const VERSION = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }).version;
const impossible = process.platform !== "linux" || process.arch !== "x64" ? `a linux-x64 executable cannot be built on ${process.platform}-${process.arch}` : false;

interface Run { code: number | null; stdout: string; stderr: string }

/** Runs a program to its end (no shell); generous deadline, for a loaded machine. */
function run(file: string, args: readonly string[], options: { env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env: options.env ?? process.env, cwd: options.cwd, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 120_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function listTree(dir: string, prefix = ""): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((e) => {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    return e.isDirectory() ? [`${rel}/`, ...listTree(dir, rel)] : [rel];
  }).sort();
}

function mode(path: string): string {
  return (statSync(path).mode & 0o7777).toString(8).padStart(4, "0");
}

/** Changes one byte of `file` at the first occurrence of `marker` (+ `shift`); returns the offset. */
function flipByte(file: string, marker: string, shift = 0): number {
  const bytes = readFileSync(file);
  const at = bytes.indexOf(Buffer.from(marker, "latin1"));
  assert.ok(at >= 0, `${marker} not in ${file}`);
  const fd = openSync(file, "r+");
  try {
    writeSync(fd, Buffer.from([bytes[at + shift]! ^ 0x01]), 0, 1, at + shift);
  } finally {
    closeSync(fd);
  }
  return at + shift;
}

describe("the release, installed as an operator would", { skip: impossible, timeout: 20 * 60_000 }, () => {
  const dir = tempDir(suiteOwner(), "nk-release-test-");
  const out = join(dir, "release");
  const root = join(dir, "root");
  const deb = join(out, `nodekeeper_${VERSION}_amd64.deb`);
  const tarball = join(out, `nodekeeper-${VERSION}-linux-x64.tar.gz`);
  const key = join(dir, "release-key.pem");
  const pub = join(dir, "release-key.pub.pem");
  const exe = join(root, "usr/bin/nodekeeper");
  let bareEnv: Record<string, string>;
  let node: { dir: string; config: string; port: number; server: Server };
  let build: Run;

  before(async () => {
    for (const tool of ["dpkg-deb", "lintian", "openssl", "strip", "sha256sum"]) {
      assert.equal(spawnSync("sh", ["-c", `command -v ${tool}`]).status, 0, `${tool} is needed: apt-get install dpkg lintian openssl binutils coreutils (.ci/run does)`);
    }
    assert.equal((await run("openssl", ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", key])).code, 0);
    assert.equal((await run("openssl", ["pkey", "-in", key, "-pubout", "-out", pub])).code, 0);
    build = await run(process.execPath, [join(ROOT, ".ci/release.mjs")], {
      env: { ...process.env, NODEKEEPER_SIGNING_KEY: key, NODEKEEPER_RELEASE_DIR: out }, timeoutMs: 15 * 60_000,
    });
    assert.equal(build.code, 0, `npm run release failed:\n${build.stderr}`);
    const extracted = await run("dpkg-deb", ["-x", deb, root]);
    assert.equal(extracted.code, 0, extracted.stderr);

    // A PATH with no node: links to the few tools the fake nodetool uses.
    const bin = join(dir, "bare-bin");
    mkdirSync(bin);
    for (const tool of ["sh", "cat"]) symlinkSync(`/bin/${tool}`, join(bin, tool));
    bareEnv = { PATH: bin, HOME: dir, LANG: "C.UTF-8", NO_COLOR: "1" };

    // A node: a component on a loopback port, a data folder, a nodetool printing Cassandra 4.1's samples.
    const server = createServer((s) => s.end());
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as { port: number }).port;
    const nodeDir = join(dir, "node");
    mkdirSync(join(nodeDir, "data"), { recursive: true });
    const nodetool = writeFakeNodetool41(join(nodeDir, "bin"));
    const config = writeConfig(nodeDir, {
      clusterId: "release-test", nodeId: "node-1", nodeIp: "127.0.0.1", stateDir: join(nodeDir, "state"),
      server: { url: "https://127.0.0.1:1" }, // closed: refused at once
      cassandra: { nodetool: [nodetool] },
      components: [{ name: "web", status: { type: "tcp", host: "127.0.0.1", port } }],
      directories: [{ path: join(nodeDir, "data") }],
      log: { level: "silent" },
    });
    node = { dir: nodeDir, config, port, server };
  });

  after(() => {
    node?.server.close();
  });

  test("the build says what it made, signed, and nothing is loaded from disk", () => {
    assert.match(build.stderr, /bundle: main\.cjs \d+ KiB \(undici inlined, dev left out\), nothing loaded from disk/);
    assert.match(build.stderr, /signed with /);
    assert.deepEqual(readdirSync(out).sort(), ["SHA256SUMS", "SHA256SUMS.sig", "nodekeeper", `nodekeeper-${VERSION}-linux-x64.tar.gz`, `nodekeeper_${VERSION}_amd64.deb`].sort());
  });

  test("the PATH of these runs has no node", async () => {
    const r = await run("/bin/sh", ["-c", "command -v node || echo none"], { env: bareEnv });
    assert.equal(r.stdout.trim(), "none");
  });

  test("the package holds exactly the files it should, with their modes", () => {
    assert.deepEqual(listTree(root), [
      "etc/", "etc/nodekeeper/", "etc/nodekeeper/nodekeeper.json",
      "lib/", "lib/systemd/", "lib/systemd/system/",
      "lib/systemd/system/nodekeeper-run.service", "lib/systemd/system/nodekeeper.service", "lib/systemd/system/nodekeeper.timer",
      "usr/", "usr/bin/", "usr/bin/nodekeeper",
      "usr/share/", "usr/share/doc/", "usr/share/doc/nodekeeper/",
      "usr/share/doc/nodekeeper/README.md", "usr/share/doc/nodekeeper/changelog.gz", "usr/share/doc/nodekeeper/copyright",
      "usr/share/lintian/", "usr/share/lintian/overrides/", "usr/share/lintian/overrides/nodekeeper",
      "usr/share/man/", "usr/share/man/man1/", "usr/share/man/man1/nodekeeper.1.gz",
      "usr/share/nodekeeper/", "usr/share/nodekeeper/MANIFEST", "usr/share/nodekeeper/MANIFEST.sig",
    ]);
    assert.equal(mode(exe), "0755");
    for (const f of ["lib/systemd/system/nodekeeper.service", "lib/systemd/system/nodekeeper.timer", "lib/systemd/system/nodekeeper-run.service",
      "etc/nodekeeper/nodekeeper.json", "usr/share/nodekeeper/MANIFEST", "usr/share/doc/nodekeeper/copyright"]) {
      assert.equal(mode(join(root, f)), "0644", f);
    }
    // Owned by root in the archive (dpkg-deb --root-owner-group).
    const listing = spawnSync("dpkg-deb", ["-c", deb], { encoding: "utf8" }).stdout.trim().split("\n");
    assert.ok(listing.length > 20 && listing.every((l) => l.split(/\s+/)[1] === "root/root"), listing.join("\n"));
    const field = (name: string) => spawnSync("dpkg-deb", ["-f", deb, name], { encoding: "utf8" }).stdout.trim();
    assert.equal(field("Package"), "nodekeeper");
    assert.equal(field("Version"), VERSION);
    assert.equal(field("Architecture"), "amd64");
  });

  test("the units are those `nodekeeper systemd` writes for /usr/bin/nodekeeper, not enabled", async () => {
    const service = readFileSync(join(root, "lib/systemd/system/nodekeeper.service"), "utf8");
    assert.match(service, /^ExecStart=\/usr\/bin\/nodekeeper --config \/etc\/nodekeeper\/nodekeeper\.json report --quiet$/m);
    assert.match(service, /^NoNewPrivileges=yes$/m);
    assert.match(service, /^ProtectSystem=strict$/m);
    assert.match(readFileSync(join(root, "lib/systemd/system/nodekeeper-run.service"), "utf8"), /^ExecStart=\/usr\/bin\/nodekeeper --config \/etc\/nodekeeper\/nodekeeper\.json run --interval 60s$/m);
    // Not enabled: no symlink in a .wants folder, and no maintainer script enables one.
    assert.ok(!listTree(root).some((f) => f.includes(".wants")));
    // The extracted executable renders the same units for its own paths.
    const printed = await run(exe, ["--config", join(root, "etc/nodekeeper/nodekeeper.json"), "systemd"], { env: bareEnv });
    assert.equal(printed.code, 0, printed.stderr);
    const rendered = printed.stdout.replaceAll(root, "");
    for (const unit of ["nodekeeper.service", "nodekeeper.timer", "nodekeeper-run.service"]) {
      assert.ok(rendered.includes(`# ---- ${unit}\n${readFileSync(join(root, "lib/systemd/system", unit), "utf8")}\n`), unit);
    }
  });

  test("the extracted executable runs --version, status --json and report --dry-run without node, as the bundled CLI does", async () => {
    const version = await run(exe, ["--version"], { env: bareEnv, cwd: node.dir });
    assert.deepEqual(version, { code: 0, stdout: `${VERSION}\n`, stderr: "" });

    const status = await run(exe, ["--config", node.config, "status", "--json"], { env: bareEnv, cwd: node.dir });
    assert.ok(status.code !== null && status.code <= 3, status.stderr);
    const view = JSON.parse(status.stdout) as { statusVersion: number; components: Array<{ name: string; status: string; resultCode: number; version: string | null }>; directories: Array<{ status: string; resultCode: number }> };
    assert.equal(view.statusVersion, 1);
    const self = view.components.find((c) => c.name === "nodekeeper");
    assert.deepEqual([self?.status, self?.resultCode, self?.version], ["OK", 0, VERSION]);
    const web = view.components.find((c) => c.name === "web");
    assert.deepEqual([web?.status, web?.resultCode], ["OK", 0]);
    assert.deepEqual(view.directories.map((d) => [d.status, d.resultCode]), [["OK", 0]]);

    // The same node through node and the bundled CLI (dist/, npm run build): the same verdicts.
    const viaNode = await runCli(["--config", node.config, "status", "--json"], { timeoutMs: 120_000 });
    const verdicts = (json: string) => {
      const v = JSON.parse(json) as typeof view & { overall: string; cassandra: { health: unknown } };
      return { overall: v.overall, components: v.components.map((c) => [c.name, c.status, c.resultCode]), directories: v.directories.map((d) => [d.status, d.resultCode]), cassandra: v.cassandra.health };
    };
    assert.deepEqual(verdicts(status.stdout), verdicts(viaNode.stdout));
    assert.equal(status.code, viaNode.code);

    const dry = await run(exe, ["--config", node.config, "report", "--dry-run"], { env: bareEnv, cwd: node.dir });
    assert.equal(dry.code, 0, dry.stderr);
    const body = JSON.parse(dry.stdout) as { schemaVersion: number; nodekeeperVersion: string; clusterId: string; nodeId: string; componentStatuses: Array<{ name: string; status: string }> };
    assert.deepEqual([body.schemaVersion, body.nodekeeperVersion, body.clusterId, body.nodeId], [1, VERSION, "release-test", "node-1"]);
    assert.deepEqual(body.componentStatuses.find((c) => c.name === "nodekeeper")?.status, "OK");
  });

  test("the example configuration is valid for the executable", async () => {
    const r = await run(exe, ["--config", join(root, "etc/nodekeeper/nodekeeper.json"), "config", "check"], { env: bareEnv });
    assert.equal(r.code, 0, r.stderr);
  });

  test("dev is not in the executable, and says so", async () => {
    const r = await run(exe, ["dev"], { env: bareEnv, cwd: node.dir });
    assert.equal(r.code, 64);
    assert.match(r.stderr, /the demo is not part of the release executable/);
  });

  test("maintainer scripts: sh -n, and run against a temporary root (user, state folder kept on upgrade, removed on purge)", async (t) => {
    const control = join(dir, "control");
    assert.equal((await run("dpkg-deb", ["-e", deb, control])).code, 0);
    assert.deepEqual(readdirSync(control).sort(), ["conffiles", "control", "md5sums", "postinst", "postrm", "prerm"]);
    assert.equal(readFileSync(join(control, "conffiles"), "utf8"), "/etc/nodekeeper/nodekeeper.json\n");
    for (const script of ["postinst", "prerm", "postrm"]) {
      assert.equal(mode(join(control, script)), "0755");
      const syntax = await run("sh", ["-n", join(control, script)]);
      assert.equal(syntax.code, 0, `${script}: ${syntax.stderr}`);
    }
    if (process.getuid?.() !== 0) {
      t.skip("useradd --prefix needs root: the scripts' syntax is checked, their run is not");
      return;
    }
    // A root of its own: its own user database; DPKG_ROOT makes the scripts work under it only.
    const fake = join(dir, "fake-root");
    mkdirSync(join(fake, "etc/nodekeeper"), { recursive: true });
    writeFileSync(join(fake, "etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n");
    writeFileSync(join(fake, "etc/group"), "root:x:0:\n");
    writeFileSync(join(fake, "etc/shadow"), "root:*:19000:0:99999:7:::\n", { mode: 0o640 });
    writeFileSync(join(fake, "etc/gshadow"), "root:*::\n", { mode: 0o640 });
    copyFileSync(join(root, "etc/nodekeeper/nodekeeper.json"), join(fake, "etc/nodekeeper/nodekeeper.json"));
    const env = { PATH: process.env["PATH"] ?? "/usr/sbin:/usr/bin:/sbin:/bin", DPKG_ROOT: fake };
    const script = async (name: string, ...args: string[]) => {
      const r = await run("sh", [join(control, name), ...args], { env });
      assert.equal(r.code, 0, `${name} ${args.join(" ")}: ${r.stderr}`);
    };
    await script("postinst", "configure", "");
    const passwd = readFileSync(join(fake, "etc/passwd"), "utf8");
    const user = /^nodekeeper:x:(\d+):(\d+):[^:]*:\/var\/lib\/nodekeeper:\/usr\/sbin\/nologin$/m.exec(passwd);
    assert.ok(user, passwd);
    assert.ok(Number(user[1]) < 1000, "a system user");
    assert.match(readFileSync(join(fake, "etc/group"), "utf8"), new RegExp(`^nodekeeper:x:${user[2]}:`, "m"));
    const state = join(fake, "var/lib/nodekeeper");
    assert.equal(mode(state), "0750");
    assert.deepEqual([statSync(state).uid, statSync(state).gid], [Number(user[1]), Number(user[2])]);
    const config = join(fake, "etc/nodekeeper/nodekeeper.json");
    assert.deepEqual([mode(config), statSync(config).uid, statSync(config).gid], ["0640", 0, Number(user[2])]);

    // An upgrade keeps every piece of state, and the user is not added twice.
    mkdirSync(join(state, "outbox"));
    writeFileSync(join(state, "outbox/report.json"), "{}");
    writeFileSync(join(state, "audit.jsonl"), "{}\n");
    await script("prerm", "upgrade", VERSION);
    await script("postrm", "upgrade", VERSION);
    await script("postinst", "configure", VERSION);
    assert.equal(readFileSync(join(fake, "etc/passwd"), "utf8").match(/^nodekeeper:/gm)?.length, 1);
    assert.deepEqual(readdirSync(state).sort(), ["audit.jsonl", "outbox"]);
    assert.equal(readFileSync(join(state, "outbox/report.json"), "utf8"), "{}");
    // Removal keeps the state; purge removes it.
    await script("prerm", "remove");
    await script("postrm", "remove");
    assert.ok(existsSync(join(state, "audit.jsonl")));
    await script("postrm", "purge");
    assert.ok(!existsSync(state));
  });

  test("verify-install: OK on the installed files, then names the one byte changed", async () => {
    const ok = await run(exe, ["verify-install", "--pubkey", pub], { env: bareEnv });
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /^nodekeeper verify-install: root .*\/root$/m);
    assert.match(ok.stdout, /^OK {6}usr\/bin\/nodekeeper: matches the manifest it carries \(nodekeeper 0\.1\.0\)$/m);
    assert.match(ok.stdout, /^OK {6}lib\/systemd\/system\/nodekeeper\.service: matches MANIFEST$/m);
    assert.match(ok.stdout, /^OK {6}signature: MANIFEST is signed by the key in /m);
    assert.match(ok.stdout, /^verify-install: OK$/m);
    const noKey = await run(exe, ["verify-install"], { env: bareEnv });
    assert.equal(noKey.code, 0);
    assert.match(noKey.stdout, /^NOTE {4}signature: not checked: give --pubkey FILE/m);

    // One byte of the executable (in a comment of the CLI inside it: the program still runs).
    const tampered = join(dir, "tampered");
    cpSync(root, tampered, { recursive: true });
    const tamperedExe = join(tampered, "usr/bin/nodekeeper");
    flipByte(tamperedExe, `/* nodekeeper ${VERSION}: the CLI inside the release executable`, 3);
    const changed = await run(tamperedExe, ["verify-install", "--pubkey", pub], { env: bareEnv });
    assert.equal(changed.code, 2, changed.stdout + changed.stderr);
    assert.match(changed.stdout, /^DIFFERS usr\/bin\/nodekeeper: CHANGED since the build: its content hashes to [0-9a-f]{16}…, the manifest it carries says [0-9a-f]{16}…$/m);
    assert.match(changed.stdout, /^DIFFERS usr\/bin\/nodekeeper: CHANGED: sha256 [0-9a-f]{16}…, MANIFEST says [0-9a-f]{16}…$/m);
    assert.match(changed.stdout, /^OK {6}lib\/systemd\/system\/nodekeeper\.service: matches MANIFEST$/m);
    assert.match(changed.stdout, /^verify-install: DIFFERS: usr\/bin\/nodekeeper$/m);

    // The tampered executable's own self component says so: ERROR 149, from start.
    const status = await run(tamperedExe, ["--config", node.config, "status", "--json"], { env: bareEnv, cwd: node.dir });
    const self = (JSON.parse(status.stdout) as { components: Array<{ name: string; status: string; resultCode: number; description: string }> }).components.find((c) => c.name === "nodekeeper");
    assert.deepEqual([self?.status, self?.resultCode], ["ERROR", 149]);
    assert.match(self?.description ?? "", /CHANGED since the release build/);
    assert.equal(status.code, 2);
    // And the record of that hash is kept for the next start (which compares one fstat, not 90 MB).
    const record = JSON.parse(readFileSync(join(node.dir, "state/self-check.json"), "utf8")) as { executable: string; expected: string; actual: string };
    assert.equal(record.executable, tamperedExe);
    assert.notEqual(record.actual, record.expected);
    const again = await run(tamperedExe, ["--config", node.config, "check", "components"], { env: bareEnv, cwd: node.dir });
    assert.equal(again.code, 2, again.stdout);
    assert.match(again.stdout, /nodekeeper/);

    // A unit changed, and the MANIFEST edited to match it: the signature says no.
    const unit = join(tampered, "lib/systemd/system/nodekeeper.timer");
    flipByte(unit, "OnCalendar=");
    const unitChanged = await run(exe, ["verify-install", "--root", tampered], { env: bareEnv });
    assert.equal(unitChanged.code, 2);
    assert.match(unitChanged.stdout, /^DIFFERS lib\/systemd\/system\/nodekeeper\.timer: CHANGED: sha256 /m);
    const manifest = join(tampered, "usr/share/nodekeeper/MANIFEST");
    flipByte(manifest, "  lib/systemd/system/nodekeeper.timer", -1);
    const badSignature = await run(exe, ["verify-install", "--root", tampered, "--pubkey", pub], { env: bareEnv });
    assert.equal(badSignature.code, 2);
    assert.match(badSignature.stdout, /^DIFFERS signature: BAD: MANIFEST\.sig does not match MANIFEST/m);
    rmSync(tampered, { recursive: true, force: true });
  });

  test("the tarball holds the same files, and the maintainer scripts", async () => {
    const listing = await run("tar", ["-tzf", tarball]);
    assert.equal(listing.code, 0);
    const prefix = `nodekeeper-${VERSION}-linux-x64/`;
    const files = listing.stdout.trim().split("\n").filter((l) => !l.endsWith("/")).map((l) => l.slice(prefix.length)).sort();
    const inDeb = listTree(root).filter((f) => !f.endsWith("/"));
    assert.deepEqual(files, [...inDeb, "scripts/postinst", "scripts/postrm", "scripts/prerm"].sort());
  });

  test("lintian: no errors; each warning is explained in the README", async () => {
    // lintian's own temp folders (mldbm-elf-*) go under the suite's folder: a lintian cut off by the
    // timeout leaves them behind otherwise.
    const lintianTmp = join(dir, "lintian-tmp");
    mkdirSync(lintianTmp, { recursive: true });
    const r = await run("lintian", ["--fail-on", "error", deb], { env: { ...process.env, TMPDIR: lintianTmp }, timeoutMs: 10 * 60_000 });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const lines = r.stdout.trim().split("\n").filter((l) => l !== "");
    assert.deepEqual(lines.filter((l) => l.startsWith("E:")), []);
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    for (const warning of lines.filter((l) => l.startsWith("W:"))) {
      const tag = /^W: nodekeeper: (\S+)/.exec(warning)?.[1] ?? warning;
      assert.ok(readme.includes(`\`${tag}\``), `lintian warning not explained in the README: ${warning}`);
    }
  });

  // Last: it changes the release files themselves.
  test("sha256sum -c and the signature pass on the release, and fail after a byte changes", async () => {
    const sums = await run("sha256sum", ["-c", "SHA256SUMS"], { cwd: out });
    assert.equal(sums.code, 0, sums.stdout + sums.stderr);
    assert.match(sums.stdout, new RegExp(`^nodekeeper_${VERSION.replaceAll(".", "\\.")}_amd64\\.deb: OK$`, "m"));
    const verify = () => run("openssl", ["dgst", "-sha256", "-verify", pub, "-signature", "SHA256SUMS.sig", "SHA256SUMS"], { cwd: out });
    const good = await verify();
    assert.deepEqual([good.code, good.stdout.trim()], [0, "Verified OK"]);

    flipByte(deb, "debian-binary");
    const broken = await run("sha256sum", ["-c", "SHA256SUMS"], { cwd: out });
    assert.notEqual(broken.code, 0);
    assert.match(broken.stdout, /_amd64\.deb: FAILED$/m);

    const sumsFile = join(out, "SHA256SUMS");
    chmodSync(sumsFile, 0o644);
    flipByte(sumsFile, "  nodekeeper_", -1);
    const bad = await verify();
    assert.notEqual(bad.code, 0);
    assert.match(bad.stdout + bad.stderr, /Verification failure/);
  });
});
