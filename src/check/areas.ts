/**
 * The areas `nodekeeper check <area>` knows, in the order help and errors list
 * them. Each has its own module (components.ts, directories.ts, cassandra.ts,
 * connectivity.ts, cluster.ts, self.ts) with the one function that decides its
 * state; thresholds.ts says which numbers each area's thresholds apply to.
 */
export const CHECK_AREAS = ["components", "directories", "cassandra", "connectivity", "cluster", "self"] as const;
export type CheckArea = (typeof CHECK_AREAS)[number];
