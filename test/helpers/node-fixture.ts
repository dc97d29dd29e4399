/**
 * A simulated node for CLI tests: a temporary folder with a bin/ of fake
 * commands (systemctl), unit states, data directories and a config file.
 */
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathWith, ROOT, writeConfig } from "./cli.js";
import { tempDir, type TempOwner } from "./temp.js";

export interface NodeFixture {
  readonly dir: string;
  readonly binDir: string;
  readonly unitsDir: string;
  readonly stateDir: string;
  readonly env: Record<string, string>;
  /** Writes `config` (merged over a minimal base) and returns the file's path. */
  config(config: Record<string, unknown>): string;
  /** Sets a unit's `systemctl show` properties. */
  unit(unit: string, props: Record<string, string>): void;
}

/** The node's folder is removed when `owner` (usually the test's `t`) ends. */
export function makeNodeFixture(owner: TempOwner): NodeFixture {
  const dir = tempDir(owner, "nk-node-");
  const binDir = join(dir, "bin");
  const unitsDir = join(dir, "units");
  const stateDir = join(dir, "state");
  mkdirSync(binDir, { recursive: true });
  mkdirSync(unitsDir, { recursive: true });
  copyFileSync(join(ROOT, "test/helpers/fake-systemctl.sh"), join(binDir, "systemctl"));
  return {
    dir, binDir, unitsDir, stateDir,
    env: { PATH: pathWith(binDir), FAKE_SYSTEMCTL_DIR: unitsDir },
    config(config) {
      return writeConfig(dir, { clusterId: "cluster-a", nodeId: "node-1", stateDir, ...config });
    },
    unit(unit, props) {
      const lines = Object.entries({ Id: unit, ...props }).map(([k, v]) => `${k}=${v}`);
      writeFileSync(join(unitsDir, `${unit}.show`), lines.join("\n") + "\n");
    },
  };
}

export const RUNNING = { LoadState: "loaded", ActiveState: "active", SubState: "running", Result: "success", ActiveEnterTimestamp: "Sat 2026-11-21 05:00:00 UTC" };
export const FAILED = { LoadState: "loaded", ActiveState: "failed", SubState: "failed", Result: "exit-code", ActiveEnterTimestamp: "" };
