/**
 * Child of store-kill.test.ts: reads the state file given as argv[2], prints
 * "start <n>", then writes n+1, n+2... in a loop through the real store,
 * printing each number once its write has resolved. The parent kills it with
 * SIGKILL at a random moment.
 */
import { killTestChildSchema, killTestValue } from "./store-kill-value.js";
import { stateFile } from "../../src/state/store.js";

const path = process.argv[2];
if (path === undefined) throw new Error("usage: store-kill-child <state file>");
const file = stateFile(path, killTestChildSchema, { initial: () => killTestValue(0), now: () => Date.now() });
const read = await file.read();
if (!read.ok) throw new Error(read.error);
let n = read.value.n;
// Pipes are synchronous on Linux: once write() returns, the parent will get the line.
process.stdout.write(`start ${n}\n`);
for (;;) {
  n += 1;
  await file.write(killTestValue(n));
  process.stdout.write(`${n}\n`);
}
