import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { checkComponents, type ComponentCheckInput } from "../../src/check/components.js";
import { exitCodeOf } from "../../src/contract/outcomes.js";
import { perf } from "./support.js";
import { verified } from "./verify-result.js";

const comp = (name: string, status: ComponentCheckInput["status"], resultCode = 0, description = "fine"): ComponentCheckInput => ({ name, status, resultCode, description });

describe("checkComponents", () => {
  test("all OK; NOT_INSTALLED counts as OK and is named since nothing else is said", () => {
    const r = checkComponents([comp("nodekeeper", "OK"), comp("dynatrace-server", "OK"), comp("dynatrace-nginx", "NOT_INSTALLED", 101, "unit not found")]);
    const p = verified(r);
    assert.equal(r.state, "OK");
    assert.equal(exitCodeOf(r.outcome), 0);
    assert.equal(p.text, "3 components OK (1 not installed: dynatrace-nginx)");
    assert.equal(perf(p, "ok")?.value, 2);
    assert.equal(perf(p, "not_installed")?.value, 1);
    assert.equal(perf(p, "error")?.value, 0);
    assert.equal(perf(p, "ok")?.max, 3);
    assert.equal(r.line, "NODEKEEPER COMPONENTS OK - 3 components OK (1 not installed: dynatrace-nginx) | ok=2;;;0;3 warning=0;;;0;3 error=0;;;0;3 unknown=0;;;0;3 not_installed=1;;;0;3");
  });

  test("the worst status decides; non-OK components are named worst first; NOT_INSTALLED is then left out", () => {
    const r = checkComponents([
      comp("a", "WARNING", 104, "starting"),
      comp("b", "UNKNOWN", 105, "systemd not running"),
      comp("nginx", "NOT_INSTALLED", 101),
      comp("cassandra", "ERROR", 102, "SubState=failed Result=exit-code"),
      comp("nodekeeper", "OK"),
    ]);
    const p = verified(r);
    assert.equal(r.state, "CRITICAL");
    assert.equal(exitCodeOf(r.outcome), 2);
    assert.equal(p.text, "3 of 5 components not OK: cassandra ERROR, b UNKNOWN, a WARNING");
    assert.doesNotMatch(p.text, /nginx/);
    assert.equal(r.details[0], "cassandra: ERROR (code 102) SubState=failed Result=exit-code");
    assert.ok(r.details.some((d) => d.startsWith("nginx: NOT_INSTALLED (code 101)")), "long output still lists it");
    assert.deepEqual((r.json.data as { counts: unknown }).counts, { OK: 1, WARNING: 1, ERROR: 1, UNKNOWN: 1, NOT_INSTALLED: 1 });
  });

  test("UNKNOWN alone is exit 3, WARNING alone exit 1", () => {
    assert.equal(verified(checkComponents([comp("a", "OK"), comp("b", "UNKNOWN", 107)])).state, "UNKNOWN");
    assert.equal(exitCodeOf(checkComponents([comp("a", "OK"), comp("b", "UNKNOWN", 107)]).outcome), 3);
    assert.equal(exitCodeOf(checkComponents([comp("a", "WARNING", 104)]).outcome), 1);
  });

  test("many failures: the list is cut, the line stays one short line", () => {
    const many = Array.from({ length: 12 }, (_, i) => comp(`dynatrace-component-with-a-long-name-${i}`, "ERROR", 103, "inactive\nsecond line"));
    const r = checkComponents(many);
    const p = verified(r);
    assert.match(p.text, /^12 of 12 components not OK: dynatrace-component-with-a-long-name-0 ERROR, .*…$/);
    assert.equal(r.details.length, 12);
  });

  test("no components at all is UNKNOWN, not OK", () => {
    const r = checkComponents([]);
    verified(r);
    assert.equal(r.state, "UNKNOWN");
    assert.equal(r.text, "no components were probed");
  });
});
