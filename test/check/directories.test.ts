import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { checkDirectories, type DirectoryCheckInput } from "../../src/check/directories.js";
import { exitCodeOf } from "../../src/contract/outcomes.js";
import { perf, thresholds } from "./support.js";
import { verified } from "./verify-result.js";

const dir = (path: string, status: DirectoryCheckInput["status"], resultCode: number, freePercent: number | null, details = ""): DirectoryCheckInput => ({ path, status, resultCode, freePercent, details });

describe("checkDirectories", () => {
  test("without thresholds the probe's statuses decide; the text gives the reason in a word", () => {
    const r = checkDirectories([
      dir("/ok", "OK", 0, 42),
      dir("/missing", "ERROR", 201, null, "does not exist"),
      dir("/low", "WARNING", 210, 12, "free space 12.0% is below 15%"),
    ]);
    const p = verified(r);
    assert.equal(r.state, "CRITICAL");
    assert.equal(p.text, "2 of 3 directories not OK: /missing missing, /low space low (12.0% free)");
    assert.equal(perf(p, "min_free")?.value, 12);
    assert.equal(perf(p, "min_free")?.warn, null, "no thresholds shown when the probe decides");
    assert.equal(perf(p, "/missing")?.value, "U");
    assert.equal(perf(p, "/ok")?.uom, "%");
    assert.deepEqual(r.details, ["/missing: ERROR (code 201) does not exist", "/low: WARNING (code 210) free space 12.0% is below 15%"]);
  });

  test("all OK names the lowest free space", () => {
    const r = checkDirectories([dir("/a", "OK", 0, 80), dir("/b", "OK", 0, 42.04)]);
    assert.equal(verified(r).text, "2 directories OK, lowest free space 42.0% (/b)");
    assert.equal(exitCodeOf(r.outcome), 0);
  });

  test("with --warning/--critical the lowest free percent decides, and the low directories are named", () => {
    const t = thresholds("directories", "15:", "5:").free;
    const r = checkDirectories([
      dir("/a", "ERROR", 211, 4.2),
      dir("/b", "WARNING", 210, 9.9),
      dir("/c", "OK", 0, 50),
    ], t);
    const p = verified(r);
    assert.equal(r.state, "CRITICAL");
    assert.equal(p.text, "1 directory low on space: /a 4.2% free");
    assert.deepEqual(perf(p, "min_free"), { label: "min_free", value: 4.2, uom: "%", warn: "15:", crit: "5:", min: 0, max: 100 });
    const warnOnly = checkDirectories([dir("/a", "OK", 0, 14), dir("/b", "WARNING", 210, 9.9), dir("/c", "OK", 0, 50)], t);
    assert.equal(verified(warnOnly).text, "2 directories low on space: /b 9.9% free, /a 14.0% free");
    assert.equal(warnOnly.state, "WARNING");
  });

  test("thresholds can loosen the probe's own space rule: 12% free is OK under --warning 10:", () => {
    const r = checkDirectories([dir("/a", "WARNING", 210, 12), dir("/b", "ERROR", 211, 30, "free space 1.0 GiB is below 2.0 GiB")], thresholds("directories", "10:").free);
    verified(r);
    assert.equal(r.state, "OK");
    assert.equal(r.text, "2 directories OK, lowest free space 12.0% (/a)");
  });

  test("thresholds do not hide the probe's other findings: a missing or stuck directory stays CRITICAL", () => {
    const r = checkDirectories([dir("/gone", "ERROR", 201, null), dir("/nfs", "ERROR", 206, null), dir("/ok", "OK", 0, 60)], thresholds("directories", "10:", "5:").free);
    const p = verified(r);
    assert.equal(r.state, "CRITICAL");
    assert.equal(p.text, "2 of 3 directories not OK: /gone missing, /nfs stuck; lowest free space 60.0% (/ok)");
  });

  test("thresholds, but no directory could give its free space: UNKNOWN, never OK", () => {
    const r = checkDirectories([dir("/x", "UNKNOWN", 207, null)], thresholds("directories", "10:").free);
    verified(r);
    assert.equal(r.state, "UNKNOWN");
    assert.match(r.text, /free space unknown/);
  });

  test("an inside range (@) works on the lowest percent", () => {
    const t = thresholds("directories", undefined, "@0:3").free;
    assert.equal(checkDirectories([dir("/a", "OK", 0, 2.5)], t).state, "CRITICAL");
    assert.equal(checkDirectories([dir("/a", "OK", 0, 3.5)], t).state, "OK");
  });

  test("many low directories: counted in full, listed with …", () => {
    const dirs = Array.from({ length: 5 }, (_, i) => dir(`/data/${i}`, "WARNING", 210, 10 + i));
    const r = checkDirectories(dirs, thresholds("directories", "15:").free);
    assert.equal(verified(r).text, "5 directories low on space: /data/0 10.0% free, /data/1 11.0% free, /data/2 12.0% free, …");
  });

  test("paths with spaces and quotes become quoted perfdata labels", () => {
    const r = checkDirectories([dir("/data/my disk", "OK", 0, 50), dir("/it's", "OK", 0, 60)]);
    const p = verified(r);
    assert.deepEqual(p.perfdata.map((x) => x.label), ["min_free", "/data/my disk", "/it's"]);
  });

  test("no directories configured is UNKNOWN", () => {
    const r = checkDirectories([]);
    verified(r);
    assert.equal(r.state, "UNKNOWN");
    assert.equal(r.text, "no directories are configured");
  });
});
