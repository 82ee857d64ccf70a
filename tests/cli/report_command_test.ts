import assert from "node:assert/strict";
import { join } from "node:path";
import { main } from "../../src/cli.ts";
import { benchProfilesCommand } from "../../src/cli/bench_profiles_command.ts";
import { reportCommand } from "../../src/cli/report_command.ts";
import { runMain } from "../_cli.ts";
import { clientDelayedRun, defaultRun, sequentialRun, writeLog } from "../report/_synthetic_log.ts";

const root = new URL("../..", import.meta.url).pathname;

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

async function withLogs(fn: (logs: string[], dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await fn([
      await writeLog(dir, "seq.ndjson", sequentialRun().ndjson()),
      await writeLog(dir, "default.ndjson", defaultRun().ndjson()),
    ], dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("report prints the table of a sequential and a default run and exits 0", async () => {
  await withLogs(async (logs) => {
    const { out, deps } = capture();
    assert.equal(await reportCommand({ logs }, deps), 0);
    const lines = out.stdout.split("\n");
    assert.equal(lines.length, 4);
    assert.match(
      lines[1],
      /^sequential .* 1\.00x .* 800 ms \(concurrency\) +100\.0%$/,
    );
    assert.match(lines[2], /^default .* 2\.00x .* 350 ms \(rate\) +87\.5%$/);
    assert.equal(out.stderr, "");
  });
});

Deno.test("report of a new log and an old one: server latency from the ttfb, else from the attempts", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const delayed = await writeLog(dir, "delayed.ndjson", clientDelayedRun().ndjson());
    const old = join(root, "tests/fixtures/progress_log_before_ttfb.ndjson");
    const { out, deps } = capture();
    // Markdown holds every column; the table leaves the latency's parts out to fit 100 columns.
    assert.equal(await reportCommand({ logs: [delayed, old], format: "markdown" }, deps), 0);
    const [header, , fresh, before] = out.stdout.split("\n");
    assert.match(header, / latency \| +server \| \+client \| +minimum \| +eff\. /);
    assert.match(
      fresh,
      / 64 ms \| +50 ms \(ttfb\) \| +\+14 ms \| +500 ms \(concurrency\) \| +78\.1% /,
    );
    assert.match(before, / \d+ ms \| +\d+ ms \(attempt\) \| +\+\d+ ms \| +\d+ ms \(rate\) /);
    assert.equal(out.stderr, "");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("report --format markdown and json print those formats", async () => {
  await withLogs(async (logs) => {
    const markdown = capture();
    assert.equal(await reportCommand({ logs, format: "markdown" }, markdown.deps), 0);
    assert.ok(markdown.out.stdout.startsWith("| profile    | selection |"));
    const json = capture();
    assert.equal(await reportCommand({ logs, format: "json" }, json.deps), 0);
    const parsed = JSON.parse(json.out.stdout);
    assert.deepEqual(parsed.runs.map((r: { speedup: number }) => r.speedup), [1, 2]);
  });
});

Deno.test("report refuses bad input with a message and exit code 2", async () => {
  await withLogs(async (logs, dir) => {
    const manifest = join(root, "import.yaml");
    const cases: [string[], string][] = [
      [["report"], "Cannot report: no progress log given"],
      [["report", join(dir, "gone.ndjson")], `Cannot read progress log "${dir}/gone.ndjson"`],
      [["report", "--latency", "1s", ...logs], "error: unknown option '--latency'"],
      [["bench-profiles", "-m", manifest, "--latency", "soon"], 'Invalid --latency "soon"'],
      [
        ["bench-profiles", "-m", manifest, "--rate", "0"],
        'Invalid --rate "0": expected a number above 0',
      ],
      [
        ["bench-profiles", "-m", manifest, "--rate", "5", "--burst", "1.5"],
        'Invalid --burst "1.5": expected an integer >= 1',
      ],
      [["bench-profiles", "-m", manifest, "--burst", "5"], "Cannot use --burst without --rate"],
    ];
    for (const [args, message] of cases) {
      const { code, stdout, stderr } = await runMain(args);
      assert.equal(code, 2, message);
      assert.ok(stderr.startsWith(message), stderr);
      assert.equal(stdout, "");
    }
  });
});

Deno.test("bench-profiles --help is its own, not report's", async () => {
  const { code, stdout } = await runMain(["bench-profiles", "--help"]);
  assert.equal(code, 0);
  assert.match(stdout, /^Usage: scripture-importer bench-profiles \[options\]/);
  for (const flag of ["--profiles", "--latency", "--rate", "--burst", "--out", "--only"]) {
    assert.ok(stdout.includes(flag), `help names ${flag}`);
  }
  assert.ok(!stdout.includes("--run-profiles"));
  assert.ok(!stdout.includes("[logs...]"));
  const report = await runMain(["report", "--help"]);
  assert.ok(!report.stdout.includes("--profiles"), "report offers no bench flag");
});

Deno.test({
  name:
    "bench-profiles imports with each profile from the fake API, reports them, and report reads its --out",
  sanitizeOps: true,
  sanitizeResources: true,
  async fn() {
    const out = await Deno.makeTempDir();
    try {
      const { out: printed, deps } = capture();
      const code = await benchProfilesCommand({
        manifest: join(root, "import.yaml"),
        profiles: ["default,sequential"],
        only: ["pgp/abr"],
        latency: "0ms",
        out,
      }, deps);
      assert.equal(code, 0);
      const lines = printed.stdout.split("\n");
      // In the order asked for; no log column, the rows are the profiles.
      assert.match(lines[0], /^profile /);
      assert.ok(lines.every((line) => line.length <= 100), printed.stdout);
      assert.match(lines[1], /^default /);
      assert.match(lines[2], /^sequential .* 1\.00x /);
      assert.equal(lines.length, 4);
      assert.match(
        printed.stderr,
        /^Importing with profile "default" from the fake API \(latency 0 ms\)\n/,
      );
      assert.match(
        printed.stderr,
        /\n {2}5 chapters in .*; log .*\/default\/\.import\/runs\/.*\.ndjson\n/,
      );
      // --out keeps what was imported.
      const chapter = JSON.parse(await Deno.readTextFile(join(out, "sequential/pgp/abr/5.json")));
      assert.equal(chapter.uri, "/scriptures/pgp/abr/5");
      // The folder it kept is a report's input, as it is.
      const again = capture();
      assert.equal(await reportCommand({ logs: [out] }, again.deps), 0);
      const rows = again.out.stdout.split("\n").slice(1, -1);
      assert.deepEqual(rows.map((row) => row.split(/ +/)[0]), ["default", "sequential"]);
    } finally {
      await Deno.remove(out, { recursive: true });
    }
  },
});

Deno.test("the CLI's report command reads logs, and exits 2 on a bad format or a missing log", async () => {
  await withLogs(async (logs) => {
    const ok = capture();
    assert.equal(await main(["report", ...logs], ok.deps), 0);
    assert.match(ok.out.stdout.split("\n")[2], /^default .* 2\.00x /);
    const format = capture();
    assert.equal(await main(["report", "--format", "pdf", ...logs], format.deps), 2);
    assert.match(format.out.stderr, /argument 'pdf' is invalid/);
    const missing = capture();
    assert.equal(await main(["report", "missing.ndjson"], missing.deps), 2);
    assert.equal(missing.out.stderr, 'Cannot read progress log "missing.ndjson": no such file\n');
  });
});

Deno.test("report --format html prints one self-contained page; --format svg one chart, --chart picks it", async () => {
  await withLogs(async (logs) => {
    const html = await runMain(["report", "--format", "html", ...logs]);
    assert.equal(html.code, 0);
    assert.equal(html.stderr, "");
    assert.ok(html.stdout.startsWith("<!DOCTYPE html>"));
    assert.equal(html.stdout.match(/<svg /g)?.length, 3);
    assert.equal(html.stdout.match(/<tr>/g)?.length, 3, "a header and a row per run");
    const charts: [string[], string][] = [
      [[], "chart-chapters"],
      [["--chart", "chapters"], "chart-chapters"],
      [["--chart", "rate"], "chart-rate"],
      [["--chart", "latency"], "chart-latency"],
    ];
    for (const [flags, id] of charts) {
      const svg = await runMain(["report", "--format", "svg", ...flags, ...logs]);
      assert.equal(svg.code, 0, flags.join(" "));
      assert.ok(svg.stdout.startsWith(`<svg xmlns="http://www.w3.org/2000/svg" id="${id}"`));
      assert.equal(svg.stdout.match(/data-role="series"/g)?.length, 2, "a line per run");
    }
  });
});

Deno.test("report refuses a bad --chart, or --chart without --format svg, with exit 2 and nothing printed", async () => {
  await withLogs(async (logs) => {
    const cases: [string[], string][] = [
      [
        ["--format", "svg", "--chart", "pie"],
        "error: option '--chart <chart>' argument 'pie' is invalid. Allowed choices are chapters, rate, latency.",
      ],
      [
        ["--chart", "rate"],
        "Cannot use --chart with --format table: it picks the one chart --format svg prints",
      ],
      [
        ["--format", "html", "--chart", "rate"],
        "Cannot use --chart with --format html: it picks the one chart --format svg prints",
      ],
    ];
    for (const [flags, message] of cases) {
      const { code, stdout, stderr } = await runMain(["report", ...flags, ...logs]);
      assert.equal(code, 2, message);
      assert.equal(stderr, message + "\n");
      assert.equal(stdout, "");
    }
  });
});
