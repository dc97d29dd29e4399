import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { Linter } from "eslint";
import type { ESLint } from "eslint";
import tseslint from "typescript-eslint";
import { ROOT } from "../helpers/cli.js";

// The lint rule that keeps the layers of src/ in order (.ci/eslint.config.js).
const { layersPlugin, clockPlugin, fsPlugin } = (await import(join(ROOT, ".ci/eslint.config.js"))) as { layersPlugin: ESLint.Plugin; clockPlugin: ESLint.Plugin; fsPlugin: ESLint.Plugin };

function lint(file: string, code: string): string[] {
  const linter = new Linter({ configType: "flat", cwd: ROOT });
  const config: Linter.Config[] = [{ files: ["**/*.ts"], plugins: { layers: layersPlugin }, rules: { "layers/no-upward-import": "error" } }];
  return linter.verify(code, config, { filename: join(ROOT, file) }).map((m) => m.message);
}

test("lint refuses an import of a folder above, naming the import and the layer order", () => {
  const [message, ...rest] = lint("src/config/common.ts", 'import { probe } from "../probes/components.js";\n');
  assert.equal(rest.length, 0);
  assert.match(message ?? "", /^config\/ may not import probes\/ \(\.\.\/probes\/components\.js\): probes\/ is above config\/\./);
  assert.match(message ?? "", /contract < effects < config < state < probes = cassandra < report/);
});

test("lint refuses dynamic imports upward, peers on one layer, and dev reaching into cli", () => {
  assert.equal(lint("src/state/store.ts", 'const m = await import("../apply/index.js");\n').length, 1);
  assert.match(lint("src/cassandra/probe.ts", 'import { x } from "../probes/engine.js";\n')[0] ?? "", /peers on one layer/);
  assert.match(lint("src/dev/view.ts", 'import { x } from "../cli/main.js";\n')[0] ?? "", /cli\/ is above dev\//);
});

test("lint allows imports of folders below and within a folder", () => {
  assert.deepEqual(lint("src/apply/reconcile.ts", 'import { a } from "../state/store.js";\nimport { b } from "../contract/report.js";\nimport { c } from "./execute.js";\n'), []);
  assert.deepEqual(lint("src/cli/main.ts", 'const d = await import("../dev/index.js");\n'), []);
});

// The lint rule that keeps the wall clock out of src/ but for the clock effect and the demo's fake programs.
function lintClock(file: string, code: string): string[] {
  const linter = new Linter({ configType: "flat", cwd: ROOT });
  const config: Linter.Config[] = [{ files: ["**/*.ts"], plugins: { clock: clockPlugin }, rules: { "clock/no-wall-clock": "error" } }];
  return linter.verify(code, config, { filename: join(ROOT, file) }).map((m) => m.message);
}

test("lint refuses Date.now() and new Date() in src/, saying to use the clock effect", () => {
  const [message, ...rest] = lintClock("src/state/store.ts", "const t = Date.now();\n");
  assert.equal(rest.length, 0);
  assert.match(message ?? "", /^Date\.now\(\) reads the wall clock directly: take the time from the clock effect \(effects\.clock\.now\(\), src\/effects\/clock\.ts\) or a `now` passed in/);
  assert.match(lintClock("src/commands/maintenance.ts", "const d = new Date().toISOString();\n")[0] ?? "", /^new Date\(\) reads the wall clock directly/);
  assert.match(lintClock("src/report/prometheus.ts", "const now = { now: Date.now };\n")[0] ?? "", /^Date\.now\(\) reads/, "passed as a function too");
  assert.match(lintClock("src/apply/execute.ts", "const s = Date();\n")[0] ?? "", /^Date\(\) reads/);
  assert.equal(lintClock("src/dev/index.ts", "const t = Date.now();\n").length, 1, "the in-process demo takes the clock too");
});

test("lint allows new Date(ms) and Date.parse in src/, and the clock itself in effects/, the fake programs and tests", () => {
  assert.deepEqual(lintClock("src/state/lock.ts", "const a = new Date(clock.now()).toISOString();\nconst b = Date.parse(a);\nconst c = new Date(b);\n"), []);
  assert.deepEqual(lintClock("src/effects/clock.ts", "const t = Date.now();\n"), []);
  assert.deepEqual(lintClock("src/dev/fake-repair.ts", "const t = Date.now(); const d = new Date();\n"), []);
  assert.deepEqual(lintClock("test/state/store.test.ts", "const t = Date.now();\n"), []);
});

// The lint rule that keeps node:fs out of src/ but for the effects, the state folder's modules, config/ and the demo.
function lintFs(file: string, code: string): string[] {
  const linter = new Linter({ configType: "flat", cwd: ROOT });
  // The TypeScript parser: `import type` is TypeScript syntax.
  const config: Linter.Config[] = [{ files: ["**/*.ts"], languageOptions: { parser: tseslint.parser }, plugins: { fs: fsPlugin }, rules: { "fs/no-direct-fs": "error" } }];
  return linter.verify(code, config, { filename: join(ROOT, file) }).map((m) => m.message);
}

test("lint refuses node:fs imported directly in src/, saying to use the file-system effect or a state/ module", () => {
  const [message, ...rest] = lintFs("src/probes/x.ts", 'import { readFile } from "node:fs/promises";\n');
  assert.equal(rest.length, 0);
  assert.match(message ?? "", /^node:fs\/promises is imported directly: read files through the file-system effect \(effects\.fs, src\/effects\/fs\.ts\) or a state\/ module/);
  assert.match(lintFs("src/commands/x.ts", 'import { constants } from "node:fs";\n')[0] ?? "", /^node:fs is imported/);
  assert.match(lintFs("src/report/x.ts", 'import * as fs from "fs";\nexport { stat } from "fs/promises";\n').join("\n"), /^fs is imported[^]*\nfs\/promises is imported/);
  assert.match(lintFs("src/mission-control/x.ts", 'const { readFile } = await import("node:fs/promises");\n')[0] ?? "", /^node:fs\/promises is imported/, "a dynamic import too");
  assert.equal(lintFs("src/apply/execute.ts", 'import { rm } from "node:fs/promises";\n').length, 1, "apply/ reaches the state folder through state/ modules");
});

test("lint allows node:fs in effects/, state/, config/, dev/ and the exempt files, type-only imports, and tests", () => {
  assert.deepEqual(lintFs("src/state/x.ts", 'import { readFile } from "node:fs/promises";\n'), []);
  assert.deepEqual(lintFs("src/effects/fs.ts", 'import { readFile } from "node:fs/promises";\n'), []);
  assert.deepEqual(lintFs("src/config/load.ts", 'import { readFile } from "node:fs/promises";\n'), []);
  assert.deepEqual(lintFs("src/dev/world.ts", 'import { readFileSync } from "node:fs";\n'), []);
  assert.deepEqual(lintFs("src/contract/version.ts", 'import { readFileSync } from "node:fs";\n'), []);
  assert.deepEqual(lintFs("src/probes/x.ts", 'import type { Stats } from "node:fs";\nimport { join } from "node:path";\n'), []);
  assert.deepEqual(lintFs("test/probes/x.test.ts", 'import { readFile } from "node:fs/promises";\n'), []);
});

test("the contract kept in src/contract is the binding one, word for word", (t) => {
  const shared = join(ROOT, "../shared/CONTRACT.md");
  if (!existsSync(shared)) return t.skip("../shared/CONTRACT.md is not beside this checkout");
  assert.equal(readFileSync(join(ROOT, "src/contract/CONTRACT.md"), "utf8"), readFileSync(shared, "utf8"));
});
