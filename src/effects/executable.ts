/**
 * The release executable's manifest of its own expected hash (made by
 * .ci/release.mjs, which explains the scheme). The executable carries one line,
 *
 *   NODEKEEPER-SELF-MANIFEST-1 <version> <offset: 16 digits> <sha256: 64 hex>
 *
 * where <offset> is the byte offset of the offset field in the file and
 * <sha256> the hash of the whole file as it was with both fields all "0".
 * Checking: hash the file reading those 81 bytes as they were at injection.
 * One streaming pass, 1 MiB at a time (the executable is ~100 MB: it is never
 * held in memory).
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";

/** Built from parts so that the whole marker is in the executable once: in the manifest line. */
const MARK = ["NODEKEEPER", "SELF", "MANIFEST", "1"].join("-");
const OFFSET_DIGITS = 16;
const HASH_HEX = 64;
/** The injected placeholder of both fields, offset field first. */
const PLACEHOLDER = `${"0".repeat(OFFSET_DIGITS)} ${"0".repeat(HASH_HEX)}`;

export interface SelfManifest {
  readonly version: string;
  /** Byte offset of the offset field in the executable. */
  readonly offset: number;
  /** sha256 of the executable with both fields as placeholders. */
  readonly sha256: string;
}

/** The manifest in a line (the asset's text, or a window of the file); null when there is none, or it is unsealed. */
export function parseSelfManifest(text: string): SelfManifest | null {
  const m = new RegExp(`${MARK} (\\S{1,64}) (\\d{${OFFSET_DIGITS}}) ([0-9a-f]{${HASH_HEX}})`).exec(text);
  if (!m) return null;
  const offset = Number(m[2]);
  if (!Number.isSafeInteger(offset) || offset === 0) return null; // not sealed by the build
  return { version: m[1]!, offset, sha256: m[3]! };
}

/** This process's manifest when it is the release executable (a Node SEA with the asset); otherwise null. */
export async function ownManifest(): Promise<SelfManifest | null> {
  const sea = await import("node:sea");
  if (!sea.isSea()) return null;
  try {
    return parseSelfManifest(Buffer.from(sea.getAsset("manifest")).toString("latin1"));
  } catch {
    return null; // a SEA without the asset: not nodekeeper's release build
  }
}

/** sha256 of `file` with the manifest's fields read as the placeholder; the streaming pass the check costs. */
export async function sealedHash(file: string, manifest: Pick<SelfManifest, "offset">): Promise<string> {
  const hash = createHash("sha256");
  const hole = Buffer.from(PLACEHOLDER, "latin1");
  const holeStart = manifest.offset;
  const holeEnd = holeStart + hole.length;
  let position = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>) {
    const end = position + chunk.length;
    if (end <= holeStart || position >= holeEnd) hash.update(chunk);
    else {
      const copy = Buffer.from(chunk);
      const from = Math.max(holeStart, position);
      const to = Math.min(holeEnd, end);
      hole.copy(copy, from - position, from - holeStart, to - holeStart);
      hash.update(copy);
    }
    position = end;
  }
  return hash.digest("hex");
}

/** sha256 of a whole file, streamed. */
export async function fileHash(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>) hash.update(chunk);
  return hash.digest("hex");
}

/** The manifest inside an executable file on disk (the first sealed one), found by scanning it; null when none. */
export async function manifestInFile(file: string): Promise<SelfManifest | null> {
  const mark = Buffer.from(`${MARK} `, "latin1");
  const lineMax = mark.length + 64 + 1 + OFFSET_DIGITS + 1 + HASH_HEX; // a version of up to 64 characters
  const scan = (window: Buffer, atEnd: boolean): { found: SelfManifest | null; keepFrom: number } => {
    let keepFrom = Math.max(0, window.length - lineMax);
    for (let at = window.indexOf(mark); at >= 0; at = window.indexOf(mark, at + 1)) {
      if (!atEnd && window.length - at < lineMax) {
        keepFrom = Math.min(keepFrom, at); // the line may go on in the next chunk
        break;
      }
      const found = parseSelfManifest(window.subarray(at, at + lineMax).toString("latin1"));
      if (found) return { found, keepFrom };
    }
    return { found: null, keepFrom };
  };
  let carry = Buffer.alloc(0);
  for await (const chunk of createReadStream(file, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>) {
    const window = carry.length === 0 ? chunk : Buffer.concat([carry, chunk]);
    const { found, keepFrom } = scan(window, false);
    if (found) return found;
    carry = Buffer.from(window.subarray(keepFrom));
  }
  return scan(carry, true).found;
}

/** Size and change times of a file: what the cheap check compares between full hashes. */
export async function fileIdentity(file: string): Promise<{ dev: number; ino: number; size: number; mtimeMs: number; ctimeMs: number }> {
  const handle = await open(file, "r");
  try {
    const s = await handle.stat();
    return { dev: s.dev, ino: s.ino, size: s.size, mtimeMs: s.mtimeMs, ctimeMs: s.ctimeMs };
  } finally {
    await handle.close();
  }
}
