/**
 * The fake API in a process of its own (`deno run src/cli/fake_api_command.ts`), for
 * tests and benches: what it measures (arrival times) then runs on its own
 * event loop, not on the event loop of the client under test, and the
 * client's CPU is the client's alone.
 *
 * @module
 */

import type { FakeApiStats } from "./stats.ts";

const ROOT = new URL("../../", import.meta.url);

/** A fake API running in a child process. */
export interface FakeApiProcess {
  /** The origin, e.g. `http://127.0.0.1:4321`. */
  readonly url: string;
  /** The content endpoint. */
  readonly apiUrl: string;
  /** `GET /__stats`. */
  stats(): Promise<FakeApiStats>;
  /** Stops the process (SIGTERM) and waits for it. */
  close(): Promise<void>;
}

/** Options of {@linkcode startFakeApiProcess}. */
export interface FakeApiProcessOptions {
  /**
   * Runs the fake at a higher priority (`nice -n -10`, where allowed; as is
   * elsewhere). The fake stands for a server on a machine of its own: on
   * cores it shares with the client under test, the client's own work would
   * otherwise delay the fake's clock readings by a millisecond or more now
   * and then, and the fake would see gaps between arrivals that the network
   * never saw. @default false
   */
  readonly highPriority?: boolean;
}

/**
 * Starts `deno run src/cli/fake_api_command.ts --port 0 <args>` serving the canon of
 * the project's import.yaml, and waits until it listens. Needs
 * `--allow-run` (for Deno's own executable, and `nice`) and
 * `--allow-net=127.0.0.1`.
 *
 * @param args flags of `deno task fake-api`, e.g. `["--latency", "50"]`.
 * @throws {Error} when the process ends before it listens, with its output.
 */
export async function startFakeApiProcess(
  args: readonly string[],
  options: FakeApiProcessOptions = {},
): Promise<FakeApiProcess> {
  const deno = [
    Deno.execPath(),
    "run",
    "--allow-read",
    "--allow-net=127.0.0.1",
    "--allow-env",
    new URL("src/cli/fake_api_command.ts", ROOT).pathname,
    "--manifest",
    new URL("import.yaml", ROOT).pathname,
    "--port",
    "0",
    ...args,
  ];
  const spawn = (command: readonly string[]) =>
    new Deno.Command(command[0], {
      args: command.slice(1),
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  let child: Deno.ChildProcess;
  try {
    // `nice` execs the command whether or not it may raise the priority.
    child = spawn(options.highPriority ? ["nice", "-n", "-10", ...deno] : deno);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    child = spawn(deno); // no `nice` here
  }
  const stderr = new Response(child.stderr).text();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  let apiUrl: string | undefined;
  try {
    while (apiUrl === undefined) {
      const { value, done } = await lines.read();
      if (done) break;
      seen += value;
      apiUrl = /source\.url: (\S+)\n/.exec(seen)?.[1];
    }
  } catch (error) {
    child.kill("SIGKILL");
    throw error;
  }
  // The rest of stdout is drained, so the child never blocks on a full pipe.
  const rest = (async () => {
    while (!(await lines.read()).done) { /* drain */ }
  })();
  if (apiUrl === undefined) {
    await rest;
    const status = await child.status;
    throw new Error(
      `Cannot start the fake API process (exit ${status.code}): ${seen}${await stderr}`,
    );
  }
  const url = new URL(apiUrl).origin;
  let closed: Promise<void> | undefined;
  return {
    url,
    apiUrl,
    stats: async () => {
      const response = await fetch(`${url}/__stats`);
      return await response.json() as FakeApiStats;
    },
    close: () =>
      closed ??= (async () => {
        child.kill("SIGTERM");
        await Promise.all([child.status, rest, stderr]);
      })(),
  };
}
