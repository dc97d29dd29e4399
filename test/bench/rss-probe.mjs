// Preloaded into a measured process (NODE_OPTIONS=--import): on exit, writes
// its peak resident set size in bytes to the file named by NK_RSS_FILE.
import { writeFileSync } from "node:fs";

process.on("exit", () => {
  const file = process.env.NK_RSS_FILE;
  if (file) writeFileSync(file, String(process.resourceUsage().maxRSS * 1024));
});
