import assert from "node:assert/strict";
import { main, parseFakeApiArgs } from "../../src/cli/fake_api_command.ts";

function capture() {
  const out = { stdout: "", stderr: "" };
  return {
    out,
    deps: {
      stdout: (text: string) => void (out.stdout += text),
      stderr: (text: string) => void (out.stderr += text),
    },
  };
}

Deno.test("parseFakeApiArgs gives the documented defaults", () => {
  const { deps } = capture();
  assert.deepEqual(parseFakeApiArgs([], deps), {
    manifest: "./import.yaml",
    port: 8787,
    seed: 1,
    latencyMs: 0,
    jitterMs: 0,
    ratePerSecond: undefined,
    burst: undefined,
    maxInFlight: undefined,
    errorRate: 0,
    resetRate: 0,
    slowRate: 0,
    slowMs: 5000,
    retryAfterGraceMs: 100,
  });
});

Deno.test("parseFakeApiArgs maps every flag", () => {
  const { deps } = capture();
  const args = [
    "--manifest=x.yaml",
    "--port=0",
    "--seed=9",
    "--latency=80",
    "--jitter=40",
    "--rate=2.5",
    "--burst=3",
    "--max-inflight=8",
    "--error-rate=0.1",
    "--reset-rate=0.05",
    "--slow-rate=0.01",
    "--slow-ms=20000",
    "--retry-after-grace=400",
  ];
  assert.deepEqual(parseFakeApiArgs(args, deps), {
    manifest: "x.yaml",
    port: 0,
    seed: 9,
    latencyMs: 80,
    jitterMs: 40,
    ratePerSecond: 2.5,
    burst: 3,
    maxInFlight: 8,
    errorRate: 0.1,
    resetRate: 0.05,
    slowRate: 0.01,
    slowMs: 20000,
    retryAfterGraceMs: 400,
  });
});

Deno.test("parseFakeApiArgs reads --rate-schedule and --ratelimit-headers, and refuses --rate beside a schedule", () => {
  const { out, deps } = capture();
  const parsed = parseFakeApiArgs(
    ["--rate-schedule", "0s:40,20s:10,40s:40", "--ratelimit-headers"],
    deps,
  );
  assert.ok(!("exit" in parsed));
  assert.deepEqual(parsed.rateSchedule, [
    { atMs: 0, ratePerSecond: 40 },
    { atMs: 20_000, ratePerSecond: 10 },
    { atMs: 40_000, ratePerSecond: 40 },
  ]);
  assert.equal(parsed.rateLimitHeaders, true);
  for (
    const [args, expected] of [[["all"], true], [["on-429"], "on-429"], [[], undefined]] as const
  ) {
    const given = args.length === 0 ? [] : ["--ratelimit-headers", ...args];
    const options = parseFakeApiArgs(["--rate", "40", ...given], deps);
    assert.ok(!("exit" in options));
    assert.equal(options.rateLimitHeaders, expected, given.join(" "));
  }
  assert.deepEqual(parseFakeApiArgs(["--rate", "5", "--rate-schedule", "0s:40"], deps), {
    exit: 2,
  });
  assert.match(out.stderr, /--rate and --rate-schedule exclude each other/);
  assert.deepEqual(parseFakeApiArgs(["--burst", "5"], deps), { exit: 2 });
  assert.match(out.stderr, /--burst is the capacity of --rate or --rate-schedule/);
});

const invalid: [args: string[], message: string][] = [
  [
    ["--rate-schedule", "5s:40"],
    'Invalid --rate-schedule "5s:40": Cannot parse rate schedule step "5s:40": expected the first step at 0s',
  ],
  [["--error-rate", "1.5"], 'Invalid --error-rate "1.5": expected a number from 0 to 1'],
  [["--reset-rate", "-0.1"], 'Invalid --reset-rate "-0.1": expected a number from 0 to 1'],
  [["--rate", "0"], 'Invalid --rate "0": expected a number above 0'],
  [["--port", "80.5"], 'Invalid --port "80.5": expected an integer >= 0'],
  [["--max-inflight", "0"], 'Invalid --max-inflight "0": expected an integer >= 1'],
  [
    ["--latency", "fast"],
    'Invalid --latency "fast": expected a duration like 50ms, 1.5s or 2m, got "fast"',
  ],
  [["--colour"], "unknown option '--colour'"],
  [
    ["--rate", "40", "--ratelimit-headers", "sometimes"],
    'Invalid --ratelimit-headers "sometimes": expected "all" or "on-429"',
  ],
];

Deno.test("fake-api reads durations as demo does: 50ms, 1.5s, or a plain number of ms", () => {
  const { out, deps } = capture();
  const parsed = parseFakeApiArgs(
    ["--latency", "50ms", "--jitter", "1.5s", "--slow-ms", "250"],
    deps,
  );
  assert.ok(!("exit" in parsed), out.stderr);
  assert.deepEqual([parsed.latencyMs, parsed.jitterMs, parsed.slowMs], [50, 1_500, 250]);
});

for (const [args, message] of invalid) {
  Deno.test(`parseFakeApiArgs refuses ${args.join(" ")} with exit code 2`, () => {
    const { out, deps } = capture();
    assert.deepEqual(parseFakeApiArgs(args, deps), { exit: 2 });
    assert.ok(out.stderr.includes(message), out.stderr);
  });
}

Deno.test("--help prints every flag and exits 0", () => {
  const { out, deps } = capture();
  assert.deepEqual(parseFakeApiArgs(["--help"], deps), { exit: 0 });
  for (
    const flag of [
      "--port",
      "--latency",
      "--jitter",
      "--rate",
      "--burst",
      "--max-inflight",
      "--error-rate",
      "--reset-rate",
      "--slow-rate",
      "--slow-ms",
      "--seed",
      "--manifest",
      "--rate-schedule",
      "--ratelimit-headers",
    ]
  ) {
    assert.ok(out.stdout.includes(flag), `help names ${flag}`);
  }
});

Deno.test("main exits 2 with the loader's message when the manifest is missing", async () => {
  const { out, deps } = capture();
  const code = await main(["--manifest", "no/such/import.yaml"], {
    ...deps,
    signal: new AbortController().signal,
  });
  assert.equal(code, 2);
  assert.match(out.stderr, /Cannot read manifest "no\/such\/import\.yaml": no such file/);
});

Deno.test({
  name: "main serves the manifest's canon until its signal aborts",
  sanitizeOps: true,
  sanitizeResources: true,
  fn: async () => {
    const { out, deps } = capture();
    const stop = new AbortController();
    const manifest = new URL("../../import.yaml", import.meta.url).pathname;
    const running = main(["--manifest", manifest, "--port", "0"], { ...deps, signal: stop.signal });
    for (let turn = 0; turn < 2000 && !out.stdout.includes("stats:"); turn++) {
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    assert.match(out.stdout, /Fake content API serving 1584 chapters/);
    const apiUrl = out.stdout.match(/source\.url: (\S+)/)?.[1];
    assert.ok(apiUrl, out.stdout);
    const response = await fetch(`${apiUrl}?lang=eng&uri=/scriptures/pgp/js-h/1`);
    const page = await response.json();
    assert.equal(page.meta.pageAttributes["data-uri"], "/scriptures/pgp/js-h/1");
    stop.abort();
    assert.equal(await running, 0);
    assert.match(out.stdout, /Fake content API stopped: \{"requests":1,/);
  },
});
