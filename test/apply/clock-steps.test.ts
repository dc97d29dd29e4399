/**
 * Issue 15 items 2, 3 and 4 with a fake clock: wall-clock steps either way,
 * reboots, and answers to older reports. `advance` is time passing (wall and
 * boot clock), `stepWall` is NTP or `date -s` stepping only the wall clock,
 * `reboot` a new boot id (see helpers.ts).
 */
import assert from "node:assert/strict";
import { beforeEach, test } from "node:test";
import { elapsedMs } from "../../src/effects/clock.js";
import { readApplyState } from "../../src/state/apply-state.js";
import { instructions, makeWorld, nextReportId } from "./helpers.js";
import type { World } from "./helpers.js";
import { eachTest } from "../helpers/temp.js";

let w: World;
beforeEach(async (t) => {
  w = await makeWorld(eachTest(t), { config: { retryInitialDelayMs: 60_000, retryMaxDelayMs: 1_800_000 } });
});

const MIN = 60_000;
const HOUR = 60 * MIN;
const on = () => instructions(nextReportId(), { phaFailoverRemediation: true });
const off = () => instructions(nextReportId(), { phaFailoverRemediation: false });

test("elapsedMs: the boot clock within a boot, null across a reboot, and a wall time in the future is never recent", () => {
  const boot = (bootMs: number, bootId = "b1") => ({ bootId, bootMs });
  assert.equal(elapsedMs({ wallMs: 10 * HOUR, boot: boot(1_000) }, { wallMs: 8 * HOUR, boot: boot(61_000) }), 60_000, "the wall clock went back 2 h: 1 min passed");
  assert.equal(elapsedMs({ wallMs: 0, boot: boot(1_000) }, { wallMs: 5 * HOUR, boot: boot(61_000) }), 60_000, "the wall clock went forward 5 h: 1 min passed");
  assert.equal(elapsedMs({ wallMs: 0, boot: boot(1_000) }, { wallMs: MIN, boot: boot(2_000, "b2") }), null, "another boot: the chain breaks");
  assert.equal(elapsedMs({ wallMs: 2 * HOUR, boot: null }, { wallMs: HOUR, boot: boot(5) }), null, "a stored time in the future");
  assert.equal(elapsedMs({ wallMs: HOUR, boot: null }, { wallMs: 2 * HOUR, boot: null }), HOUR, "no boot stamps: the wall clock");
});

test("a backward wall-clock step does not chain two answers two hours apart (the repro): no stop", async () => {
  w.clock.stepWall(2 * HOUR); // the clock runs 2 h ahead...
  await w.cycle({ answer: on() });
  w.clock.advance(2 * HOUR); // two hours pass...
  w.clock.stepWall(-2 * HOUR); // ...and NTP steps the clock back: lastOnAt now lies in the future
  const second = await w.cycle({ answer: on() });
  assert.deepEqual(second.done, [], "not consecutive: two hours apart");
  assert.equal(second.state.failover.consecutiveOn, 1);
  assert.deepEqual(w.commands(), []);
  // A truly consecutive answer a minute later confirms, whatever the wall clock says.
  w.clock.advance(MIN);
  const third = await w.cycle({ answer: on() });
  assert.deepEqual(third.done.map((a) => a.action), ["stop-server"]);
});

test("a forward wall-clock step between two answers a minute apart does not break the chain; a reboot does", async (t) => {
  await w.cycle({ answer: on() });
  w.clock.advance(MIN);
  w.clock.stepWall(3 * HOUR);
  const second = await w.cycle({ answer: on() });
  assert.equal(second.state.failover.consecutiveOn, 2, "one minute passed by the boot clock");
  assert.deepEqual(second.done.map((a) => a.action), ["stop-server"]);

  const other = await makeWorld(t);
    await other.cycle({ answer: on() });
    other.clock.reboot(MIN);
    const afterBoot = await other.cycle({ answer: on() });
    assert.equal(afterBoot.state.failover.consecutiveOn, 1, "across a reboot the chain breaks");
    assert.deepEqual(other.commands(), []);
});

test("the stop gate: an episode whose last answer is old by the boot clock does not stop, even after the wall clock is set back", async () => {
  // Maintenance mode holds the stop while the flags come in.
  await w.cycle({ answer: on(), mode: { maintenance: true } });
  w.clock.advance(MIN);
  const activated = await w.cycle({ answer: on(), mode: { maintenance: true } });
  assert.equal(activated.state.failover.episode?.active, true);
  w.clock.advance(2 * HOUR);
  w.clock.stepWall(-2 * HOUR); // by the wall clock the last answer looks a minute old
  const later = await w.cycle({ answer: null });
  assert.deepEqual(later.done.filter((a) => a.action === "stop-server"), [], "two hours old by the boot clock: no stop on a stale instruction");
  assert.match(later.pending.map((p) => p.reason).join("\n"), /waiting for a recent answer/);
  assert.deepEqual(w.commands(), []);
});

test("an answer to an older report (from the outbox) is not counted: two such answers stop nothing", async () => {
  await w.cycle({ answer: on(), confirms: false });
  w.clock.advance(MIN);
  const second = await w.cycle({ answer: on(), confirms: false });
  assert.deepEqual(second.done.filter((a) => a.action === "stop-server"), []);
  assert.equal(second.state.failover.consecutiveOn, 0);
  assert.equal(second.state.desired?.instructions.phaFailoverRemediation, true, "taken as the desired state all the same");
  assert.ok(second.events.some((e) => e.event === "answer-not-counted"));
  // One own answer plus one old one are not two confirmations either.
  w.clock.advance(MIN);
  await w.cycle({ answer: on() });
  w.clock.advance(MIN);
  const mixed = await w.cycle({ answer: on(), confirms: false });
  assert.equal(mixed.state.failover.consecutiveOn, 1);
  assert.deepEqual(w.commands(), []);
});

test("retry back-off runs on the boot clock: a forward wall step does not hasten it, a backward one does not hold it up", async () => {
  w.setExit("systemctl", 1);
  await w.cycle({ answer: on() });
  w.clock.advance(MIN);
  const failed = await w.cycle({ answer: on() });
  assert.equal(failed.failed.length, 1);
  w.setExit("systemctl", 0);
  w.clock.advance(10_000);
  w.clock.stepWall(HOUR); // by the wall clock the retry is long due
  const early = await w.cycle({ answer: on() });
  assert.deepEqual(early.done, [], "10 s after the failure by the boot clock: not yet (1 min back-off)");
  w.clock.stepWall(-3 * HOUR); // now the wall clock lies far behind
  w.clock.advance(MIN);
  const due = await w.cycle({ answer: on() });
  assert.deepEqual(due.done.map((a) => a.action), ["stop-server"], "70 s after the failure by the boot clock: due");
});

test("downtime inference: a forward wall-clock step during a failover launches no repair; a reboot does mark Cassandra as down", async (t) => {
  await w.cycle({ answer: on() });
  w.clock.advance(MIN);
  await w.cycle({ answer: on() }); // stopped
  w.clock.advance(MIN);
  w.clock.stepWall(20 * MIN); // NTP steps the clock forward 20 min
  await w.cycle({ answer: on(), facts: { serverRunning: false, serverStartedAt: null } });
  w.clock.advance(MIN);
  await w.cycle({ answer: off(), facts: { serverRunning: false, serverStartedAt: null } }); // started again
  w.clock.advance(MIN);
  const after = await w.cycle({ answer: null });
  assert.equal(after.state.repair.status, "NOT_REQUIRED", after.state.repair.reason);
  assert.deepEqual(w.commands(), ["systemctl stop dynatrace-server", "systemctl start dynatrace-server"], "no repair");

  const other = await makeWorld(t);
    await other.cycle({ answer: on() });
    other.clock.advance(MIN);
    await other.cycle({ answer: on() });
    other.clock.reboot(3 * MIN); // the node restarts during the failover (3 min: under the old 10-min gap)
    const rebooted = await other.cycle({ answer: on(), facts: { serverRunning: false, serverStartedAt: null } });
    assert.equal(rebooted.state.failover.episode?.cassandraWasDown, true);
    assert.match(rebooted.state.failover.episode?.cassandraDownReason ?? "", /the node restarted during the failover/);
    const { state } = await readApplyState(other.stateDir, other.clock);
    assert.equal(state.failover.episode?.cassandraWasDown, true);
});
