import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { test } from "node:test";
import { makeTestPki } from "./tls.js";

test("test PKI: server certificate is signed by the CA and valid now; the expired one is not", () => {
  const pki = makeTestPki();
  const ca = new X509Certificate(pki.ca.cert);
  const server = new X509Certificate(pki.server.cert);
  const expired = new X509Certificate(pki.expiredServer.cert);
  assert.equal(server.verify(ca.publicKey), true);
  assert.equal(server.checkIP("127.0.0.3"), "127.0.0.3");
  assert.equal(new X509Certificate(pki.serverFromOtherCa.cert).verify(ca.publicKey), false);
  assert.ok(Date.parse(expired.validTo) < Date.now());
  assert.ok(Date.parse(server.validTo) > Date.now());
});
