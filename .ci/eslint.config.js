// Lint configuration. It lives in .ci/ to keep the top level to what the design
// asks for; `npm run lint` passes it with --config, so paths are relative to the
// working directory (the project root).
import { dirname, relative, resolve, sep } from "node:path";
import js from "@eslint/js";
import tseslint from "typescript-eslint";

// The layers of src/, bottom to top (README "Architecture"). A folder imports
// only folders below it; folders on one line are peers and do not import each
// other. cli, the one entry point, may start dev; dev may not reach into cli.
const LAYERS = [
  ["contract"],
  ["effects"],
  ["config"],
  ["state"],
  ["probes", "cassandra"],
  ["report"],
  ["mission-control"],
  ["apply"],
  ["check"],
  ["commands"],
  ["render"],
  ["dev"],
  ["cli"],
];
const RANK = new Map(LAYERS.flatMap((names, rank) => names.map((name) => [name, rank])));
const SRC = resolve(process.cwd(), "src");

/** The top folder under src/ of a path, or null outside src/. */
function layerOf(path) {
  const rel = relative(SRC, path);
  if (rel.startsWith("..") || rel === "") return null;
  const parts = rel.split(sep);
  return parts.length > 1 ? parts[0] : "(src)";
}

export const layersPlugin = {
  rules: {
    "no-upward-import": {
      meta: { type: "problem", schema: [], messages: { upward: "{{from}}/ may not import {{to}}/ ({{spec}}): {{why}}. Layers, bottom to top: {{order}}." } },
      create(context) {
        const file = context.filename;
        const from = layerOf(file);
        if (from === null) return {};
        const check = (node, source) => {
          if (!source || source.type !== "Literal" || typeof source.value !== "string" || !source.value.startsWith(".")) return;
          const to = layerOf(resolve(dirname(file), source.value));
          if (to === null || to === from) return;
          const a = RANK.get(from), b = RANK.get(to);
          let why = null;
          if (a === undefined || b === undefined) why = `${a === undefined ? from : to}/ is not in the layer list`;
          else if (b === a) why = "they are peers on one layer";
          else if (b > a) why = `${to}/ is above ${from}/`;
          if (why) context.report({ node: source, messageId: "upward", data: { from, to, spec: source.value, why, order: LAYERS.map((l) => l.join(" = ")).join(" < ") } });
        };
        return {
          ImportDeclaration: (n) => check(n, n.source),
          ExportNamedDeclaration: (n) => check(n, n.source),
          ExportAllDeclaration: (n) => check(n, n.source),
          ImportExpression: (n) => check(n, n.source),
        };
      },
    },
  },
};

// Where src/ may read the wall clock itself; everywhere else the time comes
// from the clock effect (effects.clock, src/effects/clock.ts) or a `now` passed
// in, so that a test can set and step the wall clock. Paths relative to src/.
const OWN_CLOCK = new Map([
  // The clock effect itself: systemClock is where Date.now() lives.
  ["effects/", "the clock effect"],
  // The demo's fake programs run as separate processes (node dist/dev/fake-*.js),
  // started by nodekeeper as nodetool, the repair and systemctl; nothing can be
  // passed into them, and they stand in for real programs that read the real clock.
  ["dev/fake-nodetool.ts", "a separate process"],
  ["dev/fake-repair.ts", "a separate process"],
  ["dev/fake-server-control.ts", "a separate process"],
  // appendSimEvent, its one clock read, is called only by the fake programs
  // above (separate processes); the in-process demo uses only its readers.
  ["dev/world.ts", "used by the fake programs"],
]);

export const clockPlugin = {
  rules: {
    "no-wall-clock": {
      meta: {
        type: "problem", schema: [],
        messages: { wallClock: "{{what}} reads the wall clock directly: take the time from the clock effect (effects.clock.now(), src/effects/clock.ts) or a `now` passed in by the caller, so that tests can set and step the clock." },
      },
      create(context) {
        const rel = relative(SRC, context.filename).split(sep).join("/");
        if (rel.startsWith("..") || [...OWN_CLOCK.keys()].some((p) => (p.endsWith("/") ? rel.startsWith(p) : rel === p))) return {};
        const isDate = (node) => node.type === "Identifier" && node.name === "Date";
        const report = (node, what) => context.report({ node, messageId: "wallClock", data: { what } });
        return {
          // Date.now() and Date.now passed as a function.
          MemberExpression: (n) => {
            if (isDate(n.object) && !n.computed && n.property.type === "Identifier" && n.property.name === "now") report(n, "Date.now()");
          },
          // new Date() without arguments; new Date(ms) converts a time and is fine.
          NewExpression: (n) => {
            if (isDate(n.callee) && n.arguments.length === 0) report(n, "new Date()");
          },
          // Date() called as a function returns the current time as text, whatever its arguments.
          CallExpression: (n) => {
            if (isDate(n.callee)) report(n, "Date()");
          },
        };
      },
    },
  },
};

// Where src/ may import node:fs itself; everywhere else files are read through
// the file-system effect (effects.fs, src/effects/fs.ts), so that a test can
// make a file unreadable or a mount hang without touching the disk, and the
// state folder only through its modules in state/. Paths relative to src/.
const OWN_FS = new Map([
  // The file-system effect itself, and the effects that run or hash executables.
  ["effects/", "the effects"],
  // The adapter of the state folder: one module per file kind, one atomic writer.
  ["state/", "the state folder's modules"],
  // Reads the configuration and secret files once at start, before effects exist.
  ["config/", "reads the configuration at start"],
  // The demo: builds and reads its own world in a temporary folder.
  ["dev/", "the demo"],
  // Reads package.json only when run from source; the bundle inlines the version.
  ["contract/version.ts", "package.json when run from source"],
]);
const FS_MODULES = new Set(["fs", "fs/promises", "node:fs", "node:fs/promises"]);

export const fsPlugin = {
  rules: {
    "no-direct-fs": {
      meta: {
        type: "problem", schema: [],
        messages: { directFs: "{{spec}} is imported directly: read files through the file-system effect (effects.fs, src/effects/fs.ts) or a state/ module, so that tests can make a file fail without touching the disk." },
      },
      create(context) {
        const rel = relative(SRC, context.filename).split(sep).join("/");
        if (rel.startsWith("..") || [...OWN_FS.keys()].some((p) => (p.endsWith("/") ? rel.startsWith(p) : rel === p))) return {};
        const check = (node, source) => {
          if (source && source.type === "Literal" && typeof source.value === "string" && FS_MODULES.has(source.value)) {
            context.report({ node: source, messageId: "directFs", data: { spec: source.value } });
          }
        };
        return {
          // Type-only imports (import type { Stats } from "node:fs") touch nothing at run time.
          ImportDeclaration: (n) => { if (n.importKind !== "type") check(n, n.source); },
          ExportNamedDeclaration: (n) => { if (n.exportKind !== "type") check(n, n.source); },
          ExportAllDeclaration: (n) => { if (n.exportKind !== "type") check(n, n.source); },
          ImportExpression: (n) => check(n, n.source),
          // require("node:fs") in a CommonJS corner.
          CallExpression: (n) => {
            if (n.callee.type === "Identifier" && n.callee.name === "require") check(n, n.arguments[0]);
          },
        };
      },
    },
  },
};

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "coverage/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: process.cwd() },
    },
    rules: {
      // A floating promise in a sidecar is a silent failure at 3 a.m.
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/consistent-type-imports": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-console": "error",
    },
  },
  {
    files: ["src/**/*.ts"],
    plugins: { layers: layersPlugin, clock: clockPlugin, fs: fsPlugin },
    rules: { "layers/no-upward-import": "error", "clock/no-wall-clock": "error", "fs/no-direct-fs": "error" },
  },
  {
    files: ["test/**/*.ts"],
    rules: {
      "no-console": "off",
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-non-null-assertion": "off",
      // node:test's test()/describe() return promises the runner itself awaits.
      "@typescript-eslint/no-floating-promises": ["error", {
        allowForKnownSafeCalls: [{ from: "package", package: "node:test", name: ["test", "describe", "it", "suite", "before", "after", "beforeEach", "afterEach"] }],
      }],
      "no-control-regex": "off",
      // Fakes are async to match the interface they stand in for.
      "@typescript-eslint/require-await": "off",
    },
  },
  {
    files: ["**/*.js", "**/*.mjs"],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ["**/*.js", "**/*.mjs"],
    languageOptions: {
      globals: { process: "readonly", URL: "readonly", console: "readonly", setTimeout: "readonly", clearTimeout: "readonly", Buffer: "readonly" },
    },
  },
  {
    // The entry point is CommonJS (bin/package.json): UV_THREADPOOL_SIZE must be set before libuv's pool starts.
    files: ["bin/**/*.js"],
    languageOptions: { sourceType: "commonjs", globals: { require: "readonly", __dirname: "readonly", __filename: "readonly", module: "readonly" } },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
);
