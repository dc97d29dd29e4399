// `npm run build`: bundles the CLI with esbuild into dist/.
//
// Why a bundle and not tsc's one file per module: nodekeeper starts as a new
// process every minute on every node, and runs by hand at 3 a.m. Loading ~400
// ES modules one by one (execa, undici, zod, pino and ours) cost about half of
// `status`'s start-up in a CPU profile. Bundled, with code splitting, each
// command still loads only what it uses (its dynamic imports become chunks),
// from a handful of files. Types are checked by `npm run typecheck` (tsc).
//
// Layout (flat on purpose): dist/main.js, the chunks beside it, and the demo's
// helper programs (dist/fake-*.js), which the demo finds next to its own code.
import { readFileSync, rmSync } from "node:fs";
import { build } from "esbuild";

const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
rmSync(new URL("../dist", import.meta.url), { recursive: true, force: true });
await build({
  entryPoints: {
    main: "src/cli/main.ts",
    "fake-nodetool": "src/dev/fake-nodetool.ts",
    "fake-repair": "src/dev/fake-repair.ts",
    "fake-server-control": "src/dev/fake-server-control.ts",
  },
  outdir: "dist",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20.19",
  sourcemap: "linked",
  chunkNames: "chunk-[hash]",
  // Some bundled CommonJS packages call require(); give ESM output one.
  banner: { js: "import { createRequire as __nkCreateRequire } from 'node:module'; const require = __nkCreateRequire(import.meta.url);" },
  define: { __NODEKEEPER_VERSION__: JSON.stringify(pkg.version) },
  logLevel: "warning",
});
