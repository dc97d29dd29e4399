/**
 * Temporary folders that remove themselves. Each is made under os.tmpdir()
 * (so `TMPDIR=/some/empty/dir npm test` shows what a run leaves behind) and its
 * removal is registered with an owner's `after` hook at the moment it is made:
 * no test has to remember a `finally`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, type SuiteContext, type TestContext } from "node:test";

/**
 * Whoever outlives the folder: a test's context `t` (removed when that test
 * ends), `{ after }` of node:test (removed when the suite, or at top level the
 * file, ends), or `atExit` (removed when the process exits).
 */
export interface TempOwner {
  after(fn: () => unknown): void;
}

/** For folders kept for the whole process (a cached PKI, a benchmark run): removed on exit. */
export const atExit: TempOwner = {
  after(fn) {
    process.once("exit", () => void fn()); // "exit" runs synchronous work only: for rmSync
  },
};

/** A fresh folder under the system temp folder, removed when `owner` ends. */
export function tempDir(owner: TempOwner, prefix = "nk-test-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  owner.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * Keeps the removals until `run()`: for folders that a file-level `after`
 * still reads (e.g. to search every state file for a leaked token) before
 * they go.
 */
export class LaterOwner implements TempOwner {
  private readonly pending: Array<() => unknown> = [];
  after(fn: () => unknown): void {
    this.pending.push(fn);
  }
  run(): void {
    for (const fn of this.pending.splice(0)) void fn();
  }
}

/**
 * `beforeEach` runs its hook with the context of the test about to run (so
 * `t.after` there ends with that test), but @types/node types that argument
 * `TestContext | SuiteContext`: this says which it is.
 */
export function eachTest(context: TestContext | SuiteContext): TestContext {
  if (!("after" in context)) throw new Error("beforeEach passed a suite's context, not a test's");
  return context;
}

/**
 * For folders made in a `before` hook or in a helper that a file's tests share
 * without passing `t`: removed in the file's (or, called in a `describe` body,
 * the suite's) `after`. Call it at module top level or in a describe body:
 * node:test's `after` called inside a hook or test binds to that hook or test.
 */
export function suiteOwner(): TempOwner {
  const later = new LaterOwner();
  after(() => later.run());
  return later;
}
