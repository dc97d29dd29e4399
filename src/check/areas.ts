/**
 * `nodekeeper check <area>`: one pure function per area, from probe data to a
 * Nagios state (and the health outcome the CLI turns into the exit code),
 * plugin output line, perfdata and a JSON document. The CLI probes
 * (commands/check.ts), calls one of these, prints `line` (or `json` with
 * --json) and exits with `exitCodeOf(outcome)`.
 *
 * Where each part lives:
 *
 * | area         | module          | numbers thresholds apply to                                      |
 * |--------------|-----------------|------------------------------------------------------------------|
 * | components   | components.ts   | none (the probes' own statuses decide)                           |
 * | directories  | directories.ts  | `free`: the LOWEST free-space percent of all directories         |
 * | cassandra    | cassandra.ts    | `hints`: hint files held for all peers; `down`: peers down       |
 * | connectivity | connectivity.ts | `latency`: worst latency in ms (host or server, any peer); `down`: peers not fully connected |
 * | cluster      | cluster.ts      | none (Mission Control's words decide)                            |
 * | self         | self.ts         | none (selfMonitoring in the configuration decides)               |
 *
 * Shared: areas.ts (the list of areas), thresholds.ts (`--warning` /
 * `--critical` in the Nagios range syntax of range.ts: a bare range applies
 * to the area's first number, `name=range` to a named one, several separated
 * by commas, `--warning hints=100,down=1`), result.ts (the result, its line
 * and JSON), nagios.ts (plugin output format), text.ts (wording).
 *
 * A critical range is checked before the warning range (guidelines). A number
 * that was asked to be judged but could not be measured makes the check
 * UNKNOWN, never OK.
 */
/** The areas, in the order help and errors list them. */
export const CHECK_AREAS = ["components", "directories", "cassandra", "connectivity", "cluster", "self"] as const;
export type CheckArea = (typeof CHECK_AREAS)[number];
