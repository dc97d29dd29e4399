/**
 * The loopback world most CLI tests of a full cycle start from: a test PKI, a
 * Mission Control and a server API on loopback HTTPS (closed after the test),
 * and a node whose server unit runs. Each test adds its own configuration.
 */
import { makeNodeFixture, RUNNING } from "../helpers/node-fixture.js";
import { startServerApi } from "../helpers/server-api.js";
import { makeTestPki } from "../helpers/tls.js";
import { startMissionControl } from "../mission-control/server.js";

export async function loopbackWorld(t: { after: (fn: () => Promise<void> | void) => void }) {
  const pki = makeTestPki();
  const mc = await startMissionControl();
  const api = await startServerApi();
  t.after(() => mc.close());
  t.after(() => api.close());
  const node = makeNodeFixture(t);
  node.unit("dynatrace-server.service", RUNNING);
  return { pki, mc, api, node };
}
