/** Health statuses of the contract (section 1), and how they combine. */
import * as z from "zod";

export const StatusSchema = z.enum(["OK", "WARNING", "ERROR", "UNKNOWN", "NOT_INSTALLED"]);
export type Status = z.infer<typeof StatusSchema>;

/**
 * Severity order for "the worst status wins". NOT_INSTALLED is not a fault of a
 * running node (an optional component that is absent), so it ranks with OK.
 */
const SEVERITY: Record<Status, number> = { OK: 0, NOT_INSTALLED: 0, WARNING: 1, UNKNOWN: 2, ERROR: 3 };

export function worstStatus(statuses: Iterable<Status>): Status {
  let worst: Status = "OK";
  for (const s of statuses) if (SEVERITY[s] > SEVERITY[worst]) worst = s;
  return worst;
}

