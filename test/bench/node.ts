/**
 * The benchmark node: a temporary folder with fast fake `systemctl` and
 * `nodetool` (shell scripts printing real nodetool samples), a data folder,
 * a config file, and optionally a Mission Control on loopback. Nothing here
 * waits on a network: every address is 127.0.0.1 and the server API port is
 * closed, so it is refused at once.
 */
import { appendFileSync, copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, pathWith, tempDir, writeConfig, writeScript } from "../helpers/cli.js";

export interface BenchNode {
  readonly dir: string;
  readonly env: Record<string, string>;
  readonly nodetoolLog: string;
  config(extra?: Record<string, unknown>): string;
}

const SAMPLES = join(ROOT, "test/fixtures/nodetool/4.1");

export function makeBenchNode(): BenchNode {
  const dir = tempDir("nk-bench-");
  const bin = join(dir, "bin");
  mkdirSync(bin);
  mkdirSync(join(dir, "data"));
  copyFileSync(join(ROOT, "test/helpers/fake-systemctl.sh"), join(bin, "systemctl"));
  writeScript(bin, "systemctl-units", "");
  const nodetoolLog = join(dir, "nodetool.log");
  appendFileSync(nodetoolLog, "");
  // A nodetool that answers like Cassandra 4.1 without a JVM: the benchmark
  // measures nodekeeper, not Java's start-up.
  const nodetool = writeScript(bin, "nodetool", `#!/bin/sh
echo "$*" >> ${nodetoolLog}
case "$1" in
  status) cat ${SAMPLES}/status-multidc-down.txt ;;
  info) cat ${SAMPLES}/info-gossip-native-disabled.txt ;;
  version) cat ${SAMPLES}/version.txt ;;
  tpstats) cat ${SAMPLES}/tpstats-json-repair-validation-active.txt ;;
  listpendinghints) cat ${SAMPLES}/listpendinghints-several.txt ;;
  repair_admin) cat ${SAMPLES}/repair_admin-list-empty.txt ;;
  netstats) cat ${SAMPLES}/netstats-idle.txt ;;
  describecluster) cat ${SAMPLES}/describecluster-healthy-mixed-versions.txt ;;
  compactionstats) cat ${SAMPLES}/compactionstats-idle.txt ;;
  *) echo "nodetool: Found unexpected parameters: [$1]"; echo "See 'nodetool help' or 'nodetool help <command>'."; exit 1 ;;
esac
`);
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
