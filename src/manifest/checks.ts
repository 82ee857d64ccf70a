/**
 * Checks that span several keys, which a per-field schema cannot express:
 * unique ids and abbreviations, the chapters of all books together, `maxDelay` against
 * `baseDelay`, `burst` without a rate, and the manifest's profile against the
 * profile files. They read the raw parsed YAML
 * defensively, so they run even when the schema found other problems.
 *
 * @module
 */

import { quote } from "./describe.ts";
import type { PathSegment } from "./diagnostic.ts";
import { suggestionSuffix } from "./did_you_mean.ts";
import { formatDurationLiteral, parseDuration } from "./duration.ts";
import type { Finding } from "./located_yaml.ts";
import { ADAPTIVE_DEFAULTS, MANIFEST_BOUNDS, MANIFEST_DEFAULTS, SLUG_PATTERN } from "./schema.ts";

/** The line a path starts on, for "first at line N" in messages. */
export type LineOf = (path: readonly PathSegment[]) => number;

/**
 * Finds duplicate volume and book ids, two books of the manifest with one
 * abbreviation (their references could not be told apart), more chapters in all than
 * {@linkcode MANIFEST_BOUNDS}`.totalChapters`, a `maxDelay` below
 * `baseDelay`, and a `profile` that names no known profile.
 *
 * @param raw The parsed YAML, not yet validated.
 * @param lineOf Locates an earlier occurrence for the message.
 * @param options.knownProfiles The profile names that exist; the check is
 *   skipped when absent.
 */
export function checkManifest(
  raw: unknown,
  lineOf: LineOf,
  options: { knownProfiles?: readonly string[] } = {},
): Finding[] {
  const { knownProfiles } = options;
  if (!_isRecord(raw)) return [];
  const findings: Finding[] = [];
  const volumes = Array.isArray(raw.volumes) ? raw.volumes : [];
  findings.push(..._duplicateIds(volumes, ["volumes"], "volume", "", lineOf));
  volumes.forEach((volume, index) => {
    if (!_isRecord(volume) || !Array.isArray(volume.books)) return;
    const where = typeof volume.id === "string" ? ` in volume ${quote(volume.id)}` : "";
    const path = ["volumes", index, "books"];
    findings.push(..._duplicateIds(volume.books, path, "book", where, lineOf));
  });
  findings.push(..._duplicateAbbrevs(volumes, lineOf));
  findings.push(..._totalChapters(volumes));
  if (_isRecord(raw.source)) findings.push(..._languages(raw.source, lineOf));
  if (_isRecord(raw.retry)) findings.push(..._retryDelays(raw.retry));
  if (knownProfiles !== undefined) findings.push(..._unknownProfile(raw, knownProfiles));
  return findings;
}

/**
 * Finds a `burst` given without `requestsPerSecond`, a `startRate` or
 * `minRate` without `adaptive: true`, and a `minRate` above the `startRate`.
 */
export function checkProfile(raw: unknown): Finding[] {
  if (!_isRecord(raw)) return [];
  const findings: Finding[] = [];
  if ("burst" in raw && !("requestsPerSecond" in raw)) {
    findings.push({ path: ["burst"], message: "only valid together with requestsPerSecond" });
  }
  for (const key of ["startRate", "minRate"]) {
    if (key in raw && raw.adaptive !== true) {
      findings.push({ path: [key], message: "only valid together with adaptive: true" });
    }
  }
  const { startRate, minRate } = raw;
  const start = typeof startRate === "number" ? startRate : ADAPTIVE_DEFAULTS.startRate;
  if (typeof minRate === "number" && minRate > start && start > 0) {
    const what = typeof startRate === "number" ? "startRate" : "the default startRate";
    findings.push({
      path: ["minRate"],
      message: `expected at most ${what} (${start}), got ${minRate}`,
    });
  }
  return findings;
}

function _duplicateIds(
  items: readonly unknown[],
  path: readonly PathSegment[],
  kind: string,
  where: string,
  lineOf: LineOf,
): Finding[] {
  const findings: Finding[] = [];
  const first = new Map<string, number>();
  items.forEach((item, index) => {
    if (!_isRecord(item) || typeof item.id !== "string") return;
    const earlier = first.get(item.id);
    if (earlier === undefined) {
      first.set(item.id, index);
      return;
    }
    const line = lineOf([...path, earlier, "id"]);
    const id = quote(item.id);
    const message = `duplicate ${kind} id ${id}${where} (first at line ${line})`;
    findings.push({ path: [...path, index, "id"], message });
  });
  return findings;
}

/**
 * `source.langs` naming a language twice (its folder would be written twice
 * at once), or given with `source.lang` (which one is meant?).
 */
function _languages(source: Record<string, unknown>, lineOf: LineOf): Finding[] {
  if (!Array.isArray(source.langs)) return [];
  const findings: Finding[] = [];
  if ("lang" in source) {
    findings.push({
      path: ["source", "lang"],
      message: "give either lang (one language) or langs (several), not both",
    });
  }
  const first = new Map<unknown, number>();
  source.langs.forEach((code, index) => {
    const earlier = first.get(code);
    if (earlier === undefined) {
      first.set(code, index);
      return;
    }
    const line = lineOf(["source", "langs", earlier]);
    findings.push({
      path: ["source", "langs", index],
      message: `duplicate language ${quote(String(code))} (first at line ${line})`,
    });
  });
  return findings;
}

/** Abbreviations given twice, in any volumes: `Ps. 23:1` must name one book. */
function _duplicateAbbrevs(volumes: readonly unknown[], lineOf: LineOf): Finding[] {
  const findings: Finding[] = [];
  const first = new Map<string, readonly PathSegment[]>();
  volumes.forEach((volume, v) => {
    if (!_isRecord(volume) || !Array.isArray(volume.books)) return;
    volume.books.forEach((book, b) => {
      if (!_isRecord(book) || typeof book.abbrev !== "string") return;
      const path = ["volumes", v, "books", b, "abbrev"];
      const earlier = first.get(book.abbrev);
      if (earlier === undefined) {
        first.set(book.abbrev, path);
        return;
      }
      const message = `duplicate abbreviation ${quote(book.abbrev)} (first at line ${
        lineOf(earlier)
      }): a reference must name one book`;
      findings.push({ path, message });
    });
  });
  return findings;
}

/**
 * The chapters of all books together, against the bound: one finding, at the
 * book that takes the total past it. Counts only the counts the schema
 * accepts, so that a book reported there is not reported again here.
 */
function _totalChapters(volumes: readonly unknown[]): Finding[] {
  const { totalChapters: max, chaptersPerBook } = MANIFEST_BOUNDS;
  let total = 0;
  let past: readonly PathSegment[] | undefined;
  volumes.forEach((volume, v) => {
    if (!_isRecord(volume) || !Array.isArray(volume.books)) return;
    volume.books.forEach((book, b) => {
      const chapters = _isRecord(book) ? book.chapters : undefined;
      if (typeof chapters !== "number" || !Number.isInteger(chapters)) return;
      if (chapters < 1 || chapters > chaptersPerBook) return;
      total += chapters;
      if (total > max && past === undefined) past = ["volumes", v, "books", b, "chapters"];
    });
  });
  if (past === undefined) return [];
  const message = `expected at most ${max} chapters in all books together, got ${total} ` +
    `(the total passes ${max} at this book: split the manifest)`;
  return [{ path: past, message }];
}

function _retryDelays(retry: Record<string, unknown>): Finding[] {
  const base = _durationOr(retry.baseDelay, MANIFEST_DEFAULTS.baseDelay);
  const max = _durationOr(retry.maxDelay, MANIFEST_DEFAULTS.maxDelay);
  if (base === undefined || max === undefined || max >= base) return [];
  if ("maxDelay" in retry) {
    const message = `expected at least baseDelay (${formatDurationLiteral(base)}), got ${
      formatDurationLiteral(max)
    }`;
    return [{ path: ["retry", "maxDelay"], message }];
  }
  const message = `expected at most maxDelay (${formatDurationLiteral(max)} by default), got ${
    formatDurationLiteral(base)
  }`;
  return [{ path: ["retry", "baseDelay"], message }];
}

function _unknownProfile(raw: Record<string, unknown>, known: readonly string[]): Finding[] {
  const given = "profile" in raw;
  const name = given ? raw.profile : MANIFEST_DEFAULTS.profile;
  // A profile that is not a slug is reported by the schema already.
  if (typeof name !== "string" || !SLUG_PATTERN.test(name) || known.includes(name)) return [];
  const list = known.length === 0 ? "none" : known.join(", ");
  const what = given ? "profile" : "default profile";
  const message = `unknown ${what} ${quote(name)} (known: ${list})${suggestionSuffix(name, known)}`;
  return [{ path: given ? ["profile"] : [], message }];
}

function _durationOr(value: unknown, fallback: string): number | undefined {
  try {
    return parseDuration(value === undefined ? fallback : value);
  } catch {
    return undefined; // reported by the schema
  }
}

function _isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
