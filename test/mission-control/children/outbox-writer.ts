/**
 * Child process for the outbox crash test: stores reports in a loop, as fast
 * as it can, until killed. Says "ready" after the first one so the parent
 * kills it in the middle of the loop, not during start-up. The report is a
 * template from the parent (argv[3], a JSON file) with a new reportId each
 * time: fewer imports, a quicker start.
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { enqueueReport } from "../../../src/state/outbox.js";

const [stateDir, templateFile] = process.argv.slice(2);
if (!stateDir || !templateFile) throw new Error("usage: outbox-writer.ts STATE_DIR TEMPLATE_JSON");
const template = JSON.parse(readFileSync(templateFile, "utf8")) as Record<string, unknown>;
let first = true;
const giveUpAt = Date.now() + 60_000; // 1 min: never outlives a failed test by much
while (Date.now() < giveUpAt) {
  const reportId = randomUUID();
  await enqueueReport(stateDir, JSON.stringify({ ...template, reportId }), reportId, { maxReports: 25, maxBytes: 5 * 1024 * 1024 }, new Date());
  if (first) {
    process.stdout.write("ready\n");
    first = false;
  }
}
