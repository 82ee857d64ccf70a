/**
 * Fixtures of the queue tests: a Redis server of the test's own on a free
 * loopback port (no persistence but the dump a restart asks for), worker
 * processes of the real CLI, and the checks of an output folder.
 *
 * @module
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { cliArgs, ROOT } from "../_cli.ts";
import { loadManifest } from "../../src/manifest/load.ts";
import type { Manifest } from "../../src/manifest/types.ts";
import { CONTENT_PATH } from "../../src/fake_api/server.ts";
import { verifyChapterFile } from "../../src/output/chapter_file.ts";
import { chapterPath } from "../../src/output/paths.ts";
import { buildPlan } from "../../src/plan/planner.ts";
import { resolveSelection } from "../../src/plan/selection.ts";
import type { ChapterNode } from "../../src/plan/types.ts";
import { listFiles } from "../output/_fixtures.ts";

/** The repository's manifest: the whole canon. */
export const MANIFEST_PATH: string = join(ROOT, "import.yaml");
/** The whole canon, as the tests' fake API serves it. */
export const CANON: Manifest = await loadManifest(MANIFEST_PATH);

/** A free TCP port on 127.0.0.1 (free when asked; the caller binds it soon after). */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

const _sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Sends one Redis command (inline) and returns its answer's first bytes, trimmed (`:0`, `+PONG`). */
export async function redisCommand(port: number, command: string): Promise<string> {
  const connection = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await connection.write(new TextEncoder().encode(command + "\r\n"));
    const buffer = new Uint8Array(256);
    const read = await connection.read(buffer);
    return read === null ? "" : new TextDecoder().decode(buffer.subarray(0, read)).trim();
  } finally {
    connection.close();
  }
}

/** A redis-server the test started. */
export interface RedisServer {
  readonly port: number;
  /** `redis://127.0.0.1:<port>`. */
  readonly url: string;
  /**
   * Saves its data (SHUTDOWN SAVE), stops, and starts again on the same port
   * with it; with `empty`, drops it (SHUTDOWN NOSAVE) and starts with none;
   * `whileDown` runs (and is awaited) once it stopped.
   */
  restart(
    options?: { readonly empty?: boolean; readonly whileDown?: () => Promise<void> },
  ): Promise<void>;
  /** Stops it and removes its folder. */
  stop(): Promise<void>;
}

/**
 * Starts `redis-server --port <free> --save '' --appendonly no` in a temporary
 * folder and waits until it answers PING.
 *
 * @throws {Error} when redis-server is not installed (the test fails, it does not skip).
 */
export async function startRedis(): Promise<RedisServer> {
  const port = freePort();
  const dir = await Deno.makeTempDir({ prefix: "queue-redis-" });
  const spawn = () => {
    try {
      return new Deno.Command("redis-server", {
        args: [
          "--port",
          String(port),
          "--bind",
          "127.0.0.1",
          "--save",
          "",
          "--appendonly",
          "no",
          "--dir",
          dir,
        ],
        stdout: "null",
        stderr: "null",
      }).spawn();
    } catch (error) {
      // Missing, or not allowed to run it (a bench or test without --allow-run): say which.
      throw new Error(
        error instanceof Deno.errors.NotFound
          ? "Cannot start redis-server: install it (apt-get install -y redis-server); the queue tests need it"
          : `Cannot start redis-server: ${(error as Error).message}`,
        { cause: error },
      );
    }
  };
  const ready = async () => {
    for (let i = 0; i < 400; i++) {
      try {
        if ((await redisCommand(port, "PING")) === "+PONG") return;
      } catch {
        // Not listening yet.
      }
      await _sleep(25);
    }
    throw new Error(`redis-server on port ${port} did not answer PING`);
  };
  let child = spawn();
  await ready();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    restart: async (options) => {
      const empty = options?.empty ?? false;
      await redisCommand(port, empty ? "SHUTDOWN NOSAVE" : "SHUTDOWN SAVE").catch(() => "");
      await child.status;
      if (empty) await Deno.remove(join(dir, "dump.rdb")).catch(() => {});
      await options?.whileDown?.();
      child = spawn();
      await ready();
    },
    stop: async () => {
      try {
        child.kill("SIGTERM");
      } catch {
        // Already gone.
      }
      await child.status;
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/** A `deno task worker` process. */
export interface WorkerProcess {
  /** Everything it printed on stderr so far. */
  stderr(): string;
  /** Resolves with the first match of `pattern` in its stderr; rejects if it exits without one. */
  waitFor(pattern: RegExp): Promise<RegExpExecArray>;
  /** kill -9: no chance to finish its jobs or release their locks. */
  kill9(): Promise<void>;
  /** SIGTERM: it finishes the jobs in hand and exits; then its exit code and output. */
  stop(): Promise<CliRun>;
}

/** Options of {@linkcode startWorker}. */
export interface StartWorkerOptions {
  readonly queue: string;
  /** A profile name or file. */
  readonly profile: string;
  /**
   * @default "30s", as `deno task worker`: on a busy machine a shorter one may
   * take a job over from a worker that is alive but slow, and fetch it twice
   */
  readonly stallTimeout?: string;
  /** Its `--out`. @default none: the path each run was enqueued with */
  readonly out?: string;
}

/** Starts a worker and waits until it says it is ready. */
export async function startWorker(options: StartWorkerOptions): Promise<WorkerProcess> {
  const child = _spawnCli(
    "worker",
    "-m",
    MANIFEST_PATH,
    "--queue",
    options.queue,
    "-p",
    options.profile,
    "--stall-timeout",
    options.stallTimeout ?? "30s",
    ...(options.out === undefined ? [] : ["--out", options.out]),
  );
  await child.waitFor(/Worker ready/).catch((error) => {
    throw new Error(`the worker did not start: ${child.stderr()}`, { cause: error });
  });
  const end = (signal: Deno.Signal) => {
    child.kill(signal);
    return child.done;
  };
  return {
    stderr: child.stderr,
    waitFor: child.waitFor,
    kill9: async () => void await end("SIGKILL"),
    stop: () => end("SIGTERM"),
  };
}

/**
 * Starts a worker that should be refused: its exit code and stderr once it
 * exits without saying it is ready; fails the test (and stops it) if it starts.
 */
export async function refusedWorker(options: StartWorkerOptions): Promise<CliRun> {
  let worker: WorkerProcess;
  try {
    worker = await startWorker(options);
  } catch (error) {
    const exited = /^Exited \((\d+)\)/.exec(((error as Error).cause as Error)?.message ?? "");
    if (exited === null) throw error;
    return { code: Number(exited[1]), stdout: "", stderr: (error as Error).message };
  }
  const run = await worker.stop();
  assert.fail(`the worker was let in (profile "${options.profile}"):\n${run.stderr}`);
}

/** A CLI subprocess whose stderr is read as it comes. */
interface _CliProcess {
  /** Everything it printed on stderr so far. */
  stderr(): string;
  /** Resolves with the first match of `pattern` in its stderr; rejects if it exits without one. */
  waitFor(pattern: RegExp): Promise<RegExpExecArray>;
  /** Sends `signal`, unless it has exited. */
  kill(signal: Deno.Signal): void;
  /** Its exit code and output, once it exited and both pipes are read. */
  readonly done: Promise<CliRun>;
}

function _spawnCli(...args: string[]): _CliProcess {
  const child = new Deno.Command(Deno.execPath(), {
    args: cliArgs(...args),
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let text = "";
  const waiters: { pattern: RegExp; resolve: (m: RegExpExecArray) => void }[] = [];
  const check = () => {
    for (const waiter of [...waiters]) {
      const found = waiter.pattern.exec(text);
      if (found) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(found);
      }
    }
  };
  const reading = (async () => {
    for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) {
      text += chunk;
      check();
    }
  })();
  const stdout = new Response(child.stdout).text();
  const done = (async () => {
    const [status, out] = await Promise.all([child.status, stdout, reading]);
    return { code: status.code, stdout: out, stderr: text };
  })();
  return {
    stderr: () => text,
    waitFor: (pattern) => {
      const found = pattern.exec(text);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        waiters.push({ pattern, resolve });
        done.then((run) =>
          reject(new Error(`Exited (${run.code}) without printing ${pattern}: ${run.stderr}`))
        );
      });
    },
    kill: (signal) => {
      try {
        child.kill(signal);
      } catch {
        // Already gone.
      }
    },
    done,
  };
}

/** What a CLI subprocess printed, and its exit code. */
export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the real CLI as a subprocess to its end. */
export async function runCli(...args: string[]): Promise<CliRun> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: cliArgs(...args),
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code: output.code, stdout: decode(output.stdout), stderr: decode(output.stderr) };
}

/** `import --queue URL --enqueue` of `selection` into `outDir`; returns the run id. */
export async function enqueue(
  queue: string,
  apiUrl: string,
  outDir: string,
  ...selection: string[]
): Promise<string> {
  const run = await runCli(
    "import",
    "-m",
    MANIFEST_PATH,
    "--queue",
    queue,
    "--enqueue",
    "--api-url",
    apiUrl,
    "-o",
    outDir,
    ...selection,
  );
  assert.equal(run.code, 0, run.stderr);
  return run.stdout.trim();
}

/** `import --queue URL --watch RUN --json`, to the run's end. */
export function watch(queue: string, run: string, profile: string): Promise<CliRun> {
  return startWatch(queue, run, profile).done;
}

/** Watches `run` to its end with one worker of `profile` running meanwhile. */
export async function watchWithWorker(
  queue: string,
  run: string,
  profile: string,
): Promise<CliRun> {
  const worker = await startWorker({ queue, profile });
  try {
    return await watch(queue, run, profile);
  } finally {
    await worker.stop();
  }
}

/** A `import --queue URL --watch RUN` process, read as it goes. */
export interface WatchProcess {
  /** Everything it printed on stderr so far. */
  stderr(): string;
  /** Resolves with the first match of `pattern` in its stderr; rejects if it exits without one. */
  waitFor(pattern: RegExp): Promise<RegExpExecArray>;
  /** SIGTERM (which ends a `--serve-linger`), then its exit code and output. */
  stop(): Promise<CliRun>;
  /** Its exit code and output once it exits. */
  readonly done: Promise<CliRun>;
}

/** Starts `import --queue URL --watch RUN -p PROFILE --json` with `extra` flags (`--serve 0`). */
export function startWatch(
  queue: string,
  run: string,
  profile: string,
  ...extra: string[]
): WatchProcess {
  const child = _spawnCli(
    "import",
    "-m",
    MANIFEST_PATH,
    "--queue",
    queue,
    "--watch",
    run,
    "-p",
    profile,
    "--json",
    ...extra,
  );
  return {
    stderr: child.stderr,
    waitFor: child.waitFor,
    stop: () => {
      child.kill("SIGTERM");
      return child.done;
    },
    done: child.done,
  };
}

/** `import --json` of the same selection in one process, into `outDir`: what a queue run is compared with. */
export async function importInProcess(
  profile: string,
  apiUrl: string,
  outDir: string,
  ...selection: string[]
): Promise<CliRun> {
  return await runCli(
    "import",
    "-m",
    MANIFEST_PATH,
    "-p",
    profile,
    "--api-url",
    apiUrl,
    "-o",
    outDir,
    ...selection,
    "--json",
  );
}

/**
 * The files of an output folder but its run records (any `.import/`, the
 * language folders' too), by path within it, sorted.
 */
export async function outputFiles(dir: string): Promise<string[]> {
  return (await listFiles(dir)).filter((name) => !name.split("/").includes(".import"));
}

/** Writes a profile file in `dir` and returns its path. */
export async function writeProfile(
  dir: string,
  name: string,
  fields: Record<string, number | string>,
): Promise<string> {
  const path = join(dir, `${name}.yaml`);
  const lines = [
    "description: a queue test's profile",
    "volumes: 5",
    "booksPerVolume: 10",
    "chaptersPerBook: 20",
    ...Object.entries(fields).map(([key, value]) => `${key}: ${value}`),
  ];
  await Deno.writeTextFile(path, lines.join("\n") + "\n");
  return path;
}

/** The chapters of a selection of the canon. */
export function chaptersOf(source: readonly string[] = []): ChapterNode[] {
  const plan = buildPlan(CANON, resolveSelection(CANON, { source }));
  return plan.dag.nodes.filter((n): n is ChapterNode => n.kind === "chapter");
}

/** Every chapter whose file is missing, torn or not the chapter: empty when all are whole. */
export async function badChapters(
  outDir: string,
  chapters: readonly ChapterNode[],
): Promise<string[]> {
  const bad: string[] = [];
  for (const node of chapters) {
    const path = chapterPath(outDir, node.volume, node.book, node.chapter);
    const verified = await verifyChapterFile(path);
    if (!verified.ok) bad.push(`${node.id}: ${verified.reason}`);
  }
  return bad;
}

/** A proxy in front of the fake API that holds requests past the first few until released. */
export interface GatedProxy {
  /** The content endpoint through the proxy. */
  readonly apiUrl: string;
  /** Resolves once a request is being held. */
  readonly holding: Promise<void>;
  /** Resolves once `count` requests have come past the first `passFirst` (held, or after the release). */
  whenHeld(count: number): Promise<void>;
  /** Lets every held request (and all later ones) through. */
  release(): void;
  close(): Promise<void>;
}

/**
 * Starts a proxy that forwards the first `passFirst` requests to `apiUrl` and
 * holds the next ones until {@linkcode GatedProxy.release}: the point where
 * a test acts (kills a worker, restarts Redis) while jobs are in flight,
 * with no timing involved. A held request is forwarded once released, even
 * when its client is gone.
 */
export function startGatedProxy(
  apiUrl: string,
  passFirst: number,
  options: {
    /** Requests of these chapter uris are never held, nor counted in `passFirst`. */
    readonly alwaysPass?: readonly string[];
  } = {},
): GatedProxy {
  const alwaysPass = new Set(options.alwaysPass ?? []);
  let passed = 0;
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => (release = resolve));
  let held = 0;
  const waiters: { count: number; resolve: () => void }[] = [];
  const whenHeld = (count: number) =>
    held >= count
      ? Promise.resolve()
      : new Promise<void>((resolve) => waiters.push({ count, resolve }));
  const holding = whenHeld(1);
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    async (request) => {
      const uri = new URL(request.url).searchParams.get("uri") ?? "";
      if (!alwaysPass.has(uri) && ++passed > passFirst) {
        held++;
        for (const waiter of waiters.filter((w) => held >= w.count)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve();
        }
        await gate;
      }
      const upstream = await fetch(apiUrl + new URL(request.url).search);
      return new Response(upstream.body, { status: upstream.status, headers: upstream.headers });
    },
  );
  return {
    apiUrl: `http://127.0.0.1:${server.addr.port}${CONTENT_PATH}`,
    holding,
    whenHeld,
    release: () => release(),
    close: async () => {
      release();
      await server.shutdown();
    },
  };
}

/** A proxy in front of the fake API that answers some chapters with an HTTP error, every time. */
export interface FaultProxy {
  /** The content endpoint through the proxy. */
  readonly apiUrl: string;
  /** Requests answered with an error so far, by chapter uri. */
  readonly refused: ReadonlyMap<string, number>;
  close(): Promise<void>;
}

/**
 * Starts a proxy that answers each request for a uri of `statuses` with its
 * status (an error page, no `Retry-After`) and forwards every other one to
 * `apiUrl`: a chapter that fails for good, whoever asks for it.
 */
export function startFaultProxy(
  apiUrl: string,
  statuses: Readonly<Record<string, number>>,
): FaultProxy {
  const refused = new Map<string, number>();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    async (request) => {
      const search = new URL(request.url).search;
      const uri = new URLSearchParams(search).get("uri") ?? "";
      const status = statuses[uri];
      if (status !== undefined) {
        refused.set(uri, (refused.get(uri) ?? 0) + 1);
        return new Response(`{"error":"HTTP ${status}"}`, {
          status,
          headers: { "content-type": "application/json" },
        });
      }
      const upstream = await fetch(apiUrl + search);
      return new Response(upstream.body, { status: upstream.status, headers: upstream.headers });
    },
  );
  return {
    apiUrl: `http://127.0.0.1:${server.addr.port}${CONTENT_PATH}`,
    refused,
    close: () => server.shutdown(),
  };
}
