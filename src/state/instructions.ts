/**
 * The last valid instructions from Mission Control, recorded for the apply
 * step (src/contract/CONTRACT.md section 2: every valid 200 answer is recorded, atomically).
 *
 * Files in the state directory:
 * - `instructions.json`: `{version: 1, receivedAt, reportId, instructions}`,
 *   `instructions` as validated by `InstructionsSchema` (unknown fields gone).
 * - `instructions.prev.json`: the record before it, same format.
 *
 * Both are written with `writeFileAtomic`, so a crash leaves the previous or
 * the new content. Should `instructions.json` still be unreadable (disk
 * corruption, a hand edit), `readInstructions` falls back to the previous
 * record and says why; it never throws, and never trusts the file: every
 * read is validated with zod.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import * as z from "zod";
import { InstructionsSchema } from "../contract/answer.js";
import type { Instructions } from "../contract/answer.js";
import { writeFileAtomic } from "./atomic.js";

export const INSTRUCTIONS_FILE = "instructions.json";
export const PREVIOUS_INSTRUCTIONS_FILE = "instructions.prev.json";

/** A record is a few kB; the cap only guards against a stray huge file. */
const MAX_RECORD_BYTES = 4 * 1024 * 1024; // 4 MiB

export const InstructionsRecordSchema = z.object({
  version: z.literal(1),
  /** When the answer came, RFC 3339. */
  receivedAt: z.string().min(1),
  /** The report it answered. */
  reportId: z.string().min(1),
  instructions: InstructionsSchema,
});
export type InstructionsRecord = z.infer<typeof InstructionsRecordSchema>;

export type InstructionsRead =
  | { state: "absent" }
  | { state: "ok"; record: InstructionsRecord }
  /** instructions.json is unusable; the previous record is returned instead. */
  | { state: "fallback"; record: InstructionsRecord; reason: string }
  | { state: "unreadable"; reason: string };

type FileRead = { kind: "absent" } | { kind: "ok"; record: InstructionsRecord; raw: string } | { kind: "bad"; reason: string };

async function readRecord(path: string): Promise<FileRead> {
  let raw: string;
  try {
    raw = await readFile(path, "utf8");
  } catch (error) {
    if ((error as { code?: unknown }).code === "ENOENT") return { kind: "absent" };
    return { kind: "bad", reason: `cannot be read: ${(error as Error).message}` };
  }
  if (raw.length > MAX_RECORD_BYTES) return { kind: "bad", reason: `${raw.length} bytes: not a record` };
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { kind: "bad", reason: raw.length === 0 ? "is empty" : "is not valid JSON (torn or corrupt)" };
  }
  const parsed = InstructionsRecordSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { kind: "bad", reason: `is not a valid record: ${issue?.path.join(".") || "(root)"}: ${issue?.message ?? "invalid"}` };
  }
  return { kind: "ok", record: parsed.data, raw };
}

export async function readInstructions(stateDir: string): Promise<InstructionsRead> {
  try {
    const current = await readRecord(join(stateDir, INSTRUCTIONS_FILE));
    if (current.kind === "ok") return { state: "ok", record: current.record };
    const previous = await readRecord(join(stateDir, PREVIOUS_INSTRUCTIONS_FILE));
    if (current.kind === "absent") {
      // Never recorded, or only the previous survived a manual cleanup.
      return previous.kind === "ok"
        ? { state: "fallback", record: previous.record, reason: `${INSTRUCTIONS_FILE} is missing` }
        : { state: "absent" };
    }
    const why = `${INSTRUCTIONS_FILE} ${current.reason}`;
    if (previous.kind === "ok") return { state: "fallback", record: previous.record, reason: `${why}; using ${PREVIOUS_INSTRUCTIONS_FILE}` };
    const prevWhy = previous.kind === "bad" ? `${PREVIOUS_INSTRUCTIONS_FILE} ${previous.reason}` : `no ${PREVIOUS_INSTRUCTIONS_FILE}`;
    return { state: "unreadable", reason: `${why}; ${prevWhy}` };
  } catch (error) {
    return { state: "unreadable", reason: `instructions unreadable: ${(error as Error).message}` };
  }
}

export type InstructionsWrite = { ok: true; record: InstructionsRecord } | { ok: false; reason: string };

/**
 * Records validated instructions as the current record, keeping the current
 * one (if valid) as the previous. Never throws.
 */
export async function recordInstructions(
  stateDir: string,
  input: { receivedAt: string; reportId: string; instructions: Instructions },
): Promise<InstructionsWrite> {
  const parsed = InstructionsRecordSchema.safeParse({ version: 1, ...input });
  if (!parsed.success) return { ok: false, reason: `not recorded: invalid instructions: ${parsed.error.issues[0]?.message ?? "invalid"}` };
  try {
    const current = await readRecord(join(stateDir, INSTRUCTIONS_FILE));
    if (current.kind === "ok") {
      await writeFileAtomic(join(stateDir, PREVIOUS_INSTRUCTIONS_FILE), current.raw, { mode: 0o640 });
    }
    await writeFileAtomic(join(stateDir, INSTRUCTIONS_FILE), JSON.stringify(parsed.data, null, 2) + "\n", { mode: 0o640 });
    return { ok: true, record: parsed.data };
  } catch (error) {
    return { ok: false, reason: `instructions not recorded: ${(error as Error).message}` };
  }
}
