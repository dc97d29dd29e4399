/**
 * A fake `nodetool` as a plain shell script: no JVM and no node, so it runs
 * where only `sh` and `cat` are on PATH (the installed release's test) and
 * costs nothing per call (the benchmarks measure nodekeeper, not Java's
 * start-up). It prints Cassandra 4.1's real samples from
 * test/fixtures/nodetool/4.1; an unknown command gets nodetool's own
 * "Found unexpected parameters" answer and exit 1.
 */
import { join } from "node:path";
import { ROOT, writeScript } from "./cli.js";

const SAMPLES = join(ROOT, "test/fixtures/nodetool/4.1");

/** Writes `dir/nodetool` and returns its path; with `log`, each call's arguments are appended to that file, one line a call. */
export function writeFakeNodetool41(dir: string, log?: string): string {
  return writeScript(dir, "nodetool", `#!/bin/sh
${log === undefined ? "" : `echo "$*" >> ${log}\n`}case "$1" in
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
}
