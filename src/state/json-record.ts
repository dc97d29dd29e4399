/** Reading a small JSON record of the state folder that `status` shows as it is, or says why it cannot. */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type * as z from "zod";

export type RecordRead<T> = { state: "absent" } | { state: "ok"; value: T } | { state: "unreadable"; reason: string };

/**
 * `{stateDir}/{name}` parsed with `schema`. Never throws: a missing file is
 * "absent"; one that cannot be read, is not JSON or not in the schema's shape
 * is "unreadable", with the reason (`invalid` words the schema's first issue).
 */
export async function readJsonRecord<T>(
  stateDir: string,
  name: string,
  schema: z.ZodType<T>,
  invalid: (issue: z.core.$ZodIssue | undefined) => string,
): Promise<RecordRead<T>> {
  let text: string;
  try {
    text = await readFile(join(stateDir, name), "utf8");
  } catch (error) {
    if ((error as { code?: unknown }).code === "ENOENT") return { state: "absent" };
    return { state: "unreadable", reason: `${name}: ${(error as Error).message}` };
  }
  try {
    const parsed = schema.safeParse(JSON.parse(text));
    return parsed.success ? { state: "ok", value: parsed.data } : { state: "unreadable", reason: `${name}: ${invalid(parsed.error.issues[0])}` };
  } catch {
    return { state: "unreadable", reason: `${name} is not valid JSON` };
  }
}
