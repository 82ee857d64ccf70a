/** The queue's pure parts: names, limits, the Redis address; and the flags refused before any connection. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { compileLimits } from "../../src/plan/limits.ts";
import { buildPlan } from "../../src/plan/planner.ts";
import { resolveSelection } from "../../src/plan/selection.ts";
import { parseQueueAddress } from "../../src/queue/connection.ts";
import { runFlow } from "../../src/queue/flow.ts";
import { queueLimits } from "../../src/queue/limits.ts";
import { isRunId, jobIdOf } from "../../src/queue/names.ts";
import { ROOT, runMain } from "../_cli.ts";
import { CANON } from "./_queue.ts";

const retry = {
  maxRetries: 2,
  baseDelayMs: 10,
  maxDelayMs: 100,
  multiplier: 2,
  jitter: "none",
} as const;

Deno.test("every job of a whole-canon flow has its own id, <run>:<lang>:<uri>", () => {
  const spanish = { ...CANON, source: { ...CANON.source, lang: "spa", langs: ["spa"] } };
  const plan = buildPlan(spanish, resolveSelection(spanish, {}));
  const ids: string[] = [];
  const walk = (job: ReturnType<typeof runFlow>) => {
    ids.push(job.opts!.jobId!);
    for (const child of job.children ?? []) walk(child);
  };
  walk(runFlow(plan, { run: "r1", lang: "spa", retry }));
  assert.equal(ids.length, plan.dag.nodes.length);
  assert.equal(new Set(ids).size, ids.length);
  for (const id of ids) assert.match(id, /^r1:spa:\/scriptures(\/[^:]+)?$/);
  const chapter = plan.dag.nodes.find((n) => n.id === "bofm/1-ne/3")!;
  assert.equal(jobIdOf("r1", "spa", chapter), "r1:spa:/scriptures/bofm/1-ne/3");
});

Deno.test("a flow of two languages names each job by its node's language, under the languages manifest", () => {
  const both = { ...CANON, source: { ...CANON.source, lang: "eng", langs: ["eng", "spa"] } };
  const plan = buildPlan(both, resolveSelection(both, { only: ["pgp/moses/1"] }));
  const root = runFlow(plan, { run: "r1", lang: "eng", retry });
  assert.equal(root.opts!.jobId, "r1:eng:/languages");
  assert.deepEqual(root.children!.map((c) => c.opts!.jobId), [
    "r1:eng:/scriptures",
    "r1:spa:/scriptures",
  ]);
});

Deno.test("a chapter job retries as the manifest says and leaves its book manifest to run on failure", () => {
  const plan = buildPlan(CANON, resolveSelection(CANON, { only: ["pgp/moses/1"] }));
  const root = runFlow(plan, { run: "r1", lang: "eng", retry });
  const chapter = root.children![0].children![0].children![0];
  assert.equal(chapter.queueName, "chapters");
  assert.equal(chapter.opts!.attempts, 3);
  assert.equal(chapter.opts!.ignoreDependencyOnFailure, true);
  assert.equal(root.queueName, "manifests");
});

Deno.test("the queue's limiter keeps the profile's rate over every window", () => {
  const table = [
    // [rate/s, burst, expected max per window, window ms]
    [20, 1, 1, 50],
    [100, 20, 10, 100],
    [40, 7, 3, 75],
  ] as const;
  for (const [rate, burst, max, duration] of table) {
    const limits = compileLimits({
      volumes: 1,
      booksPerVolume: 1,
      chaptersPerBook: 1,
      delayMs: 0,
      requestsPerSecond: rate,
      burst,
    });
    assert.deepEqual(
      queueLimits("p", limits).limiter,
      { max, duration },
      `${rate}/s burst ${burst}`,
    );
  }
  const unlimited = compileLimits({
    volumes: 1,
    booksPerVolume: 1,
    chaptersPerBook: 1,
    delayMs: 0,
  });
  assert.equal(queueLimits("p", unlimited).limiter, undefined);
});

Deno.test("a Redis address is parsed or refused with what was expected", () => {
  assert.deepEqual(parseQueueAddress("redis://127.0.0.1").options.port, 6379);
  assert.equal(
    parseQueueAddress("rediss://user:pw@host:7000").label,
    "rediss://user:***@host:7000",
  );
  const refused: [string, RegExp][] = [
    ["127.0.0.1:6379", /Redis address like redis:\/\//],
    ["http://127.0.0.1:6379", /redis:\/\/ or rediss:\/\//],
    ["redis://host/abc", /database number/],
  ];
  for (const [text, message] of refused) assert.throws(() => parseQueueAddress(text), message);
  assert.ok(isRunId("2026-12-07.a_1") && !isRunId("a:b") && !isRunId(""));
});

Deno.test("queue flags are checked before anything connects: exit 2 with the reason", async () => {
  const manifest = join(ROOT, "import.yaml");
  const cases: [string[], RegExp][] = [
    [["import", "-m", manifest, "--enqueue"], /Cannot use --enqueue without --queue/],
    [
      ["import", "-m", manifest, "--queue", "redis://127.0.0.1:1"],
      /add --enqueue .* or --watch RUN/,
    ],
    [["import", "-m", manifest, "--queue", "tcp://x", "--enqueue"], /Invalid --queue "tcp:\/\/x"/],
    [
      ["import", "-m", manifest, "--queue", "redis://127.0.0.1:1", "--enqueue", "--force"],
      /Cannot use --force with --queue/,
    ],
    [
      [
        "import",
        "-m",
        manifest,
        "--queue",
        "redis://127.0.0.1:1",
        "--watch",
        "r1",
        "--compress",
        "gzip",
      ],
      /Cannot use --compress with --watch: the run's compression is set when it is enqueued/,
    ],
    [
      ["import", "-m", manifest, "--queue", "redis://127.0.0.1:1", "--watch", "a:b"],
      /Invalid --watch "a:b"/,
    ],
  ];
  for (const [args, message] of cases) {
    const result = await runMain(args);
    assert.equal(result.code, 2, args.join(" "));
    assert.match(result.stderr, message);
  }
});
