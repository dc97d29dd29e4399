/**
 * The README's runbook, run as written: every `nodekeeper ...` command of the
 * `sh` code blocks under "## Runbook" runs through the built CLI, in README
 * order, and its exit code is asserted, so an example can never break
 * silently (issue 19: `check directories -w 15: -c 5:` exited 64 once).
 *
 * The world: one simulated node of the e2e tests (support.ts: Mission
 * Control, the server API double, a healthy fake nodetool, fake systemctl on
 * PATH), whose configuration is copied to <root>/etc/nodekeeper/nodekeeper.json
 * and named by NODEKEEPER_CONFIG. The file system is "rooted" at a temporary
 * folder: an argument that is an absolute path under /etc or /var is taken
 * under <root> (so `systemd --write /etc/systemd/system` writes there). One
 * `report` cycle runs first, as the timer installed by the runbook's first
 * block would have.
 *
 * Lines that are not nodekeeper commands (useradd, systemctl, journalctl,
 * jq...) are not run; each one's program must be in OUTSIDE, so that a new
 * kind of line is looked at rather than skipped. Every nodekeeper command
 * must have its expected exit code in EXPECTED, and every entry of EXPECTED
 * must still be in the README.
 */
import assert from "node:assert/strict";
import { copyFileSync, existsSync, mkdirSync, readFileSync, statfsSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { ROOT, runCli } from "../helpers/cli.js";
import { makeE2eNode } from "./support.js";

/** Programs of runbook lines that are not run (they change the machine, or read what nodekeeper wrote). */
const OUTSIDE = new Set(["useradd", "install", "systemctl", "journalctl", "tail", "jq", "openssl", "sha256sum", "apt", "editor", "tar"]);

/**
 * Expected exit code of each runbook command, in this world: a healthy node.
 * A function: decided by the machine (free space of the temporary folder).
 */
const EXPECTED: Readonly<Record<string, number | ((world: { freePercent: number }) => number)>> = {
  "nodekeeper --config /etc/nodekeeper/nodekeeper.json config check": 0,
  // This node has no systemd as PID 1 and no Mission Control token check to pass everywhere: diagnose warns.
  "nodekeeper --config /etc/nodekeeper/nodekeeper.json diagnose": 1,
  "nodekeeper --config /etc/nodekeeper/nodekeeper.json support-bundle --output /tmp/nodekeeper-support.tar.gz": 0,
  "nodekeeper check self": 0,
  // Here nodekeeper runs from a checkout, not an installed release: it says so and exits 64.
  // test/release/release.test.ts runs it on the installed package.
  "nodekeeper verify-install --pubkey nodekeeper-release.pub": 64,
  "nodekeeper check components": 0,
  // The lowest free-space percent against -w 15: -c 5: (the folder is on the test machine's disk).
  "nodekeeper check directories -w 15: -c 5:": ({ freePercent }) => (freePercent < 5 ? 2 : freePercent < 15 ? 1 : 0),
  // UNKNOWN: this node's Cassandra is 3.11, which cannot list pending hints (4.1+), so a hints threshold cannot be judged (the README says so).
  "nodekeeper check cassandra -w hints=100,down=1 -c hints=1000,down=2": 3,
  "nodekeeper check connectivity -w latency=200 -c latency=1000": 0,
  "nodekeeper check cluster": 0,
  'nodekeeper maintenance on --reason "disk swap, ticket OPS-123"': 0,
  "nodekeeper status": 0,
  "nodekeeper maintenance off": 0,
  "nodekeeper explain last": 0,
  "nodekeeper wait --until 'cassandra.repair == IDLE and peers.down == 0' --timeout 30m": 0,
};

/** The shell commands of the runbook's `sh` blocks: comments cut, `&&` chains split. */
export function runbookCommands(readme: string): string[] {
  const start = readme.indexOf("\n## Runbook");
  assert.ok(start >= 0, "the README has a Runbook section");
  const end = readme.indexOf("\n## ", start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  const commands: string[] = [];
  for (const block of section.matchAll(/```sh\n([\s\S]*?)```/g)) {
    for (const raw of block[1]!.split("\n")) {
      const line = cutComment(raw).trim();
      if (line === "") continue;
      commands.push(...line.split(/\s+&&\s+/).map((c) => c.trim()));
    }
  }
  return commands;
}

/** The line without its `# comment` (a # outside quotes, at the start of a word). */
function cutComment(line: string): string {
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === "#" && (i === 0 || /\s/.test(line[i - 1]!))) return line.slice(0, i);
  }
  return line;
}

/** Shell words: blanks separate, '...' and "..." quote (no escapes or expansions in the runbook). */
export function shellWords(command: string): string[] {
  const words: string[] = [];
  let word: string | null = null;
  let quote: string | null = null;
  for (const c of command) {
    if (quote) {
      if (c === quote) quote = null;
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      word ??= "";
    } else if (/\s/.test(c)) {
      if (word !== null) words.push(word);
      word = null;
    } else word = (word ?? "") + c;
  }
  assert.equal(quote, null, `unbalanced quote in ${command}`);
  if (word !== null) words.push(word);
  return words;
}

test("the runbook's command extraction reads words, quotes, comments and && chains", () => {
  assert.deepEqual(runbookCommands("x\n## Runbook\n```sh\na b # c\n'#x' d && e \"f g\"  # h\n```\n```\nnot sh\n```\n## Next\n```sh\nz\n```\n"), ["a b", "'#x' d", 'e "f g"']);
  assert.deepEqual(shellWords(`nodekeeper wait --until 'a == B and c' --reason "x, y"`), ["nodekeeper", "wait", "--until", "a == B and c", "--reason", "x, y"]);
});

test("every runnable command of the README's runbook exits as expected, as written", async (t) => {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const commands = runbookCommands(readme);
  const mine = commands.filter((c) => c.startsWith("nodekeeper "));
  for (const c of commands) {
    if (c.startsWith("nodekeeper ")) assert.ok(c in EXPECTED, `runbook command without an expected exit code in this test: ${c}`);
    else assert.ok(OUTSIDE.has(shellWords(c)[0]!), `runbook line neither a nodekeeper command nor a known outside program: ${c}`);
    assert.ok(!/\|/.test(c) || !c.startsWith("nodekeeper "), `a piped nodekeeper command cannot be checked: ${c}`);
  }
  for (const c of Object.keys(EXPECTED)) assert.ok(mine.includes(c), `EXPECTED names a command the runbook no longer has: ${c}`);

  const node = await makeE2eNode();
  t.after(() => node.close());
  const root = join(node.fixture.dir, "root");
  const configFile = join(root, "etc/nodekeeper/nodekeeper.json");
  mkdirSync(join(root, "etc/nodekeeper"), { recursive: true });
  copyFileSync(node.configFile, configFile);
  const env = { ...node.env, NODEKEEPER_CONFIG: configFile };
  const stat = statfsSync(node.fixture.dir);
  const world = { freePercent: (Number(stat.bavail) / Number(stat.blocks)) * 100 };
  // The timer the runbook installs has run once.
  const first = await runCli(["report"], { env, timeoutMs: 60_000 });
  assert.equal(first.code, 0, first.stdout + first.stderr);

  const rooted = (word: string) => (/^\/(etc|var|tmp)\//.test(word) ? join(root, word) : word);
  mkdirSync(join(root, "tmp"), { recursive: true });
  for (const command of mine) {
    const args = shellWords(command).slice(1).map(rooted);
    const r = await runCli(args, { env, timeoutMs: 120_000 });
    const expected = EXPECTED[command]!;
    const code = typeof expected === "function" ? expected(world) : expected;
    assert.equal(r.code, code, `${command}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`);
  }
  // What the commands did, where it shows.
  assert.ok(existsSync(join(root, "tmp/nodekeeper-support.tar.gz")), "support-bundle wrote its archive where the runbook says");
});
