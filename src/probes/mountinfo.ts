/**
 * Read-only detection from /proc/self/mountinfo. A file system the kernel
 * remounted read-only after I/O errors still reports free space happily; only
 * the mount options tell.
 */
export interface MountEntry {
  readonly mountPoint: string;
  readonly readOnly: boolean;
  readonly fsType: string;
  readonly source: string;
}

/** mountinfo escapes space, tab, newline and backslash as octal (\040). */
function unescape(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

export function parseMountInfo(text: string): MountEntry[] {
  const entries: MountEntry[] = [];
  for (const line of text.split("\n")) {
    // 36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
    const dash = line.indexOf(" - ");
    if (dash < 0) continue;
    const left = line.slice(0, dash).split(" ");
    const right = line.slice(dash + 3).split(" ");
    const mountPoint = left[4];
    const mountOptions = left[5];
    if (mountPoint === undefined || mountOptions === undefined) continue;
    const superOptions = right[2] ?? "";
    const readOnly = mountOptions.split(",").includes("ro") || superOptions.split(",").includes("ro");
    entries.push({ mountPoint: unescape(mountPoint), readOnly, fsType: right[0] ?? "", source: unescape(right[1] ?? "") });
  }
  return entries;
}

/** The mount that holds `path` (a resolved, absolute path): the longest matching mount point, the last one mounted winning. */
export function mountFor(entries: readonly MountEntry[], path: string): MountEntry | undefined {
  let best: MountEntry | undefined;
  for (const entry of entries) {
    const mp = entry.mountPoint;
    const inside = mp === "/" || path === mp || path.startsWith(mp.endsWith("/") ? mp : `${mp}/`);
    if (inside && (!best || mp.length >= best.mountPoint.length)) best = entry;
  }
  return best;
}
