/**
 * Loading the configuration: read, parse JSON, validate strictly, resolve
 * relative paths against the file's folder, fill in the embedded defaults.
 * Every problem becomes a ConfigError listing each offending key path, which
 * the CLI prints as one line per key and exits 64 on.
 */
// First: zod's settings must be in place before any schema is built.
import "./zod-settings.js";
import { readFile } from "node:fs/promises";
import { dirname, isAbsolute, resolve } from "node:path";
import type * as z from "zod";
import { defaultComponents, defaultDirectories } from "./defaults.js";
import { ComponentSchema, ConfigSchema, DirectorySchema } from "./schema.js";
import type { Config } from "./schema.js";

export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(`${source}: ${problems.join("; ")}`);
    this.name = "ConfigError";
  }
}

export interface LoadedConfig {
  readonly config: Config;
  /** The file it came from, or null for the embedded default. */
  readonly file: string | null;
}

/** `directories[2].minFreePercent` from a zod path. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? String(part) : `.${String(part)}`;
  }
  return out === "" ? "(top level)" : out;
}

function describeIssue(issue: z.core.$ZodIssue): string[] {
  const at = formatPath(issue.path);
  switch (issue.code) {
    case "unrecognized_keys":
      return issue.keys.map((key) => `${formatPath([...issue.path, key])}: unknown key`);
    case "invalid_type": {
      const received = (issue as { input?: unknown }).input;
      if (received === undefined) return [`${at}: required (${issue.expected})`];
      return [`${at}: expected ${article(issue.expected)}, got ${typeName(received)}`];
    }
    case "invalid_union": {
      // A discriminated union with a bad discriminator: name the choices.
      const note = (issue as { note?: string }).note;
      if (note === "No matching discriminator") return [`${at}: "type" must be one of the known kinds`];
      return [`${at}: ${issue.message}`];
    }
    default:
      return [`${at}: ${issue.message}`];
  }
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return article(typeof value);
}

export function formatIssues(error: z.ZodError): string[] {
  return error.issues.flatMap(describeIssue);
}

/** Resolves `p` against `base` unless absolute. */
function resolvePath(base: string, p: string | undefined): string | undefined {
  return p === undefined ? undefined : isAbsolute(p) ? p : resolve(base, p);
}

/** A command's program: resolved when it is a relative path, left for PATH when a bare name. */
function resolveCommand(base: string, argv: string[]): string[] {
  const [program, ...rest] = argv;
  if (program === undefined || !program.includes("/") || isAbsolute(program)) return argv;
  return [resolve(base, program), ...rest];
}

/** Every path-valued key, resolved against the config file's folder. */
function resolveRelativePaths(config: Config, base: string): Config {
  const r = (p: string | undefined) => resolvePath(base, p);
  const mc = config.missionControl;
  return {
    ...config,
    stateDir: r(config.stateDir) ?? config.stateDir,
    missionControl: { ...mc, tokenFile: r(mc.tokenFile), caFile: r(mc.caFile), certFile: r(mc.certFile), keyFile: r(mc.keyFile) },
    server: { ...config.server, caFile: r(config.server.caFile), tokenFile: r(config.server.tokenFile) },
    cassandra: { ...config.cassandra, nodetool: resolveCommand(base, config.cassandra.nodetool) },
    connectivity: { ...config.connectivity, caFile: r(config.connectivity.caFile) },
    remediation: {
      ...config.remediation,
      stopServerCommand: resolveCommand(base, config.remediation.stopServerCommand),
      startServerCommand: resolveCommand(base, config.remediation.startServerCommand),
      repairCommand: resolveCommand(base, config.remediation.repairCommand),
    },
    log: { ...config.log, file: r(config.log.file) },
    directories: config.directories.map((d) => ({ ...d, path: r(d.path) ?? d.path })),
    components: config.components.map((c) => {
      const status = c.status.type === "command" ? { ...c.status, command: resolveCommand(base, c.status.command) }
        : c.status.type === "http" ? { ...c.status, caFile: r(c.status.caFile) } : c.status;
      const v = c.version;
      const version = v === undefined ? undefined
        : v.type === "file" ? { ...v, path: r(v.path) ?? v.path }
        : v.type === "command" ? { ...v, command: resolveCommand(base, v.command) }
        : { ...v, caFile: r(v.caFile) };
      return { ...c, status, version };
    }),
  };
}

/** Validates a parsed JSON value. `base` is the folder relative paths resolve against. */
export function parseConfig(value: unknown, source: string, base: string): Config {
  const parsed = ConfigSchema.safeParse(value, { reportInput: true });
  if (!parsed.success) throw new ConfigError(source, formatIssues(parsed.error));
  const data = parsed.data;
  const config: Config = {
    ...data,
    components: data.components ?? defaultComponents().map((c) => ComponentSchema.parse(c)),
    directories: data.directories ?? defaultDirectories().map((d) => DirectorySchema.parse(d)),
  };
  return resolveRelativePaths(config, base);
}

/**
 * Loads the configuration named by `--config`, else `NODEKEEPER_CONFIG`, else
 * the embedded default.
 */
export async function loadConfig(file: string | undefined): Promise<LoadedConfig> {
  if (file === undefined || file === "") {
    return { config: parseConfig({}, "embedded default", process.cwd()), file: null };
  }
  const path = resolve(file);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : code === "EACCES" ? "permission denied" : code === "EISDIR" ? "is a directory" : String(code ?? error);
    throw new ConfigError(path, [`cannot read the configuration: ${why}`]);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(path, [`not valid JSON: ${(error as Error).message}`]);
  }
  return { config: parseConfig(value, path, dirname(path)), file: path };
}

const SECRET_KEY = /token$|password|secret|passphrase/i;

/** The effective configuration for display, with secrets and proxy credentials hidden. */
export function redactConfig(config: Config): unknown {
  return JSON.parse(
    JSON.stringify(config, (key, value: unknown) => {
      if (typeof value !== "string") return value;
      if (SECRET_KEY.test(key)) return "[redacted]";
      if (/^[a-z][a-z0-9+.-]*:\/\/[^/@\s]*:[^/@\s]*@/i.test(value)) {
        const url = new URL(value);
        url.password = "redacted";
        return url.toString();
      }
      return value;
    }),
  );
}
