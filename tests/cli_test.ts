import assert from "node:assert/strict";
import { join } from "node:path";
import { runMain as run } from "./_cli.ts";
import { TOOL } from "../src/version.ts";

const root = new URL("..", import.meta.url).pathname;
const manifest = join(root, "import.yaml");

/** A temporary project: a manifest text and the shipped profiles. */
async function project(manifestText: string): Promise<{ dir: string; file: string }> {
  const dir = await Deno.makeTempDir();
  await Deno.mkdir(join(dir, "profiles"));
  for await (const entry of Deno.readDir(join(root, "profiles"))) {
    await Deno.copyFile(join(root, "profiles", entry.name), join(dir, "profiles", entry.name));
  }
  const file = join(dir, "import.yaml");
  await Deno.writeTextFile(file, manifestText);
  return { dir, file };
}

Deno.test("plan shows 5 volumes, 88 books, 1,584 chapter tasks and 94 sink nodes", async () => {
  const { code, stdout } = await run(["plan", "--manifest", manifest]);
  assert.equal(code, 0);
  assert.match(stdout, /volumes {8}5\n/);
  assert.match(stdout, /books {10}88\n/);
  assert.match(stdout, /chapter tasks {2}1,584\n/);
  assert.match(stdout, /sink nodes {5}94 /);
  assert.match(stdout, /Profile "default"/);
  assert.match(stdout, /Theoretical minimum at 100 ms latency: 1 min 19 s \(limited by rate\)/);
});

Deno.test("plan --source bofm --format json has 239 chapters, 15 book manifests, 1 volume and the root", async () => {
  const { code, stdout } = await run(["plan", "-m", manifest, "--source", "bofm", "-f", "json"]);
  assert.equal(code, 0);
  const plan = JSON.parse(stdout);
  const count = (kind: string) =>
    plan.nodes.filter((n: { kind: string }) => n.kind === kind).length;
  assert.equal(count("chapter"), 239);
  assert.equal(count("book-manifest"), 15);
  assert.equal(count("volume-manifest"), 1);
  assert.equal(count("root-manifest"), 1);
  assert.equal(plan.nodes[2].uri, "/scriptures/bofm/1-ne/3");
  assert.equal(plan.summary.chapterTasks, 239);
  assert.equal(plan.summary.effectiveConcurrency, 50);
});

Deno.test("plan takes a profile path and a latency, and uses them in the bound", async () => {
  const { code, stdout } = await run([
    "plan",
    "-m",
    manifest,
    "--profile",
    join(root, "profiles", "sequential.yaml"),
    "--source",
    "pgp",
    "--latency",
    "1s",
    "--format",
    "json",
  ]);
  assert.equal(code, 0);
  const { summary } = JSON.parse(stdout);
  assert.equal(summary.profile.name, "sequential");
  assert.equal(summary.effectiveConcurrency, 1);
  assert.equal(summary.theoreticalMinimumMs, 16_000);
  assert.equal(summary.limitedBy, "concurrency");
});

Deno.test("plan --format dot prints a Graphviz digraph with an edge per dependency", async () => {
  const { code, stdout } = await run(["plan", "-m", manifest, "--only", "pgp/js-h", "-f", "dot"]);
  assert.equal(code, 0);
  assert.ok(stdout.startsWith("digraph plan {"));
  assert.match(stdout, /"pgp\/js-h\/1" -> "pgp\/js-h\/manifest";/);
  assert.match(stdout, /"pgp\/manifest" -> "manifest";/);
});

Deno.test("validate passes on the shipped manifest and every shipped profile", async () => {
  const { code, stdout, stderr } = await run(["validate", "--manifest", manifest]);
  assert.equal(stderr, "");
  assert.equal(code, 0);
  assert.match(stdout, /import\.yaml: ok \(5 volumes, 88 books, 1,584 chapters\)/);
  for (const name of ["aggressive", "conservative", "default", "sequential"]) {
    assert.match(stdout, new RegExp(`profiles/${name}\\.yaml: ok`));
  }
});

Deno.test("validate reports a located error, exits 2 and writes nothing", async () => {
  const text = (await Deno.readTextFile(manifest)).replace(
    "1-ne, title: 1 Nephi, abbrev: 1 Ne., chapters: 22",
    "1-ne, title: 1 Nephi, abbrev: 1 Ne., chapters: 0",
  );
  const { dir, file } = await project(text);
  try {
    const { code, stderr } = await run(["validate", "--manifest", file]);
    assert.equal(code, 2);
    const line = text.split("\n").findIndex((l) => l.includes("chapters: 0")) + 1;
    assert.match(
      stderr,
      new RegExp(
        `import\\.yaml:${line}:\\d+: volumes\\[2\\]\\.books\\[0\\]\\.chapters: expected a positive integer, got 0`,
      ),
    );
    const entries = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    assert.deepEqual(entries, ["import.yaml", "profiles"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("an unknown profile exits 2 and lists the known ones", async () => {
  const { code, stderr } = await run(["plan", "-m", manifest, "--profile", "fast"]);
  assert.equal(code, 2);
  assert.match(stderr, /Cannot load profile "fast"/);
  assert.match(stderr, /aggressive, conservative, default, sequential/);
});

Deno.test("an unknown --source exits 2 and lists the valid names", async () => {
  const { code, stderr } = await run(["plan", "-m", manifest, "--source", "bom"]);
  assert.equal(code, 2);
  assert.equal(
    stderr,
    'Cannot select source "bom": no such volume (valid: all, ot, nt, bofm, dc-testament, pgp, dc); did you mean "bofm"?\n',
  );
});

Deno.test("the seed's --config flag gets a hint to use --profile", async () => {
  const { code, stderr } = await run(["plan", "--config=conservative"]);
  assert.equal(code, 2);
  assert.match(stderr, /use --profile|--profile conservative/);
});

Deno.test("--help on every command and --version exit 0", async () => {
  for (const args of [["--help"], ["plan", "--help"], ["validate", "--help"]]) {
    const { code, stdout } = await run(args);
    assert.equal(code, 0, args.join(" "));
    assert.match(stdout, /Usage:/);
  }
  const { code, stdout } = await run(["--version"]);
  assert.equal(code, 0);
  assert.equal(stdout.trim(), TOOL.version);
});

Deno.test("an unknown option or a bad format is a usage error with exit code 2", async () => {
  assert.equal((await run(["plan", "--frmat", "json"])).code, 2);
  assert.equal((await run(["plan", "-m", manifest, "--format", "xml"])).code, 2);
  const latency = await run(["plan", "-m", manifest, "--latency", "fast"]);
  assert.equal(latency.code, 2);
  assert.match(latency.stderr, /Invalid --latency "fast": expected a duration/);
});

Deno.test("the version in deno.json is the tool's version", async () => {
  const config = JSON.parse(await Deno.readTextFile(join(root, "deno.json")));
  assert.equal(config.version, TOOL.version);
});

/**
 * A project importing the Pearl of Great Price from two fake servers: the
 * first lacks Moses 8 (it answers with a table of contents), the second has it.
 */
async function retryProject() {
  const { startFakeApi } = await import("../src/fake_api/server.ts");
  const { loadManifest } = await import("../src/manifest/load.ts");
  // Two servers whose verse totals cannot agree: this manifest declares none.
  const text = (await Deno.readTextFile(manifest)).replaceAll(/, verses: \d+/g, "");
  const { dir, file } = await project(text);
  const pgp = (await loadManifest(file)).volumes.filter((v) => v.id === "pgp");
  const partial = await startFakeApi({
    volumes: pgp.map((v) => ({
      ...v,
      books: v.books.map((b) => b.id === "moses" ? { ...b, chapters: 7 } : b),
    })),
  });
  const full = await startFakeApi({ volumes: pgp });
  return { dir, file, out: join(dir, "data"), partial, full };
}

Deno.test({
  name: "import --retry-failed runs only the chapters that failed in the last run",
  sanitizeOps: true,
  sanitizeResources: true,
  async fn() {
    const { dir, file, out, partial, full } = await retryProject();
    const common = ["import", "-m", file, "--out", out, "--source", "pgp", "--json"];
    try {
      const first = await run([...common, "--api-url", partial.apiUrl]);
      assert.equal(first.code, 1);
      const summary = JSON.parse(first.stdout);
      assert.equal(summary.chapters.imported, 15);
      assert.deepEqual(summary.failures.map((f: { id: string }) => f.id), ["pgp/moses/8"]);
      assert.match(summary.log, /\.import\/runs\/.*\.ndjson$/);

      const retry = await run([...common, "--api-url", full.apiUrl, "--retry-failed"]);
      assert.equal(retry.code, 0, retry.stderr);
      assert.deepEqual(Object.keys(full.stats().byUri), ["/scriptures/pgp/moses/8"]);
      const root = JSON.parse(await Deno.readTextFile(join(out, "manifest.json")));
      const volume = root.volumes.find((v: { volume: string }) => v.volume === "pgp");
      assert.equal(volume.importedChapters, 16);
      assert.equal(volume.complete, true);

      const nothing = await run([...common, "--api-url", full.apiUrl, "--retry-failed"]);
      assert.equal(nothing.code, 0);
      assert.match(nothing.stderr, /Nothing to retry/);
    } finally {
      await partial.close();
      await full.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "import --retry-failed reads the failures from --log when the log is kept elsewhere",
  sanitizeOps: true,
  sanitizeResources: true,
  async fn() {
    const { dir, file, out, partial, full } = await retryProject();
    const log = join(dir, "elsewhere", "run.ndjson");
    const common = ["import", "-m", file, "--out", out, "--source", "pgp", "--json"];
    try {
      const first = await run([...common, "--api-url", partial.apiUrl, "--log", log]);
      assert.equal(first.code, 1);
      const retry = await run([
        ...common,
        "--api-url",
        full.apiUrl,
        "--log",
        log,
        "--retry-failed",
      ]);
      assert.equal(retry.code, 0, retry.stderr);
      assert.deepEqual(Object.keys(full.stats().byUri), ["/scriptures/pgp/moses/8"]);
    } finally {
      await partial.close();
      await full.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("import refuses a plain-http --api-url to a remote host before writing anything", async () => {
  const out = join(await Deno.makeTempDir(), "never");
  const { code, stderr } = await run([
    "import",
    "-m",
    manifest,
    "--out",
    out,
    "--api-url",
    "http://example.org/api",
  ]);
  assert.equal(code, 2);
  assert.match(stderr, /Invalid --api-url "http:\/\/example\.org\/api": expected an https URL/);
  await assert.rejects(Deno.stat(out), Deno.errors.NotFound);
});
