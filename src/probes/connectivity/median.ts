/** The median of a non-empty list (the mean of the two middle values for an even count); null when empty. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const upper = sorted[mid]!;
  return sorted.length % 2 === 1 ? upper : (sorted[mid - 1]! + upper) / 2;
}

/** Milliseconds rounded to the microsecond: finer digits are noise from the event loop. */
export function roundMs(ms: number): number {
  return Math.round(ms * 1_000) / 1_000;
}
