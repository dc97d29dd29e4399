/** Peers and the `connectivity` configuration section (src/contract/CONTRACT.md section 4). */
import * as z from "zod";
import { durationMs, filePath, ipAddress, port } from "./common.js";

/** An absolute path (and query); no white space or control characters, which would break the request line. */
const healthPath = z
  .string()
  .max(2_048)
  // eslint-disable-next-line no-control-regex -- control characters are what we refuse
  .regex(/^\/[^\s\u0000-\u001f\u007f]*$/, "an absolute path such as /rest/health, without spaces");
const cassandraPorts = z.array(port).min(1).max(8);

export const PeerSchema = z.strictObject({
  nodeId: z.string().min(1),
  /** The peer's IP address (never a host name: a cluster must not depend on DNS to see itself). */
  address: ipAddress,
  /** Where the peer's Cassandra listens, when not on `address`. */
  cassandraAddress: ipAddress.optional(),
  /** Per-peer overrides; absent: the `connectivity` value of the same name. */
  hostPort: port.optional(),
  serverPort: port.optional(),
  serverHealthPath: healthPath.optional(),
  cassandraPorts: cassandraPorts.optional(),
});
export type Peer = z.infer<typeof PeerSchema>;

export const ConnectivityConfigSchema = z.strictObject({
  /**
   * CA bundle that peers' server certificates are verified against. When set,
   * only this bundle is trusted (peers carry the cluster's own CA; a publicly
   * trusted certificate for a peer's IP is not a reason to trust it). Absent:
   * Node's bundled root certificates.
   */
  caFile: filePath.optional(),
  /**
   * Skip verification of peers' server certificates. Only ever on when the
   * configuration says so; every result and `status` then say it is off.
   */
  insecureSkipVerify: z.boolean().default(false),
  /** TCP port of the peer's nodekeeper (the "host" view). */
  hostPort: port.default(8018),
  serverPort: port.default(443),
  serverHealthPath: healthPath.default("/rest/health"),
  /** The health endpoint is healthy when it answers 200 with this body (surrounding white space ignored). */
  serverExpectBody: z.string().min(1).max(1_024).default("RUNNING"),
  /** Native transport and storage ports; Cassandra is connected when every one answers. */
  cassandraPorts: cassandraPorts.default([9042, 7000]),
  /** Samples per target, taken one after the other; the median is reported. */
  samples: z.number().int().min(1).max(20).default(3),
  /** Peers probed at once. */
  concurrency: z.number().int().min(1).max(1024).default(32),
  /** Deadline of one view of one peer, all its samples included, in ms (2 s). */
  timeoutMs: durationMs(2_000),
  /** Per-view deadlines in ms; absent: `timeoutMs`. */
  hostTimeoutMs: z.number().int().positive().max(86_400_000).optional(),
  serverTimeoutMs: z.number().int().positive().max(86_400_000).optional(),
  cassandraTimeoutMs: z.number().int().positive().max(86_400_000).optional(),
});
export type ConnectivityConfig = z.infer<typeof ConnectivityConfigSchema>;
