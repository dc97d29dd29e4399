/**
 * Child process for lock.test.ts: takes the cycle lock, says so on stdout,
 * then holds it until killed (never releases: a kill -9 is the point), at
 * most 1 min.
 */
import { acquireCycleLock } from "../../../src/state/lock.js";

const stateDir = process.argv[2];
if (!stateDir) throw new Error("usage: hold-lock.ts STATE_DIR");
const attempt = await acquireCycleLock(stateDir, { command: "report" }, { now: () => Date.now() });
process.stdout.write(`${JSON.stringify({ held: attempt.held, status: attempt.status })}\n`);
// Alive until killed; gone by itself after 1 min should a failed test forget it.
setTimeout(() => process.exit(0), 60_000);
