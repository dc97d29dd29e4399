/**
 * kill -9 at random moments while the state is being written, at least 200
 * times: afterwards the main copy always parses, is intact, and holds either
 * the last value the writer confirmed or the one it was writing; the `.bak`
 * copy is intact and the same or older (older by more than one write when
 * several writers in a row died between the two renames).
 *
 * Speed: a child under `node --import tsx` takes ~0.4 s to start; the child
 * is therefore bundled once with esbuild (tsx's own compiler, already
 * installed; 7 KiB, as the store does not load zod) and started with plain
 * `node` (~0.1 s). Four lanes run side by side, each on its own file, so that
 * the two cores stay busy while children start. Random delays come from a seeded generator; the
 * seed is in every failure message (NK_KILL_SEED=... reruns it).
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import * as z from "zod";
import { stateFile } from "../../src/state/store.js";
import { isIntact, killTestValue } from "./store-kill-value.js";
import { mulberry32 } from "../helpers/random.js";
import { tempDir } from "../helpers/temp.js";

/** The parent checks with zod, strictly: no field more, none less. */
const killTestSchema = z.strictObject({ n: z.number().int().min(0), pad: z.string(), digest: z.string() });

const KILLS = 200;
const LANES = 4;
/** Kill between 0 and this many ms after the child started writing. */
const MAX_DELAY_MS = 30;
const here = dirname(fileURLToPath(import.meta.url));


/** The argv that runs the child: a bundle for plain node when esbuild is there, tsx otherwise. */
async function childCommand(workDir: string): Promise<string[]> {
  const entry = join(here, "store-kill-child.ts");
  try {
    const esbuild = await import("esbuild");
    const outfile = join(workDir, "store-kill-child.mjs");
    await esbuild.build({ entryPoints: [entry], bundle: true, platform: "node", format: "esm", target: "node20", outfile, logLevel: "silent" });
    return [process.execPath, outfile];
  } catch {
    return [process.execPath, "--import", "tsx", entry];
  }
}

interface KillRun {
  start: number;
  lastAck: number | null;
  tempsLeft: number;
}

/** Starts the child, kills it `delayMs` after it began writing, and reports what it had confirmed. */
function runAndKill(argv: string[], path: string, delayMs: number): Promise<KillRun> {
  return new Promise((resolve, reject) => {
    const [cmd, ...args] = argv;
    const child = spawn(cmd!, [...args, path], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    let start: number | null = null;
    let killTimer: NodeJS.Timeout | undefined;
    // Deadline for the whole run: start-up included, far above what it needs.
    const deadline = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`child did not start writing within 20 s; stderr: ${err}`));
    }, 20_000);
    child.stdout.setEncoding("utf8");
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (d: string) => (err += d));
    child.stdout.on("data", (d: string) => {
      out += d;
      if (start === null) {
        const m = /^start (\d+)\n/.exec(out);
        if (m) {
          start = Number(m[1]);
          killTimer = setTimeout(() => child.kill("SIGKILL"), delayMs);
        }
      }
    });
    child.on("error", reject);
    child.on("close", (_code, signal) => {
      clearTimeout(deadline);
      if (killTimer) clearTimeout(killTimer);
      if (start === null || signal !== "SIGKILL") {
        reject(new Error(`child ended by itself (signal ${String(signal)}); stderr: ${err}`));
        return;
      }
      try {
        const acks = out.split("\n").slice(1).filter((l) => /^\d+$/.test(l)).map(Number);
        const temps = readdirSync(dirname(path)).filter((n) => n.endsWith(".tmp")).length;
        resolve({ start, lastAck: acks.length > 0 ? acks[acks.length - 1]! : null, tempsLeft: temps });
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
  });
}

test(`kill -9 at random moments while writing, ${KILLS} times: the state is always the old or the new value`, { timeout: 120_000 }, async (t) => {
  const workDir = tempDir(t, "nk-kill-");
  const seed = Number(process.env.NK_KILL_SEED ?? Date.now() % 1_000_000_007);
  const random = mulberry32(seed);
  const argv = await childCommand(workDir);
  let midWrite = 0;
  let progressed = 0;
  const lane = async (laneNo: number, kills: number) => {
    const path = join(workDir, `lane-${laneNo}`, "state.json");
    mkdirSync(dirname(path), { recursive: true });
    const file = stateFile(path, killTestSchema, { initial: () => killTestValue(0), now: () => Date.now() });
    let previousTemps = 0;
    for (let i = 0; i < kills; i++) {
      const delay = Math.floor(random() * MAX_DELAY_MS);
      const run = await runAndKill(argv, path, delay);
      const where = `seed ${seed}, lane ${laneNo}, kill ${i}, delay ${delay} ms`;
      const read = await file.read();
      assert.ok(read.ok, `${where}: ${read.ok ? "" : read.error}`);
      if (!read.ok) return;
      assert.equal(read.recovery, null, `${where}: the main copy was unusable: ${read.recovery?.problem ?? ""}`);
      const confirmed = run.lastAck ?? run.start;
      assert.ok(
        read.value.n === confirmed || read.value.n === confirmed + 1,
        `${where}: state holds ${read.value.n}, the writer had confirmed ${confirmed}`,
      );
      assert.ok(isIntact(read.value), `${where}: value ${read.value.n} is not intact`);
      // The .bak copy may be missing (no write has got that far yet); if it is there, it is intact and not newer.
      const backup = await stateFile(`${path}.bak`, killTestSchema, { initial: () => killTestValue(0), now: () => Date.now() }).read();
      assert.ok(backup.ok && backup.recovery === null, `${where}: .bak unusable`);
      if (backup.ok && backup.source === "main") {
        // Older when earlier writers died between the two renames, never newer.
        assert.ok(backup.value.n <= read.value.n, `${where}: .bak holds ${backup.value.n}, main ${read.value.n}`);
        assert.ok(isIntact(backup.value), `${where}: .bak not intact`);
      }
      if (run.tempsLeft > previousTemps) midWrite += 1;
      previousTemps = run.tempsLeft;
      if (read.value.n > run.start) progressed += 1;
    }
  };
  const perLane = Math.ceil(KILLS / LANES);
  await Promise.all(Array.from({ length: LANES }, (_, i) => lane(i, perLane)));
  t.diagnostic(`seed ${seed}: ${perLane * LANES} kills, ${midWrite} of them left a temp file (killed mid-write), ${progressed} after at least one write`);
  // Not a timing assert: a run where no kill ever landed inside a write would prove nothing.
  assert.ok(midWrite > 0, `seed ${seed}: no kill landed in the middle of a write`);
});
