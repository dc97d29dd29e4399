/**
 * Test-time PKI made with the real `openssl`: a CA, server certificates for
 * loopback addresses, a client certificate, a second unrelated CA, and an
 * expired certificate. Nothing is committed: keys are made fresh per run.
 */
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { atExit, tempDir } from "./temp.js";

export interface CertPair {
  readonly certFile: string;
  readonly keyFile: string;
  readonly cert: string;
  readonly key: string;
}

export interface TestPki {
  readonly dir: string;
  readonly ca: CertPair;
  /** A CA that signed nothing we trust: its certificates must be refused. */
  readonly otherCa: CertPair;
  /** Server certificate for localhost, 127.0.0.1–127.0.0.9 and ::1, signed by `ca`. */
  readonly server: CertPair;
  /** Same names, signed by `otherCa`. */
  readonly serverFromOtherCa: CertPair;
  /** Same names, signed by `ca`, but expired. */
  readonly expiredServer: CertPair;
  /** A client certificate signed by `ca`. */
  readonly client: CertPair;
}

function openssl(args: string[], cwd: string): void {
  execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
}

function pair(dir: string, name: string): CertPair {
  const certFile = join(dir, `${name}.crt`);
  const keyFile = join(dir, `${name}.key`);
  return { certFile, keyFile, cert: readFileSync(certFile, "utf8"), key: readFileSync(keyFile, "utf8") };
}

function makeCa(dir: string, name: string): void {
  openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
    "-keyout", `${name}.key`, "-out", `${name}.crt`, "-days", "2", "-subj", `/CN=${name}`,
    "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"], dir);
}

function makeLeaf(dir: string, name: string, ca: string, opts: { client?: boolean; expired?: boolean } = {}): void {
  const loopbacks = Array.from({ length: 9 }, (_, i) => `IP:127.0.0.${i + 1}`).join(",");
  const ext = [
    "basicConstraints=CA:FALSE",
    `extendedKeyUsage=${opts.client ? "clientAuth" : "serverAuth"}`,
    `subjectAltName=DNS:localhost,${loopbacks},IP:::1`,
  ].join("\n");
  writeFileSync(join(dir, `${name}.ext`), ext + "\n");
  openssl(["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
    "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", `/CN=${name}`], dir);
  // An expired certificate: OpenSSL 3.0 has no -not_after, but -days -1 gives
  // a notAfter one day before now, which every TLS stack refuses as expired.
  const validity = ["-days", opts.expired ? "-1" : "2"];
  openssl(["x509", "-req", "-in", `${name}.csr`, "-CA", `${ca}.crt`, "-CAkey", `${ca}.key`,
    "-CAcreateserial", "-out", `${name}.crt`, "-extfile", `${name}.ext`, ...validity], dir);
}

let cached: TestPki | undefined;

/** Makes (once per process) a fresh PKI in a temporary folder. */
export function makeTestPki(): TestPki {
  if (cached) return cached;
  // The folder holds private keys: gone when the test process ends (it is
  // cached for the whole process, so no single test owns it).
  const dir = tempDir(atExit, "nk-pki-");
  makeCa(dir, "ca");
  makeCa(dir, "other-ca");
  makeLeaf(dir, "server", "ca");
  makeLeaf(dir, "server-other", "other-ca");
  makeLeaf(dir, "server-expired", "ca", { expired: true });
  makeLeaf(dir, "client", "ca", { client: true });
  cached = {
    dir,
    ca: pair(dir, "ca"),
    otherCa: pair(dir, "other-ca"),
    server: pair(dir, "server"),
    serverFromOtherCa: pair(dir, "server-other"),
    expiredServer: pair(dir, "server-expired"),
    client: pair(dir, "client"),
  };
  return cached;
}
