/**
 * The apply state in plain words, for `status`: what Mission Control asked,
 * what nodekeeper did, what is pending or failing, and what is left for a
 * person (a failed repair to rerun by hand, a data center to rebuild, a state
 * file that was damaged). Pure: the state and the time in, lines out.
 */
import type { ActionKind, ApplyState, RepairRecord } from "../state/apply-state.js";
import type { RecoveryNote } from "../state/store.js";

/** Damaged-state notes older than this are history, not news: 7 days. */
const RECOVERY_NEWS_MS = 7 * 86_400_000;

/** An argv as a shell command line an operator can paste. */
export function shellCommand(argv: readonly string[]): string {
  return argv.map((a) => (/^[A-Za-z0-9_/.,:=@%+-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`)).join(" ");
}

function ago(at: string, now: number): string {
  const ms = now - Date.parse(at);
  if (!Number.isFinite(ms)) return at;
  if (ms < 0) return `${at}`;
  const min = Math.floor(ms / 60_000);
  if (min < 1) return `${at}, just now`;
  if (min < 120) return `${at}, ${min} min ago`;
  const hours = Math.floor(min / 60);
  if (hours < 48) return `${at}, ${hours} h ago`;
  return `${at}, ${Math.floor(hours / 24)} days ago`;
}

export function describeAction(action: ActionKind, target: string): string {
  switch (action) {
    case "responsibility-override": {
      let ids: unknown;
      try {
        ids = JSON.parse(target);
      } catch {
        ids = null;
      }
      return `set the responsibility override to ${Array.isArray(ids) ? `[${ids.join(", ")}]` : target}`;
    }
    case "quorum-override":
      return target === "UNSET" ? "unset the Cassandra quorum override" : `set the Cassandra quorum override to ${target}`;
    case "stop-server":
      return "stop the local server (failover remediation)";
    case "start-server":
      return "start the local server again after the failover";
    case "cassandra-repair":
      return "run the Cassandra repair";
  }
}

function repairLine(r: RepairRecord, now: number): string {
  switch (r.status) {
    case "NOT_REQUIRED":
      return `Cassandra repair: not required (${r.reason}).`;
    case "REQUIRED":
      return `Cassandra repair: REQUIRED since ${ago(r.requiredAt ?? r.since ?? "", now)}, because ${r.reason}. nodekeeper runs it by itself when its turn comes (see pending below).`;
    case "IN_PROGRESS":
      return `Cassandra repair: IN_PROGRESS, started ${ago(r.startedAt ?? r.since ?? "", now)}${r.logFile ? `; its output goes to ${r.logFile}` : ""}.`;
    case "SUCCEEDED":
      return r.manual
        ? `Cassandra repair: SUCCEEDED, done by hand (${r.reason}).`
        : `Cassandra repair: SUCCEEDED at ${ago(r.finishedAt ?? r.since ?? "", now)}.`;
    case "FAILED":
      return `Cassandra repair: FAILED at ${ago(r.finishedAt ?? r.since ?? "", now)}: ${r.error ?? "no details"}.`;
    case "NOT_REPAIRABLE":
      return `Cassandra repair: NOT_REPAIRABLE: ${r.reason}.`;
    case "UNKNOWN":
      return `Cassandra repair: UNKNOWN: ${r.reason}.`;
  }
}

export function explainApplyState(state: ApplyState, now: number, recovery: RecoveryNote | null = null): string[] {
  return [
    ...askedLines(state, now),
    ...doneLines(state, now),
    ...actionsOffLines(state),
    ...pendingLines(state, now),
    ...personLines(state, now, recovery),
  ];
}

/** What Mission Control asked, and the last answer rejected. */
function askedLines(state: ApplyState, now: number): string[] {
  const lines: string[] = [];
  const d = state.desired;
  const fo = state.failover;
  if (d === null) {
    lines.push("Mission Control has not sent any instructions to this node yet.");
  } else {
    const i = d.instructions;
    lines.push(`Mission Control's instructions in force: the answer to report ${d.reportId}, received ${ago(d.receivedAt, now)}:`);
    lines.push(`  - responsibility nodes (cluster-wide work): ${i.responsibilityNodeIds.length > 0 ? i.responsibilityNodeIds.join(", ") : "none"}`);
    lines.push(`  - Cassandra quorum override: ${i.cassandraQuorumOverride ? "on" : "off"}`);
    lines.push(
      `  - failover remediation (stop the local server): ${i.phaFailoverRemediation ? `on, in ${fo.consecutiveOn} consecutive answer(s)` : "off"}`,
    );
    lines.push(`  - downtime longer than 72 h: ${i.phaDowntimeLongerThan72h ? "yes" : "no"}`);
    lines.push(`  - cluster status: ${i.clusterStatus}${i.clusterStatusDescription ? ` (${i.clusterStatusDescription})` : ""}`);
  }
  if (state.answers.lastRejected) {
    const r = state.answers.lastRejected;
    lines.push(`The last rejected answer (${ago(r.at, now)}${r.reportId ? `, report ${r.reportId}` : ""}) changed nothing: ${r.reason}.`);
  }
  return lines;
}

/** What nodekeeper did: the overrides, the failover, the repair. */
function doneLines(state: ApplyState, now: number): string[] {
  const lines: string[] = [];
  lines.push(state.lastCycle ? `What nodekeeper did (last cycle ${ago(state.lastCycle.at, now)}):` : "What nodekeeper did:");
  const resp = state.applied.responsibility;
  lines.push(resp
    ? `  - responsibility override set to [${resp.nodeIds.join(", ")}] at ${ago(resp.at, now)} (report ${resp.reportId}).`
    : "  - responsibility override: not set by nodekeeper yet.");
  const q = state.applied.quorum;
  lines.push(q
    ? `  - Cassandra quorum override ${q.value === "UNSET" ? "unset" : `set to ${q.value}`} at ${ago(q.at, now)} (report ${q.reportId}${q.serverStartedAt ? `, server started ${q.serverStartedAt}` : ""})${q.serverSeenDown && q.value !== "UNSET" ? "; the server has been down since, so it is asserted again when it runs" : ""}.`
    : "  - Cassandra quorum override: not set by nodekeeper yet.");
  lines.push(...failoverLines(state, now));
  lines.push(`  - ${repairLine(state.repair, now)}`);
  return lines;
}

/** The failover episode (or flags counted without one): what became of the local server. */
function failoverLines(state: ApplyState, now: number): string[] {
  const fo = state.failover;
  const episode = fo.episode;
  if (!episode) {
    return fo.consecutiveOn > 0
      ? [`  - failover remediation asked in ${fo.consecutiveOn} consecutive answer(s): not acted upon yet (a blink is ignored).`]
      : [];
  }
  const lines: string[] = [];
  const stop = episode.stop.doneAt
    ? `the local server was stopped at ${episode.stop.doneAt}`
    : episode.stop.attemptedAt
      ? `stopping the local server was tried (last at ${episode.stop.attemptedAt}) but has not succeeded`
      : episode.stop.wouldRunAt
        ? `the local server was NOT stopped (actions were off; it would have been at ${episode.stop.wouldRunAt})`
        : "the local server has not been stopped yet";
  if (episode.active) {
    lines.push(`  - failover remediation ON since ${ago(episode.activatedAt, now)} (report ${episode.id}): ${stop}.`);
  } else {
    const start = episode.start.doneAt
      ? `; it was started again at ${episode.start.doneAt}`
      : episode.stop.attemptedAt
        ? "; it has NOT been started again yet"
        : "";
    lines.push(`  - last failover remediation: from ${episode.activatedAt} to ${episode.deactivatedAt ?? "?"}: ${stop}${start}.`);
  }
  if (episode.cassandraWasDown) lines.push(`    During it: ${episode.cassandraDownReason ?? "Cassandra on this node was down"}.`);
  return lines;
}

/** Actions off in the last cycle (maintenance mode or remediation.enabled false). */
function actionsOffLines(state: ApplyState): string[] {
  if (!state.lastCycle || (!state.lastCycle.maintenance && state.lastCycle.remediationEnabled)) return [];
  const why = state.lastCycle.maintenance ? "the node is in maintenance mode" : "remediation.enabled is false";
  return [`Actions are OFF (${why}): due actions are only logged as "would run", nothing is done.`];
}

/** Pending and failing actions, and the last error. */
function pendingLines(state: ApplyState, now: number): string[] {
  const lines: string[] = [];
  if (state.pending.length > 0) {
    lines.push("Pending:");
    for (const p of state.pending) lines.push(`  - ${describeAction(p.action, p.target)}: ${p.reason} (since ${p.since}).`);
  }
  if (state.failures.length > 0) {
    lines.push("Failing, retried automatically:");
    for (const f of state.failures) {
      lines.push(`  - ${describeAction(f.action, f.target)}: failed ${f.attempts} time(s) since ${f.firstAt}; last error: ${f.error}; next try after ${f.nextAttemptAt}.`);
    }
  }
  if (state.lastError) lines.push(`Last error (${ago(state.lastError.at, now)}${state.lastError.action ? `, ${state.lastError.action}` : ""}): ${state.lastError.message}`);
  return lines;
}

/** Left for a person, as a list (or "nothing"). */
function personLines(state: ApplyState, now: number, recovery: RecoveryNote | null): string[] {
  const person = leftForAPerson(state, now, recovery);
  if (person.length === 0) return ["Left for a person: nothing."];
  return ["Left for a person:", ...person.map((p) => `  - ${p}`)];
}

/** What is left for a person, in full sentences (`status` and `explain`); empty: nothing. */
export function leftForAPerson(state: ApplyState, now: number, recovery: RecoveryNote | null = null): string[] {
  const person: string[] = [];
  const episode = state.failover.episode;
  const r = state.repair;
  const marker = r.doneMarkerFile ?? "<stateDir>/cassandra-repair.done";
  const command = r.command ? shellCommand(r.command) : "the configured repair command (remediation.repairCommand)";
  if (r.status === "FAILED") {
    person.push(
      "The automatic Cassandra repair failed and nodekeeper will NOT run it again by itself. " +
      `Rerun it by hand, as root on this node, when no other node is repairing: ${command}` +
      `${r.logFile ? ` (the failed run's output is in ${r.logFile})` : ""}. ` +
      `When it has finished successfully, run: touch ${marker} ; nodekeeper then reports the repair as SUCCEEDED.`,
    );
  }
  if (r.status === "NOT_REPAIRABLE") {
    person.push(
      "Mission Control reports that this data center was down for more than 72 hours: its Cassandra data can no longer be repaired " +
      "and no automatic repair will run. The data center must be rebuilt (follow the Premium HA procedure for rebuilding a data center).",
    );
  }
  if (r.status === "UNKNOWN") {
    person.push(
      `nodekeeper lost its state, so it does not know whether a failover is under way or a Cassandra repair is due. ` +
      "If nodekeeper had stopped the local server for a failover that has ended, start it by hand. " +
      `If this node's Cassandra was down during a failover, run ${command} by hand, then touch ${marker}.`,
    );
  }
  if (episode?.active && episode.stop.doneAt === null) {
    const stopFailure = state.failures.find((f) => f.action === "stop-server");
    if (stopFailure && stopFailure.attempts >= 3) {
      person.push(`The local server could not be stopped for the failover remediation (${stopFailure.attempts} tries; last error: ${stopFailure.error}). Check it by hand.`);
    }
  }
  if (episode && !episode.active && episode.stop.attemptedAt !== null && episode.start.doneAt === null) {
    const startFailure = state.failures.find((f) => f.action === "start-server");
    if (startFailure && startFailure.attempts >= 3) {
      person.push(`The local server could not be started again after the failover (${startFailure.attempts} tries; last error: ${startFailure.error}). Check it by hand.`);
    }
  }
  const notes = [...state.recoveries, ...(recovery ? [recovery] : [])].filter(
    (n, i, all) => now - Date.parse(n.at) < RECOVERY_NEWS_MS && all.findIndex((m) => m.at === n.at && m.problem === n.problem) === i,
  );
  for (const n of notes) {
    person.push(
      `The state file ${n.file} was found damaged (${ago(n.at, now)}): ${n.problem}. ` +
      (n.used === "backup" ? "nodekeeper went on with its last good copy" : "nodekeeper started afresh, and forgot what it had done before") +
      `${n.preservedAs ? `; the damaged copy is kept as ${n.preservedAs}` : ""}. Check the disk.`,
    );
  }
  return person;
}
