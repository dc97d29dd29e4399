/**
 * The values written by the kill -9 test: their size changes from one to the
 * next (about 1 KiB to 97 KiB), and each carries a digest of its number, so a
 * file mixing two writes cannot pass as either.
 *
 * The child validates with a small hand-written schema, not zod, so that each
 * of the hundreds of writer processes starts fast (see StateSchema in
 * store.ts); the parent checks every file with zod (store-kill.test.ts) and
 * with `isIntact`.
 */
import { createHash } from "node:crypto";
import type { StateSchema } from "../../src/state/store.js";

export interface KillTestValue {
  readonly n: number;
  readonly pad: string;
  readonly digest: string;
}

const digestOf = (n: number) => createHash("sha256").update(`value ${n}`).digest("hex");

export function killTestValue(n: number): KillTestValue {
  return { n, pad: String(n % 10).repeat(1024 * (1 + ((n * 37) % 97))), digest: digestOf(n) };
}

/** true when `value` is exactly what killTestValue(value.n) writes. */
export function isIntact(value: KillTestValue): boolean {
  const expected = killTestValue(value.n);
  return value.pad === expected.pad && value.digest === expected.digest;
}

export const killTestChildSchema: StateSchema<KillTestValue> = {
  safeParse(data) {
    const v = data as Partial<Record<keyof KillTestValue, unknown>> | null;
    if (
      typeof v === "object" && v !== null && Number.isInteger(v.n) && (v.n as number) >= 0 &&
      typeof v.pad === "string" && typeof v.digest === "string"
    ) {
      return { success: true, data: { n: v.n as number, pad: v.pad, digest: v.digest } };
    }
    return { success: false, error: { issues: [{ path: [], message: "not a kill-test value" }] } };
  },
};
