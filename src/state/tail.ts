/** Reading the end of a log file in the state folder, bounded in size. */
import { open } from "node:fs/promises";

/**
 * The file's text from byte `from` on, at most its last `maxBytes` bytes
 * (a command's output can be megabytes; people and the audit need its end).
 * "" when the file cannot be read.
 */
export async function readTail(file: string, options: { readonly from?: number; readonly maxBytes: number }): Promise<string> {
  try {
    const handle = await open(file, "r");
    try {
      const { size } = await handle.stat();
      const start = Math.max(options.from ?? 0, size - options.maxBytes);
      const buffer = Buffer.alloc(Math.max(0, size - start));
      await handle.read(buffer, 0, buffer.length, start);
      return buffer.toString("utf8");
    } finally {
      await handle.close();
    }
  } catch {
    return "";
  }
}
