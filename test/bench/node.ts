/**
 * The benchmark node: a temporary folder with fast fake `systemctl` and
 * `nodetool` (shell scripts printing real nodetool samples), a data folder,
 * a config file, and optionally a Mission Control on loopback. Nothing here
 * waits on a network: every address is 127.0.0.1 and the server API port is
 * closed, so it is refused at once.
 */
import { appendFileSync, copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, pathWith, writeConfig, writeScript } from "../helpers/cli.js";
import { writeFakeNodetool41 } from "../helpers/fake-nodetool-41.js";
import { atExit, tempDir } from "../helpers/temp.js";

export interface BenchNode {
  readonly dir: string;
  readonly env: Record<string, string>;
  readonly nodetoolLog: string;
  config(extra?: Record<string, unknown>): string;
}

/** The node's folder is removed when the benchmark process exits. */
export function makeBenchNode(): BenchNode {
  const dir = tempDir(atExit, "nk-bench-");
  const bin = join(dir, "bin");
  mkdirSync(bin);
  mkdirSync(join(dir, "data"));
  copyFileSync(join(ROOT, "test/helpers/fake-systemctl.sh"), join(bin, "systemctl"));
  writeScript(bin, "systemctl-units", "");
  const nodetoolLog = join(dir, "nodetool.log");
  appendFileSync(nodetoolLog, "");
  // A nodetool that answers like Cassandra 4.1 without a JVM: the benchmark
  // measures nodekeeper, not Java's start-up.
  const nodetool = writeFakeNodetool41(bin, nodetoolLog);
  const unitsDir = join(dir, "units");
  mkdirSync(unitsDir);
  for (const unit of ["dynatrace-server", "dynatrace-cassandra"]) {
    writeFileSync(join(unitsDir, `${unit}.service.show`), `Id=${unit}.service\nLoadState=loaded\nActiveState=active\nSubState=running\nResult=success\nActiveEnterTimestamp=\n`);
  }
  return {
    dir,
    nodetoolLog,
    env: { PATH: pathWith(bin), FAKE_SYSTEMCTL_DIR: unitsDir, NO_COLOR: "1" },
    config(extra = {}) {
      return writeConfig(dir, {
        clusterId: "bench", nodeId: "bench-1", nodeIp: "127.0.0.1", stateDir: join(dir, "state"),
        server: { url: "https://127.0.0.1:1" }, // closed: refused at once
        cassandra: { nodetool: [nodetool] },
        directories: [{ path: join(dir, "data") }],
        log: { level: "warn" },
        ...extra,
      }, `config-${Math.random().toString(36).slice(2)}.json`);
    },
  };
}
