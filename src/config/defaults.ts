/**
 * The embedded default: a standard node of the product, used when no
 * configuration file is given. The units and folders are those of a default
 * install; each folder gets the same free-space thresholds.
 */
import type { ComponentInput, DirectoryInput } from "./schema.js";

/**
 * The product's systemd units. Each is a component named after its unit, the
 * name an operator types into `systemctl status`. nodekeeper itself and the
 * database as nodetool sees it ("cassandra") are added by the probes.
 */
export const DEFAULT_UNITS = [
  "dynatrace-nodekeeper", "dynatrace-cassandra", "dynatrace-elasticsearch", "dynatrace-server",
  "dynatrace-security-gateway", "dynatrace-nginx", "dynatrace-firewall",
] as const;

export const defaultComponents = (): ComponentInput[] =>
  DEFAULT_UNITS.map((unit) => ({ name: unit, status: { type: "systemd", unit: `${unit}.service` } }));

export const defaultDirectories = (): DirectoryInput[] =>
  [
    "/opt/dynatrace-managed",
    "/var/opt/dynatrace-managed",
    "/var/opt/dynatrace-managed/log",
    "/var/opt/dynatrace-managed/cassandra",
    "/var/opt/dynatrace-managed/elasticsearch",
    "/var/opt/dynatrace-managed/server/tenantData",
    "/var/opt/dynatrace-managed/server/replayData",
  ].map((path) => ({ path }));
