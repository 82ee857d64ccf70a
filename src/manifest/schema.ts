/**
 * The zod schemas of `import.yaml` and of a profile file: the single source of
 * the file formats, of their defaults, of the validation messages and of the
 * published JSON Schemas. Durations come out in milliseconds.
 *
 * @module
 */

import { z } from "zod";
import { DEFAULT_ADAPTIVE_PARAMS } from "../exec/adaptive/params.ts";
import { describeValue } from "./describe.ts";
import {
  DURATION_EXPECTED,
  DURATION_PATTERN,
  formatDurationLiteral,
  parseDuration,
} from "./duration.ts";
import { TOOL } from "../version.ts";
import { COMPRESSIONS } from "./types.ts";

/** Slugs of volumes, books and profiles: safe as a path segment and in a URI. */
export const SLUG_PATTERN = /^[a-z0-9][a-z0-9-]*$/;

/** Defaults of the optional manifest keys, as a user would write them. */
export const MANIFEST_DEFAULTS = {
  lang: "eng",
  userAgent: `${TOOL.name}/${TOOL.version} (+declarative parallel importer; Deno)`,
  timeout: "30s",
  maxBodyBytes: 5_000_000,
  outputDir: "./data",
  maxRetries: 3,
  baseDelay: "500ms",
  maxDelay: "30s",
  multiplier: 2,
  jitter: "full",
  retryOn: [429, 500, 502, 503, 504],
  maxRetryAfter: "5m",
  profile: "default",
} as const;

/**
 * The largest values `import.yaml` accepts. Each is far above any real use
 * and stops a typo or a pasted number from hanging a run or exhausting its
 * memory (`chapters: 1000000000000`, `timeout: 1e20`). Durations in ms.
 */
export const MANIFEST_BOUNDS = {
  /** Bytes of the file, checked before it is parsed: 113x the shipped canon (9.1 KB). */
  fileBytes: 1_048_576,
  /** Chapters of one book (Psalms, the longest, has 150). */
  chaptersPerBook: 1_000,
  /** Chapters of all books together: 63x the canon's 1,584; a plan of as many holds ~160 MB. */
  totalChapters: 100_000,
  /** Verses of one book (the longest, D&C, has 3,654). */
  versesPerBook: 100_000,
  /** `source.timeout`: 10 minutes (public clients use 20-60 s). */
  timeoutMs: 600_000,
  /** `source.maxBodyBytes`: 100 MB, 20x the default (a chapter is 10-200 KB). */
  maxBodyBytes: 100_000_000,
  /** `source.langs`: the content API serves about 100 languages. */
  languages: 500,
  /** `retry.maxRetries`. */
  maxRetries: 100,
  /** `retry.baseDelay` and `retry.maxDelay`: an hour. */
  retryDelayMs: 3_600_000,
  /** `retry.multiplier`. */
  multiplier: 10,
  /** `retry.maxRetryAfter`: a day, a daily quota's reset. */
  maxRetryAfterMs: 86_400_000,
} as const;

/**
 * The bounds of a profile's numbers, for the same reasons. Nothing may pace
 * slower than one request per 100 s (`delay` at most 1 minute, rates at
 * least 0.01/s), so that no value makes a run look hung.
 */
export const PROFILE_BOUNDS = {
  /** Bytes of the file, checked before it is parsed (the shipped ones are under 1 KB). */
  fileBytes: 65_536,
  /** `volumes`, `booksPerVolume`, `chaptersPerBook` and `maxInFlight`. */
  concurrency: 1_000,
  /** `delay`: a minute. */
  delayMs: 60_000,
  /** `requestsPerSecond`, `startRate` and `minRate`, requests/s. */
  minRate: 0.01,
  maxRate: 10_000,
  /** `burst`, tokens. */
  burst: 10_000,
} as const;

/** Defaults of an adaptive profile's rates, requests/s (the controller's own defaults). */
export const ADAPTIVE_DEFAULTS = {
  startRate: DEFAULT_ADAPTIVE_PARAMS.startRate,
  minRate: DEFAULT_ADAPTIVE_PARAMS.minRate,
} as const;

type _Issue = { readonly input?: unknown };

/** A schema-level message: `expected <what>, got <value>`, whatever the check that failed. */
function _expected(what: string): (issue: _Issue) => string {
  return (issue) => `expected ${what}, got ${describeValue(issue.input)}`;
}

/** A manifest duration bound as a user writes it: `10m`. */
function _max(bound: "timeoutMs" | "retryDelayMs" | "maxRetryAfterMs"): string {
  return formatDurationLiteral(MANIFEST_BOUNDS[bound]);
}

/** `expected at most 1000, got 5000`: a bound's message, whatever the type. */
function _atMost(max: number | string, show: (value: unknown) => string = describeValue) {
  return (issue: _Issue) => `expected at most ${max}, got ${show(issue.input)}`;
}

function _positiveInt(max: number) {
  const error = _expected("a positive integer");
  return z.int({ error }).positive({ error }).max(max, { error: _atMost(max) });
}

function _nonNegativeInt(max: number) {
  const error = _expected("a non-negative integer");
  return z.int({ error }).min(0, { error }).max(max, { error: _atMost(max) });
}

/** A rate in requests/s, within the profile bounds. */
function _rate() {
  const { minRate, maxRate } = PROFILE_BOUNDS;
  const error = _expected(`a number of at least ${minRate} (one request per 100 s)`);
  return z.number({ error }).min(minRate, { error }).max(maxRate, { error: _atMost(maxRate) });
}

function _slug() {
  const error = _expected('a slug of lowercase letters, digits and dashes (like "1-ne")');
  return z.string({ error }).regex(SLUG_PATTERN, { error });
}

/**
 * A book's abbreviation in references: text that reads well before "3:1",
 * so no colon (it separates chapter from verse), no control character and no
 * space at either end. The pattern needs no `u` flag: editors read it too.
 */
function _abbrev() {
  const error = _expected(
    'an abbreviation of at most 20 characters, without a colon or spaces at either end (like "1 Ne.")',
  );
  // Control characters are what the pattern refuses: written out, not by accident.
  // deno-lint-ignore no-control-regex
  const pattern = /^[^\s:\x00-\x1f\x7f](?:[^:\x00-\x1f\x7f]*[^\s:\x00-\x1f\x7f])?$/;
  return z.string({ error }).max(20, { error }).regex(pattern, { error });
}

function _text() {
  const error = _expected("a non-empty string");
  return z.string({ error }).min(1, { error });
}

/** A header value: printable ASCII only, or every request would fail on sending. */
function _userAgent() {
  const error = _expected("a non-empty string of printable ASCII characters");
  return z.string({ error }).regex(/^[\x20-\x7e]+$/, { error });
}

/** A duration that must be above 0 (a timeout of 0 would fail every request). */
function _positiveDuration(fallback: string, maxMs: number) {
  return _duration(fallback, maxMs).refine((ms) => ms > 0, {
    error: (issue) => `expected a duration above 0, got ${describeValue(issue.input)} ms`,
  });
}

/**
 * A duration as written (ms, or a string like 30s), in ms, at most `maxMs`.
 * The bound is checked on the ms, so its message shows the value converted.
 */
function _duration(fallback: string | number, maxMs: number) {
  const error = (issue: _Issue) => `${DURATION_EXPECTED}, got ${describeValue(issue.input)}`;
  const written = z.union([
    // The bound is for editors only here: the refinement below says what is wrong.
    z.number({ error }).min(0, { error }).meta({ maximum: maxMs }),
    z.string({ error }).regex(DURATION_PATTERN, { error }),
  ], { error });
  const max = formatDurationLiteral(maxMs);
  // 1e20 ms reads better as written than as 27777777777777.777h.
  const show = (ms: unknown) =>
    Number.isSafeInteger(ms) ? formatDurationLiteral(ms as number) : `${describeValue(ms)} ms`;
  return written.transform((value) => parseDuration(value))
    .refine((ms) => ms <= maxMs, { error: _atMost(max, show), abort: true })
    .prefault(fallback);
}

/**
 * Why a source URL is refused, or `undefined` when it is fine: it must be
 * https, or http on a loopback host, and carry no user name or password (the
 * content API needs none, and a URL is written into every chapter file, the
 * manifests and the log). Messages never repeat a user name or password.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { urlProblem } from "./schema.ts";
 *
 * assert.equal(urlProblem("http://127.0.0.1:8080/api"), undefined);
 * assert.match(urlProblem("https://me:hunter2@example.org/api")!, /"https:\/\/\*\*\*@example/);
 * ```
 */
export function urlProblem(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `expected an https URL, got ${JSON.stringify(redactUrl(text))}`;
  }
  if (url.username !== "" || url.password !== "") {
    return `expected a URL without a user name or password (the content API needs none, ` +
      `and the URL is written into every chapter file and log), got ${
        JSON.stringify(redactUrl(text))
      }`;
  }
  if (url.protocol === "https:") return undefined;
  const loopback = url.hostname === "localhost" || url.hostname === "[::1]" ||
    /^127\.\d+\.\d+\.\d+$/.test(url.hostname);
  if (url.protocol === "http:" && loopback) return undefined;
  return `expected an https URL (http only for localhost, 127.0.0.0/8 or [::1]), got ${
    JSON.stringify(redactUrl(text))
  }`;
}

/**
 * `text` with the user name and password of a URL, if any, replaced by `***`,
 * for messages; works on text that does not parse as a URL too.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { redactUrl } from "./schema.ts";
 *
 * assert.equal(redactUrl("http://user:secret@127.0.0.1/api"), "http://***@127.0.0.1/api");
 * assert.equal(redactUrl("https://example.org/a@b"), "https://example.org/a@b");
 * ```
 */
export function redactUrl(text: string): string {
  // URL parsing skips leading spaces; the authority ends at the first / ? #
  // (or \, which it reads as /); the user info ends at the last @ before that.
  return text.replace(/^(\s*[a-z][a-z\d+.-]*:[\\/]*)[^\\/?#]*@/i, "$1***@");
}

// The pattern is for editors only: the refinement says what is wrong.
const _url = z.string({ error: _expected("an https URL") })
  .refine((text) => urlProblem(text) === undefined, {
    error: (issue) => urlProblem(String(issue.input)),
  })
  .meta({ format: "uri", pattern: "^https?://" });

const _httpStatus = (() => {
  const error = _expected("an HTTP status from 400 to 599");
  return z.int({ error }).min(400, { error }).max(599, { error });
})();

/** A language code as the content API takes it in `lang=`: 2 or 3 lowercase letters. */
export const LANG_PATTERN = /^[a-z]{2,3}$/;

const _langCode = () =>
  z.string({ error: _expected("a language code of 2 or 3 lowercase letters") })
    .regex(LANG_PATTERN, {
      error: _expected('a language code of 2 or 3 lowercase letters (like "eng")'),
    });

const _source = z.strictObject({
  url: _url.describe("The content API endpoint: https, or http for a loopback host."),
  lang: _langCode()
    .default(MANIFEST_DEFAULTS.lang)
    .describe("Language code sent as `lang` (eng, spa, por, ...)."),
  langs: z.array(_langCode())
    .min(1, { error: "expected at least one language code" })
    .max(MANIFEST_BOUNDS.languages, { error: _atMost(MANIFEST_BOUNDS.languages) })
    .optional()
    .describe(
      "Languages imported in one run, each into <out>/<lang>/ (see docs/languages.md); " +
        "instead of lang. Expected chapter and verse counts are English's: a language's " +
        "difference is reported, not failed.",
    ),
  userAgent: _userAgent().default(MANIFEST_DEFAULTS.userAgent)
    .describe("User-Agent header sent with every request; names this tool."),
  timeout: _positiveDuration(MANIFEST_DEFAULTS.timeout, MANIFEST_BOUNDS.timeoutMs)
    .describe(`Per-request timeout: ms, or a string like 30s; at most ${_max("timeoutMs")}.`),
  maxBodyBytes: _positiveInt(MANIFEST_BOUNDS.maxBodyBytes).default(MANIFEST_DEFAULTS.maxBodyBytes)
    .describe("Largest response body accepted, in bytes."),
}).describe("Where chapters come from.");

const _retry = z.strictObject({
  maxRetries: _nonNegativeInt(MANIFEST_BOUNDS.maxRetries).default(MANIFEST_DEFAULTS.maxRetries)
    .describe("Retries after the first attempt (0 = never retry)."),
  baseDelay: _duration(MANIFEST_DEFAULTS.baseDelay, MANIFEST_BOUNDS.retryDelayMs)
    .describe(`Delay before the first retry; at most ${_max("retryDelayMs")}.`),
  maxDelay: _duration(MANIFEST_DEFAULTS.maxDelay, MANIFEST_BOUNDS.retryDelayMs)
    .describe(
      `Upper bound of any computed retry delay; at least baseDelay, at most ${
        _max("retryDelayMs")
      }.`,
    ),
  maxRetryAfter: _duration(MANIFEST_DEFAULTS.maxRetryAfter, MANIFEST_BOUNDS.maxRetryAfterMs)
    .describe(
      "Longest Retry-After honoured: a server asking to wait longer fails that chapter at " +
        `once (no retry, no pause of the run); at most ${_max("maxRetryAfterMs")}.`,
    ),
  multiplier: z.number({ error: _expected("a number of at least 1") })
    .min(1, { error: _expected("a number of at least 1") })
    .max(MANIFEST_BOUNDS.multiplier, { error: _atMost(MANIFEST_BOUNDS.multiplier) })
    .default(MANIFEST_DEFAULTS.multiplier)
    .describe("Growth factor of the delay per attempt."),
  jitter: z.enum(["full", "none"]).default(MANIFEST_DEFAULTS.jitter)
    .describe("full: a random delay between 0 and the computed one; none: the computed one."),
  retryOn: z.array(_httpStatus).default([...MANIFEST_DEFAULTS.retryOn])
    .describe("HTTP statuses that are retried."),
}).describe("How failed requests are retried (exponential backoff).");

const _book = z.strictObject({
  id: _slug().describe("Slug used in the URI and in output paths, e.g. 1-ne."),
  title: _text().describe("The book's title."),
  abbrev: _abbrev().optional().describe(
    "The book's abbreviation in references, e.g. 1 Ne. for 1 Nephi (1 Ne. 3:7), D&C for the " +
      "sections (D&C 76:22); unique in the manifest. Default: the title.",
  ),
  chapters: _positiveInt(MANIFEST_BOUNDS.chaptersPerBook)
    .describe("Number of chapters, numbered 1..chapters."),
  verses: _nonNegativeInt(MANIFEST_BOUNDS.versesPerBook).optional()
    .describe("Total verses expected in the book (a check, not a limit); 0 when none."),
});

const _volume = z.strictObject({
  id: _slug().describe("Slug used in the URI and in output paths, e.g. bofm."),
  title: _text().describe("The volume's title."),
  books: z.array(_book).min(1, { error: "expected at least one book" })
    .describe("The books of the volume, in order."),
});

/** The schema of `import.yaml`. */
export const manifestSchema = z.strictObject({
  source: _source,
  output: z.strictObject({
    dir: _text().default(MANIFEST_DEFAULTS.outputDir)
      .describe("Output folder; relative paths are resolved from the working directory."),
    compress: z.enum(COMPRESSIONS, { error: _expected(COMPRESSIONS.join(" or ")) }).optional()
      .describe(
        "How chapter files are stored: none (<chapter>.json) or gzip (<chapter>.json.gz); " +
          "--compress overrides it. Default: as the output folder's root manifest says " +
          "(none for a new folder); chapters stored otherwise are re-encoded on disk, not fetched.",
      ),
  }).prefault({}).describe("Where the JSON files go, and how they are stored."),
  retry: _retry.prefault({}),
  profile: _slug().default(MANIFEST_DEFAULTS.profile)
    .describe("Profile used when --profile is not given: a file name in profiles/."),
  volumes: z.array(_volume).min(1, { error: "expected at least one volume" })
    .describe("What to import: volumes, their books and chapter counts."),
}).meta({
  title: "scripture-importer manifest (import.yaml)",
  description: "What to import, from where, into where, and how to retry.",
});

/** The schema of a profile file (`profiles/<name>.yaml`). */
export const profileSchema = z.strictObject({
  description: z.string({ error: _expected("a string") }).optional()
    .describe("A one-line summary of the profile, for people choosing one."),
  volumes: _positiveInt(PROFILE_BOUNDS.concurrency)
    .describe("Volumes with work in progress at once (within one language)."),
  languages: _positiveInt(PROFILE_BOUNDS.concurrency).default(1)
    .describe("Languages with work in progress at once in a run of several. Default 1."),
  booksPerVolume: _positiveInt(PROFILE_BOUNDS.concurrency)
    .describe("Books in progress at once within one volume."),
  chaptersPerBook: _positiveInt(PROFILE_BOUNDS.concurrency)
    .describe("Chapter requests in flight at once within one book."),
  maxInFlight: _positiveInt(PROFILE_BOUNDS.concurrency).optional()
    .describe("Global cap on requests in flight."),
  delay: _duration(0, PROFILE_BOUNDS.delayMs).describe(
    "Minimum time between the starts of any two requests in the run (50ms = at most 20/s); " +
      `at most ${formatDurationLiteral(PROFILE_BOUNDS.delayMs)}.`,
  ),
  requestsPerSecond: _rate().optional().describe("Token bucket rate on request starts."),
  burst: _positiveInt(PROFILE_BOUNDS.burst).optional()
    .describe("Token bucket capacity; only with requestsPerSecond. Default 1."),
  adaptive: z.boolean({ error: _expected("true or false") }).optional().describe(
    "Find the server's limit while the run goes: adapt the request rate and the in-flight " +
      "limit to 429s, server errors, timeouts, latency and announced limits, never above " +
      "this profile's other limits. Default false.",
  ),
  startRate: _rate().optional().describe(
    `Requests/s an adaptive run starts at; only with adaptive. Default ${DEFAULT_ADAPTIVE_PARAMS.startRate}.`,
  ),
  minRate: _rate().optional().describe(
    `Requests/s an adaptive run never goes below; only with adaptive. Default ${DEFAULT_ADAPTIVE_PARAMS.minRate}.`,
  ),
}).meta({
  title: "scripture-importer profile",
  description: "How hard the importer works: concurrency per level and pacing.",
});

/** `import.yaml` after validation: defaults filled in, durations in ms. */
export type ManifestData = z.output<typeof manifestSchema>;

/** A profile file after validation: defaults filled in, durations in ms. */
export type ProfileData = z.output<typeof profileSchema>;
