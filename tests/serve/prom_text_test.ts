import assert from "node:assert/strict";
import { parsePromText, sampleValue } from "./_prom_text.ts";

const GOOD = [
  "# HELP a_total Things.",
  "# TYPE a_total counter",
  'a_total{kind="x\\"y"} 2',
  "# TYPE h_seconds histogram",
  'h_seconds_bucket{le="0.1"} 1',
  'h_seconds_bucket{le="+Inf"} 3',
  "h_seconds_sum 0.5",
  "h_seconds_count 3",
  "# TYPE g gauge",
  "g +Inf",
  "",
].join("\n");

Deno.test("the test's exposition parser reads a valid exposition", () => {
  const families = parsePromText(GOOD);
  assert.equal(families.get("a_total")?.help, "Things.");
  assert.equal(sampleValue(families, "a_total", { kind: 'x"y' }), 2);
  assert.equal(sampleValue(families, "h_seconds_count"), 3);
  assert.equal(sampleValue(families, "g"), Infinity);
});

Deno.test("the test's exposition parser rejects what Prometheus would", () => {
  const rows: [string, RegExp][] = [
    [GOOD.replace("} 2", "} 2 3 4"), /not a sample line/],
    [GOOD.slice(0, -1), /end with a newline/],
    [GOOD.replace("# TYPE g gauge\n", ""), /no TYPE declared for "g"/],
    [GOOD + "g 1\n", /duplicate series/],
    [GOOD.replace(/a_total/g, "a_count"), /not named _total/],
    [GOOD.replace('le="+Inf"} 3', 'le="+Inf"} 0'), /not cumulative/],
    [GOOD.replace('h_seconds_bucket{le="+Inf"} 3\n', ""), /no \+Inf bucket/],
    [GOOD.replace("h_seconds_count 3", "h_seconds_count 4"), /\+Inf bucket 3 != count 4/],
    [GOOD.replace('kind="x\\"y"', "kind=x"), /bad labels/],
    [GOOD.replace("} 2", "} two"), /bad value/],
    [GOOD + "# TYPE a_total counter\n", /TYPE given twice/],
  ];
  for (const [text, error] of rows) assert.throws(() => parsePromText(text), error);
});
