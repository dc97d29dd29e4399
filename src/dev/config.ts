/**
 * node-1's nodekeeper configuration for the demo: an ordinary configuration
 * file (validated by the real loader), pointing at the demo's loopback
 * servers and fake tools. Everything in it is an absolute path, so a person
 * can run `nodekeeper --config <it> status` from anywhere while the demo runs.
 */
import { join } from "node:path";
import type { ConfigInput } from "../config/schema.js";
import { CLUSTER_ID, THIS_NODE_ID, thisNode } from "./cluster.js";
import type { DemoPki } from "./pki.js";
import type { PeerPorts } from "./simulated-cluster.js";
import { toolArgv } from "./sim-files.js";

export interface DemoConfigInput {
  readonly nodeDir: string;
  readonly simDir: string;
  readonly runId: string;
  readonly demoPid: number;
  readonly speed: number;
  readonly pki: DemoPki;
  readonly tokenFile: string;
  readonly missionControlUrl: string;
  readonly serverApiUrl: string;
  readonly elasticsearchUrl: string;
  readonly peers: readonly PeerPorts[];
  /** Demo milliseconds the fake systemctl takes to stop or start the server. */
  readonly serverActionMs: number;
  /** Demo milliseconds the fake repair takes. */
  readonly repairMs: number;
  /** Demo milliseconds between cycles (a failed action is retried after one). */
  readonly intervalMs: number;
}

export function demoConfig(input: DemoConfigInput): ConfigInput {
  const { pki, speed } = input;
  const tool = (name: string, durationMs?: number, demoPid?: number) => toolArgv(name, {
    simDir: input.simDir, runId: input.runId,
    ...(durationMs !== undefined ? { durationMs: Math.max(1, durationMs / speed) } : {}),
    ...(demoPid !== undefined ? { demoPid } : {}),
  });
  const data = (name: string) => ({ path: join(input.nodeDir, "data", name) });
  return {
    clusterId: CLUSTER_ID,
    nodeId: THIS_NODE_ID,
    nodeIp: thisNode().address,
    stateDir: join(input.nodeDir, "state"),
    missionControl: {
      url: input.missionControlUrl,
      tokenFile: input.tokenFile,
      caFile: pki.caFile,
      // The demo talks to loopback only: an HTTPS_PROXY of the environment must not carry it elsewhere.
      proxy: "none",
      retry: { baseMs: 500, maxMs: 2_000, maxAttempts: 3 },
    },
    server: { url: input.serverApiUrl, caFile: pki.caFile },
    cassandra: {
      nodetool: tool("fake-nodetool"),
      timeoutMs: 10_000, // 10 s: the fake answers in a blink, a loaded laptop may take a while to start Node
      // nice/ionice make a real nodetool's JVM yield to Cassandra; the fake competes with nobody.
      lowPriority: false,
      lockWaitMs: 5_000,
    },
    components: [
      {
        name: "dynatrace-server",
        status: { type: "http", url: `${input.serverApiUrl}/rest/health`, caFile: pki.caFile, expectBody: "RUNNING" },
        // No version source: the server's version is the buildVersion of its Cluster API node entry.
      },
      {
        name: "dynatrace-elasticsearch",
        status: { type: "http", url: `${input.elasticsearchUrl}/_cluster/health`, expectBody: "\"status\":\"green\"" },
        version: { type: "http", url: `${input.elasticsearchUrl}/`, field: "version.number" },
      },
    ],
    directories: [data("cassandra"), data("elasticsearch"), data("server")],
    peers: input.peers.map((p) => ({
      nodeId: p.nodeId, address: p.address,
      hostPort: p.hostPort, serverPort: p.serverPort, cassandraPorts: [...p.cassandraPorts],
    })),
    connectivity: {
      caFile: pki.caFile,
      // One sample per view: the peers live in the demo's own process, where a median of three says nothing more.
      samples: 1,
      // 5 s: a peer that is down refuses at once, and a busy machine must not make a live one look down.
      timeoutMs: 5_000,
    },
    remediation: {
      enabled: true,
      stopServerCommand: [...tool("fake-server-control", input.serverActionMs), "stop"],
      startServerCommand: [...tool("fake-server-control", input.serverActionMs), "start"],
      repairCommand: tool("fake-repair", input.repairMs, input.demoPid),
      // A plain background process: `systemd-run` would need privileges the demo does not have.
      repairDetach: "background",
      commandTimeoutMs: 60_000,
      repairTimeoutMs: 600_000, // 10 min: far beyond the fake's few seconds
      retryInitialDelayMs: Math.max(1, Math.round(input.intervalMs / speed)),
      retryMaxDelayMs: Math.max(1, Math.round((4 * input.intervalMs) / speed)),
    },
    probes: { deadlineMs: 15_000 },
    cycle: { deadlineMs: 30_000 },
    log: { level: "info", file: join(input.nodeDir, "nodekeeper.log") },
  };
}
