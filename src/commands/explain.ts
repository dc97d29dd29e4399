/**
 * `explain [REPORT_ID|last]`: one report's story in plain sentences, from the
 * audit log and the apply state: what was sent (the fields that were not
 * OK), what Mission Control answered, which rules fired or held back, what
 * was done and its result, and what is left for a person now.
 *
 * Sources (all in the state folder): the `exchange` and `not-sent` lines of
 * the exchange (mission-control/exchange.ts), the `cycle` line of the cycle
 * that built the report (commands/cycle.ts: the apply step's decisions), later
 * `state` lines (a repair launched then finishes later), the outbox (a report
 * not sent yet) and apply-state.json (what is left for a person now). Reads
 * only; never writes. Text that came from outside (Mission Control's answer,
 * probe descriptions) is stripped of control characters and cut.
 */
import { describeAction, leftForAPerson } from "../apply/explain.js";
import type { Config } from "../config/schema.js";
import type { Effects } from "../effects/index.js";
import { parseAuditLine, readAuditLines } from "../state/audit.js";
import type { AuditEntry } from "../state/audit.js";
import { listOutbox, readEntry } from "../state/outbox.js";
import { ActionKindSchema, readApplyState } from "../state/apply-state.js";

/** `last`, or a report id or its first characters (at least 4). */
export type ExplainTarget = string;

export interface ExplainSection {
  readonly title: string;
  readonly lines: readonly string[];
}

export interface Explanation {
  readonly reportId: string;
  /** The cycle that built the report; null for lines written before nodekeeper recorded cycles. */
  readonly cycle: { readonly at: string; readonly command: string; readonly exitCode: number } | null;
  readonly sent: {
    readonly at: string | null;
    readonly delivered: boolean;
    /** The report's fields that were not OK, one sentence each. */
    readonly notOk: readonly string[];
  };
  readonly answer: { readonly httpStatus: number | null; readonly outcome: string | null; readonly reason: string | null; readonly instructions: Record<string, unknown> | null };
  /** Rules of the apply step: "fired", "held" (back) or "info". */
  readonly rules: ReadonlyArray<{ readonly verdict: "fired" | "held" | "info"; readonly text: string }>;
  readonly actions: ReadonlyArray<{ readonly action: string; readonly target: string; readonly result: string; readonly error: string | null }>;
  readonly sections: readonly ExplainSection[];
}

export type ExplainResult =
  | { readonly ok: true; readonly explanation: Explanation }
  /** Exit 64: no such report (or several match the prefix), or nothing in the audit log yet. */
  | { readonly ok: false; readonly error: string };

type Json = Record<string, unknown>;

const MAX_LINE_CHARS = 600;

/** Outside text, made safe for a terminal: control characters out, cut to MAX_LINE_CHARS. */
function clean(text: string): string {
  // eslint-disable-next-line no-control-regex
  const flat = text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, " ").trimEnd();
  return flat.length > MAX_LINE_CHARS ? `${flat.slice(0, MAX_LINE_CHARS - 1)}…` : flat;
}

const str = (v: unknown): string | null => (typeof v === "string" ? v : null);
const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);
const obj = (v: unknown): Json | null => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Json) : null);
/** Any JSON value as text: strings as they are, null and undefined as "", the rest as JSON. */
const text = (v: unknown): string => (typeof v === "string" ? v : v === null || v === undefined ? "" : JSON.stringify(v));
const list = (v: unknown): unknown[] => (Array.isArray(v) ? (v as unknown[]) : []);

const REPORT_ID_PREFIX = /^[0-9A-Za-z-]{4,64}$/;

export async function explain(effects: Effects, config: Config, target: ExplainTarget): Promise<ExplainResult> {
  const lines = await readAuditLines(config.stateDir, config.missionControl.audit.keep);
  const id = target === "last" ? lastReportId(lines) : findReportId(lines, target);
  if (!id.ok) return id;
  const reportId = id.reportId;

  const mine: Array<{ entry: AuditEntry; line: Json }> = [];
  for (const entry of lines) {
    if (!entry.text.includes(reportId)) continue;
    const line = parseAuditLine(entry);
    if (line && line["reportId"] === reportId) mine.push({ entry, line });
  }
  const cycleAt = mine.find((m) => m.line["type"] === "cycle");
  const cycle = cycleAt?.line ?? null;
  const exchanges = mine.filter((m) => m.line["type"] === "exchange").map((m) => m.line);
  const notSent = mine.filter((m) => m.line["type"] === "not-sent").map((m) => m.line);
  const apply = obj(cycle?.["apply"]);

  // The report's body: as sent (audit), else as waiting in the outbox.
  let body = obj(obj(exchanges[0]?.["request"])?.["body"]);
  let inOutbox = false;
  const outbox = await listOutbox(config.stateDir).catch(() => []);
  const entry = outbox.find((e) => e.reportId === reportId);
  if (entry) {
    inOutbox = true;
    if (!body) {
      const read = await readEntry(entry);
      if (read.ok) body = obj(JSON.parse(read.body) as unknown);
    }
  }

  const sent = sentLines(body);
  const final = exchanges.at(-1) ?? null;
  const response = obj(final?.["response"]);
  const outcome = str(final?.["outcome"]);
  const instructions = outcome === "accepted" && response ? obj(parseJson(str(response["body"]))) : null;
  const answer = answerLines(exchanges, notSent, inOutbox, cycle, instructions);
  const decided = decisionLines(cycle, apply);
  const done = doneLines(apply, cycleAt?.entry.index ?? null, lines);

  const read = await readApplyState(config.stateDir, effects.clock);
  const person = [...reportPerson(final, inOutbox), ...leftForAPerson(read.state, effects.clock.now(), read.recovery)];

  const when = str(exchanges[0]?.["at"]) ?? str(cycle?.["at"]);
  const head = cycle
    ? `Report ${reportId}, built by \`${String(cycle["command"])}\` at ${String(cycle["at"])}; that cycle ended with exit code ${String(cycle["exitCode"])}.`
    : `Report ${reportId}${when ? `, sent at ${when}` : ""} (no cycle record: written by an older nodekeeper, or the cycle did not finish).`;
  const sections: ExplainSection[] = [
    { title: head, lines: [] },
    { title: "What was sent", lines: sent.lines },
    { title: "What Mission Control answered", lines: answer },
    { title: "What nodekeeper decided", lines: decided.lines },
    { title: "What was done", lines: done.lines },
    { title: "Left for a person (now)", lines: person.length > 0 ? person.map((p) => `- ${p}`) : ["Nothing."] },
  ].map((s) => ({ title: clean(s.title), lines: s.lines.map(clean) }));

  return {
    ok: true,
    explanation: {
      reportId,
      cycle: cycle ? { at: String(cycle["at"]), command: String(cycle["command"]), exitCode: num(cycle["exitCode"]) ?? -1 } : null,
      sent: { at: when, delivered: final?.["delivered"] === true, notOk: sent.notOk.map(clean) },
      answer: { httpStatus: num(response?.["status"]), outcome, reason: str(final?.["reason"]) === null ? null : clean(String(final?.["reason"])), instructions },
      rules: decided.rules.map((r) => ({ verdict: r.verdict, text: clean(r.text) })),
      actions: done.actions,
      sections,
    },
  };
}

function parseJson(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function lastReportId(lines: readonly AuditEntry[]): { ok: true; reportId: string } | { ok: false; error: string } {
  // The newest cycle line; logs from before cycle lines: the newest report sent.
  for (const type of ["cycle", "exchange"]) {
    for (let i = lines.length - 1; i >= 0; i--) {
      const entry = lines[i]!;
      if (!entry.text.includes(`"type":"${type}"`)) continue;
      const line = parseAuditLine(entry);
      const id = str(line?.["reportId"]);
      if (line?.["type"] === type && id !== null && (type === "cycle" || line["newest"] === true)) return { ok: true, reportId: id };
    }
  }
  return { ok: false, error: "no report in the audit log yet: nodekeeper has not run a report cycle with this state folder" };
}

function findReportId(lines: readonly AuditEntry[], prefix: string): { ok: true; reportId: string } | { ok: false; error: string } {
  if (!REPORT_ID_PREFIX.test(prefix)) return { ok: false, error: `${JSON.stringify(prefix)} is not a report id: give one (or its first 4 characters or more), or \`last\`` };
  const wanted = prefix.toLowerCase();
  const ids = new Set<string>();
  for (const entry of lines) {
    if (!entry.text.toLowerCase().includes(`"reportid":"${wanted}`)) continue;
    const line = parseAuditLine(entry);
    const id = str(line?.["reportId"]);
    if (id !== null && id.toLowerCase().startsWith(wanted) && ["cycle", "exchange", "not-sent"].includes(String(line?.["type"]))) ids.add(id);
  }
  if (ids.size === 0) return { ok: false, error: `no report ${prefix} in the audit log (it is bounded in size: old reports rotate out; \`nodekeeper explain last\` takes the newest)` };
  if (ids.size > 1) return { ok: false, error: `${prefix} matches ${ids.size} reports (${[...ids].slice(0, 5).join(", ")}${ids.size > 5 ? ", …" : ""}): give more of the id` };
  return { ok: true, reportId: [...ids][0]! };
}

/** The report's fields that were not OK, in sentences. */
function sentLines(body: Json | null): { lines: string[]; notOk: string[] } {
  if (!body) return { lines: ["The report's body is not in the audit log or the outbox any more."], notOk: [] };
  const notOk: string[] = [];
  const nodeState = str(body["nodeState"]);
  const serverState = str(body["serverState"]);
  if (nodeState !== "RUNNING" || serverState !== "RUNNING") notOk.push(`node state ${nodeState ?? "?"}, server state ${serverState ?? "?"} (not RUNNING)`);
  for (const c of list(body["componentStatuses"]).map(obj)) {
    const status = str(c?.["status"]);
    if (c && status !== "OK" && status !== "NOT_INSTALLED") notOk.push(`component ${String(c["name"])}: ${String(status)} (code ${String(c["resultCode"])}): ${text(c["description"])}`);
  }
  for (const d of list(body["directoryStatuses"]).map(obj)) {
    const status = str(d?.["status"]);
    if (d && status !== "OK") notOk.push(`directory ${String(d["path"])}: ${String(status)} (code ${String(d["resultCode"])}): ${text(d["details"])}`);
  }
  for (const p of list(body["connectivityMetrics"]).map(obj)) {
    if (!p) continue;
    const down = [["host", p["hostConnected"]], ["server", p["serverConnected"]], ["Cassandra", p["cassandraConnected"]]].filter(([, up]) => up !== true).map(([name]) => String(name));
    const hints = num(p["cassandraHints"]);
    if (down.length > 0 || (hints ?? 0) > 0) {
      notOk.push(`peer ${String(p["nodeId"])}: ${down.length > 0 ? `${down.join(", ")} not connected` : "connected"}${hints ? `; ${hints} hint file(s) held for it` : ""}`);
    }
  }
  const repairState = str(body["cassandraRepairState"]);
  if (repairState !== null && repairState !== "IDLE") notOk.push(`Cassandra repair activity: ${repairState}`);
  const pha = str(body["cassandraPhaRepairStatus"]);
  if (pha !== null && pha !== "NOT_REQUIRED" && pha !== "SUCCEEDED") notOk.push(`failover repair status: ${pha}`);
  if (body["maintenanceMode"] === true) notOk.push("maintenance mode: on");
  if (str(body["multiDcMigrationState"]) === "FAILED") notOk.push("multi-DC migration: FAILED");
  if (body["oneAgentTrafficEnabled"] === false) notOk.push("OneAgent traffic: disabled");
  if (body["webUiTrafficEnabled"] === false) notOk.push("web UI traffic: disabled");
  const counts = `${list(body["componentStatuses"]).length} components, ${list(body["directoryStatuses"]).length} directories, ${list(body["connectivityMetrics"]).length} peers`;
  const lines = notOk.length === 0
    ? [`Everything in it was OK (${counts}).`]
    : [`Not OK in it (of ${counts}):`, ...notOk.map((n) => `  - ${n}`)];
  return { lines, notOk };
}

function describeInstructions(i: Json): string[] {
  const ids = list(i["responsibilityNodeIds"]).map(String);
  return [
    `  - responsibility nodes: ${ids.length > 0 ? ids.join(", ") : "none"}`,
    `  - Cassandra quorum override: ${i["cassandraQuorumOverride"] === true ? "on" : "off"}`,
    `  - failover remediation (stop the local server): ${i["phaFailoverRemediation"] === true ? "ON" : "off"}`,
    `  - downtime longer than 72 h: ${i["phaDowntimeLongerThan72h"] === true ? "YES" : "no"}`,
    `  - cluster status: ${String(i["clusterStatus"])}${str(i["clusterStatusDescription"]) ? ` (${String(i["clusterStatusDescription"])})` : ""}`,
  ];
}

const OUTCOME_TEXT: Readonly<Record<string, string>> = {
  accepted: "accepted it",
  "answer-invalid": "received it, but its answer failed validation, so nothing from it was applied",
  rejected: "rejected it (400/422): it is not sent again",
  mismatch: "refused it as a cluster or node mismatch (409): nothing applied, not sent again",
  unauthorised: "refused nodekeeper itself (401/403): the report stays in the outbox until the credentials are fixed",
  failed: "did not get it: it stays in the outbox and is sent again next cycle",
};

function answerLines(exchanges: readonly Json[], notSent: readonly Json[], inOutbox: boolean, cycle: Json | null, instructions: Json | null): string[] {
  const out: string[] = [];
  for (const n of notSent) out.push(`At ${String(n["at"])} it was not sent: ${String(n["reason"])}.`);
  exchanges.forEach((e, i) => {
    const status = num(obj(e["response"])?.["status"]);
    const outcome = String(e["outcome"]);
    const attempts = list(e["attempts"]).length;
    const from = e["newest"] === true ? "" : " from the outbox";
    out.push(`${i === 0 ? "At" : "Then at"} ${String(e["at"])}${from}: ${status === null ? "no HTTP answer" : `HTTP ${status}`} after ${attempts} attempt(s); Mission Control ${OUTCOME_TEXT[outcome] ?? outcome}: ${String(e["reason"])}.`);
  });
  if (exchanges.length === 0 && notSent.length === 0) out.push(inOutbox ? "It has not been sent yet: it waits in the outbox." : "No exchange of it is in the audit log.");
  const last = exchanges.at(-1);
  if (last && last["outcome"] === "accepted") {
    if (instructions) out.push("Its instructions:", ...describeInstructions(instructions));
    else out.push("No instructions came with it (HTTP 204): the instructions in force stayed.");
    const ex = obj(cycle?.["exchange"]);
    if (instructions && last["newest"] !== true) out.push("It was delivered from the outbox, after a newer report existed: its answer was recorded, not applied (only the answer to the newest report is).");
    else if (instructions && ex && ex["applied"] === false) out.push("Its answer was not applied in that cycle.");
  }
  return out;
}

type Rule = { verdict: "fired" | "held" | "info"; text: string };

/**
 * A refused report brings no new instructions, but the apply step runs every
 * cycle all the same (retries of decided actions, the repair watch, the quorum
 * re-assert): a server nodekeeper stopped is not left down by a token rotation.
 */
const REFUSED_RULE = "Mission Control refused the report or nodekeeper: no new instructions were taken; the apply step still ran on the instructions in force (retries of decided actions, the repair watch, the quorum re-assert).";

const EVENT_TEXT: Readonly<Record<string, (e: Json) => string>> = {
  "failover-activated": (e) => `Failover remediation began: ${String(e["reason"])}.`,
  "failover-deactivated": () => "Failover remediation ended: Mission Control no longer asks for it.",
  "cassandra-repair-required": (e) => `A Cassandra repair became REQUIRED: ${String(e["reason"])}.`,
  "cassandra-repair-finished": (e) => `The Cassandra repair finished: ${String(e["after"])} (${String(e["reason"])}).`,
  "cassandra-repair-acknowledged": () => "The operator's repair-done marker was taken: the repair is SUCCEEDED.",
  "not-repairable": () => "Mission Control reports a downtime longer than 72 h: the node is NOT_REPAIRABLE, no automatic repair runs, the data center must be rebuilt.",
  "not-repairable-cleared": () => "Mission Control no longer reports a downtime over 72 h: NOT_REPAIRABLE is cleared; that failover's repair is not run.",
  "answer-rejected": (e) => `nodekeeper rejected the answer on its own check: ${String(e["reason"])}; nothing from it was applied.`,
  "answer-ignored": () => "The answer was a replay of one already taken: ignored.",
  "action-interrupted": (e) => `An earlier action left no result (${String(e["before"])}): ${String(e["reason"])}.`,
};

function decisionLines(cycle: Json | null, apply: Json | null): { lines: string[]; rules: Rule[] } {
  const rules: Rule[] = [];
  if (!cycle) return { lines: ["No cycle record for this report: what the apply step decided is not known (see the action and state lines of the audit log)."], rules };
  if (!apply) {
    const code = num(cycle["exitCode"]);
    rules.push({ verdict: "held", text: code === 4 ? "Mission Control refused the report or nodekeeper, so the apply step did not run: nothing was acted upon." : code === 64 ? "The configuration stopped the cycle before anything was sent: nothing was acted upon." : "The apply step did not run." });
  } else {
    const answer = str(apply["answer"]);
    if (answer === "applied") rules.push({ verdict: "fired", text: "The answer passed nodekeeper's own checks and became the instructions in force." });
    else if (answer === "none" && num(cycle["exitCode"]) === 4) rules.push({ verdict: "held", text: REFUSED_RULE });
    else if (answer === "none") rules.push({ verdict: "info", text: "No new instructions in this cycle: the instructions in force stayed." });
    else if (answer === "rejected") rules.push({ verdict: "held", text: `The answer was rejected on nodekeeper's own check: ${String(apply["rejection"])}; nothing from it was applied.` });
    else if (answer === "duplicate") rules.push({ verdict: "held", text: "The answer was a replay of one already taken: ignored." });
    const off = str(apply["offReason"]);
    if (off !== null) rules.push({ verdict: "held", text: `Actions were OFF (${off}): due actions were only logged as "would run", none was done.` });
    const fo = obj(apply["failover"]);
    const events = list(apply["events"]).map(obj).filter((e): e is Json => e !== null);
    const eventNames = new Set(events.map((e) => String(e["event"])));
    if (fo && fo["asked"] === true) {
      const on = num(fo["consecutiveOn"]) ?? 0;
      const needed = num(fo["needed"]) ?? 2;
      const episode = obj(fo["episode"]);
      if (eventNames.has("failover-activated")) {
        rules.push({ verdict: "fired", text: `Two-confirmation rule: failover remediation was asked in ${on} consecutive answers (${needed} needed): the failover began; the local server is to be stopped.` });
      } else if (episode?.["active"] === true) {
        rules.push({ verdict: "info", text: `Failover remediation is still on (asked in ${on} consecutive answers)${episode["stoppedAt"] ? `; the local server was stopped at ${text(episode["stoppedAt"])}` : ""}.` });
      } else {
        rules.push({ verdict: "held", text: `Two-confirmation rule: failover remediation was asked in ${on} consecutive answer(s), ${needed} are needed before the local server is stopped: held back (a single answer may be a blink).` });
      }
    }
    if (apply["downtimeOver72h"] === true && !eventNames.has("not-repairable")) {
      rules.push({ verdict: "held", text: "72 h rule: Mission Control reports a downtime longer than 72 h: NOT_REPAIRABLE, no automatic repair." });
    }
    for (const e of events) {
      const name = String(e["event"]);
      if (name === "failover-activated" || name === "answer-rejected" || name === "answer-ignored") continue; // said above
      const text = EVENT_TEXT[name]?.(e) ?? `${name}: ${String(e["before"])} → ${String(e["after"])} (${String(e["reason"])}).`;
      rules.push({ verdict: name === "not-repairable" ? "held" : "fired", text });
    }
    for (const p of list(apply["pending"]).map(obj)) {
      if (!p) continue;
      const reason = String(p["reason"]);
      if (reason.startsWith("would run")) continue; // said with the actions
      rules.push({ verdict: "held", text: `Not yet: ${actionText(p)}, because ${reason} (since ${String(p["since"])}).` });
    }
    const repair = obj(apply["repair"]);
    if (repair) rules.push({ verdict: "info", text: `Failover repair status after the cycle: ${String(repair["status"])} (${String(repair["reason"])}).` });
  }
  const tag = { fired: "fired", held: "held back", info: "note" } as const;
  return { lines: rules.map((r) => `- [${tag[r.verdict]}] ${r.text}`), rules };
}

function actionText(a: Json): string {
  const kind = ActionKindSchema.safeParse(a["action"]);
  return kind.success ? describeAction(kind.data, String(a["target"])) : String(a["action"]);
}

function doneLines(apply: Json | null, cycleIndex: number | null, lines: readonly AuditEntry[]): { lines: string[]; actions: Explanation["actions"] } {
  const out: string[] = [];
  const actions: Array<Explanation["actions"][number]> = [];
  if (!apply) return { lines: ["Nothing."], actions };
  const take = (key: string) => list(apply[key]).map(obj).filter((a): a is Json => a !== null);
  for (const a of take("done")) {
    out.push(`- Done: ${actionText(a)} (${String(a["before"])} → ${String(a["after"])}).`);
    actions.push({ action: String(a["action"]), target: String(a["target"]), result: "done", error: null });
  }
  for (const a of take("failed")) {
    const again = a["action"] === "cassandra-repair" ? "it is not retried by itself" : "retried in a later cycle";
    out.push(`- FAILED: ${actionText(a)}: ${String(a["error"])}; ${again}.`);
    actions.push({ action: String(a["action"]), target: String(a["target"]), result: "failed", error: str(a["error"]) });
  }
  for (const a of take("wouldRun")) {
    out.push(`- Would have run, not done (${text(apply["offReason"]) || "actions off"}): ${actionText(a)}.`);
    actions.push({ action: String(a["action"]), target: String(a["target"]), result: "would-run", error: null });
  }
  // A repair launched in this cycle runs on; its end is a later state line.
  if (cycleIndex !== null && take("done").some((a) => a["action"] === "cassandra-repair")) {
    const finished = lines.slice(cycleIndex + 1).find((e) => e.text.includes('"cassandra-repair-finished"'));
    const line = finished ? parseAuditLine(finished) : null;
    out.push(line
      ? `- Later, at ${String(line["at"])}: the Cassandra repair finished: ${String(line["after"])} (${String(line["reason"])}).`
      : "- The Cassandra repair it started has not reported its end yet (still running, or the next cycle has not looked).");
  }
  for (const e of list(apply["errors"])) out.push(`- Problem: ${String(e)}.`);
  if (out.length === 0) out.push("Nothing: no action was due.");
  return { lines: out, actions };
}

/** What the report's own fate leaves for a person. */
function reportPerson(final: Json | null, inOutbox: boolean): string[] {
  if (!final) return inOutbox ? ["The report waits in the outbox: nodekeeper sends it at its next cycle. If that keeps failing, see `nodekeeper status` (Mission Control's last exchange)."] : [];
  switch (final["outcome"]) {
    case "unauthorised":
      return ["Mission Control refused nodekeeper's credentials (401/403): check the token in missionControl.tokenFile (and the client certificate); the report is sent again once they are accepted."];
    case "rejected":
      return ["Mission Control rejected the report (400/422); it is not sent again. Give the Mission Control team the reason above and the report id."];
    case "mismatch":
      return ["Mission Control does not know this cluster or node (409): check clusterId and nodeId in the configuration."];
    case "answer-invalid":
      return ["Mission Control's answer failed validation, so nothing from it was applied: give the Mission Control team the reason above (the answer is in the audit log)."];
    case "failed":
      return inOutbox ? ["The report was not delivered and waits in the outbox; nodekeeper sends it again each cycle. If Mission Control stays unreachable, check the network path and its certificate (`nodekeeper status`)."] : [];
    default:
      return [];
  }
}
