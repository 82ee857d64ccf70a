/**
 * A real `import --serve 0` through the CLI's `main`, against the fake API,
 * for the server's tests and the dashboard's browser test. Requests for the
 * content URIs the test names wait at a gate until it releases them, so a
 * test sees the run at a given step without waiting for a time.
 */
import { join } from "node:path";
import { main } from "../../src/cli.ts";
import { type FakeApi, type FakeApiOptions, startFakeApi } from "../../src/fake_api/server.ts";
import { loadManifest } from "../../src/manifest/load.ts";
import type { Volume } from "../../src/manifest/types.ts";
import { ROOT } from "../_cli.ts";

/** Options of {@linkcode startServedImport}. */
export interface ServedImportOptions {
  /** Flags after `import` (the selection, ...); `--api-url`, `--out`, `--serve 0` and `-p` are added. */
  readonly args: readonly string[];
  /** The profile's YAML. @default no rate limit, 1 volume, 5 books, 10 chapters, 4 in flight */
  readonly profile?: string;
  /** The fake API's options, less its canon. */
  readonly fake?: Omit<FakeApiOptions, "volumes">;
  /** The canon the fake serves (import.yaml's unless given); a shorter book makes its last chapters fail. */
  readonly fakeVolumes?: (volumes: readonly Volume[]) => readonly Volume[];
  /** Which content URIs (`/scriptures/pgp/abr/3`) wait at the gate. @default none */
  readonly hold?: (uri: string) => boolean;
  /** `--serve` value. @default "0" */
  readonly serve?: string;
  /** Extra flags (e.g. `--serve-token`). */
  readonly serveArgs?: readonly string[];
}

/** What the CLI printed and returned. */
export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A running import with its server. */
export interface ServedImport {
  /** The server's URL, as printed. */
  readonly url: string;
  readonly api: FakeApi;
  readonly outDir: string;
  /** The URIs held at the gate now, in arrival order. */
  held(): string[];
  /** Resolves once `count` requests are held at the gate. */
  whenHeld(count: number): Promise<void>;
  /** Lets the held requests for `uri` (or all) go. */
  release(uri?: string): void;
  /** Stops holding: every later request goes straight through. */
  holdNone(): void;
  /** Resolves with the exit code and output once the CLI returns. */
  readonly done: Promise<CliRun>;
  /** Aborts the run (or ends `--serve-linger`) and waits for the CLI to return. */
  finish(): Promise<CliRun>;
  /** Aborts the run if still going, waits for it, stops the fake and removes the output. */
  close(): Promise<void>;
}

/** A profile with no rate limit: a start happens as soon as a slot is free. */
export const UNPACED_PROFILE = [
  "description: Unpaced, for the server's tests",
  "volumes: 1",
  "booksPerVolume: 5",
  "chaptersPerBook: 10",
  "maxInFlight: 4",
  "",
].join("\n");

/** Starts the fake API and the import; resolves once the server's URL is printed. */
export async function startServedImport(options: ServedImportOptions): Promise<ServedImport> {
  const canon = await loadManifest(join(ROOT, "import.yaml"));
  const api = await startFakeApi({
    ...options.fake,
    volumes: options.fakeVolumes?.(canon.volumes) ?? canon.volumes,
  });
  const dir = await Deno.makeTempDir();
  const outDir = join(dir, "out");
  const profileFile = join(dir, "profile.yaml");
  await Deno.writeTextFile(profileFile, options.profile ?? UNPACED_PROFILE);

  let hold = options.hold ?? (() => false);
  const gate: { uri: string; go: () => void }[] = [];
  const watchers: { count: number; resolve: () => void }[] = [];
  const notify = () => {
    for (const w of [...watchers]) {
      if (gate.length >= w.count) {
        watchers.splice(watchers.indexOf(w), 1);
        w.resolve();
      }
    }
  };
  const gatedFetch: typeof fetch = async (input, init) => {
    const uri = new URL(String(input)).searchParams.get("uri") ?? "";
    if (hold(uri)) {
      const signal = init?.signal;
      await new Promise<void>((resolve, reject) => {
        const entry = { uri, go: () => resolve() };
        const abort = () => {
          gate.splice(gate.indexOf(entry), 1);
          reject(signal!.reason);
        };
        entry.go = () => {
          signal?.removeEventListener("abort", abort);
          resolve();
        };
        signal?.addEventListener("abort", abort, { once: true });
        gate.push(entry);
        notify();
      });
    }
    return fetch(input, init);
  };

  const stop = new AbortController();
  let stdout = "";
  let stderr = "";
  let printed!: (url: string) => void;
  const url = new Promise<string>((resolve) => printed = resolve);
  const args = [
    "import",
    "-m",
    join(ROOT, "import.yaml"),
    "-p",
    profileFile,
    "--api-url",
    api.apiUrl,
    "--out",
    outDir,
    "--serve",
    options.serve ?? "0",
    ...(options.serveArgs ?? []),
    ...options.args,
  ];
  const done = main(args, {
    stdout: (text) => (stdout += text),
    stderr: (text) => {
      stderr += text;
      const found = /Dashboard, metrics and controls: (\S+)/.exec(stderr);
      if (found) printed(found[1]);
    },
    fetch: gatedFetch,
    signal: stop.signal,
  }).then((code) => ({ code, stdout, stderr }));
  const early = done.then((run) => {
    throw new Error(`The import ended before serving (exit ${run.code}): ${run.stderr}`);
  });
  let served: string;
  try {
    served = await Promise.race([url, early]);
  } catch (error) {
    await api.close();
    await Deno.remove(dir, { recursive: true });
    throw error;
  }
  early.catch(() => {});
  return {
    url: served,
    api,
    outDir,
    held: () => gate.map((g) => g.uri),
    whenHeld: (count) =>
      gate.length >= count
        ? Promise.resolve()
        : new Promise((resolve) => watchers.push({ count, resolve })),
    release(uri) {
      for (const entry of gate.filter((g) => uri === undefined || g.uri === uri)) {
        gate.splice(gate.indexOf(entry), 1);
        entry.go();
      }
    },
    holdNone() {
      hold = () => false;
    },
    done,
    finish() {
      hold = () => false;
      stop.abort();
      for (const entry of gate.splice(0)) entry.go();
      return done;
    },
    async close() {
      hold = () => false;
      stop.abort();
      for (const entry of gate.splice(0)) entry.go();
      await done;
      await api.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}
