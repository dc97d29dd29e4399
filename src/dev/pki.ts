/**
 * The demo's certificates: a CA made for this run, and one server certificate
 * it signs for every loopback address the demo listens on (Mission Control,
 * node-1's server API, the peers' health endpoints). nodekeeper verifies TLS
 * everywhere, so the demo must present certificates it can verify; the CA file
 * is what the demo's configuration trusts.
 *
 * Node 20's `node:crypto` makes keys and reads certificates but cannot sign
 * one, so the `openssl` binary does it (EC P-256 keys: fast to make). Keys are
 * written with mode 600 inside the demo's folder and go away with it.
 */
import { chmod, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { ProcessRunner } from "../effects/process.js";
import { DEMO_ADDRESSES } from "./cluster.js";

export interface DemoPki {
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
}

/** Raised when the demo cannot run here; the message is one line for the person who ran it. */
export class DevSetupError extends Error {
  constructor(message: string, readonly exitCode: number) {
    super(message);
    this.name = "DevSetupError";
  }
}

const OPENSSL_TIMEOUT_MS = 20_000; // 20 s per command: key generation takes milliseconds, a loaded machine more
const VALIDITY_DAYS = "2"; // the demo lasts minutes; a short life for throw-away keys

export const EX_UNAVAILABLE = 69; // sysexits.h: a required program is missing

export async function makeDemoPki(runner: ProcessRunner, dir: string): Promise<DemoPki> {
  const openssl = async (args: string[]) => {
    const result = await runner.run(["openssl", ...args], { timeoutMs: OPENSSL_TIMEOUT_MS, cwd: dir, maxOutputBytes: 64 * 1024 });
    if (result.notFound) {
      throw new DevSetupError(
        "the demo needs the `openssl` program to make its TLS certificates (Node 20 cannot sign certificates), and it is not installed: install it (e.g. `apt-get install openssl`) and run again",
        EX_UNAVAILABLE,
      );
    }
    if (result.exitCode !== 0 || result.timedOut) {
      const why = result.timedOut ? `timed out after ${OPENSSL_TIMEOUT_MS} ms` : `exited with ${result.exitCode ?? result.signal ?? "?"}: ${result.stderr.trim().split("\n").pop() ?? ""}`;
      throw new DevSetupError(`openssl ${args[0] ?? ""} ${why}`, 70);
    }
  };
  await openssl([
    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
    "-keyout", "ca.key", "-out", "ca.crt", "-days", VALIDITY_DAYS, "-subj", "/CN=nodekeeper dev demo CA",
    "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
  ]);
  const names = ["DNS:localhost", ...DEMO_ADDRESSES.map((a) => `IP:${a}`)].join(",");
  await writeFile(join(dir, "server.ext"), ["basicConstraints=CA:FALSE", "keyUsage=critical,digitalSignature", "extendedKeyUsage=serverAuth", `subjectAltName=${names}`].join("\n") + "\n");
  await openssl(["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=nodekeeper dev demo"]);
  await openssl(["x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.crt", "-extfile", "server.ext", "-days", VALIDITY_DAYS]);
  await Promise.all([chmod(join(dir, "ca.key"), 0o600), chmod(join(dir, "server.key"), 0o600)]);
  return { caFile: join(dir, "ca.crt"), certFile: join(dir, "server.crt"), keyFile: join(dir, "server.key") };
}
