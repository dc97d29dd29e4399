/**
 * `nodekeeper verify-install [--root DIR] [--pubkey FILE]`: is the installed
 * release what was built and signed? Three checks, each said plainly:
 *
 * - the executable against the manifest of its own hash that it carries
 *   (src/effects/executable.ts; made by .ci/release.mjs);
 * - every installed file but the configuration (the executable, the systemd
 *   units, the documentation) against /usr/share/nodekeeper/MANIFEST, the
 *   sha256 list the release build wrote (`sha256sum -c` format, paths from /);
 * - MANIFEST against its signature, MANIFEST.sig (`openssl dgst -sha256 -sign`
 *   by the release key), with the public key the operator trusts (--pubkey).
 *   Without --pubkey the signature is not checked, and the answer says so: a
 *   key shipped beside the files it vouches for would prove nothing.
 *
 * The configuration (/etc/nodekeeper/nodekeeper.json) is the operator's to
 * edit and is not checked. Returns data; the CLI prints it.
 */
import { verify } from "node:crypto";
import { join, resolve } from "node:path";
import type { VerifyOutcome } from "../contract/outcomes.js";
import { fileHash, manifestInFile, sealedHash } from "../effects/executable.js";
import type { FileSystem } from "../effects/fs.js";

export const INSTALLED_EXECUTABLE = "usr/bin/nodekeeper";
export const MANIFEST_FILE = "usr/share/nodekeeper/MANIFEST";
export const SIGNATURE_FILE = "usr/share/nodekeeper/MANIFEST.sig";

export interface VerifyInstallOptions {
  /** The installation's root: "/" for a package installed on this machine. */
  readonly root: string;
  /** PEM public key of the release; absent: the signature is not checked. */
  readonly pubkeyFile?: string | undefined;
  /** Where MANIFEST, its signature and the key are read: the file-system effect. */
  readonly fs: Pick<FileSystem, "readBytes">;
}

export interface Finding {
  /** What was checked: a path under the root, or "signature". */
  readonly subject: string;
  /** true matches, false differs, null not checked. */
  readonly ok: boolean | null;
  readonly detail: string;
}

export interface VerifyInstallResult {
  readonly root: string;
  readonly findings: readonly Finding[];
  /** Every check that ran matched, and the signature was checked when a key was given. */
  readonly ok: boolean;
  /** The subjects that differ, for the summary line. */
  readonly differing: readonly string[];
  /** `ok` as the outcome the command ends with (src/contract/outcomes.ts). */
  readonly outcome: VerifyOutcome;
}

/** Where the installed executable lies under the installation's root. */
const EXECUTABLE_SUFFIX = `/${INSTALLED_EXECUTABLE}`;

/**
 * The installation's root: --root as given (made absolute against `cwd`), else
 * from the path of the running executable, / for /usr/bin/nodekeeper; a
 * "usage" outcome when neither says.
 */
export function installRoot(input: { readonly root: string | undefined; readonly executable: string; readonly cwd: string }):
  { readonly ok: true; readonly root: string } | { readonly ok: false; readonly outcome: "usage"; readonly message: string } {
  if (input.root !== undefined) return { ok: true, root: resolve(input.cwd, input.root) };
  const exe = input.executable;
  if (exe.endsWith(EXECUTABLE_SUFFIX)) return { ok: true, root: exe.slice(0, -EXECUTABLE_SUFFIX.length) || "/" };
  return { ok: false, outcome: "usage", message: `verify-install: ${exe} is not an installed release (/usr/bin/nodekeeper under some root): give --root DIR` };
}

const short = (hex: string) => `${hex.slice(0, 16)}…`;

export async function verifyInstall(options: VerifyInstallOptions): Promise<VerifyInstallResult> {
  const at = (rel: string) => join(options.root, rel);
  const findings: Finding[] = [];
  findings.push(await checkExecutable(at(INSTALLED_EXECUTABLE), INSTALLED_EXECUTABLE));

  let manifest: Buffer | null = null;
  try {
    manifest = await options.fs.readBytes(at(MANIFEST_FILE));
  } catch (error) {
    findings.push({ subject: MANIFEST_FILE, ok: false, detail: `cannot be read (${code(error)}): not an installed nodekeeper release, or its MANIFEST is gone` });
  }
  if (manifest !== null) {
    const entries = parseManifest(manifest.toString("utf8"));
    if (entries.length === 0) findings.push({ subject: MANIFEST_FILE, ok: false, detail: "lists no file" });
    for (const entry of entries) findings.push(await checkListed(at(entry.path), entry));
    findings.push(await checkSignature(options.fs, manifest, at(SIGNATURE_FILE), options.pubkeyFile));
  }
  const differing = findings.filter((f) => f.ok === false).map((f) => f.subject);
  const ok = differing.length === 0;
  return { root: options.root, findings, ok, differing: [...new Set(differing)], outcome: ok ? "install-matches" : "install-differs" };
}

/** `sha256sum` lines: 64 hex, two spaces (or space and `*`), a relative path. Anything else is ignored. */
export function parseManifest(text: string): Array<{ sha256: string; path: string }> {
  return text.split("\n").flatMap((line) => {
    const m = /^([0-9a-f]{64}) [ *](\S.*)$/.exec(line);
    // Paths stay under the root: no absolute path, no `..`.
    if (!m || m[2]!.startsWith("/") || m[2]!.split("/").includes("..")) return [];
    return [{ sha256: m[1]!, path: m[2]! }];
  });
}

async function checkExecutable(file: string, subject: string): Promise<Finding> {
  try {
    const manifest = await manifestInFile(file);
    if (manifest === null) return { subject, ok: false, detail: "carries no manifest of its own hash: not a nodekeeper release executable" };
    const actual = await sealedHash(file, manifest);
    return actual === manifest.sha256
      ? { subject, ok: true, detail: `matches the manifest it carries (nodekeeper ${manifest.version})` }
      : { subject, ok: false, detail: `CHANGED since the build: its content hashes to ${short(actual)}, the manifest it carries says ${short(manifest.sha256)}` };
  } catch (error) {
    return { subject, ok: false, detail: `cannot be read (${code(error)})` };
  }
}

async function checkListed(file: string, entry: { sha256: string; path: string }): Promise<Finding> {
  try {
    const actual = await fileHash(file);
    return actual === entry.sha256
      ? { subject: entry.path, ok: true, detail: "matches MANIFEST" }
      : { subject: entry.path, ok: false, detail: `CHANGED: sha256 ${short(actual)}, MANIFEST says ${short(entry.sha256)}` };
  } catch (error) {
    return { subject: entry.path, ok: false, detail: `MISSING or unreadable (${code(error)})` };
  }
}

async function checkSignature(fs: Pick<FileSystem, "readBytes">, manifest: Buffer, signatureFile: string, pubkeyFile: string | undefined): Promise<Finding> {
  const subject = "signature";
  const signature = await fs.readBytes(signatureFile).catch(() => null);
  if (pubkeyFile === undefined) {
    return signature === null
      ? { subject, ok: null, detail: "not checked: this release is UNSIGNED (no MANIFEST.sig)" }
      : { subject, ok: null, detail: "not checked: give --pubkey FILE, the release's public key as you received it" };
  }
  if (signature === null) return { subject, ok: false, detail: "this release is UNSIGNED (no MANIFEST.sig), but a key was given" };
  let key: Buffer;
  try {
    key = await fs.readBytes(pubkeyFile);
  } catch (error) {
    return { subject, ok: false, detail: `the public key ${pubkeyFile} cannot be read (${code(error)})` };
  }
  try {
    // openssl dgst -sha256 -sign: RSA PKCS#1 v1.5 or ECDSA (DER) over SHA-256, which verify() reads for either key type.
    return verify("sha256", manifest, key, signature)
      ? { subject, ok: true, detail: `MANIFEST is signed by the key in ${pubkeyFile}` }
      : { subject, ok: false, detail: `BAD: MANIFEST.sig does not match MANIFEST under the key in ${pubkeyFile} (MANIFEST changed, or another key)` };
  } catch (error) {
    return { subject, ok: false, detail: `cannot be checked with ${pubkeyFile}: ${error instanceof Error ? error.message : String(error)}` };
  }
}

function code(error: unknown): string {
  return (error as { code?: string } | null)?.code ?? (error instanceof Error ? error.message : String(error));
}
