import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { canonicalHost, parseEndpoint } from "../../src/cassandra/address.js";

describe("canonical addresses", () => {
  it("IPv4 in every nodetool notation", () => {
    for (const text of ["10.0.0.2", "/10.0.0.2", "host.example/10.0.0.2", "10.0.0.2:7000", "/10.0.0.2:7000", " 10.0.0.2 ", "::ffff:10.0.0.2", "[::ffff:10.0.0.2]:7000"]) {
      assert.equal(canonicalHost(text), "10.0.0.2", text);
    }
    assert.deepEqual(parseEndpoint("/10.0.0.2:7000"), { host: "10.0.0.2", kind: "ipv4", port: 7000 });
  });

  it("IPv6: Java's uncompressed form, compressed, bracketed with port, scope, upper case", () => {
    const forms = [
      "2001:db8:0:0:0:0:0:11",
      "2001:db8::11",
      "2001:0db8:0000:0000:0000:0000:0000:0011",
      "[2001:db8:0:0:0:0:0:11]:7000",
      "/[2001:db8:0:0:0:0:0:11]:7000",
      "/2001:db8:0:0:0:0:0:11",
      "2001:DB8::11",
      "2001:db8::11%eth0",
    ];
    for (const f of forms) assert.equal(canonicalHost(f), "2001:db8::11", f);
    assert.deepEqual(parseEndpoint("[2001:db8:0:0:0:0:0:11]:7000"), { host: "2001:db8::11", kind: "ipv6", port: 7000 });
  });

  it("RFC 5952: the longest zero run is compressed, the first on a tie, single zeros are not", () => {
    assert.equal(canonicalHost("2001:db8:0:0:1:0:0:1"), "2001:db8::1:0:0:1");
    assert.equal(canonicalHost("2001:0:0:1:0:0:0:1"), "2001:0:0:1::1");
    assert.equal(canonicalHost("2001:db8:0:1:1:1:1:1"), "2001:db8:0:1:1:1:1:1");
    assert.equal(canonicalHost("0:0:0:0:0:0:0:1"), "::1");
    assert.equal(canonicalHost("0:0:0:0:0:0:0:0"), "::");
  });

  it("host names are compared lowercase; garbage is null", () => {
    assert.equal(canonicalHost("Cass-1.Example.COM"), "cass-1.example.com");
    for (const bad of ["", "?", "10.0.0.256", "1.2.3", "2001:db8::1::2", "[2001:db8::1", "10.0.0.1:99999", "::g", "-x", "a".repeat(400)]) {
      assert.equal(canonicalHost(bad), null, bad);
    }
  });

  it("the same host whatever the port and notation (the comparison peers.ts makes)", () => {
    assert.equal(canonicalHost("10.20.1.11:7000"), canonicalHost("10.20.1.11"));
    assert.equal(canonicalHost("/[2001:db8:0:0:0:0:1:21]:7000"), canonicalHost("2001:db8::1:21"));
    assert.notEqual(canonicalHost("10.20.1.11"), canonicalHost("10.20.1.12"));
    assert.equal(canonicalHost("?"), null);
  });
});
