import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { explainApplyState } from "../../src/apply/explain.js";
import { openServerApi, serverApiUrl } from "../../src/apply/server-api.js";
import { createHttpClient } from "../../src/effects/http.js";
import { makeTestPki } from "../helpers/tls.js";
import { DOWN, instructions, makeWorld, nextReportId, startApiDouble } from "./helpers.js";

const MIN = 60_000;
const RESP = "/api/v1.0/onpremise/nodeManagement/responsibilityOverride";
const QUORUM = "/api/v1.0/onpremise/nodeManagement/cassandraQuorumOverride";

test("responsibility override: one PUT per change of the set, with Mission Control's list as body", async (t) => {
  const w = await makeWorld(t);
  await w.cycle({ answer: instructions(nextReportId(), { responsibilityNodeIds: ["node-2", "node-1"] }) });
  w.clock.advance(MIN);
  await w.cycle({ answer: instructions(nextReportId(), { responsibilityNodeIds: ["node-1", "node-2"] }) }); // same set
  w.clock.advance(MIN);
  await w.cycle({ answer: null });
  w.clock.advance(MIN);
  await w.cycle({ answer: instructions(nextReportId(), { responsibilityNodeIds: ["node-3"] }) });
  const puts = w.api.requests.filter((r) => r.url === RESP);
  assert.deepEqual(puts.map((r) => [r.method, r.body, r.headers["content-type"]]), [
    ["PUT", '{"responsibilityNodeIds":["node-2","node-1"]}', "application/json"],
    ["PUT", '{"responsibilityNodeIds":["node-3"]}', "application/json"],
  ]);
  assert.deepEqual(w.api.requests.map((r) => r.url), [RESP, `${QUORUM}/UNSET`, RESP]);
});

test("quorum override: the configured level, re-asserted after a server restart (new start time, or seen down), UNSET when off", async (t) => {
  const w = await makeWorld(t, { config: { quorumOverrideLevel: "CL_QUORUM" } });
  const quorumOn = () => instructions(nextReportId(), { cassandraQuorumOverride: true });
  const quorumPuts = () => w.api.requests.filter((r) => r.url.startsWith(QUORUM)).map((r) => `${r.method} ${r.url} ${r.body}`);
  await w.cycle({ answer: quorumOn() });
  assert.deepEqual(quorumPuts(), [`PUT ${QUORUM}/CL_QUORUM `]);
  for (let i = 0; i < 3; i++) {
    w.clock.advance(MIN);
    await w.cycle({ answer: i === 0 ? quorumOn() : null });
  }
  assert.equal(quorumPuts().length, 1, "not re-sent while the server keeps running");

  // The server restarted between two cycles: another start time.
  w.clock.advance(MIN);
  const restarted = await w.cycle({ answer: null, facts: { serverStartedAt: "2025-03-01T10:04:30.000Z" } });
  assert.match(restarted.done[0]?.reason ?? "", /the server restarted/);
  assert.equal(quorumPuts().length, 2);
  w.clock.advance(MIN);
  await w.cycle({ answer: null, facts: { serverStartedAt: "2025-03-01T10:04:30.000Z" } });
  assert.equal(quorumPuts().length, 2);

  // The server is seen down (no PUT then), then up with an unknown start time.
  w.clock.advance(MIN);
  const down = await w.cycle({ answer: null, facts: { serverRunning: false, serverDown: DOWN, serverStartedAt: null } });
  assert.match(down.pending[0]?.reason ?? "", /waiting for the local server to run/);
  w.clock.advance(MIN);
  await w.cycle({ answer: null, facts: { serverStartedAt: null } });
  assert.equal(quorumPuts().length, 3);

  w.clock.advance(MIN);
  await w.cycle({ answer: instructions(nextReportId(), { cassandraQuorumOverride: false }) });
  assert.deepEqual(quorumPuts(), [
    `PUT ${QUORUM}/CL_QUORUM `, `PUT ${QUORUM}/CL_QUORUM `, `PUT ${QUORUM}/CL_QUORUM `, `PUT ${QUORUM}/UNSET `,
  ]);
  // UNSET is what a restarted server has anyway: not re-asserted.
  w.clock.advance(MIN);
  await w.cycle({ answer: null, facts: { serverStartedAt: "2025-03-01T11:00:00.000Z" } });
  assert.equal(quorumPuts().length, 4);
});

test("server API errors: the action fails with the status, is retried with back-off, and status shows it", async (t) => {
  const w = await makeWorld(t);
  w.api.status = 503;
  const first = await w.cycle({ answer: instructions(nextReportId()) });
  assert.deepEqual(first.failed.map((f) => f.error), [
    `HTTP 503 from PUT ${RESP}: {"error":"double says no"}`,
    `HTTP 503 from PUT ${QUORUM}/UNSET: {"error":"double says no"}`,
  ]);
  assert.equal(w.api.requests.length, 2);
  w.clock.advance(30_000);
  await w.cycle({});
  assert.equal(w.api.requests.length, 2, "not before the back-off");
  const text = explainApplyState((await w.cycle({})).state, w.clock.now()).join("\n");
  assert.match(text, /set the responsibility override to \[node-1, node-2\]: failed 1 time\(s\).*HTTP 503/);
  w.api.status = 204;
  w.clock.advance(30_000);
  const retry = await w.cycle({});
  assert.deepEqual(retry.done.map((a) => a.action), ["responsibility-override", "quorum-override"]);
  assert.equal(w.api.requests.length, 4);
  assert.deepEqual(retry.state.failures, []);
});

test("server API over HTTPS: the configured CA is used, the token goes in Authorization; a wrong CA fails", async (t) => {
  const pki = makeTestPki();
  const double = await startApiDouble({ cert: pki.server.cert, key: pki.server.key });
  t.after(() => double.close());
  const tokenFile = join(pki.dir, "server-token");
  writeFileSync(tokenFile, "s3cr3t\n", { mode: 0o600 }); // private: a secret file readable by others is refused (issue 15)
  const api = await openServerApi(createHttpClient, { url: double.url, caFile: pki.ca.certFile, tokenFile, timeoutMs: 5_000 });
  assert.deepEqual(await api.putResponsibilityOverride(["a", "b"]), { ok: true, status: 200 });
  assert.deepEqual(await api.putQuorumOverride("CL_LOCAL_QUORUM"), { ok: true, status: 200 });
  await api.close();
  assert.deepEqual(double.requests.map((r) => [r.method, r.url, r.headers.authorization, r.body]), [
    ["PUT", RESP, "Api-Token s3cr3t", '{"responsibilityNodeIds":["a","b"]}'],
    ["PUT", `${QUORUM}/CL_LOCAL_QUORUM`, "Api-Token s3cr3t", ""],
  ]);

  const wrongCa = await openServerApi(createHttpClient, { url: double.url, caFile: pki.otherCa.certFile, timeoutMs: 5_000 });
  const refused = await wrongCa.putQuorumOverride("UNSET");
  await wrongCa.close();
  assert.equal(refused.ok, false);
  assert.match(refused.ok ? "" : refused.error, /\(tls\)/);
  assert.equal(double.requests.length, 2);

  const missingToken = await openServerApi(createHttpClient, { url: double.url, caFile: pki.ca.certFile, tokenFile: join(pki.dir, "nope"), timeoutMs: 5_000 });
  const noToken = await missingToken.putQuorumOverride("UNSET");
  await missingToken.close();
  assert.match(noToken.ok ? "" : noToken.error, /server\.tokenFile .*nope does not exist/);
  assert.equal(double.requests.length, 2);
});

test("serverApiUrl keeps a path prefix and tolerates a trailing slash", () => {
  assert.equal(serverApiUrl("https://127.0.0.1:8021", "api/x"), "https://127.0.0.1:8021/api/x");
  assert.equal(serverApiUrl("https://127.0.0.1:8021/", "api/x"), "https://127.0.0.1:8021/api/x");
  assert.equal(serverApiUrl("https://127.0.0.1/mgmt", "api/x"), "https://127.0.0.1/mgmt/api/x");
});

test("a whole cycle over HTTPS with server.caFile", async (t) => {
  const pki = makeTestPki();
  const w = await makeWorld(t, { tls: { cert: pki.server.cert, key: pki.server.key, caFile: pki.ca.certFile } });
  assert.ok(w.api.url.startsWith("https://127.0.0.1:"));
  const out = await w.cycle({ answer: instructions(nextReportId(), { cassandraQuorumOverride: true }) });
  assert.deepEqual(out.failed, []);
  assert.deepEqual(w.api.requests.map((r) => r.url), [RESP, `${QUORUM}/CL_LOCAL_QUORUM`]);
});

test("no waiting on a guess: unknown facts PUT and re-assert nothing extra; an operationState that left RUNNING and came back re-asserts once", async (t) => {
  const w = await makeWorld(t);
  const puts = () => w.api.requests.map((r) => r.url);
  const quorumOn = () => instructions(nextReportId(), { cassandraQuorumOverride: true });
  // The facts did not parse (serverRunning unknown), the unit runs (a start identity): the PUTs go out.
  const unknown = { serverRunning: null, serverDown: null, serverStartedAt: "unit:0000000000000000000000000000000a" } as const;
  const first = await w.cycle({ answer: quorumOn(), facts: unknown });
  assert.deepEqual(first.pending, [], "nothing waits for the server");
  assert.deepEqual(puts(), [RESP, `${QUORUM}/CL_LOCAL_QUORUM`]);
  for (let i = 0; i < 3; i++) {
    w.clock.advance(MIN);
    await w.cycle({ answer: null, facts: unknown });
  }
  assert.equal(puts().length, 2, "unknown is not down: no re-assert every cycle");

  // operationState STARTUP (not RUNNING, not known down), then RUNNING again, same unit run.
  w.clock.advance(MIN);
  await w.cycle({ answer: null, facts: { ...unknown, serverRunning: false } });
  assert.equal(puts().length, 2);
  w.clock.advance(MIN);
  const back = await w.cycle({ answer: null, facts: { ...unknown, serverRunning: true } });
  assert.match(back.done[0]?.reason ?? "", /the server was down since the override was set/);
  w.clock.advance(MIN);
  await w.cycle({ answer: null, facts: { ...unknown, serverRunning: true } });
  assert.deepEqual(puts(), [RESP, `${QUORUM}/CL_LOCAL_QUORUM`, `${QUORUM}/CL_LOCAL_QUORUM`], "exactly one re-assert");
});
