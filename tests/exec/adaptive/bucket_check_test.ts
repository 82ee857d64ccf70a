import assert from "node:assert/strict";
import { BucketCheck } from "../../../src/exec/adaptive/bucket_check.ts";

Deno.test("a burst all taken says the bucket holds it, once every answer is in", () => {
  const check = new BucketCheck(3);
  assert.ok(check.armed);
  check.resumed();
  assert.ok(check.sending);
  assert.equal(check.started("a"), false);
  assert.equal(check.started("b"), false);
  assert.equal(check.started("c"), true, "the burst's last");
  assert.equal(check.started("d"), false, "after the burst: not part of it");
  assert.ok(!check.has("d"));
  assert.equal(check.answered("b", false), undefined);
  assert.equal(check.answered("a", false), undefined);
  assert.deepEqual(check.answered("c", false), { kind: "holds", size: 3 });
  assert.ok(check.done);
});

Deno.test("refusals among the burst say how many the bucket took, whatever order they arrived in", () => {
  const check = new BucketCheck(4);
  check.resumed();
  for (const id of ["a", "b", "c", "d"]) check.started(id);
  // Sent at once, they may arrive in any order: the first sent can be refused.
  assert.equal(check.answered("a", true), undefined);
  assert.equal(check.answered("c", true), undefined);
  assert.equal(check.answered("b", false), undefined);
  assert.deepEqual(check.answered("d", true), { kind: "smaller", tokens: 1 });
});

Deno.test("a burst cut short by a pause tells only through a refusal", () => {
  const cut = new BucketCheck(4);
  cut.resumed();
  cut.started("a");
  cut.started("b");
  cut.paused();
  assert.ok(!cut.sending);
  assert.equal(cut.answered("a", false), undefined);
  assert.equal(cut.answered("b", false), undefined, "all taken, but only 2 of 4 were sent");
  assert.ok(cut.done);
  const refused = new BucketCheck(4);
  refused.resumed();
  refused.started("a");
  refused.started("b");
  refused.paused(); // the refusal's own pause comes before its answer
  refused.answered("b", true);
  assert.deepEqual(refused.answered("a", false), { kind: "smaller", tokens: 1 });
  assert.throws(() => new BucketCheck(1), RangeError);
});
