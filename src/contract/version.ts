/**
 * nodekeeper's own version. The bundle (npm run build) has it inlined; run from
 * source (tests through tsx) it is read from package.json beside src/.
 */
import { readFileSync } from "node:fs";

declare const __NODEKEEPER_VERSION__: string | undefined;

export const NODEKEEPER_VERSION: string =
  typeof __NODEKEEPER_VERSION__ === "string"
    ? __NODEKEEPER_VERSION__
    : (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version;
