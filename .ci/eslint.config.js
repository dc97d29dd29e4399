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
    plugins: { layers: layersPlugin },
    rules: { "layers/no-upward-import": "error" },
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
