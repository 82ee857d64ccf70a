import assert from "node:assert/strict";
import { ManifestError, parseManifest, renderDiagnostic } from "../../src/manifest/load.ts";
import { redactUrl, urlProblem } from "../../src/manifest/schema.ts";

const VOLUMES = [
  "volumes:",
  "  - id: ot",
  "    title: Old Testament",
  "    books:",
  "      - { id: gen, title: Genesis, chapters: 50 }",
];

/** The rendered diagnostics of a manifest whose `source.url`, on line 3, is `url`. */
function urlDiagnostics(url: string): string[] {
  const text = ["# credentials", "source:", `  url: "${url}"`, ...VOLUMES].join("\n") + "\n";
  try {
    parseManifest(text, "import.yaml");
  } catch (error) {
    assert.ok(error instanceof ManifestError, `expected a ManifestError, got ${error}`);
    return error.diagnostics.map(renderDiagnostic);
  }
  assert.fail(`expected ${url} to be refused`);
}

const WITHOUT_CREDENTIALS =
  "expected a URL without a user name or password (the content API needs none, " +
  "and the URL is written into every chapter file and log)";

const credentialCases: [url: string, shown: string][] = [
  ["http://user:secret@127.0.0.1:8080/api", "http://***@127.0.0.1:8080/api"],
  ["https://user:secret@example.org/api", "https://***@example.org/api"],
  ["https://ghp_token@example.org/api", "https://***@example.org/api"],
  ["https://:secret@example.org/api", "https://***@example.org/api"],
  ["https://us@er:sec@ret@example.org/api?q=a@b", "https://***@example.org/api?q=a@b"],
  ["HTTPS://user:secret@EXAMPLE.org/", "HTTPS://***@EXAMPLE.org/"],
  ["https:user:secret@example.org/api", "https:***@example.org/api"],
];

for (const [url, shown] of credentialCases) {
  Deno.test(`source.url ${shown} is refused at its line and column, without the secret`, () => {
    assert.deepEqual(urlDiagnostics(url), [
      `import.yaml:3:8: source.url: ${WITHOUT_CREDENTIALS}, got "${shown}"`,
    ]);
  });
}

Deno.test("a URL refused for its scheme or host does not repeat its credentials either", () => {
  assert.deepEqual(urlDiagnostics("ftp://user:secret@example.org/api"), [
    `import.yaml:3:8: source.url: ${WITHOUT_CREDENTIALS}, got "ftp://***@example.org/api"`,
  ]);
  assert.deepEqual(urlDiagnostics("http://user:secret@[bad/api"), [
    'import.yaml:3:8: source.url: expected an https URL, got "http://***@[bad/api"',
  ]);
  assert.equal(
    urlProblem("  http://user:secret@example.org/"),
    `${WITHOUT_CREDENTIALS}, got "  http://***@example.org/"`,
  );
});

Deno.test("redactUrl leaves a URL without user info as it is", () => {
  for (
    const url of [
      "https://example.org/api",
      "https://example.org/a@b",
      "https://example.org/?mail=a@b",
      "https://example.org/#a@b",
      "not a url @ all",
    ]
  ) {
    assert.equal(redactUrl(url), url);
  }
});
