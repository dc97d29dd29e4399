/**
 * The offset between this node's clock and Mission Control's, from the `Date`
 * header of its answers. A node whose clock drifts produces reports whose
 * `generatedAt` lies, and TLS starts failing once the drift is large; `status`
 * shows the offset and warns beyond 30 s.
 *
 * Sign: offset = Mission Control's time − ours. Positive: our clock is behind.
 *
 * `Date` has a resolution of one second (RFC 9110 IMF-fixdate): the server's
 * time lies in [Date, Date + 1 s), so its middle is used, and the request's
 * own time is the middle of send and receive. The error is then within about
 * ±0.5 s plus half the round trip, far below the 30 s that matters.
 */

export const CLOCK_OFFSET_WARNING_MS = 30_000; // 30 s

/** Half the resolution of the Date header. */
const DATE_HALF_RESOLUTION_MS = 500;

/**
 * The offset in ms, or null when the header is absent or unparsable.
 * `sentAtMs` and `receivedAtMs` are wall-clock ms around the exchange.
 */
export function clockOffsetFromDate(
  dateHeader: string | undefined,
  sentAtMs: number,
  receivedAtMs: number,
): number | null {
  if (dateHeader === undefined || dateHeader.length > 100) return null;
  const serverMs = Date.parse(dateHeader);
  if (!Number.isFinite(serverMs)) return null;
  const localMs = (sentAtMs + receivedAtMs) / 2;
  return Math.round(serverMs + DATE_HALF_RESOLUTION_MS - localMs);
}

/** "UNKNOWN" without a measurement, "WARNING" beyond 30 s either way. */
export function clockOffsetStatus(offsetMs: number | null | undefined): "OK" | "WARNING" | "UNKNOWN" {
  if (offsetMs === null || offsetMs === undefined || !Number.isFinite(offsetMs)) return "UNKNOWN";
  return Math.abs(offsetMs) > CLOCK_OFFSET_WARNING_MS ? "WARNING" : "OK";
}

/** "local clock is 42.3 s behind Mission Control" — for `status`. */
export function describeClockOffset(offsetMs: number | null | undefined): string {
  if (offsetMs === null || offsetMs === undefined || !Number.isFinite(offsetMs)) {
    return "clock offset to Mission Control unknown (no Date header seen yet)";
  }
  const seconds = (Math.abs(offsetMs) / 1000).toFixed(1);
  if (Math.abs(offsetMs) < 1_000) return `local clock agrees with Mission Control (within 1 s: ${offsetMs} ms)`;
  const direction = offsetMs > 0 ? "behind" : "ahead of";
  const warning = clockOffsetStatus(offsetMs) === "WARNING" ? ` (over ${CLOCK_OFFSET_WARNING_MS / 1000} s: check NTP)` : "";
  return `local clock is ${seconds} s ${direction} Mission Control${warning}`;
}
