import assert from "node:assert/strict";
import { join } from "node:path";
import { ManifestError, renderDiagnostic } from "../../src/manifest/diagnostic.ts";
import { decodeYamlText, readBounded, readYamlText } from "../../src/manifest/yaml_file.ts";

const utf8 = (text: string) => new TextEncoder().encode(text);
const bytes = (...parts: (string | number[])[]) =>
  new Uint8Array(parts.flatMap((part) => typeof part === "string" ? [...utf8(part)] : part));

/** The one rendered diagnostic of a call that must throw a ManifestError. */
function problem(call: () => unknown): string {
  try {
    call();
  } catch (error) {
    assert.ok(error instanceof ManifestError, `expected a ManifestError, got ${error}`);
    assert.equal(error.diagnostics.length, 1);
    return renderDiagnostic(error.diagnostics[0]);
  }
  assert.fail("expected a ManifestError, but the text was accepted");
}

const NOT_UTF8 = (byte: string) =>
  `expected UTF-8 text, got the byte 0x${byte}, which is not UTF-8 here (save the file as UTF-8)`;

const BAD_TEXT: [what: string, input: Uint8Array, expected: string][] = [
  [
    "a Latin-1 title",
    bytes("source:\n  url: https://e.org\nvolumes:\n  - id: ot\n    title: ", [0xc9], "xodo\n"),
    `m.yaml:5:12: ${NOT_UTF8("C9")}`,
  ],
  [
    "a Latin-1 letter inside a word",
    bytes("title: G", [0xe9], "nesis\n"),
    `m.yaml:1:9: ${NOT_UTF8("E9")}`,
  ],
  [
    "a Windows-1252 quote",
    bytes("title: ", [0x93], "x", [0x94], "\n"),
    `m.yaml:1:8: ${NOT_UTF8("93")}`,
  ],
  // Columns count characters before the bad byte as the YAML parser does (UTF-16 units).
  [
    "a bad byte after valid accents",
    bytes("title: Génesis ", [0xff], "\n"),
    `m.yaml:1:16: ${NOT_UTF8("FF")}`,
  ],
  [
    "a bad byte after an emoji",
    bytes("a: 📖", [0xc0, 0xaf], "\n"),
    `m.yaml:1:6: ${NOT_UTF8("C0")}`,
  ],
  ["an overlong encoding", bytes("a: ", [0xe0, 0x80, 0xaf], "\n"), `m.yaml:1:4: ${NOT_UTF8("E0")}`],
  ["an encoded surrogate", bytes("a: ", [0xed, 0xa0, 0x80], "\n"), `m.yaml:1:4: ${NOT_UTF8("ED")}`],
  [
    "a code point above U+10FFFF",
    bytes("a: ", [0xf4, 0x90, 0x80, 0x80]),
    `m.yaml:1:4: ${NOT_UTF8("F4")}`,
  ],
  [
    "a sequence cut off by the end of the file",
    bytes("a: b\nc: ", [0xe2, 0x82]),
    `m.yaml:2:4: ${NOT_UTF8("E2")}`,
  ],
  [
    "UTF-16 (little endian)",
    new Uint8Array([0xff, 0xfe, 0x61, 0x00]),
    "m.yaml:1:1: expected UTF-8 text, got UTF-16 (the file starts with the byte order mark FF FE): save it as UTF-8",
  ],
  [
    "UTF-16 (big endian)",
    new Uint8Array([0xfe, 0xff, 0x00, 0x61]),
    "m.yaml:1:1: expected UTF-8 text, got UTF-16 (the file starts with the byte order mark FE FF): save it as UTF-8",
  ],
  [
    "binary data",
    bytes([0x7f], "ELF", [2, 1, 1, 0, 0, 0, 0xff, 0xc3]),
    "m.yaml:1:8: expected YAML text, got binary data (a NUL byte)",
  ],
  [
    "a control character",
    bytes("a: b\nc: ", [0x01], "d\n"),
    "m.yaml:2:4: expected YAML text, got the control character U+0001, which YAML does not allow",
  ],
  [
    "a DEL character",
    bytes("a: ", [0x7f], "\n"),
    "m.yaml:1:4: expected YAML text, got the control character U+007F, which YAML does not allow",
  ],
];

for (const [what, input, expected] of BAD_TEXT) {
  Deno.test(`decodeYamlText refuses ${what} at the first bad byte`, () => {
    assert.equal(problem(() => decodeYamlText(input, "m.yaml")), expected);
  });
}

Deno.test("decodeYamlText keeps UTF-8 text as it is, tabs and CRLF included, and drops a BOM", () => {
  const text = "title: Joseph Smith—History\r\n\tverses: 75 # 📖\n";
  assert.equal(decodeYamlText(utf8(text), "m.yaml"), text);
  assert.equal(decodeYamlText(bytes([0xef, 0xbb, 0xbf], "a: 1\n"), "m.yaml"), "a: 1\n");
  assert.equal(decodeYamlText(new Uint8Array(), "m.yaml"), "");
});

Deno.test("readBounded reads a file within its bound and nothing of a larger one", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "p.yaml");
    await Deno.writeFile(path, new Uint8Array(100).fill(0x61));
    const read = await readBounded(path, 100);
    assert.equal(read.kind, "bytes");
    assert.equal(read.kind === "bytes" && read.bytes.length, 100);
    assert.deepEqual(await readBounded(path, 99), { kind: "too-large", size: 100 });
    await assert.rejects(readBounded(join(dir, "none.yaml"), 100), Deno.errors.NotFound);
    await assert.rejects(readBounded(dir, 100), Deno.errors.IsADirectory);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "readBounded reads a device that never ends only up to its bound",
  ignore: Deno.build.os === "windows",
  fn: async () => {
    // /dev/zero reports no size: only the read limit stops it.
    assert.deepEqual(await readBounded("/dev/zero", 4096), { kind: "too-large" });
  },
});

Deno.test("readYamlText asks for the bound plus one byte and refuses more, whatever the reader", async () => {
  const asked: number[] = [];
  const readFile = (_path: string, maxBytes: number) => {
    asked.push(maxBytes);
    return Promise.resolve(
      { kind: "bytes", bytes: new Uint8Array(maxBytes + 1).fill(0x61) } as const,
    );
  };
  assert.deepEqual(
    await readYamlText("m.yaml", "m.yaml", { maxBytes: 10, what: "a test", readFile }),
    {
      kind: "too-large",
      reason: "the file is 11 bytes, more than the 10 bytes a test may have",
    },
  );
  assert.deepEqual(asked, [10]);
  const tooLarge = () => Promise.resolve({ kind: "too-large", size: 52_428_800 } as const);
  assert.deepEqual(
    await readYamlText("m.yaml", "m.yaml", {
      maxBytes: 1_048_576,
      what: "a manifest",
      readFile: tooLarge,
    }),
    {
      kind: "too-large",
      reason:
        "the file is 52,428,800 bytes (50 MiB), more than the 1,048,576 bytes (1 MiB) a manifest may have",
    },
  );
  const endless = () => Promise.resolve({ kind: "too-large" } as const);
  assert.deepEqual(
    await readYamlText("p.yaml", "p.yaml", {
      maxBytes: 65_536,
      what: "a profile",
      readFile: endless,
    }),
    {
      kind: "too-large",
      reason: "the file holds more than the 65,536 bytes (64 KiB) a profile may have",
    },
  );
});
