/**
 * Shared helpers of the end-to-end CLI tests (cassandra-cli, connectivity-cli):
 * the "multi-DC, second DC down" scenario of every Cassandra version, the
 * peers a node of that ring is configured with, a runner for the built CLI
 * that can put it in a network namespace of its own, and process checks.
 *
 * Network rule: the nodetool samples name 10.x hosts, and configured peers are
 * probed for connectivity (TCP and HTTPS). Whatever may connect to a sample's
 * address runs through `runNodekeeper(..., { netns })`: a new network namespace
 * (`unshare -rn`, no root needed where user namespaces are allowed) that holds
 * nothing but its own `lo`, with the 10.x addresses put on that `lo`. There is
 * no other interface and so no route out: a packet to 10.x ends on that `lo`
 * (refused), and the namespace is gone when the process ends (nothing to
 * delete). The runner refuses to start the CLI if any interface other than
 * `lo` is present. Where namespaces are not available the tests that need one
 * are skipped, never run outside one.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { BIN, ROOT } from "../helpers/cli.js";
import type { CliResult } from "../helpers/cli.js";

export const FIXTURES = join(ROOT, "test", "fixtures", "nodetool");
export const FAKE_NODETOOL = join(ROOT, "test", "helpers", "fake-nodetool.mjs");

// ---------------------------------------------------------------------------
// The scenario: two data centers of three nodes each, dc2 down (DN) as seen
// from a node in dc1. Every version's sample has the same topology.

export type Version = "3.11" | "4.0" | "4.1" | "5.0";
export const VERSIONS: readonly Version[] = ["3.11", "4.0", "4.1", "5.0"];

export interface RingMemberSpec {
  readonly address: string;
  readonly dataCenter: "dc1" | "dc2";
  readonly ringState: "UN" | "DN";
}

export const RING: readonly RingMemberSpec[] = [
  { address: "10.10.1.11", dataCenter: "dc1", ringState: "UN" },
  { address: "10.10.1.12", dataCenter: "dc1", ringState: "UN" },
  { address: "10.10.1.13", dataCenter: "dc1", ringState: "UN" },
  { address: "10.20.1.11", dataCenter: "dc2", ringState: "DN" },
  { address: "10.20.1.12", dataCenter: "dc2", ringState: "DN" },
  { address: "10.20.1.13", dataCenter: "dc2", ringState: "DN" },
];
export const RING_ADDRESSES: readonly string[] = RING.map((m) => m.address);
export const DOWN_ADDRESSES: readonly string[] = RING.filter((m) => m.ringState === "DN").map((m) => m.address);

/** One answer of the fake nodetool (see test/helpers/fake-nodetool.mjs). */
export type FakeAnswer = string | { readonly stdout?: string; readonly stdoutText?: string; readonly exit?: number };

export interface CassandraScenario {
  readonly version: Version;
  /** `nodetool version` of the samples. */
  readonly release: string;
  /** This node's address in the ring; the other five members are its peers. */
  readonly local: string;
  /** FAKE_NODETOOL_MAP: nodetool command → sample. */
  readonly map: Readonly<Record<string, FakeAnswer>>;
  /** contract cassandraRepairState the version's samples give. */
  readonly repairState: "IDLE" | "RUNNING" | "FAILED";
  /** Hint files by ring address (listpendinghints, 4.1+); null: the version cannot tell. */
  readonly hints: Readonly<Record<string, number>> | null;
  /** Commands this version's nodetool does not have: nodekeeper must never run them once it knows the version. */
  readonly neverRun: readonly string[];
}

/** The sample `nodetool info` with some values changed, in the exact `%-23s: %s` layout. */
export function infoText(sample: string, values: Readonly<Record<string, string>>): string {
  let text = readFileSync(join(FIXTURES, sample), "utf8");
  for (const [label, value] of Object.entries(values)) {
    const re = new RegExp(`^${label.padEnd(23).replace(/[()]/g, "\\$&")}: .*$`, "m");
    if (!re.test(text)) throw new Error(`${sample} has no ${label} line`);
    text = text.replace(re, `${label.padEnd(23)}: ${value}`);
  }
  return text;
}

const unsupported = (sample: string): FakeAnswer => ({ stdout: sample, exit: 1 });

export const SCENARIOS: Readonly<Record<Version, CassandraScenario>> = {
  // 3.11: no listpendinghints, no repair_admin; nothing repairs (IDLE).
  // info.txt belongs to another ring: only its host ID is this ring's 10.10.1.11.
  "3.11": {
    version: "3.11",
    release: "3.11.17",
    local: "10.10.1.11",
    map: {
      status: "3.11/status-multidc-down.txt",
      version: "3.11/version.txt",
      info: { stdoutText: infoText("3.11/info.txt", { ID: "76b20010-c318-4754-886c-400eff88a1e3" }) },
      tpstats: "3.11/tpstats-json-hints-pending.txt",
      compactionstats: "3.11/compactionstats-idle.txt",
      netstats: "3.11/netstats-idle.txt",
      describecluster: "3.11/describecluster-schema-disagreement.txt",
      listpendinghints: unsupported("3.11/listpendinghints-unsupported.txt"),
      repair_admin: unsupported("3.11/repair_admin-unsupported.txt"),
    },
    repairState: "IDLE",
    hints: null,
    neverRun: ["listpendinghints", "repair_admin"],
  },
  // 4.0: no listpendinghints; the latest incremental session FAILED and nothing runs (FAILED).
  // This node is 10.10.1.12: the host ID and rack of 4.0/info.txt.
  "4.0": {
    version: "4.0",
    release: "4.0.14",
    local: "10.10.1.12",
    map: {
      status: "4.0/status-multidc-down.txt",
      version: "4.0/version.txt",
      info: "4.0/info.txt",
      tpstats: "4.0/tpstats-json-idle.txt",
      compactionstats: "4.0/compactionstats-idle.txt",
      netstats: "4.0/netstats-idle.txt",
      describecluster: "4.0/describecluster-ownership-error.txt",
      repair_admin: "4.0/repair_admin-list-all-failed.txt",
      "repair_admin summarize-repaired": { stdoutText: "no stats\n" }, // issue 17: no incremental repair history
      listpendinghints: unsupported("4.0/listpendinghints-unsupported.txt"),
    },
    repairState: "FAILED",
    hints: null,
    neverRun: ["listpendinghints"],
  },
  // 4.1: hints for 10.20.1.11 (14), 10.20.1.12 (14) and 10.10.1.13 (1), whose host IDs
  // are no ring member's, so they are matched by address; a validation and sessions run.
  // The only 4.1 info sample has gossip and CQL off: here both are on, and the host ID is 10.10.1.11's.
  "4.1": {
    version: "4.1",
    release: "4.1.6",
    local: "10.10.1.11",
    map: {
      status: "4.1/status-multidc-down.txt",
      version: "4.1/version.txt",
      info: {
        stdoutText: infoText("4.1/info-gossip-native-disabled.txt", {
          ID: "7f50d0ba-ca6b-4aa7-86fe-0fa1aba9b4f6",
          "Gossip active": "true",
          "Native Transport active": "true",
          "Generation No": "1718812345",
        }),
      },
      tpstats: "4.1/tpstats-json-repair-validation-active.txt",
      compactionstats: "4.1/compactionstats-idle.txt",
      netstats: "4.1/netstats-idle.txt",
      describecluster: "4.1/describecluster-healthy-mixed-versions.txt",
      repair_admin: "4.1/repair_admin-list-running.txt",
      "repair_admin summarize-repaired": { stdoutText: "no stats\n" }, // issue 17: no incremental repair history
      listpendinghints: "4.1/listpendinghints-several.txt",
    },
    repairState: "RUNNING",
    hints: { "10.10.1.12": 0, "10.10.1.13": 1, "10.20.1.11": 14, "10.20.1.12": 14, "10.20.1.13": 0 },
    neverRun: [],
  },
  // 5.0: hints for the three down members, by host ID; a validation runs (RUNNING).
  "5.0": {
    version: "5.0",
    release: "5.0.3",
    local: "10.10.1.11",
    map: {
      status: "5.0/status-multidc-down.txt",
      version: "5.0/version.txt",
      info: "5.0/info.txt",
      tpstats: "5.0/tpstats-json-validation.txt",
      compactionstats: "5.0/compactionstats-validation.txt",
      netstats: "5.0/netstats-idle.txt",
      describecluster: "5.0/describecluster-note.txt",
      repair_admin: "5.0/repair_admin-list-empty.txt",
      "repair_admin summarize-repaired": { stdoutText: "no stats\n" }, // issue 17: no incremental repair history
      listpendinghints: "5.0/listpendinghints-multidc-down.txt",
    },
    repairState: "RUNNING",
    hints: { "10.10.1.12": 0, "10.10.1.13": 0, "10.20.1.11": 12, "10.20.1.12": 9, "10.20.1.13": 11 },
    neverRun: [],
  },
};

export interface ScenarioPeer {
  readonly nodeId: string;
  /** The ring member this peer is. */
  readonly ring: RingMemberSpec;
  /** The configuration entry. */
  readonly config: { readonly nodeId: string; readonly address: string; readonly cassandraAddress?: string };
}

/**
 * The peers of the scenario's node: every other ring member. Each gets a
 * loopback `address` and its ring address as `cassandraAddress` (how the probe
 * finds it in the ring), except the last, configured by its ring address
 * alone (matched by `address`). Connectivity probes of the 10.x addresses are
 * safe only inside the namespace.
 */
export function scenarioPeers(scenario: CassandraScenario): ScenarioPeer[] {
  const others = RING.filter((m) => m.address !== scenario.local);
  return others.map((ring, i) => {
    const nodeId = `${ring.dataCenter}-node-${ring.address.split(".").pop() ?? String(i)}`;
    const config = i === others.length - 1
      ? { nodeId, address: ring.address }
      : { nodeId, address: `127.0.0.${21 + i}`, cassandraAddress: ring.address };
    return { nodeId, ring, config };
  });
}

// ---------------------------------------------------------------------------
// Running the CLI, in a network namespace where asked

export interface NetnsSupport {
  readonly ok: boolean;
  readonly reason: string;
}

let netnsProbe: NetnsSupport | undefined;

/** Whether `unshare -rn` with `ip` works here (checked once). */
export function netnsSupport(): NetnsSupport {
  if (netnsProbe) return netnsProbe;
  const r = spawnSync("unshare", ["-rn", "--", "ip", "link", "set", "lo", "up"], { encoding: "utf8", timeout: 10_000 });
  netnsProbe = r.status === 0
    ? { ok: true, reason: "" }
    : { ok: false, reason: `unshare -rn ip link set lo up: ${r.error?.message ?? (r.stderr.trim() || `exit ${String(r.status)}`)}` };
  return netnsProbe;
}

const PRIVATE_V4 = /^10\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;

/**
 * The shell run by `unshare -rn` before the CLI: loopback up, the addresses on
 * it, and a check that `lo` is the only interface (so no route leaves).
 */
function netnsScript(addresses: readonly string[]): string {
  for (const a of addresses) if (!PRIVATE_V4.test(a)) throw new Error(`not a 10.x address: ${a}`);
  return [
    "set -e",
    "ip link set lo up",
    ...addresses.map((a) => `ip addr add ${a}/32 dev lo`),
    `if ip -o link show | grep -v ': lo:' | grep -q .; then echo 'nk-e2e: an interface other than lo in the namespace' >&2; exit 97; fi`,
    'exec "$@"',
  ].join("\n");
}

export interface RunOptions {
  readonly env?: Record<string, string | undefined>;
  readonly timeoutMs?: number;
  /** Run inside a new network namespace whose `lo` carries these (10.x) addresses. */
  readonly netns?: readonly string[];
}

/** Runs `nodekeeper args` (the built CLI), like test/helpers/cli.ts runCli, optionally in a network namespace. */
export function runNodekeeper(args: readonly string[], options: RunOptions = {}): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const started = performance.now();
    const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: "1", NODEKEEPER_CONFIG: undefined, ...options.env };
    for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
    const [file, argv]: [string, string[]] = options.netns
      ? ["unshare", ["-rn", "--", "sh", "-c", netnsScript(options.netns), "nk-netns", process.execPath, BIN, ...args]]
      : [process.execPath, [BIN, ...args]];
    // unshare execs sh, which execs node: the child's pid is the CLI's.
    const child = spawn(file, argv, { env, cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const limit = options.timeoutMs ?? 60_000;
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`nodekeeper ${args.join(" ")} did not finish within ${limit} ms\n${stderr}`));
    }, limit);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (code === 97) reject(new Error(`network namespace not isolated: ${stderr}`));
      else resolvePromise({ code, signal, stdout, stderr, durationMs: performance.now() - started });
    });
  });
}

/** Parses stdout as JSON, with the run's stderr in the error when it is not. */
export function json<T = unknown>(r: CliResult): T {
  try {
    return JSON.parse(r.stdout) as T;
  } catch {
    throw new Error(`not JSON (exit ${String(r.code)}):\n${r.stdout.slice(0, 2_000)}\nstderr:\n${r.stderr.slice(0, 2_000)}`);
  }
}

// ---------------------------------------------------------------------------
// nodetool invocations and leftover processes

export interface NodetoolCall {
  readonly argv: readonly string[];
  readonly pid: number;
}

/** The fake nodetool's FAKE_NODETOOL_LOG: one entry per invocation (each one a JVM on a real node). */
export function nodetoolCalls(logFile: string): NodetoolCall[] {
  if (!existsSync(logFile)) return [];
  return readFileSync(logFile, "utf8").split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l) as NodetoolCall);
}

export { waitGone } from "../helpers/proc.js";
