/**
 * The watcher's and the enqueue's checks: a watch ends when the run's top job
 * ends, even with no event of it; its --log is checked as an import in one
 * process checks it; the flags a run takes at enqueue are refused; a run id
 * enqueued again with other settings is refused; a stopped watch says the run
 * goes on.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { startFakeApi } from "../../src/fake_api/server.ts";
import { loadProfile } from "../../src/manifest/load_profile.ts";
import { parseQueueAddress } from "../../src/queue/connection.ts";
import { watchRun } from "../../src/queue/watch.ts";
import { sanitizedTest } from "../exec/_helpers.ts";
import { cliArgs } from "../_cli.ts";
import {
  CANON,
  enqueue,
  MANIFEST_PATH,
  redisCommand,
  runCli,
  startRedis,
  startWorker,
  writeProfile,
} from "./_queue.ts";

const _importQueue = (queue: string, ...args: string[]) =>
  runCli("import", "-m", MANIFEST_PATH, "--queue", queue, ...args);

sanitizedTest(
  "a run id enqueued again with other settings is refused, naming them; the same settings resume",
  async () => {
    const redis = await startRedis();
    const api = await startFakeApi({ volumes: CANON.volumes });
    const dir = await Deno.makeTempDir({ prefix: "queue-reenqueue-" });
    try {
      const out = join(dir, "out");
      const args = ["--enqueue", "--run", "rint", "--api-url", api.apiUrl, "-o", out];
      const first = await _importQueue(redis.url, ...args, "--only", "pgp/abr/1");
      assert.equal(first.code, 0, first.stderr);
      assert.match(first.stderr, /Enqueued run rint: 1 chapter into /, "one chapter, singular");
      const again = await _importQueue(redis.url, ...args, "--only", "pgp/abr/1");
      assert.equal(again.code, 0, again.stderr);
      assert.equal(again.stdout.trim(), "rint");

      const other = await _importQueue(
        redis.url,
        "--enqueue",
        "--run",
        "rint",
        "--api-url",
        api.apiUrl,
        "-o",
        join(dir, "elsewhere"),
        "-s",
        "pgp",
      );
      assert.equal(other.code, 2, other.stderr);
      assert.match(other.stderr, /Cannot enqueue run "rint" again with other settings/);
      assert.match(other.stderr, /selection --only pgp\/abr\/1, not --source pgp/);
      assert.match(other.stderr, /output folder .*out, not .*elsewhere/);
      assert.match(other.stderr, /another run \(--run ID/);
      assert.equal(other.stdout, "");
      // Nothing added: the one chapter's job is all the queue holds.
      assert.equal(await redisCommand(redis.port, "LLEN importer:chapters:wait"), ":1");
    } finally {
      await api.close();
      await redis.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
);

sanitizedTest("the flags a run takes at enqueue are refused by its watcher", async () => {
  const redis = await startRedis();
  try {
    for (
      const flags of [
        ["--source", "pgp"],
        ["--only", "pgp/abr"],
        ["--api-url", "http://127.0.0.1:1/content"],
        ["--lang", "spa"],
      ]
    ) {
      const watched = await _importQueue(redis.url, "--watch", "r1", ...flags);
      assert.equal(watched.code, 2, `${flags[0]}: ${watched.stderr}`);
      assert.match(
        watched.stderr,
        new RegExp(
          `Cannot use ${
            flags[0]
          } with --watch: the run's selection/API/languages were set when it was enqueued`,
        ),
      );
    }
  } finally {
    await redis.stop();
  }
});

sanitizedTest(
  "the watcher refuses a --log that is not a progress log, or a directory, before writing",
  async () => {
    const redis = await startRedis();
    const api = await startFakeApi({ volumes: CANON.volumes });
    const dir = await Deno.makeTempDir({ prefix: "queue-watch-log-" });
    try {
      const profile = await writeProfile(dir, "shared", { delay: "0ms", maxInFlight: 4 });
      const run = await enqueue(redis.url, api.apiUrl, join(dir, "out"), "--only", "pgp/abr/1");
      // A worker runs the run to its end: a watch that took the log would end, exit 0.
      const worker = await startWorker({ queue: redis.url, profile });
      try {
        const notALog = join(dir, "f");
        await Deno.writeTextFile(notALog, "hello\n");
        const file = await _importQueue(redis.url, "--watch", run, "-p", profile, "--log", notALog);
        assert.equal(file.code, 2, file.stderr);
        assert.match(file.stderr, /not a progress log/);
        assert.equal(await Deno.readTextFile(notALog), "hello\n", "nothing appended");

        const folder = await _importQueue(redis.url, "--watch", run, "-p", profile, "--log", dir);
        assert.equal(folder.code, 2, folder.stderr);
        assert.match(folder.stderr, /it is a directory/);
        assert.doesNotMatch(folder.stderr, /Uncaught/);
      } finally {
        await worker.stop();
      }
    } finally {
      await api.close();
      await redis.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
);

sanitizedTest(
  "a watch ends when the run's root job failed for good with no event of it, listing it",
  async () => {
    const redis = await startRedis();
    const api = await startFakeApi({ volumes: CANON.volumes });
    const dir = await Deno.makeTempDir({ prefix: "queue-watch-root-" });
    try {
      const profilePath = await writeProfile(dir, "shared", { delay: "0ms", maxInFlight: 4 });
      const run = await enqueue(redis.url, api.apiUrl, join(dir, "out"), "--only", "pgp/abr/1");
      let planned: () => void = () => {};
      const read = new Promise<void>((resolve) => (planned = resolve));
      const watching = watchRun({
        address: parseQueueAddress(redis.url),
        run,
        profile: await loadProfile(profilePath),
        log: false,
        onPlan: () => planned(),
      });
      // Once the watcher has the run's settings, the workers find none: every job, the root
      // manifest's too, fails for good before its worker publishes any event of it.
      await read;
      assert.equal(await redisCommand(redis.port, `DEL importer:run:${run}:config`), ":1");
      const worker = await startWorker({ queue: redis.url, profile: profilePath });
      try {
        const result = await watching;
        assert.equal(result.exitCode, 1);
        const root = result.report.failures.find((f) => f.id === "manifest");
        assert.ok(root, JSON.stringify(result.report.failures));
        assert.match(root.reason, /No settings for run/);
        assert.equal(result.summary.interrupted, false);
      } finally {
        await worker.stop();
      }
    } finally {
      await api.close();
      await redis.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
);

sanitizedTest(
  "a stopped watch says the run goes on, with the command that follows it again",
  async () => {
    const redis = await startRedis();
    const api = await startFakeApi({ volumes: CANON.volumes });
    const dir = await Deno.makeTempDir({ prefix: "queue-watch-stop-" });
    try {
      const profile = await writeProfile(dir, "shared", { delay: "0ms", maxInFlight: 4 });
      const run = await enqueue(redis.url, api.apiUrl, join(dir, "out"), "--only", "pgp/abr/1");
      const log = join(dir, "watch.ndjson");
      // No worker: the run waits, the watcher follows it until stopped.
      const child = new Deno.Command(Deno.execPath(), {
        args: cliArgs(
          "import",
          "-m",
          MANIFEST_PATH,
          "--queue",
          redis.url,
          "--watch",
          run,
          "-p",
          profile,
          "--log",
          log,
          "-q",
        ),
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      const output = child.output();
      // Its run-start record is written once it reads the run's events.
      while (!(await Deno.readTextFile(log).catch(() => "")).includes('"run-start"')) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      child.kill("SIGTERM");
      const done = await output;
      const stdout = new TextDecoder().decode(done.stdout);
      assert.equal(done.code, 130, new TextDecoder().decode(done.stderr));
      assert.match(
        stdout,
        new RegExp(
          `Stopped watching: the run goes on in its workers; deno task import --queue ` +
            `${redis.url} --watch ${run} -m ${MANIFEST_PATH} -p ${profile} --log ${log} to follow it again`,
        ),
      );
      assert.doesNotMatch(stdout, /not reached/);
      const stderr = new TextDecoder().decode(done.stderr);
      assert.match(stderr, /Interrupted: stopping watching; the run goes on in its workers/);
      assert.doesNotMatch(stderr, /finishing manifests/);
    } finally {
      await api.close();
      await redis.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
);

sanitizedTest(
  "a watcher's -o is this host's mount of the run's output folder: its default log goes there",
  async () => {
    const redis = await startRedis();
    const api = await startFakeApi({ volumes: CANON.volumes });
    const dir = await Deno.makeTempDir({ prefix: "queue-watch-out-" });
    try {
      const out = join(dir, "out");
      const mount = join(dir, "mount");
      const run = await enqueue(redis.url, api.apiUrl, out, "--only", "pgp/abr/1");
      // No worker: the watcher follows the waiting run until stopped.
      const child = new Deno.Command(Deno.execPath(), {
        args: cliArgs(
          "import",
          "-m",
          MANIFEST_PATH,
          "--queue",
          redis.url,
          "--watch",
          run,
          "-o",
          mount,
          "-q",
        ),
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      const output = child.output();
      const logsIn = async (folder: string) => {
        const names: string[] = [];
        try {
          for await (const entry of Deno.readDir(join(folder, ".import", "runs"))) {
            names.push(entry.name);
          }
        } catch {
          // Not made (yet).
        }
        return names;
      };
      // Its log is opened in one of the two folders once it has read the run.
      while ((await logsIn(mount)).length + (await logsIn(out)).length === 0) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      child.kill("SIGTERM");
      const done = await output;
      assert.equal(done.code, 130, new TextDecoder().decode(done.stderr));
      assert.equal((await logsIn(mount)).length, 1, "the log is under the watcher's -o");
      assert.deepEqual(await logsIn(out), []);
      assert.match(new TextDecoder().decode(done.stdout), /-o .*mount to follow it again/);
    } finally {
      await api.close();
      await redis.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
);
