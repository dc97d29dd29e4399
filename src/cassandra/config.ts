/** PLACEHOLDER written by the lead so the config schema compiles; the Cassandra work replaces it. */
import { z } from "zod";
import { commandArgv } from "../config/common.js";

export const CassandraConfigSchema = z.strictObject({
  nodetool: commandArgv.default(["/opt/dynatrace-managed/utils/cassandra-nodetool.sh"]),
});
export type CassandraConfig = z.infer<typeof CassandraConfigSchema>;
