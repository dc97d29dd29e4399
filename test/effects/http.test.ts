import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { createHttpClient, HttpError } from "../../src/effects/http.js";
import { makeTestPki } from "../helpers/tls.js";

// Both engines of the HTTP effect (undici for Mission Control, node:https for
// local one-shot GETs) must answer alike: same statuses, cap and error kinds.
for (const lightweight of [false, true]) {
  const engine = lightweight ? "node:https" : "undici";
  test(`http effect (${engine}): statuses, the 1 MiB-style cap, refused, timeout, wrong CA`, async (t) => {
    const pki = makeTestPki();
    const big = "x".repeat(4_096);
    const server = createServer({ cert: pki.server.cert, key: pki.server.key }, (req, res) => {
      if (req.url === "/big-ok") { res.end(big); return; }
      if (req.url === "/big-503") { res.statusCode = 503; res.end(big); return; }
      if (req.url === "/hang") return; // never answers
      res.setHeader("x-test", "1");
      res.end("RUNNING");
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    t.after(() => { server.closeAllConnections(); server.close(); });
    const base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const client = await createHttpClient({ caFile: pki.ca.certFile, connectTimeoutMs: 2_000, headersTimeoutMs: 300, bodyTimeoutMs: 2_000, lightweight });
    t.after(() => client.close());
    const get = (path: string, max = 1_000) => client.request({ method: "GET", url: `${base}${path}`, maxResponseBytes: max });
    const kindOf = async (p: Promise<unknown>) => { try { await p; return "resolved"; } catch (e) { return e instanceof HttpError ? e.kind : `other: ${String(e)}`; } };

    const ok = await get("/health");
    assert.deepEqual([ok.status, ok.body.toString(), ok.headers["x-test"]], [200, "RUNNING", "1"]);
    assert.equal(await kindOf(get("/big-ok")), "too-large", "a 2xx over the cap is refused");
    const cut = await get("/big-503");
    assert.deepEqual([cut.status, cut.truncated], [503, true], "an error status over the cap stays that status");
    assert.ok(cut.body.length <= 1_000, "its body cut to the cap (or dropped, when the length was declared)");
    assert.equal(await kindOf(get("/hang")), "timeout");
    assert.equal(await kindOf(client.request({ method: "GET", url: "https://127.0.0.1:1/", maxResponseBytes: 100 })), "refused");
    const stranger = await createHttpClient({ caFile: pki.otherCa.certFile, caOnly: true, connectTimeoutMs: 2_000, headersTimeoutMs: 2_000, bodyTimeoutMs: 2_000, lightweight });
    assert.equal(await kindOf(stranger.request({ method: "GET", url: `${base}/health`, maxResponseBytes: 100 })), "tls");
    await stranger.close();
  });
}
