/** Reading the end of a log file in the state folder, bounded in size. */
import { realFileSystem } from "../effects/fs.js";

/**
 * The file's text from byte `from` on, at most its last `maxBytes` bytes
 * (a command's output can be megabytes; people and the audit need its end).
 * "" when the file cannot be read.
 */
export async function readTail(file: string, options: { readonly from?: number; readonly maxBytes: number }): Promise<string> {
  try {
    const { bytes, size } = await realFileSystem.readTail(file, options.maxBytes);
    // `bytes` are the file's last bytes: they start at size - bytes.length.
    const skip = Math.max(0, (options.from ?? 0) - (size - bytes.length));
    return bytes.subarray(skip).toString("utf8");
  } catch {
    return "";
  }
}
