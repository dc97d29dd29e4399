/** Peers and the `connectivity` configuration section (CONTRACT.md section 4). */
import { z } from "zod";
import { durationMs, filePath, ipAddress, port } from "../../config/common.js";

export const PeerSchema = z.strictObject({
  nodeId: z.string().min(1),
  /** The peer's IP address (never a host name: a cluster must not depend on DNS to see itself). */
  address: ipAddress,
  /** Where the peer's Cassandra listens, when not on `address`. */
  cassandraAddress: ipAddress.optional(),
});
export type Peer = z.infer<typeof PeerSchema>;

export const ConnectivityConfigSchema = z.strictObject({
  /** CA bundle that peers' server certificates are verified against. */
  caFile: filePath.optional(),
  hostPort: port.default(8018),
  serverPort: port.default(443),
  serverHealthPath: z.string().startsWith("/").default("/rest/health"),
  cassandraPorts: z.array(port).min(1).default([9042, 7000]),
  samples: z.number().int().min(1).max(20).default(3),
  concurrency: z.number().int().min(1).max(1024).default(32),
  timeoutMs: durationMs(2_000),
});
export type ConnectivityConfig = z.infer<typeof ConnectivityConfigSchema>;
