/**
 * `--serve`, `--serve-token` and `--serve-linger` for whatever follows a run:
 * `import` in one process, and a queue run's watcher (`import --queue URL
 * --watch RUN`). One start-up for both: the flags checked before anything is
 * written, the server started with the run's plan, its address printed, and
 * the linger after the summary.
 *
 * @module
 */

import type { Clock } from "../exec/clock.ts";
import type { RunControl } from "../exec/run_control.ts";
import type { Manifest, Profile } from "../manifest/types.ts";
import { compileLimits } from "../plan/limits.ts";
import type { Plan } from "../plan/planner.ts";
import type { LogRecord } from "../progress/log_record.ts";
import type { RunStatePlan } from "../progress/run_state.ts";
import type { ServeAddress } from "../serve/serve_address.ts";
import { durationFlag, serveFlags, UsageError } from "./flags.ts";

/** The `--serve` flags, as given. */
export interface ServeRunFlags {
  serve?: string;
  serveToken?: string;
  serveLinger?: string;
}

/** The `--serve` flags, checked. */
export interface ServeSettings {
  readonly address: ServeAddress;
  readonly token?: string;
  /** `--serve-linger`, ms; 0 stops serving at the run's end. */
  readonly lingerMs: number;
}

/**
 * Checks the `--serve` flags; `undefined` without `--serve`.
 *
 * @throws {UsageError} for an address that does not parse, a non-loopback
 *   host without a token, an empty token, `--serve-token` or `--serve-linger`
 *   without `--serve`, or a linger that is no duration.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { serveSettings } from "./serve_run.ts";
 * assert.deepEqual(serveSettings({ serve: "0", serveLinger: "1m" }), {
 *   address: { hostname: "127.0.0.1", port: 0 },
 *   lingerMs: 60_000,
 * });
 * assert.equal(serveSettings({}), undefined);
 * ```
 */
export function serveSettings(flags: ServeRunFlags): ServeSettings | undefined {
  const serve = serveFlags(flags.serve, flags.serveToken);
  if (flags.serveLinger !== undefined && serve === undefined) {
    throw new UsageError("Cannot use --serve-linger without --serve");
  }
  if (serve === undefined) return undefined;
  const lingerMs = flags.serveLinger === undefined
    ? 0
    : durationFlag("--serve-linger", flags.serveLinger);
  return { ...serve, lingerMs };
}

/** Options of {@linkcode startServedRun}. */
export interface ServedRunOptions {
  readonly settings: ServeSettings;
  /** The run's books and limits, before its first record (see {@linkcode runStatePlan}). */
  readonly plan: RunStatePlan;
  /** The run's control; none on a queue run's watcher, whose server then refuses every control. */
  readonly control?: RunControl;
  /** For an adaptive profile: its name. */
  readonly adaptive?: { readonly profile: string };
  readonly clock: Clock;
  /** Where the server's address and the linger's notice are printed. */
  readonly stderr: (text: string) => void;
}

/** A run's server, started and announced. */
export interface ServedRun {
  /** `http://HOST:PORT/`, without the token. */
  readonly url: string;
  /** Feed it every progress-log record of the run, in order. */
  readonly onRecord: (record: LogRecord) => void;
  /**
   * Once the run ended and its summary is printed: keeps serving for
   * `--serve-linger`, or until `signal` aborts (at once if it has).
   */
  linger(signal?: AbortSignal): Promise<void>;
  /** Stops serving. */
  close(): Promise<void>;
}

/**
 * Starts the run's server and prints where it listens.
 *
 * @throws {UsageError} for an address that cannot be bound (or off loopback without a token).
 */
export async function startServedRun(options: ServedRunOptions): Promise<ServedRun> {
  const { settings, clock, stderr } = options;
  // Loaded only with --serve: a run without it pays nothing for the server.
  const { startRunServer, ServeError } = await import("../serve/run_server.ts");
  const server = await startRunServer({
    address: settings.address,
    ...(settings.token === undefined ? {} : { token: settings.token }),
    plan: options.plan,
    ...(options.control === undefined ? {} : { control: options.control }),
    now: () => clock.now(),
    ...(options.adaptive === undefined ? {} : { adaptive: options.adaptive }),
  }).catch((error) => {
    throw error instanceof ServeError ? new UsageError(error.message, { cause: error }) : error;
  });
  stderr(
    (options.control === undefined
      ? "Dashboard and metrics: "
      : "Dashboard, metrics and controls: ") +
      server.url +
      (settings.token === undefined ? "" : " (send Authorization: Bearer TOKEN, or ?token=)") +
      (options.control === undefined ? " (a queue watcher has no controls)" : "") +
      "\n",
  );
  return {
    url: server.url,
    onRecord: server.onRecord,
    async linger(signal) {
      if (settings.lingerMs <= 0 || signal?.aborted) return;
      stderr(`The run has ended; still serving ${server.url} (Ctrl-C to stop)\n`);
      await clock.sleep(settings.lingerMs, signal).catch(() => {});
    },
    close: () => server.close(),
  };
}

/** What the dashboard draws before the first record: the selected books and the profile's limits. */
export function runStatePlan(manifest: Manifest, profile: Profile, plan: Plan): RunStatePlan {
  const limits = compileLimits(profile);
  const finite = (n: number) => (Number.isFinite(n) ? n : null);
  const titles = new Map(manifest.volumes.map((v) => [v.id, v]));
  const volumes = new Map<
    string,
    { id: string; title: string; books: RunStatePlan["volumes"][number]["books"][number][] }
  >();
  for (const book of plan.selection.books) {
    const volume = titles.get(book.volume);
    let entry = volumes.get(book.volume);
    if (entry === undefined) {
      entry = { id: book.volume, title: volume?.title ?? book.volume, books: [] };
      volumes.set(book.volume, entry);
    }
    const title = volume?.books.find((b) => b.id === book.book)?.title ?? book.book;
    entry.books.push({ id: `${book.volume}/${book.book}`, title, chapters: book.chapters.length });
  }
  return {
    volumes: [...volumes.values()],
    ceilings: {
      ratePerSecond: finite(limits.rate),
      maxInFlight: finite(limits.maxInFlight),
      volumes: limits.volumes,
      booksPerVolume: limits.booksPerVolume,
      chaptersPerBook: limits.chaptersPerBook,
    },
  };
}
