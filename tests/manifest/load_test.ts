import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  loadManifest,
  ManifestError,
  parseManifest,
  renderDiagnostic,
} from "../../src/manifest/load.ts";

const KNOWN = ["aggressive", "conservative", "default", "sequential"];
const REPO = fileURLToPath(new URL("../../", import.meta.url));

/** YAML text from lines, so that a line number in an expectation is an index + 1. */
function yaml(...lines: string[]): string {
  return lines.map((line) => `${line}\n`).join("");
}

/** The rendered diagnostics of a call that must throw a ManifestError. */
function problems(call: () => unknown): string[] {
  try {
    call();
  } catch (error) {
    assert.ok(error instanceof ManifestError, `expected a ManifestError, got ${error}`);
    assert.equal(error.message, error.diagnostics.map(renderDiagnostic).join("\n"));
    return error.message.split("\n");
  }
  assert.fail("expected a ManifestError, but the manifest was accepted");
}

const SOURCE = ["source:", "  url: https://example.org/api"];
const VOLUMES = [
  "volumes:",
  "  - id: ot",
  "    title: Old Testament",
  "    books:",
  "      - { id: gen, title: Genesis, chapters: 50 }",
];
/** SOURCE and a volume whose one book is the given flow mapping, on line 7. */
const withBook = (book: string) => [...SOURCE, ...VOLUMES.slice(0, 4), `      - ${book}`];

const BAD_MANIFESTS: { what: string; lines: string[]; expected: string[] }[] = [
  {
    what: "an unclosed flow list",
    lines: [...SOURCE, ...VOLUMES, "retry:", "  retryOn: [429, 500"],
    expected: [
      "import.yaml:10:1: invalid YAML: flow sequence in block collection must be sufficiently indented and end with a ]",
    ],
  },
  {
    what: "a key indented less than its siblings",
    lines: [...SOURCE, " lang: eng", ...VOLUMES],
    expected: ["import.yaml:3:1: invalid YAML: all mapping items must start at the same column"],
  },
  {
    what: "two documents in one file",
    lines: [...SOURCE, ...VOLUMES, "---", "profile: default"],
    expected: ["import.yaml:8:1: invalid YAML: expected one document, found another after ---"],
  },
  {
    what: "an alias without its anchor",
    lines: [...SOURCE, "volumes: *canon"],
    expected: ['import.yaml:3:10: volumes: unresolved alias "*canon": define the anchor before it'],
  },
  {
    what: "a duplicate key",
    lines: [...SOURCE, "  url: https://example.com/api", ...VOLUMES],
    expected: ['import.yaml:3:3: source: duplicate key "url" (first at line 2)'],
  },
  {
    what: "a misspelt key, with the key it stands for missing",
    lines: withBook("{ id: gen, title: Genesis, chapter: 50 }"),
    expected: [
      'import.yaml:7:9: volumes[0].books[0]: missing required key "chapters"',
      'import.yaml:7:36: volumes[0].books[0]: unknown key "chapter"; did you mean "chapters"?',
    ],
  },
  {
    what: "an unknown key with no near miss",
    lines: [...SOURCE, ...VOLUMES, "output:", "  dir: ./data", "  format: json"],
    expected: ['import.yaml:10:3: output: unknown key "format" (known: compress, dir)'],
  },
  {
    what: "a compression the importer does not know",
    lines: [...SOURCE, ...VOLUMES, "output:", "  dir: ./data", "  compress: zip"],
    expected: ['import.yaml:10:13: output.compress: expected none or gzip, got "zip"'],
  },
  {
    what: "a misspelt top-level key",
    lines: [...SOURCE, ...VOLUMES, "profil: default"],
    expected: ['import.yaml:8:1: unknown key "profil"; did you mean "profile"?'],
  },
  {
    what: "a misspelt key with two letters swapped",
    lines: [...SOURCE, ...VOLUMES, "retyr:", "  maxRetries: 2"],
    expected: ['import.yaml:8:1: unknown key "retyr"; did you mean "retry"?'],
  },
  {
    what: "a misspelt key with a letter missing",
    lines: [...SOURCE, "  timout: 5s", ...VOLUMES],
    expected: ['import.yaml:3:3: source: unknown key "timout"; did you mean "timeout"?'],
  },
  {
    what: "a missing required key in a block mapping",
    lines: [...SOURCE, ...VOLUMES.slice(0, 4), "      - id: gen", "        title: Genesis"],
    expected: ['import.yaml:7:9: volumes[0].books[0]: missing required key "chapters"'],
  },
  {
    what: "a missing source",
    lines: VOLUMES,
    expected: ['import.yaml:1:1: missing required key "source"'],
  },
  {
    what: "missing volumes",
    lines: SOURCE,
    expected: ['import.yaml:1:1: missing required key "volumes"'],
  },
  {
    what: "volumes written as a mapping",
    lines: [...SOURCE, "volumes:", "  ot: Old Testament"],
    expected: ["import.yaml:4:3: volumes: expected a list, got a mapping"],
  },
  {
    what: "a title that YAML reads as a number",
    lines: [...SOURCE, "volumes:", "  - id: ot", "    title: 1984", ...VOLUMES.slice(3)],
    expected: ["import.yaml:5:12: volumes[0].title: expected a non-empty string, got 1984"],
  },
  {
    what: "an empty value",
    lines: [...SOURCE, "volumes:", "  - id: ot", "    title:", ...VOLUMES.slice(3)],
    expected: [
      "import.yaml:5:5: volumes[0].title: expected a non-empty string, got an empty value",
    ],
  },
  {
    what: "zero chapters",
    lines: withBook("{ id: gen, title: Genesis, chapters: 0 }"),
    expected: [
      "import.yaml:7:46: volumes[0].books[0].chapters: expected a positive integer, got 0",
    ],
  },
  {
    what: "a fractional chapter count",
    lines: withBook("{ id: gen, title: Genesis, chapters: 1.5 }"),
    expected: [
      "import.yaml:7:46: volumes[0].books[0].chapters: expected a positive integer, got 1.5",
    ],
  },
  {
    what: "a quoted chapter count",
    lines: withBook('{ id: gen, title: Genesis, chapters: "50" }'),
    expected: [
      'import.yaml:7:46: volumes[0].books[0].chapters: expected a positive integer, got "50"',
    ],
  },
  {
    what: "a negative verse count",
    lines: withBook("{ id: gen, title: Genesis, chapters: 50, verses: -1 }"),
    expected: [
      "import.yaml:7:58: volumes[0].books[0].verses: expected a non-negative integer, got -1",
    ],
  },
  {
    what: "a duplicate volume id",
    lines: [
      ...SOURCE,
      ...VOLUMES,
      "  - id: ot",
      "    title: Again",
      "    books:",
      "      - { id: ex, title: Exodus, chapters: 40 }",
    ],
    expected: ['import.yaml:8:9: volumes[1].id: duplicate volume id "ot" (first at line 4)'],
  },
  {
    what: "a duplicate book id within a volume",
    lines: [...SOURCE, ...VOLUMES, "      - { id: gen, title: Genesis again, chapters: 50 }"],
    expected: [
      'import.yaml:8:15: volumes[0].books[1].id: duplicate book id "gen" in volume "ot" (first at line 7)',
    ],
  },
  {
    what: "an abbreviation with a colon, which would end where the chapter starts",
    lines: withBook('{ id: gen, title: Genesis, abbrev: "Gen:", chapters: 50 }'),
    expected: [
      'import.yaml:7:44: volumes[0].books[0].abbrev: expected an abbreviation of at most 20 characters, without a colon or spaces at either end (like "1 Ne."), got "Gen:"',
    ],
  },
  {
    what: "an abbreviation with a space at its end",
    lines: withBook('{ id: gen, title: Genesis, abbrev: "Gen. ", chapters: 50 }'),
    expected: [
      'import.yaml:7:44: volumes[0].books[0].abbrev: expected an abbreviation of at most 20 characters, without a colon or spaces at either end (like "1 Ne."), got "Gen. "',
    ],
  },
  {
    what: "an empty abbreviation",
    lines: withBook('{ id: gen, title: Genesis, abbrev: "", chapters: 50 }'),
    expected: [
      'import.yaml:7:44: volumes[0].books[0].abbrev: expected an abbreviation of at most 20 characters, without a colon or spaces at either end (like "1 Ne."), got ""',
    ],
  },
  {
    what: "an abbreviation that is a number",
    lines: withBook("{ id: gen, title: Genesis, abbrev: 1, chapters: 50 }"),
    expected: [
      'import.yaml:7:44: volumes[0].books[0].abbrev: expected an abbreviation of at most 20 characters, without a colon or spaces at either end (like "1 Ne."), got 1',
    ],
  },
  {
    what: "an abbreviation longer than 20 characters",
    lines: withBook("{ id: gen, title: Genesis, abbrev: The First Book of Moses, chapters: 50 }"),
    expected: [
      'import.yaml:7:44: volumes[0].books[0].abbrev: expected an abbreviation of at most 20 characters, without a colon or spaces at either end (like "1 Ne."), got "The First Book of Moses"',
    ],
  },
  {
    what: "one abbreviation for two books of different volumes",
    lines: [
      ...SOURCE,
      ...VOLUMES.slice(0, 4),
      "      - { id: ps, title: Psalms, abbrev: Ps., chapters: 150 }",
      "  - id: nt",
      "    title: New Testament",
      "    books:",
      "      - { id: philip, title: Philippians, abbrev: Ps., chapters: 4 }",
    ],
    expected: [
      'import.yaml:11:51: volumes[1].books[0].abbrev: duplicate abbreviation "Ps." (first at line 7): a reference must name one book',
    ],
  },
  {
    what: "a slug that climbs out of the output folder",
    lines: [...SOURCE, "volumes:", "  - id: ../etc", ...VOLUMES.slice(2)],
    expected: [
      'import.yaml:4:9: volumes[0].id: expected a slug of lowercase letters, digits and dashes (like "1-ne"), got "../etc"',
    ],
  },
  {
    what: "a slug with capitals",
    lines: withBook("{ id: Gen, title: Genesis, chapters: 50 }"),
    expected: [
      'import.yaml:7:15: volumes[0].books[0].id: expected a slug of lowercase letters, digits and dashes (like "1-ne"), got "Gen"',
    ],
  },
  {
    what: "plain http to a remote host",
    lines: ["source:", "  url: http://example.org/api", ...VOLUMES],
    expected: [
      'import.yaml:2:8: source.url: expected an https URL (http only for localhost, 127.0.0.0/8 or [::1]), got "http://example.org/api"',
    ],
  },
  {
    what: "a URL without a scheme",
    lines: ["source:", "  url: example.org/api", ...VOLUMES],
    expected: ['import.yaml:2:8: source.url: expected an https URL, got "example.org/api"'],
  },
  {
    what: "an ftp URL",
    lines: ["source:", "  url: ftp://example.org/api", ...VOLUMES],
    expected: [
      'import.yaml:2:8: source.url: expected an https URL (http only for localhost, 127.0.0.0/8 or [::1]), got "ftp://example.org/api"',
    ],
  },
  {
    what: "a duration in words",
    lines: [...SOURCE, "  timeout: fast", ...VOLUMES],
    expected: [
      'import.yaml:3:12: source.timeout: expected a duration like 50ms, 1.5s or 2m, got "fast"',
    ],
  },
  {
    what: "a negative duration",
    lines: [...SOURCE, "  timeout: -5", ...VOLUMES],
    expected: [
      "import.yaml:3:12: source.timeout: expected a duration like 50ms, 1.5s or 2m, got -5",
    ],
  },
  {
    what: "a timeout of zero, which would fail every request",
    lines: [...SOURCE, "  timeout: 0s", ...VOLUMES],
    expected: ["import.yaml:3:12: source.timeout: expected a duration above 0, got 0 ms"],
  },
  {
    what: "a User-Agent that is not printable ASCII, which no request could send",
    lines: [...SOURCE, "  userAgent: importer — Jane", ...VOLUMES],
    expected: [
      'import.yaml:3:14: source.userAgent: expected a non-empty string of printable ASCII characters, got "importer — Jane"',
    ],
  },
  {
    what: "a quoted duration without a unit",
    lines: [...SOURCE, '  timeout: "30"', ...VOLUMES],
    expected: [
      'import.yaml:3:12: source.timeout: expected a duration like 50ms, 1.5s or 2m, got "30"',
    ],
  },
  {
    what: "a language name instead of a code",
    lines: [...SOURCE, "  lang: English", ...VOLUMES],
    expected: [
      'import.yaml:3:9: source.lang: expected a language code of 2 or 3 lowercase letters (like "eng"), got "English"',
    ],
  },
  {
    what: "a zero body limit",
    lines: [...SOURCE, "  maxBodyBytes: 0", ...VOLUMES],
    expected: ["import.yaml:3:17: source.maxBodyBytes: expected a positive integer, got 0"],
  },
  {
    what: "a success status in retryOn",
    lines: [...SOURCE, ...VOLUMES, "retry:", "  retryOn: [200, 503]"],
    expected: [
      "import.yaml:9:13: retry.retryOn[0]: expected an HTTP status from 400 to 599, got 200",
    ],
  },
  {
    what: "a maxDelay below the baseDelay",
    lines: [...SOURCE, ...VOLUMES, "retry:", "  baseDelay: 2s", "  maxDelay: 1s"],
    expected: ["import.yaml:10:13: retry.maxDelay: expected at least baseDelay (2s), got 1s"],
  },
  {
    what: "a baseDelay above the default maxDelay",
    lines: [...SOURCE, ...VOLUMES, "retry:", "  baseDelay: 1m"],
    expected: [
      "import.yaml:9:14: retry.baseDelay: expected at most maxDelay (30s by default), got 1m",
    ],
  },
  {
    what: "a jitter that is neither full nor none",
    lines: [...SOURCE, ...VOLUMES, "retry:", "  jitter: ful"],
    expected: [
      'import.yaml:9:11: retry.jitter: expected one of "full", "none", got "ful"; did you mean "full"?',
    ],
  },
  {
    what: "a multiplier below 1",
    lines: [...SOURCE, ...VOLUMES, "retry:", "  multiplier: 0.5"],
    expected: ["import.yaml:9:15: retry.multiplier: expected a number of at least 1, got 0.5"],
  },
  {
    what: "a negative retry count",
    lines: [...SOURCE, ...VOLUMES, "retry:", "  maxRetries: -1"],
    expected: ["import.yaml:9:15: retry.maxRetries: expected a non-negative integer, got -1"],
  },
  {
    what: "a chapter count of a trillion, which no plan could hold",
    lines: withBook("{ id: gen, title: Genesis, chapters: 1000000000000 }"),
    expected: [
      "import.yaml:7:46: volumes[0].books[0].chapters: expected at most 1000, got 1000000000000",
    ],
  },
  {
    what: "a verse count above the bound",
    lines: withBook("{ id: gen, title: Genesis, chapters: 50, verses: 1e7 }"),
    expected: [
      "import.yaml:7:58: volumes[0].books[0].verses: expected at most 100000, got 10000000",
    ],
  },
  {
    what: "a timeout of 1e20 ms",
    lines: [...SOURCE, "  timeout: 1e20", ...VOLUMES],
    expected: [
      "import.yaml:3:12: source.timeout: expected at most 10m, got 100000000000000000000 ms",
    ],
  },
  {
    what: "a timeout above ten minutes",
    lines: [...SOURCE, "  timeout: 1.5h", ...VOLUMES],
    expected: ["import.yaml:3:12: source.timeout: expected at most 10m, got 1.5h"],
  },
  {
    what: "a body limit above the bound",
    lines: [...SOURCE, "  maxBodyBytes: 1e9", ...VOLUMES],
    expected: [
      "import.yaml:3:17: source.maxBodyBytes: expected at most 100000000, got 1000000000",
    ],
  },
  {
    what: "retry numbers above their bounds",
    lines: [
      ...SOURCE,
      ...VOLUMES,
      "retry:",
      "  maxRetries: 1e15",
      "  baseDelay: 2h",
      "  maxDelay: 5h",
      "  multiplier: 100",
      "  maxRetryAfter: 48h",
    ],
    expected: [
      "import.yaml:9:15: retry.maxRetries: expected at most 100, got 1000000000000000",
      "import.yaml:10:14: retry.baseDelay: expected at most 1h, got 2h",
      "import.yaml:11:13: retry.maxDelay: expected at most 1h, got 5h",
      "import.yaml:12:15: retry.multiplier: expected at most 10, got 100",
      "import.yaml:13:18: retry.maxRetryAfter: expected at most 24h, got 48h",
    ],
  },
  {
    what: "a maxRetryAfter in words",
    lines: [...SOURCE, ...VOLUMES, "retry:", "  maxRetryAfter: forever"],
    expected: [
      'import.yaml:9:18: retry.maxRetryAfter: expected a duration like 50ms, 1.5s or 2m, got "forever"',
    ],
  },
  {
    what: "a misspelt profile",
    lines: [...SOURCE, ...VOLUMES, "profile: defualt"],
    expected: [
      'import.yaml:8:10: profile: unknown profile "defualt" (known: aggressive, conservative, default, sequential); did you mean "default"?',
    ],
  },
  {
    what: "an unknown profile",
    lines: [...SOURCE, ...VOLUMES, "profile: turbo"],
    expected: [
      'import.yaml:8:10: profile: unknown profile "turbo" (known: aggressive, conservative, default, sequential)',
    ],
  },
  {
    what: "a profile given as a path",
    lines: [...SOURCE, ...VOLUMES, "profile: ../secret"],
    expected: [
      'import.yaml:8:10: profile: expected a slug of lowercase letters, digits and dashes (like "1-ne"), got "../secret"',
    ],
  },
  {
    what: "an empty volume list",
    lines: [...SOURCE, "volumes: []"],
    expected: ["import.yaml:3:10: volumes: expected at least one volume"],
  },
  {
    what: "a volume without books",
    lines: [...SOURCE, "volumes:", "  - { id: ot, title: Old Testament, books: [] }"],
    expected: ["import.yaml:4:44: volumes[0].books: expected at least one book"],
  },
  {
    what: "an empty file",
    lines: [],
    expected: ["import.yaml:1:1: expected a mapping at the top level, got an empty document"],
  },
  {
    what: "a file of comments only",
    lines: ["# nothing here yet"],
    expected: ["import.yaml:1:1: expected a mapping at the top level, got an empty document"],
  },
  {
    what: "a list at the top level",
    lines: ["- ot", "- nt"],
    expected: ["import.yaml:1:1: expected a mapping at the top level, got a list"],
  },
  {
    what: "a scalar at the top level",
    lines: ["hello"],
    expected: [
      'import.yaml:1:1: expected a mapping at the top level, got plain text, not YAML: "hello"',
    ],
  },
];

for (const { what, lines, expected } of BAD_MANIFESTS) {
  Deno.test(`parseManifest reports ${what} at its line and column`, () => {
    const text = yaml(...lines);
    assert.deepEqual(
      problems(() => parseManifest(text, "import.yaml", { knownProfiles: KNOWN })),
      expected,
    );
  });
}

/** SOURCE and one volume of `books` books of `chapters` chapters each, the first book on line 7. */
function manyBooks(books: number, chapters: number): string {
  const lines = Array.from(
    { length: books },
    (_, i) => `      - { id: b${i}, title: Book ${i}, chapters: ${chapters} }`,
  );
  return yaml(...SOURCE, ...VOLUMES.slice(0, 4), ...lines);
}

Deno.test("parseManifest bounds the chapters of all books together, at the book that passes it", () => {
  const full = parseManifest(manyBooks(100, 1000), "import.yaml");
  assert.equal(full.volumes[0].books.length, 100);
  // Books 1-100 hold 100,000; book 101 (line 108) takes the total past it. The count the schema
  // refused (book 0) is not added.
  const text = manyBooks(102, 1000).replace("b0, title: Book 0, chapters: 1000", "b0, chapters: 0");
  assert.deepEqual(problems(() => parseManifest(text, "import.yaml")), [
    'import.yaml:7:9: volumes[0].books[0]: missing required key "title"',
    "import.yaml:7:29: volumes[0].books[0].chapters: expected a positive integer, got 0",
    "import.yaml:108:48: volumes[0].books[101].chapters: expected at most 100000 chapters in all " +
    "books together, got 101000 (the total passes 100000 at this book: split the manifest)",
  ]);
});

Deno.test("parseManifest reports every problem of a file at once, in file order", () => {
  const text = yaml(
    "source:",
    "  url: http://example.org/api",
    "  timeout: fast",
    "  urll: x",
    "retry:",
    "  baseDelay: 2s",
    "  maxDelay: 1s",
    "volumes:",
    "  - id: ot",
    "    title: Old Testament",
    "    books:",
    "      - { id: gen, title: Genesis, chapters: 50 }",
    "      - { id: gen, title: Exodus, chapters: 0 }",
    "  - id: ot",
    "    title: Again",
    "    books: {}",
    "profile: fastt",
  );
  assert.deepEqual(problems(() => parseManifest(text, "import.yaml", { knownProfiles: KNOWN })), [
    'import.yaml:2:8: source.url: expected an https URL (http only for localhost, 127.0.0.0/8 or [::1]), got "http://example.org/api"',
    'import.yaml:3:12: source.timeout: expected a duration like 50ms, 1.5s or 2m, got "fast"',
    'import.yaml:4:3: source: unknown key "urll"; did you mean "url"?',
    "import.yaml:7:13: retry.maxDelay: expected at least baseDelay (2s), got 1s",
    'import.yaml:13:15: volumes[0].books[1].id: duplicate book id "gen" in volume "ot" (first at line 12)',
    "import.yaml:13:45: volumes[0].books[1].chapters: expected a positive integer, got 0",
    'import.yaml:14:9: volumes[1].id: duplicate volume id "ot" (first at line 9)',
    "import.yaml:16:12: volumes[1].books: expected a list, got a mapping",
    'import.yaml:17:10: profile: unknown profile "fastt" (known: aggressive, conservative, default, sequential)',
  ]);
});

Deno.test("parseManifest names the file as the caller gave it", () => {
  const lines = problems(() => parseManifest(yaml("volumes: []"), "../configs/my import.yaml"));
  assert.equal(lines[0], '../configs/my import.yaml:1:1: missing required key "source"');
});

Deno.test("parseManifest fills in the documented defaults and converts durations to ms", () => {
  const manifest = parseManifest(yaml(...SOURCE, ...VOLUMES), "import.yaml");
  assert.deepEqual(manifest, {
    file: "import.yaml",
    source: {
      url: "https://example.org/api",
      lang: "eng",
      langs: ["eng"],
      userAgent: "scripture-importer/0.1.0 (+declarative parallel importer; Deno)",
      timeoutMs: 30_000,
      maxBodyBytes: 5_000_000,
    },
    output: { dir: "./data" },
    retry: {
      maxRetries: 3,
      baseDelayMs: 500,
      maxDelayMs: 30_000,
      multiplier: 2,
      jitter: "full",
      maxRetryAfterMs: 300_000,
      retryOn: [429, 500, 502, 503, 504],
    },
    profile: "default",
    volumes: [{
      id: "ot",
      title: "Old Testament",
      books: [{ id: "gen", title: "Genesis", chapters: 50 }],
    }],
  });
});

Deno.test("parseManifest reads output.compress, and leaves it unset when import.yaml does not say", () => {
  const withIt = parseManifest(
    yaml(...SOURCE, ...VOLUMES, "output: { dir: ./data, compress: gzip }"),
    "import.yaml",
  );
  assert.deepEqual(withIt.output, { dir: "./data", compress: "gzip" });
  const without = parseManifest(yaml(...SOURCE, ...VOLUMES), "import.yaml");
  assert.deepEqual(without.output, { dir: "./data" });
});

Deno.test("parseManifest accepts numbers of ms, zero verses, aliases and a relative output dir", () => {
  const manifest = parseManifest(
    yaml(
      ...SOURCE,
      "  timeout: 1500",
      "output: { dir: ../elsewhere/out }",
      "retry: { baseDelay: 0.25s, maxDelay: 2m, jitter: none, retryOn: [] }",
      "volumes:",
      "  - id: dc-testament",
      "    title: Doctrine and Covenants",
      "    books: &books",
      "      - { id: od, title: Official Declarations, chapters: 2, verses: 0 }",
      "  - { id: copy, title: Copy, books: *books }",
    ),
    "import.yaml",
  );
  assert.equal(manifest.source.timeoutMs, 1_500);
  assert.equal(manifest.output.dir, "../elsewhere/out");
  assert.deepEqual(
    [manifest.retry.baseDelayMs, manifest.retry.maxDelayMs, manifest.retry.jitter],
    [250, 120_000, "none"],
  );
  assert.deepEqual(manifest.retry.retryOn, []);
  assert.deepEqual(manifest.volumes[1].books, [{
    id: "od",
    title: "Official Declarations",
    chapters: 2,
    verses: 0,
  }]);
});

Deno.test("parseManifest allows plain http only for loopback hosts", () => {
  const accepted = [
    "https://example.org/api",
    "http://localhost:8080/api",
    "http://127.0.0.1:9/",
    "http://127.5.6.7/api",
    "http://[::1]:8000/api",
  ];
  for (const url of accepted) {
    const manifest = parseManifest(yaml("source:", `  url: "${url}"`, ...VOLUMES), "import.yaml");
    assert.equal(manifest.source.url, url);
  }
  for (const url of ["http://128.0.0.1/", "http://localhost.example.org/", "http://[::2]/"]) {
    const lines = problems(() =>
      parseManifest(yaml("source:", `  url: "${url}"`, ...VOLUMES), "m.yaml")
    );
    assert.deepEqual(lines, [
      `m.yaml:2:8: source.url: expected an https URL (http only for localhost, 127.0.0.0/8 or [::1]), got "${url}"`,
    ]);
  }
});

Deno.test("parseManifest checks the profile only against the names it is given", () => {
  const text = yaml(...SOURCE, ...VOLUMES, "profile: turbo");
  assert.equal(parseManifest(text, "import.yaml").profile, "turbo");
  assert.deepEqual(problems(() => parseManifest(text, "import.yaml", { knownProfiles: [] })), [
    'import.yaml:8:10: profile: unknown profile "turbo" (known: none)',
  ]);
  // The default profile must exist too when the key is left out.
  assert.deepEqual(
    problems(() =>
      parseManifest(yaml(...SOURCE, ...VOLUMES), "import.yaml", { knownProfiles: ["fast"] })
    ),
    [
      'import.yaml:1:1: unknown default profile "default" (known: fast)',
    ],
  );
});

Deno.test("the shipped import.yaml holds the whole canon", async () => {
  const manifest = await loadManifest(join(REPO, "import.yaml"));
  const books = manifest.volumes.flatMap((volume) => volume.books);
  assert.deepEqual(manifest.volumes.map((volume) => volume.id), [
    "ot",
    "nt",
    "bofm",
    "dc-testament",
    "pgp",
  ]);
  assert.deepEqual(manifest.volumes.map((volume) => volume.title), [
    "Old Testament",
    "New Testament",
    "Book of Mormon",
    "Doctrine and Covenants",
    "Pearl of Great Price",
  ]);
  assert.equal(books.length, 88);
  assert.equal(books.reduce((sum, book) => sum + book.chapters, 0), 1_584);
  assert.equal(books.reduce((sum, book) => sum + (book.verses ?? 0), 0), 41_995);
  const byId = new Map(books.map((book) => [book.id, book]));
  const spots: [string, string, number][] = [
    ["1-ne", "1 Nephi", 22],
    ["alma", "Alma", 63],
    ["ps", "Psalms", 150],
    ["dc", "Sections", 138],
    ["od", "Official Declarations", 2],
    ["js-h", "Joseph Smith—History", 1],
    ["a-of-f", "Articles of Faith", 1],
  ];
  for (const [id, title, chapters] of spots) {
    assert.deepEqual([byId.get(id)?.title, byId.get(id)?.chapters], [title, chapters], id);
  }
  assert.equal(byId.get("od")?.verses, 0);
  assert.deepEqual(manifest.volumes[3].books.map((book) => book.id), ["dc", "od"]);
});

/**
 * The Church's standard abbreviation of every book of the canon, in canon
 * order, as its scriptures' footnotes and style guide write them: periods
 * after shortened words (`1 Ne.`), none after whole words (`Ruth`, `Enos`) or
 * initials (`W of M`, `D&C`, `OD`, `A of F`), an em dash in `JS—M` and `JS—H`.
 */
const CHURCH_ABBREVIATIONS: [book: string, abbrev: string][] = [
  ["gen", "Gen."],
  ["ex", "Ex."],
  ["lev", "Lev."],
  ["num", "Num."],
  ["deut", "Deut."],
  ["josh", "Josh."],
  ["judg", "Judg."],
  ["ruth", "Ruth"],
  ["1-sam", "1 Sam."],
  ["2-sam", "2 Sam."],
  ["1-kgs", "1 Kgs."],
  ["2-kgs", "2 Kgs."],
  ["1-chr", "1 Chr."],
  ["2-chr", "2 Chr."],
  ["ezra", "Ezra"],
  ["neh", "Neh."],
  ["esth", "Esth."],
  ["job", "Job"],
  ["ps", "Ps."],
  ["prov", "Prov."],
  ["eccl", "Eccl."],
  ["song", "Song"],
  ["isa", "Isa."],
  ["jer", "Jer."],
  ["lam", "Lam."],
  ["ezek", "Ezek."],
  ["dan", "Dan."],
  ["hosea", "Hosea"],
  ["joel", "Joel"],
  ["amos", "Amos"],
  ["obad", "Obad."],
  ["jonah", "Jonah"],
  ["micah", "Micah"],
  ["nahum", "Nahum"],
  ["hab", "Hab."],
  ["zeph", "Zeph."],
  ["hag", "Hag."],
  ["zech", "Zech."],
  ["mal", "Mal."],
  ["matt", "Matt."],
  ["mark", "Mark"],
  ["luke", "Luke"],
  ["john", "John"],
  ["acts", "Acts"],
  ["rom", "Rom."],
  ["1-cor", "1 Cor."],
  ["2-cor", "2 Cor."],
  ["gal", "Gal."],
  ["eph", "Eph."],
  ["philip", "Philip."],
  ["col", "Col."],
  ["1-thes", "1 Thes."],
  ["2-thes", "2 Thes."],
  ["1-tim", "1 Tim."],
  ["2-tim", "2 Tim."],
  ["titus", "Titus"],
  ["philem", "Philem."],
  ["heb", "Heb."],
  ["james", "James"],
  ["1-pet", "1 Pet."],
  ["2-pet", "2 Pet."],
  ["1-jn", "1 Jn."],
  ["2-jn", "2 Jn."],
  ["3-jn", "3 Jn."],
  ["jude", "Jude"],
  ["rev", "Rev."],
  ["1-ne", "1 Ne."],
  ["2-ne", "2 Ne."],
  ["jacob", "Jacob"],
  ["enos", "Enos"],
  ["jarom", "Jarom"],
  ["omni", "Omni"],
  ["w-of-m", "W of M"],
  ["mosiah", "Mosiah"],
  ["alma", "Alma"],
  ["hel", "Hel."],
  ["3-ne", "3 Ne."],
  ["4-ne", "4 Ne."],
  ["morm", "Morm."],
  ["ether", "Ether"],
  ["moro", "Moro."],
  ["dc", "D&C"],
  ["od", "OD"],
  ["moses", "Moses"],
  ["abr", "Abr."],
  ["js-m", "JS—M"],
  ["js-h", "JS—H"],
  ["a-of-f", "A of F"],
];

Deno.test("every book of the shipped import.yaml has the Church's standard abbreviation", async () => {
  const manifest = await loadManifest(join(REPO, "import.yaml"));
  const books = manifest.volumes.flatMap((volume) => volume.books);
  assert.deepEqual(books.map((book) => [book.id, book.abbrev]), CHURCH_ABBREVIATIONS);
});

Deno.test("the shipped import.yaml sets the source, output, retry and profile", async () => {
  const manifest = await loadManifest(join(REPO, "import.yaml"));
  assert.deepEqual(manifest.source, {
    url: "https://www.churchofjesuschrist.org/study/api/v3/language-pages/type/content",
    lang: "eng",
    langs: ["eng"],
    userAgent: "scripture-importer/0.1.0 (+declarative parallel importer; Deno)",
    timeoutMs: 30_000,
    maxBodyBytes: 5_000_000,
  });
  assert.deepEqual(manifest.output, { dir: "./data" });
  assert.deepEqual(manifest.retry, {
    maxRetries: 3,
    baseDelayMs: 500,
    maxDelayMs: 30_000,
    multiplier: 2,
    jitter: "full",
    maxRetryAfterMs: 300_000,
    retryOn: [429, 500, 502, 503, 504],
  });
  assert.equal(manifest.profile, "default");
  const firstLine = (await Deno.readTextFile(join(REPO, "import.yaml"))).split("\n")[0];
  assert.equal(firstLine, "# yaml-language-server: $schema=./schema/import.schema.json");
});

Deno.test("loadManifest checks the profile against the profiles folder next to the manifest", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(join(dir, "profiles"));
    await Deno.writeTextFile(join(dir, "profiles", "gentle.yaml"), "volumes: 1\n");
    await Deno.writeTextFile(
      join(dir, "import.yaml"),
      yaml(...SOURCE, ...VOLUMES, "profile: gentle"),
    );
    const path = join(dir, "import.yaml");
    const manifest = await loadManifest(path);
    assert.equal(manifest.file, path);
    assert.equal(manifest.profile, "gentle");

    await Deno.writeTextFile(path, yaml(...SOURCE, ...VOLUMES, "profile: gentel"));
    await assert.rejects(loadManifest(path), {
      name: "ManifestError",
      message:
        `${path}:8:10: profile: unknown profile "gentel" (known: gentle); did you mean "gentle"?`,
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadManifest reads through the injected reader and the given profiles folder", async () => {
  const read: string[] = [];
  const readFile = (path: string) => {
    read.push(path);
    const bytes = new TextEncoder().encode(yaml(...SOURCE, ...VOLUMES, "profile: aggressive"));
    return Promise.resolve({ kind: "bytes", bytes } as const);
  };
  const manifest = await loadManifest("virtual/import.yaml", {
    profilesDir: join(REPO, "profiles"),
    readFile,
  });
  assert.deepEqual(read, ["virtual/import.yaml"]);
  assert.equal(manifest.file, "virtual/import.yaml");
  assert.equal(manifest.profile, "aggressive");
});

Deno.test("loadManifest says which file it could not read", async () => {
  const readFile = () => Promise.reject(new Deno.errors.NotFound("gone"));
  await assert.rejects(loadManifest("nope.yaml", { readFile }), (error) => {
    assert.ok(error instanceof ManifestError);
    assert.equal(error.message, 'Cannot read manifest "nope.yaml": no such file');
    assert.deepEqual(error.diagnostics, []);
    assert.ok(error.cause instanceof Deno.errors.NotFound);
    return true;
  });
  const denied = () => Promise.reject(new Deno.errors.PermissionDenied("read access denied"));
  await assert.rejects(loadManifest("secret.yaml", { readFile: denied }), {
    name: "ManifestError",
    message: 'Cannot read manifest "secret.yaml": read access denied',
  });
});

/** Writes `bytes` to `import.yaml` in a new folder, runs `fn` on its path, removes the folder. */
async function withManifestFile(
  bytes: Uint8Array,
  fn: (path: string) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "import.yaml");
    await Deno.writeFile(path, bytes);
    await fn(path);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const encode = (text: string) => new TextEncoder().encode(text);

Deno.test("loadManifest refuses a Latin-1 manifest at the line and column of the first bad byte", async () => {
  // "Génesis" saved as Latin-1: é is the single byte 0xE9.
  const text = encode(
    yaml(...SOURCE, ...VOLUMES.slice(0, 4), "      - { id: gen, title: G_nesis, chapters: 50 }"),
  );
  const bytes = text.map((byte) => byte === 0x5f ? 0xe9 : byte);
  await withManifestFile(bytes, async (path) => {
    await assert.rejects(loadManifest(path, { profilesDir: join(REPO, "profiles") }), {
      name: "ManifestError",
      message: `${path}:7:28: expected UTF-8 text, got the byte 0xE9, which is not UTF-8 here ` +
        "(save the file as UTF-8)",
    });
  });
});

Deno.test("loadManifest calls a binary file binary and echoes none of it", async () => {
  const bytes = new Uint8Array(4096).map((_, i) => (i * 7919) % 256);
  await withManifestFile(bytes, async (path) => {
    await assert.rejects(loadManifest(path), {
      name: "ManifestError",
      message: `${path}:1:1: expected YAML text, got binary data (a NUL byte)`,
    });
  });
});

Deno.test("loadManifest refuses a manifest over 1 MiB before parsing it, and reads one of 1 MiB", async () => {
  const head = yaml(...SOURCE, ...VOLUMES);
  const padded = (size: number) => encode(`${head}#${"x".repeat(size - head.length - 2)}\n`);
  await withManifestFile(padded(1_048_576), async (path) => {
    const manifest = await loadManifest(path, { profilesDir: join(REPO, "profiles") });
    assert.equal(manifest.volumes[0].books[0].chapters, 50);
  });
  await withManifestFile(padded(1_048_577), async (path) => {
    await assert.rejects(loadManifest(path), {
      name: "ManifestError",
      message: `Cannot read manifest "${path}": the file is 1,048,577 bytes, more than the ` +
        "1,048,576 bytes (1 MiB) a manifest may have",
    });
  });
  // 54 MB of one unclosed flow list: refused for its size, never parsed.
  await withManifestFile(
    encode(`volumes: [${"{ id: a, title: A, chapters: 1 }, ".repeat(1_600_000)}`),
    async (path) => {
      await assert.rejects(loadManifest(path), {
        name: "ManifestError",
        message: `Cannot read manifest "${path}": the file is 54,400,010 bytes, more than the ` +
          "1,048,576 bytes (1 MiB) a manifest may have",
      });
    },
  );
});

Deno.test("parseManifest does not echo a text file that is not YAML, and says so", () => {
  const passwd = Array.from(
    { length: 40 },
    (_, i) => `user${i}:x:${1000 + i}:${1000 + i}:User ${i}:/home/user${i}:/bin/bash`,
  );
  assert.deepEqual(problems(() => parseManifest(yaml(...passwd), "/etc/passwd")), [
    "/etc/passwd:1:1: expected a mapping at the top level, got plain text, not YAML: " +
    '"user0:x:1000:1000:User 0:/home/user0:/bin/bash user1:x:1001:"… (1,969 characters)',
  ]);
});

Deno.test("parseManifest reports ten YAML syntax errors of a file that is not YAML, then counts the rest", () => {
  const script = Array.from({ length: 40 }, (_, i) => `echo "step ${i}": done: [${i}`);
  const lines = problems(() => parseManifest(yaml("#!/bin/sh", ...script), "import.sh"));
  assert.equal(lines.length, 11);
  assert.match(lines[0], /^import\.sh:2:\d+: invalid YAML: /);
  assert.match(
    lines[10],
    /^import\.sh:\d+:\d+: invalid YAML: \d+ more YAML syntax errors from here on: is this a YAML file\?$/,
  );
  assert.ok(lines.every((line) => line.length < 200), lines.join("\n"));
});
