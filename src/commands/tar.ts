/**
 * A minimal tar writer (POSIX ustar, IEEE Std 1003.1 "pax" chapter, ustar
 * interchange format): regular files only, in memory, gzip-compressed with
 * node:zlib. Written here rather than running the system `tar`: the support
 * bundle's entries are produced in memory (redacted, never written to disk
 * in the clear), the format is a few fields in a 512-byte header, and no
 * child process, PATH lookup or tar dialect can get in the way at 3 a.m.
 */
import { gzipSync } from "node:zlib";

export interface TarEntry {
  /** Path inside the archive, at most 100 bytes (no prefix field used). */
  readonly name: string;
  readonly content: Buffer | string;
  /** Permission bits; default 0o640. */
  readonly mode?: number;
}

const BLOCK = 512;

function writeString(header: Buffer, offset: number, length: number, value: string): void {
  const bytes = Buffer.from(value, "utf8");
  if (bytes.length > length) throw new RangeError(`tar: ${JSON.stringify(value)} is longer than ${length} bytes`);
  bytes.copy(header, offset);
}

/** An octal number field: zero-padded digits and a NUL, as ustar readers expect. */
function writeOctal(header: Buffer, offset: number, length: number, value: number): void {
  const digits = Math.floor(value).toString(8);
  if (digits.length > length - 1) throw new RangeError(`tar: ${value} does not fit a ${length}-byte field`);
  writeString(header, offset, length, `${digits.padStart(length - 1, "0")}\0`);
}

export function tarHeader(name: string, size: number, mode: number, mtimeSec: number): Buffer {
  const h = Buffer.alloc(BLOCK, 0);
  writeString(h, 0, 100, name);
  writeOctal(h, 100, 8, mode);
  writeOctal(h, 108, 8, 0); // uid
  writeOctal(h, 116, 8, 0); // gid
  writeOctal(h, 124, 12, size);
  writeOctal(h, 136, 12, mtimeSec);
  h.fill(0x20, 148, 156); // the checksum is computed with its own field as spaces
  h[156] = 0x30; // typeflag '0': regular file
  writeString(h, 257, 6, "ustar\0");
  writeString(h, 263, 2, "00");
  writeString(h, 265, 32, "nodekeeper");
  writeString(h, 297, 32, "nodekeeper");
  let sum = 0;
  for (const byte of h) sum += byte;
  writeString(h, 148, 8, `${sum.toString(8).padStart(6, "0")}\0 `);
  return h;
}

/** The archive (uncompressed): a header and the data padded to 512 bytes per entry, then two zero blocks. */
export function tar(entries: readonly TarEntry[], mtimeMs: number): Buffer {
  const parts: Buffer[] = [];
  const mtime = Math.floor(mtimeMs / 1000);
  for (const entry of entries) {
    const data = typeof entry.content === "string" ? Buffer.from(entry.content, "utf8") : entry.content;
    parts.push(tarHeader(entry.name, data.length, entry.mode ?? 0o640, mtime), data);
    const pad = (BLOCK - (data.length % BLOCK)) % BLOCK;
    if (pad > 0) parts.push(Buffer.alloc(pad, 0));
  }
  parts.push(Buffer.alloc(2 * BLOCK, 0));
  return Buffer.concat(parts);
}

export function tarGz(entries: readonly TarEntry[], mtimeMs: number): Buffer {
  return gzipSync(tar(entries, mtimeMs), { level: 9 });
}
