/**
 * One probing pass: every probe of the node, under one engine (concurrency
 * limit, per-probe deadlines, one deadline for the whole pass). The result,
 * a Snapshot, is what `status` shows and what the health report is built from.
 */
import type { Config } from "../config/schema.js";
import type { Effects } from "../effects/index.js";
import { probeComponents, selfComponent } from "../probes/components.js";
import type { ComponentResult } from "../probes/components.js";
import { probeDirectories } from "../probes/directories.js";
import type { DirectoryResult } from "../probes/directories.js";
import { createProbeEngine } from "../probes/engine.js";
import type { ProbeTiming } from "../probes/engine.js";
import { resolveNodeIp } from "../probes/node-ip.js";
import { fallbackFacts, probeNodeFacts } from "../probes/node-facts.js";
import type { NodeFacts } from "../probes/node-facts.js";
import { readMaintenance } from "../state/maintenance.js";
import type { Maintenance } from "../state/maintenance.js";

export interface Snapshot {
  /** RFC 3339 UTC: when probing finished. */
  readonly generatedAt: string;
  readonly nodeIp: string;
  readonly components: readonly ComponentResult[];
  readonly directories: readonly DirectoryResult[];
  readonly nodeFacts: NodeFacts;
  readonly maintenance: Maintenance | null;
  /** Plain sentences about the machine itself (for example: systemd is not PID 1). */
  readonly notes: readonly string[];
  readonly timings: readonly ProbeTiming[];
  readonly durationMs: number;
}

export interface CollectOptions {
  /** Bypass caches (nodetool facts). */
  readonly fresh: boolean;
}

export async function collect(effects: Effects, config: Config, _options: CollectOptions): Promise<Snapshot> {
  const started = effects.clock.monotonic();
  const engine = createProbeEngine({
    clock: effects.clock,
    concurrency: config.probes.concurrency,
    deadlineMs: config.probes.deadlineMs,
  });
  const componentsPromise = probeComponents(effects, engine, config.components);
  const serverComponent = componentsPromise.then((r) => r.components.find((c) => c.name === config.server.component));
  const [components, directories, nodeIp, nodeFacts, maintenance] = await Promise.all([
    componentsPromise,
    probeDirectories(effects, engine, config.directories),
    resolveNodeIp(config.nodeIp, config.missionControl.url),
    engine.run("node-facts", config.server.timeoutMs,
      (signal) => probeNodeFacts(effects, config.server, serverComponent, signal),
      (failure) => fallbackFacts(undefined, failure.reason)),
    readMaintenance(config.stateDir),
  ]);
  return {
    generatedAt: new Date(effects.clock.now()).toISOString(),
    nodeIp,
    components: [selfComponent(), ...components.components],
    directories,
    nodeFacts,
    maintenance,
    notes: components.notes,
    timings: engine.timings,
    durationMs: effects.clock.monotonic() - started,
  };
}
