import assert from "node:assert/strict";
import { type ControlRules, parseControl } from "../../src/serve/control_request.ts";

const rules: ControlRules = {
  ceilings: {
    ratePerSecond: 20,
    maxInFlight: 150,
    volumes: 3,
    booksPerVolume: 5,
    chaptersPerBook: 10,
  },
  scopeLimits: { scopes: [3, 5], tasksPerScope: 10 },
};
const unlimited: ControlRules = {
  ...rules,
  ceilings: { ...rules.ceilings, ratePerSecond: null, maxInFlight: null },
};

Deno.test("a control body becomes the change the run's control makes", () => {
  const rows: [unknown, unknown][] = [
    [{ action: "pause" }, { action: "pause" }],
    [{ action: "resume" }, { action: "resume" }],
    [{ action: "cancel" }, { action: "cancel" }],
    [{ action: "limits", ratePerSecond: 0.5 }, {
      action: "limits",
      limits: { ratePerSecond: 0.5 },
    }],
    [{ action: "limits", maxInFlight: 150 }, { action: "limits", limits: { maxInFlight: 150 } }],
    [
      { action: "limits", booksPerVolume: 2, volumes: 1 },
      { action: "limits", limits: { scopes: [1, 2] } },
    ],
    [{ action: "limits", chaptersPerBook: 3 }, { action: "limits", limits: { tasksPerScope: 3 } }],
  ];
  for (const [body, change] of rows) assert.deepEqual(parseControl(body, rules), { change });
  assert.deepEqual(parseControl({ action: "limits", ratePerSecond: null }, unlimited), {
    change: { action: "limits", limits: { ratePerSecond: Infinity } },
  });
});

Deno.test("a bad control body is refused with what is wrong", () => {
  const rows: [unknown, string][] = [
    [null, "Cannot control the run: the body must be a JSON object with an action"],
    [[1], "Cannot control the run: the body must be a JSON object with an action"],
    [{}, "Cannot control the run: unknown action undefined (known: pause, resume, cancel, limits)"],
    [
      { action: "stop" },
      'Cannot control the run: unknown action "stop" (known: pause, resume, cancel, limits)',
    ],
    [{ action: "pause", for: "10s" }, 'Cannot pause the run: unknown field "for"'],
    [
      { action: "limits" },
      "Cannot change the limits: name at least one of ratePerSecond, maxInFlight, volumes, booksPerVolume, chaptersPerBook",
    ],
    [
      { action: "limits", rate: 5 },
      'Cannot change the limits: unknown limit "rate" (known: ratePerSecond, maxInFlight, volumes, booksPerVolume, chaptersPerBook)',
    ],
    [
      { action: "limits", ratePerSecond: 25 },
      "Cannot change the limits: ratePerSecond 25 is above the profile's ceiling 20",
    ],
    [
      { action: "limits", ratePerSecond: null },
      "Cannot change the limits: ratePerSecond none (no limit) is above the profile's ceiling 20",
    ],
    [
      { action: "limits", ratePerSecond: 0 },
      "Cannot change the limits: ratePerSecond must be a number of at least 0.01, not 0",
    ],
    [
      { action: "limits", ratePerSecond: "5" },
      'Cannot change the limits: ratePerSecond must be a number of at least 0.01, not "5"',
    ],
    [
      { action: "limits", maxInFlight: 2.5 },
      "Cannot change the limits: maxInFlight must be a whole number of at least 1, not 2.5",
    ],
    [
      { action: "limits", maxInFlight: 151 },
      "Cannot change the limits: maxInFlight 151 is above the profile's ceiling 150",
    ],
    [
      { action: "limits", volumes: 99 },
      "Cannot change the limits: volumes 99 is above the profile's ceiling 3",
    ],
    [
      { action: "limits", volumes: null },
      "Cannot change the limits: volumes must be a whole number of at least 1, not null",
    ],
    [
      { action: "limits", chaptersPerBook: 0 },
      "Cannot change the limits: chaptersPerBook must be a whole number of at least 1, not 0",
    ],
  ];
  for (const [body, error] of rows) {
    assert.deepEqual(parseControl(body, rules), { error }, JSON.stringify(body));
  }
  assert.deepEqual(parseControl({ action: "limits", ratePerSecond: 20_000 }, unlimited), {
    error: "Cannot change the limits: ratePerSecond 20000 is above 10000",
  });
});

Deno.test("an adaptive run's rate and in-flight cap are its controller's: only the scope limits change", () => {
  const adaptive = { ...rules, adaptive: { profile: "adaptive" } };
  assert.deepEqual(parseControl({ action: "limits", ratePerSecond: 5 }, adaptive), {
    error:
      'Cannot change the limits: the adaptive controller of profile "adaptive" sets ratePerSecond and maxInFlight in this run; change volumes, booksPerVolume or chaptersPerBook',
  });
  assert.deepEqual(parseControl({ action: "limits", volumes: 2 }, adaptive), {
    change: { action: "limits", limits: { scopes: [2, 5] } },
  });
});
