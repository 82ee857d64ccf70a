import assert from "node:assert/strict";
import {
  formatPath,
  ManifestError,
  ProfileNotFoundError,
  renderDiagnostic,
} from "../../src/manifest/diagnostic.ts";

const AT_CHAPTERS = {
  file: "import.yaml",
  path: "volumes[2].books[4].chapters",
  line: 41,
  column: 18,
  message: "expected a positive integer, got 0",
};

Deno.test("renderDiagnostic writes file:line:column: path: message", () => {
  assert.equal(
    renderDiagnostic(AT_CHAPTERS),
    "import.yaml:41:18: volumes[2].books[4].chapters: expected a positive integer, got 0",
  );
  assert.equal(
    renderDiagnostic({ ...AT_CHAPTERS, path: "", line: 1, column: 1, message: "x" }),
    "import.yaml:1:1: x",
  );
});

Deno.test("formatPath writes keys with dots, indexes in brackets and odd keys quoted", () => {
  assert.equal(formatPath([]), "");
  assert.equal(formatPath(["volumes", 2, "books", 4, "chapters"]), "volumes[2].books[4].chapters");
  assert.equal(formatPath(["retry", "retryOn", 0]), "retry.retryOn[0]");
  assert.equal(formatPath(["source", "my key"]), 'source["my key"]');
  assert.equal(formatPath(["<<"]), '["<<"]');
  assert.equal(formatPath([0, "id"]), "[0].id");
});

Deno.test("ManifestError's message is every diagnostic, one per line", () => {
  const second = { ...AT_CHAPTERS, line: 50, column: 3, path: "profile", message: "y" };
  const error = new ManifestError([AT_CHAPTERS, second]);
  assert.equal(error.name, "ManifestError");
  assert.equal(error.message, `${renderDiagnostic(AT_CHAPTERS)}\nimport.yaml:50:3: profile: y`);
  assert.deepEqual(error.diagnostics, [AT_CHAPTERS, second]);
});

Deno.test("ManifestError can carry a message and a cause instead of diagnostics", () => {
  const cause = new Error("denied");
  const error = new ManifestError([], { message: 'Cannot read manifest "m.yaml": denied', cause });
  assert.equal(error.message, 'Cannot read manifest "m.yaml": denied');
  assert.equal(error.cause, cause);
});

Deno.test("ProfileNotFoundError is a ManifestError that knows the known profiles", () => {
  const error = new ProfileNotFoundError("fast", 'Cannot load profile "fast": x', {
    known: ["default"],
  });
  assert.ok(error instanceof ManifestError);
  assert.equal(error.name, "ProfileNotFoundError");
  assert.deepEqual([error.profile, error.known, error.diagnostics], ["fast", ["default"], []]);
});
