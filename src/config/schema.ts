/**
 * The configuration file: one JSON document, validated strictly. Unknown keys
 * are errors (a typo must never silently fall back to a default), and every
 * TypeScript type of the configuration comes from these schemas.
 */
import * as z from "zod";
import { RemediationConfigSchema } from "./remediation.js";
import { CassandraConfigSchema } from "./cassandra.js";
import { MissionControlConfigSchema } from "./mission-control.js";
import { ConnectivityConfigSchema, PeerSchema } from "./connectivity.js";
import { commandArgv, durationMs, filePath, httpsUrl, ipAddress, port } from "./common.js";

const HttpCheckSchema = z.strictObject({
  url: z.url({ protocol: /^https?$/ }),
  caFile: filePath.optional(),
  /** Skip TLS verification; shown by `status` so nobody forgets it is on. */
  insecureSkipVerify: z.boolean().default(false),
});

export const StatusSourceSchema = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("systemd"), unit: z.string().min(1) }),
  HttpCheckSchema.extend({
    type: z.literal("http"),
    expectStatus: z.number().int().min(100).max(599).default(200),
    /** A substring the body must contain. */
    expectBody: z.string().optional(),
  }),
  z.strictObject({ type: z.literal("tcp"), host: z.string().min(1).default("127.0.0.1"), port }),
  z.strictObject({ type: z.literal("command"), command: commandArgv }),
]);
export type StatusSource = z.infer<typeof StatusSourceSchema>;

const versionRegex = z.string().refine(
  (s) => { try { new RegExp(s); return true; } catch { return false; } },
  { message: "not a valid regular expression" },
);

export const VersionSourceSchema = z.discriminatedUnion("type", [
  /** A file whose content (or first capture group of `regex`) is the version. */
  z.strictObject({ type: z.literal("file"), path: filePath, regex: versionRegex.optional() }),
  z.strictObject({ type: z.literal("command"), command: commandArgv, regex: versionRegex.default("(\\S+)") }),
  /** A JSON endpoint; `field` is a dotted path such as `version.number`. */
  HttpCheckSchema.extend({ type: z.literal("http"), field: z.string().min(1) }),
]);
export type VersionSource = z.infer<typeof VersionSourceSchema>;

export const ComponentSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "lower-case letters, digits and dashes"),
  status: StatusSourceSchema,
  version: VersionSourceSchema.optional(),
  timeoutMs: durationMs(5_000),
});
export type Component = z.infer<typeof ComponentSchema>;
export type ComponentInput = z.input<typeof ComponentSchema>;

const percent = z.number().min(0).max(100);

export const DirectorySchema = z
  .strictObject({
    path: filePath,
    /** Below this share of free space: WARNING. */
    warnFreePercent: percent.default(15),
    /** Below this share of free space: ERROR. */
    minFreePercent: percent.default(5),
    /** Below this many free bytes: ERROR, whatever the percentage. */
    minFreeBytes: z.number().int().nonnegative().default(0),
    warnFreeInodesPercent: percent.default(10),
    minFreeInodesPercent: percent.default(2),
    /** Create, write, fsync and remove a small file to prove the directory takes writes. */
    writeTest: z.boolean().default(true),
    timeoutMs: durationMs(5_000),
  })
  .refine((d) => d.minFreePercent <= d.warnFreePercent, {
    message: "minFreePercent must not be above warnFreePercent",
    path: ["minFreePercent"],
  });
export type Directory = z.infer<typeof DirectorySchema>;
export type DirectoryInput = z.input<typeof DirectorySchema>;

/**
 * Where each node fact is found in the answer of the legacy single-endpoint
 * source (`server.factsSource: "node-status"`; dotted JSON paths).
 */
const NodeFactFieldsSchema = z.strictObject({
  masterNode: z.string().min(1).default("masterNode"),
  nodeState: z.string().min(1).default("nodeState"),
  serverState: z.string().min(1).default("serverState"),
  oneAgentTrafficEnabled: z.string().min(1).default("oneAgentTrafficEnabled"),
  webUiTrafficEnabled: z.string().min(1).default("webUiTrafficEnabled"),
  multiDcMigrationState: z.string().min(1).default("multiDcMigrationState"),
  clusterState: z.string().min(1).default("clusterState"),
  /** When the server process started: a change means it restarted. */
  startedAt: z.string().min(1).default("startedAt"),
});

/**
 * A fact the documented Cluster API v1 node endpoints do not carry
 * (masterNode, clusterState, multiDcMigrationState): `GET {server.url}{path}`
 * with the server's token; the value is the JSON answer itself, or the value
 * at `field` (a dotted path) of it, or the plain-text body when it is not JSON.
 * Absent: the contract's unknown value.
 */
export const ServerFactSourceSchema = z.strictObject({
  type: z.literal("http"),
  // eslint-disable-next-line no-control-regex -- control characters are what we refuse
  path: z.string().regex(/^\/[^\s\u0000-\u001f\u007f]*$/, "an absolute path such as /api/v1.0/onpremise/cluster/clusterState, without spaces"),
  field: z.string().min(1).optional(),
});
export type ServerFactSource = z.infer<typeof ServerFactSourceSchema>;

export const ServerConfigSchema = z.strictObject({
  /** The local server's management API. */
  url: httpsUrl.default("https://127.0.0.1:8021"),
  caFile: filePath.optional(),
  /** API token (`Authorization: Api-Token <token>`; ServiceProviderAPI permission). */
  tokenFile: filePath.optional(),
  timeoutMs: durationMs(5_000),
  /** This node's integer id in the server's node list; absent: found by nodekeeper's IP address. */
  nodeId: z.number().int().nonnegative().optional(),
  /**
   * Where the node facts come from: "cluster-api", the documented Cluster API v1
   * (GET /api/v1.0/onpremise/cluster and .../cluster/configuration); or
   * "node-status", one JSON object at `nodeStatusPath` read with `fields`, for
   * servers that offer such an endpoint.
   */
  factsSource: z.enum(["cluster-api", "node-status"]).default("cluster-api"),
  /** With factsSource "node-status": GET {url}{nodeStatusPath}. */
  nodeStatusPath: z.string().startsWith("/").default("/api/v1.0/onpremise/nodeManagement/nodeServerStatus"),
  fields: NodeFactFieldsSchema.default(NodeFactFieldsSchema.parse({})),
  /** Facts the Cluster API's node endpoints do not carry; each absent: the contract's unknown value. */
  masterNode: ServerFactSourceSchema.optional(),
  clusterState: ServerFactSourceSchema.optional(),
  multiDcMigrationState: ServerFactSourceSchema.optional(),
  /** The component whose status stands for the server (its systemd unit: liveness and restarts). */
  component: z.string().min(1).default("dynatrace-server"),
});
export type ServerConfig = z.infer<typeof ServerConfigSchema>;

/** The interval between cycles: 1 s to 1 h (beyond, a node is not watched; past ~24.8 days setTimeout overflows). */
export const MIN_INTERVAL_MS = 1_000;
export const MAX_INTERVAL_MS = 3_600_000;

export const ConfigSchema = z.strictObject({
  clusterId: z.string().min(1).default("unconfigured-cluster"),
  nodeId: z.string().min(1).default("unconfigured-node"),
  /** This node's IP for the report; otherwise the address that routes towards Mission Control. */
  nodeIp: ipAddress.optional(),
  stateDir: filePath.default("/var/lib/nodekeeper"),
  missionControl: MissionControlConfigSchema.default(MissionControlConfigSchema.parse({})),
  server: ServerConfigSchema.default(ServerConfigSchema.parse({})),
  cassandra: CassandraConfigSchema.default(CassandraConfigSchema.parse({})),
  /** Absent: the embedded default of a standard node (see defaults.ts). */
  components: z.array(ComponentSchema).optional(),
  directories: z.array(DirectorySchema).optional(),
  peers: z.array(PeerSchema).default([]),
  connectivity: ConnectivityConfigSchema.default(ConnectivityConfigSchema.parse({})),
  remediation: RemediationConfigSchema.default(RemediationConfigSchema.parse({})),
  probes: z
    .strictObject({
      /** How many probes run at once. */
      concurrency: z.number().int().min(1).max(64).default(8),
      /** Deadline for all probing in one cycle; a probe still running then is UNKNOWN. */
      deadlineMs: durationMs(30_000), // 30 s: two nodetool JVMs and the peers fit, a minute's cycle keeps room to send
    })
    .default({ concurrency: 8, deadlineMs: 30_000 }),
  cycle: z
    .strictObject({
      /**
       * Deadline of a whole `report` cycle from its start: probing, then sending
       * with retries; what is not sent by then stays in the outbox. Below the
       * interval, so cycles never pile up. (Remediation commands have their own
       * deadlines, remediation.commandTimeoutMs.)
       */
      deadlineMs: durationMs(50_000), // 50 s of a 60 s interval
      /**
       * Time between two cycles of `run` (its `--interval` overrides it; a
       * systemd timer has its own): 1 s to 1 h. The remediation windows are
       * checked against it (see refineSafety).
       */
      intervalMs: z.number().int().min(MIN_INTERVAL_MS).max(MAX_INTERVAL_MS).default(60_000), // 1 min
    })
    .default({ deadlineMs: 50_000, intervalMs: 60_000 }),
  checks: z
    .strictObject({
      /** `check cluster` is UNKNOWN when Mission Control's last answer is older than this. */
      clusterAnswerMaxAgeMs: durationMs(180_000), // 3 min: three missed minutes
    })
    .default({ clusterAnswerMaxAgeMs: 180_000 }),
  /** Thresholds of nodekeeper's own health (the `nodekeeper` component, `check self`); see src/probes/self.ts. */
  selfMonitoring: z
    .strictObject({
      /** The last cycle took this share of its deadline (cycle.deadlineMs): WARNING; the error share: ERROR. */
      cycleDurationWarningPercent: z.number().min(1).max(100).default(80),
      cycleDurationErrorPercent: z.number().min(1).max(100).default(100),
      /** Cycles in a row that could not deliver their report. */
      undeliveredWarning: z.number().int().min(1).default(3),
      undeliveredError: z.number().int().min(1).default(10),
      /** Time since a report was last delivered. */
      lastDeliveryWarningMs: durationMs(300_000), // 5 min: five missed minutes
      lastDeliveryErrorMs: durationMs(900_000), // 15 min
      /** Reports waiting in the outbox. */
      outboxWarning: z.number().int().min(1).default(5),
      outboxError: z.number().int().min(1).default(30),
    })
    .refine((s) => s.cycleDurationWarningPercent <= s.cycleDurationErrorPercent && s.undeliveredWarning <= s.undeliveredError
      && s.lastDeliveryWarningMs <= s.lastDeliveryErrorMs && s.outboxWarning <= s.outboxError, { message: "each warning threshold must not be above its error threshold" })
    .prefault({}),
  log: z
    .strictObject({
      level: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
      /** Log file; absent: JSON lines on stderr. */
      file: filePath.optional(),
    })
    .default({ level: "info" }),
}).superRefine((c, ctx) => {
  for (const problem of safetyProblems(c, { intervalMs: c.cycle.intervalMs, intervalKey: "cycle.intervalMs" })) {
    ctx.addIssue({ code: "custom", path: problem.path, message: problem.message });
  }
});

/**
 * Combinations of settings that would switch a safety rule off without a word.
 * `interval` is the cycle interval in force and the name to give it
 * (`cycle.intervalMs`, or `--interval` when the command line sets it).
 */
export function safetyProblems(
  c: { readonly remediation: { readonly consecutiveAnswersWithinMs: number; readonly stopAfterConsecutiveAnswers: number; readonly retryInitialDelayMs: number; readonly retryMaxDelayMs: number } },
  interval: { readonly intervalMs: number; readonly intervalKey: string },
): Array<{ path: string[]; message: string }> {
  const r = c.remediation;
  const problems: Array<{ path: string[]; message: string }> = [];
  // Two answers count as consecutive only when they come within the window;
  // answers come once per cycle, so a window shorter than the interval means
  // the stop is never confirmed: failover remediation silently off.
  if (r.stopAfterConsecutiveAnswers > 1 && r.consecutiveAnswersWithinMs < interval.intervalMs) {
    problems.push({
      path: ["remediation", "consecutiveAnswersWithinMs"],
      message: `remediation.consecutiveAnswersWithinMs (${r.consecutiveAnswersWithinMs} ms) is shorter than ${interval.intervalKey} (${interval.intervalMs} ms): answers come once per cycle, so no two would ever count as consecutive and failover remediation would never stop the server; make the window at least the interval (10 min for a 1 min interval is the default)`,
    });
  }
  if (r.retryInitialDelayMs > r.retryMaxDelayMs) {
    problems.push({
      path: ["remediation", "retryInitialDelayMs"],
      message: `remediation.retryInitialDelayMs (${r.retryInitialDelayMs} ms) is longer than remediation.retryMaxDelayMs (${r.retryMaxDelayMs} ms)`,
    });
  }
  return problems;
}
export type ConfigInput = z.input<typeof ConfigSchema>;
export type Config = z.infer<typeof ConfigSchema> & {
  components: Component[];
  directories: Directory[];
};
