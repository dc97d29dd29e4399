/** The real effects, for the CLI. */
import { existsSync } from "node:fs";
import { systemClock } from "./clock.js";
import { realFileSystem } from "./fs.js";
import { createHttpClient } from "./http.js";
import type { Effects } from "./index.js";
import { createProcessRunner } from "./process.js";

function which(candidates: readonly string[]): string | null {
  return candidates.find((p) => existsSync(p)) ?? null;
}

export function realEffects(): Effects {
  return {
    runner: createProcessRunner({
      nice: which(["/usr/bin/nice", "/bin/nice"]),
      ionice: which(["/usr/bin/ionice", "/bin/ionice"]),
    }),
    clock: systemClock,
    http: createHttpClient,
    fs: realFileSystem,
  };
}
