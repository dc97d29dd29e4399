// Preloaded into a measured `run` (NODE_OPTIONS=--import, a Node flag, not a
// V8 one: the build's code cache stays usable). On SIGUSR2 it appends one JSON
// line of process.memoryUsage() to the file named by NK_MEM_FILE, so the bench
// reads the JS side of the memory at the cycles it chooses.
import { appendFileSync } from "node:fs";
import { getHeapCodeStatistics, getHeapSpaceStatistics, getHeapStatistics } from "node:v8";

const file = process.env.NK_MEM_FILE;
if (file) {
  process.on("SIGUSR2", () => {
    const m = process.memoryUsage();
    const line = { rss: m.rss, heapTotal: m.heapTotal, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers };
    // Investigations (NK_MEM_DETAIL=1): V8's spaces, code statistics and malloc'd memory too.
    if (process.env.NK_MEM_DETAIL) {
      line.spaces = Object.fromEntries(getHeapSpaceStatistics().map((s) => [s.space_name, [s.space_size, s.space_used_size]]));
      line.code = getHeapCodeStatistics();
      line.malloced = getHeapStatistics().malloced_memory;
      line.peakMalloced = getHeapStatistics().peak_malloced_memory;
    }
    appendFileSync(file, `${JSON.stringify(line)}\n`);
  });
}
