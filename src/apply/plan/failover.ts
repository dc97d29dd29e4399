/**
 * Phase 2 of a cycle's plan, the failover episode. At
 * `stopAfterConsecutiveAnswers` counted answers (intake.ts) a failover
 * *episode* begins; a counted answer without the flag ends it. While it is on,
 * this node's Cassandra being down (or the node restarted: another boot id; or
 * nodekeeper not running for over 10 min by the boot clock) marks the episode
 * as needing a Cassandra repair. The stop and the start themselves are actions
 * (actions.ts).
 */
import { rebootedBetween } from "../../effects/clock.js";
import type { Moment } from "../../effects/clock.js";
import type { ApplyState, Episode } from "../../state/apply-state.js";
import type { TakenAnswer } from "./intake.js";
import { setRepair } from "./repair-status.js";
import { elapsedSince, iso, moment } from "./time.js";
import type { PhaseOutput, StateEvent } from "./types.js";

/** nodekeeper not running for longer than this during a failover: assume the node, Cassandra included, was down: 10 min. */
export const FAILOVER_GAP_ASSUMES_DOWN_MS = 600_000;

export interface FailoverInput {
  readonly state: ApplyState;
  /** The answer to this cycle's own report, if one was accepted (intake.ts). */
  readonly counted: TakenAnswer | null;
  readonly cassandraUp: boolean;
  readonly stopAfterConsecutiveAnswers: number;
  readonly now: Moment;
}

/** Phase 2: the episode begun or ended by the counted answer, then Cassandra watched while it is on. Pure. */
export function followFailover(input: FailoverInput): PhaseOutput {
  const s = structuredClone(input.state);
  const events = beginOrEndEpisode(s, input);
  watchCassandra(s, input.cassandraUp, input.now);
  return { state: s, events };
}

function newEpisode(id: string, at: string, down: string | null): Episode {
  return {
    id, activatedAt: at, active: true, deactivatedAt: null, deactivatedBoot: null, deactivationReportId: null,
    stop: { attemptedAt: null, doneAt: null, wouldRunAt: null },
    start: { attemptedAt: null, doneAt: null },
    cassandraWasDown: down !== null, cassandraDownReason: down, notRepairable: false,
  };
}

/** Changes the draft `s`: an episode begins at the needed count, ends with a counted answer without the flag. */
function beginOrEndEpisode(s: ApplyState, input: FailoverInput): StateEvent[] {
  const { counted, now } = input;
  const at = iso(now.wallMs);
  const fo = s.failover;
  const flag = counted?.instructions.phaFailoverRemediation;
  const reportId = counted?.reportId ?? null;
  if (counted !== null && flag === true && fo.consecutiveOn >= input.stopAfterConsecutiveAnswers && !fo.episode?.active) {
    const events: StateEvent[] = [];
    const down = !input.cassandraUp
      ? `Cassandra on this node was down at ${at}, when the failover began`
      : fo.cassandraDownWhileCounting
        ? `Cassandra on this node was down before ${at}, while Mission Control's failover flags were being counted`
        : s.repair.status === "REQUIRED"
          ? "an earlier failover's repair had not been run yet"
          : null;
    const previous = fo.episode;
    fo.episode = newEpisode(reportId ?? at, at, down);
    fo.cassandraDownWhileCounting = false;
    if (previous && !previous.active && previous.stop.attemptedAt !== null && previous.start.doneAt === null) {
      events.push({ event: "failover-restart-dropped", before: "start pending", after: "dropped", reason: "a new failover began before the server was started again", reportId });
    }
    if (s.repair.status === "SUCCEEDED") {
      setRepair(s, { status: "NOT_REQUIRED", reason: "a new failover began; the previous repair had succeeded", manual: false }, at);
    }
    events.push({
      event: "failover-activated", before: "off", after: "on",
      reason: `phaFailoverRemediation in ${fo.consecutiveOn} consecutive valid answers (${input.stopAfterConsecutiveAnswers} needed)`,
      reportId,
    });
    return events;
  }
  if (counted !== null && flag === false && fo.episode?.active) {
    fo.episode.active = false;
    fo.episode.deactivatedAt = at;
    fo.episode.deactivatedBoot = now.boot;
    fo.episode.deactivationReportId = reportId;
    return [{ event: "failover-deactivated", before: "on", after: "off", reason: "Mission Control no longer asks for failover remediation", reportId }];
  }
  return [];
}

/**
 * Changes the draft `s`: while the episode is on, Cassandra seen down, or the
 * node restarted, or nodekeeper away for over 10 min marks it as needing a repair.
 */
function watchCassandra(s: ApplyState, cassandraUp: boolean, now: Moment): void {
  const episode = s.failover.episode;
  if (!episode?.active || episode.cassandraWasDown) return;
  const at = iso(now.wallMs);
  const previousCycle = s.lastCycle ? moment(s.lastCycle.at, s.lastCycle.boot) : null;
  if (!cassandraUp) {
    episode.cassandraWasDown = true;
    episode.cassandraDownReason = `Cassandra on this node was down at ${at}, during the failover`;
  } else if (previousCycle !== null && rebootedBetween(previousCycle.boot, now.boot)) {
    // Downtime is read from the boot id and the boot clock, never from a
    // wall-clock gap: a clock stepped forward must not launch a repair.
    episode.cassandraWasDown = true;
    episode.cassandraDownReason =
      `the node restarted during the failover (another boot since nodekeeper's cycle at ${iso(previousCycle.wallMs)}): Cassandra was down`;
  } else {
    const gap = previousCycle !== null ? elapsedSince(previousCycle, now) : null;
    if (gap !== null && gap > FAILOVER_GAP_ASSUMES_DOWN_MS) {
      episode.cassandraWasDown = true;
      episode.cassandraDownReason =
        `nodekeeper did not run for ${Math.round(gap / 60_000)} min during the failover ` +
        `(after its cycle at ${iso(previousCycle?.wallMs ?? now.wallMs)}): Cassandra was not watched and may have been down`;
    }
  }
}
