/** `nodetool version`: `ReleaseVersion: 4.1.6`, and with `-v` (5.0) `GitSHA: <sha>`. */
import { fail, ok, trimmedLines, type ParseResult } from "./common.js";

export interface NodetoolVersion {
  /** As printed, e.g. `4.1.6`, `3.11.17`, `5.0-beta1`. */
  readonly releaseVersion: string;
  readonly major: number;
  readonly minor: number;
  /** Null for versions such as `5.0-beta1` that print no patch number. */
  readonly patch: number | null;
  readonly gitSha: string | null;
}

export function parseVersion(stdout: string): ParseResult<NodetoolVersion> {
  let release: string | null = null;
  let gitSha: string | null = null;
  for (const line of trimmedLines(stdout)) {
    const m = /^\s*(ReleaseVersion|GitSHA):\s*(\S+)$/.exec(line);
    if (!m) continue;
    if (m[1] === "ReleaseVersion") release ??= m[2] ?? null;
    else gitSha ??= m[2] ?? null;
  }
  if (release === null) return fail("no `ReleaseVersion:` line in nodetool version output");
  const v = parseReleaseVersion(release);
  if (v === null) return fail(`unrecognised release version '${release.slice(0, 40)}'`);
  return ok({ releaseVersion: release, ...v, gitSha });
}

/** `4.1.6` → {4, 1, 6}; `5.0-rc1` → {5, 0, null}; garbage → null. */
export function parseReleaseVersion(text: string): { major: number; minor: number; patch: number | null } | null {
  const m = /^(\d{1,4})\.(\d{1,4})(?:\.(\d{1,6}))?/.exec(text.trim());
  if (!m) return null;
  return { major: Number(m[1]), minor: Number(m[2]), patch: m[3] === undefined ? null : Number(m[3]) };
}

/** True when `version` is at least `major.minor` (unknown versions: null). */
export function versionAtLeast(version: string | null, major: number, minor: number): boolean | null {
  if (version === null) return null;
  const v = parseReleaseVersion(version);
  if (v === null) return null;
  return v.major > major || (v.major === major && v.minor >= minor);
}
