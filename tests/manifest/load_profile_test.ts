import assert from "node:assert/strict";
import { compileLimits } from "../../src/plan/limits.ts";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import {
  ManifestError,
  ProfileNotFoundError,
  renderDiagnostic,
} from "../../src/manifest/diagnostic.ts";
import { listProfiles, loadProfile, parseProfile } from "../../src/manifest/load_profile.ts";
import { readBounded } from "../../src/manifest/yaml_file.ts";

const PROFILES = fileURLToPath(new URL("../../profiles/", import.meta.url));
const KNOWN = "adaptive, aggressive, conservative, default, sequential";
/** The shipped profiles folder as a relative path (`profiles` from the repository root). */
const RELATIVE = relative(Deno.cwd(), PROFILES);

function yaml(...lines: string[]): string {
  return lines.map((line) => `${line}\n`).join("");
}

/** The rendered diagnostics of a call that must throw a ManifestError. */
function problems(call: () => unknown): string[] {
  try {
    call();
  } catch (error) {
    assert.ok(error instanceof ManifestError, `expected a ManifestError, got ${error}`);
    return error.diagnostics.map(renderDiagnostic);
  }
  assert.fail("expected a ManifestError, but the profile was accepted");
}

const LIMITS = ["volumes: 3", "booksPerVolume: 5", "chaptersPerBook: 10"];

const BAD_PROFILES: { what: string; lines: string[]; expected: string[] }[] = [
  {
    what: "a burst without requestsPerSecond",
    lines: [...LIMITS, "burst: 4"],
    expected: ["p.yaml:4:8: burst: only valid together with requestsPerSecond"],
  },
  {
    what: "a delay in words",
    lines: [...LIMITS, "delay: fast"],
    expected: ['p.yaml:4:8: delay: expected a duration like 50ms, 1.5s or 2m, got "fast"'],
  },
  {
    what: "a delay with an unknown unit",
    lines: [...LIMITS, "delay: 5d"],
    expected: ['p.yaml:4:8: delay: expected a duration like 50ms, 1.5s or 2m, got "5d"'],
  },
  {
    what: "zero volumes",
    lines: ["volumes: 0", ...LIMITS.slice(1)],
    expected: ["p.yaml:1:10: volumes: expected a positive integer, got 0"],
  },
  {
    what: "a missing limit",
    lines: LIMITS.slice(0, 2),
    expected: ['p.yaml:1:1: missing required key "chaptersPerBook"'],
  },
  {
    what: "a misspelt key",
    lines: [...LIMITS, "delays: 50ms"],
    expected: ['p.yaml:4:1: unknown key "delays"; did you mean "delay"?'],
  },
  {
    what: "a zero rate",
    lines: [...LIMITS, "requestsPerSecond: 0"],
    expected: [
      "p.yaml:4:20: requestsPerSecond: expected a number of at least 0.01 (one request per 100 s), got 0",
    ],
  },
  {
    what: "a rate so low the run would look hung",
    lines: [...LIMITS, "requestsPerSecond: 0.001"],
    expected: [
      "p.yaml:4:20: requestsPerSecond: expected a number of at least 0.01 (one request per 100 s), got 0.001",
    ],
  },
  {
    what: "a rate above the bound",
    lines: [...LIMITS, "requestsPerSecond: 1e9"],
    expected: ["p.yaml:4:20: requestsPerSecond: expected at most 10000, got 1000000000"],
  },
  {
    what: "a delay of 1e20 ms, which would hang the run",
    lines: [...LIMITS, "delay: 1e20"],
    expected: ["p.yaml:4:8: delay: expected at most 1m, got 100000000000000000000 ms"],
  },
  {
    what: "a delay above a minute",
    lines: [...LIMITS, "delay: 2h"],
    expected: ["p.yaml:4:8: delay: expected at most 1m, got 2h"],
  },
  {
    what: "concurrency levels above the bound",
    lines: ["volumes: 1e6", "booksPerVolume: 1001", "chaptersPerBook: 1000", "maxInFlight: 5000"],
    expected: [
      "p.yaml:1:10: volumes: expected at most 1000, got 1000000",
      "p.yaml:2:17: booksPerVolume: expected at most 1000, got 1001",
      "p.yaml:4:14: maxInFlight: expected at most 1000, got 5000",
    ],
  },
  {
    what: "a burst above the bound",
    lines: [...LIMITS, "requestsPerSecond: 10", "burst: 100000"],
    expected: ["p.yaml:5:8: burst: expected at most 10000, got 100000"],
  },
  {
    what: "adaptive rates outside the bounds",
    lines: [...LIMITS, "adaptive: true", "startRate: 1e6", "minRate: 0.001"],
    expected: [
      "p.yaml:5:12: startRate: expected at most 10000, got 1000000",
      "p.yaml:6:10: minRate: expected a number of at least 0.01 (one request per 100 s), got 0.001",
    ],
  },
  {
    what: "a fractional maxInFlight",
    lines: [...LIMITS, "maxInFlight: 2.5"],
    expected: ["p.yaml:4:14: maxInFlight: expected a positive integer, got 2.5"],
  },
  {
    what: "a description that is a list",
    lines: ["description: [fast]", ...LIMITS],
    expected: ["p.yaml:1:14: description: expected a string, got a list"],
  },
  {
    what: "an empty file",
    lines: [],
    expected: ["p.yaml:1:1: expected a mapping at the top level, got an empty document"],
  },
  {
    what: "a duplicate key",
    lines: [...LIMITS, "volumes: 4"],
    expected: ['p.yaml:4:1: duplicate key "volumes" (first at line 1)'],
  },
];

for (const { what, lines, expected } of BAD_PROFILES) {
  Deno.test(`parseProfile reports ${what} at its line and column`, () => {
    assert.deepEqual(problems(() => parseProfile(yaml(...lines), "p.yaml", "p")), expected);
  });
}

Deno.test("parseProfile reports every problem of a profile at once", () => {
  const text = yaml("volumes: -1", "booksPerVolume: many", "delay: soon", "burst: 0", "extra: 1");
  assert.deepEqual(problems(() => parseProfile(text, "p.yaml", "p")), [
    'p.yaml:1:1: missing required key "chaptersPerBook"',
    "p.yaml:1:10: volumes: expected a positive integer, got -1",
    'p.yaml:2:17: booksPerVolume: expected a positive integer, got "many"',
    'p.yaml:3:8: delay: expected a duration like 50ms, 1.5s or 2m, got "soon"',
    "p.yaml:4:8: burst: expected a positive integer, got 0",
    "p.yaml:4:8: burst: only valid together with requestsPerSecond",
    'p.yaml:5:1: unknown key "extra" (known: adaptive, booksPerVolume, burst, chaptersPerBook, delay, description, languages, maxInFlight, minRate, requestsPerSecond, startRate, volumes)',
  ]);
});

Deno.test("parseProfile defaults the delay to 0, and the run's limits give a bucket without a burst a burst of 1", () => {
  assert.deepEqual(parseProfile(yaml(...LIMITS), "p.yaml", "p"), {
    name: "p",
    file: "p.yaml",
    languages: 1,
    volumes: 3,
    booksPerVolume: 5,
    chaptersPerBook: 10,
    delayMs: 0,
  });
  const paced = parseProfile(
    yaml(...LIMITS, "maxInFlight: 12", "delay: 1.5s", "requestsPerSecond: 2.5"),
    "p.yaml",
    "p",
  );
  assert.deepEqual(
    [paced.maxInFlight, paced.delayMs, paced.requestsPerSecond, paced.burst],
    [12, 1_500, 2.5, undefined],
  );
  // The default is applied once, where the profile becomes the run's limits.
  assert.deepEqual(compileLimits(paced).executor.tokenBucket, { ratePerSecond: 2.5, burst: 1 });
  const bursty = parseProfile(yaml(...LIMITS, "requestsPerSecond: 10", "burst: 5"), "p.yaml", "p");
  assert.equal(bursty.burst, 5);
});

Deno.test("the five shipped profiles are listed, load and hold their limits", async () => {
  assert.deepEqual(await listProfiles(PROFILES), [
    "adaptive",
    "aggressive",
    "conservative",
    "default",
    "sequential",
  ]);
  const expected: Record<string, [number, number, number, number]> = {
    sequential: [1, 1, 1, 100],
    conservative: [1, 3, 5, 100],
    default: [3, 5, 10, 50],
    aggressive: [5, 10, 20, 25],
    adaptive: [5, 10, 20, 0],
  };
  for (const [name, limits] of Object.entries(expected)) {
    const profile = await loadProfile(name, { profilesDir: PROFILES });
    assert.equal(profile.name, name);
    assert.equal(profile.file, join(PROFILES, `${name}.yaml`));
    assert.deepEqual(
      [profile.volumes, profile.booksPerVolume, profile.chaptersPerBook, profile.delayMs],
      limits,
      name,
    );
    assert.equal(typeof profile.description, "string");
    const firstLine = (await Deno.readTextFile(profile.file)).split("\n")[0];
    assert.equal(firstLine, "# yaml-language-server: $schema=../schema/profile.schema.json");
  }
});

Deno.test("loadProfile lists the known profiles when a name has no file", async () => {
  await assert.rejects(loadProfile("fast", { profilesDir: RELATIVE }), (error) => {
    assert.ok(error instanceof ProfileNotFoundError);
    assert.ok(error instanceof ManifestError);
    assert.equal(
      error.message,
      `Cannot load profile "fast": no file ${join(RELATIVE, "fast.yaml")} (known: ${KNOWN})`,
    );
    assert.deepEqual(error.known, KNOWN.split(", "));
    assert.equal(error.profile, "fast");
    return true;
  });
});

Deno.test("loadProfile suggests the closest known profile", async () => {
  await assert.rejects(loadProfile("agressive", { profilesDir: RELATIVE }), {
    name: "ProfileNotFoundError",
    message: `Cannot load profile "agressive": no file ${
      join(RELATIVE, "agressive.yaml")
    } (known: ${KNOWN}); did you mean "aggressive"?`,
  });
  await assert.rejects(loadProfile("Default", { profilesDir: RELATIVE }), {
    name: "ProfileNotFoundError",
    message:
      `Cannot load profile "Default": a profile name is lowercase letters, digits and dashes (known: ${KNOWN}); did you mean "default"?`,
  });
});

Deno.test("loadProfile treats a value with a slash or a YAML extension as a path", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "mine.yml");
    await Deno.writeTextFile(path, yaml(...LIMITS, "delay: 2s"));
    const profile = await loadProfile(path);
    assert.deepEqual([profile.name, profile.file, profile.delayMs], ["mine", path, 2_000]);

    await Deno.writeTextFile(join(dir, "local.yaml"), yaml("volumes: 0"));
    const read: string[] = [];
    const readFile = (file: string, maxBytes: number) => (
      read.push(file), readBounded(join(dir, file), maxBytes)
    );
    await assert.rejects(loadProfile("local.yaml", { readFile }), {
      name: "ManifestError",
      message: [
        'local.yaml:1:1: missing required key "booksPerVolume"',
        'local.yaml:1:1: missing required key "chaptersPerBook"',
        "local.yaml:1:10: volumes: expected a positive integer, got 0",
      ].join("\n"),
    });
    assert.deepEqual(read, ["local.yaml"]);

    await assert.rejects(loadProfile(join(dir, "none.yaml")), {
      name: "ProfileNotFoundError",
      message: `Cannot load profile "${join(dir, "none.yaml")}": no file ${join(dir, "none.yaml")}`,
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadProfile reports a file it cannot read as such, not as a missing profile", async () => {
  const readFile = () => Promise.reject(new Deno.errors.PermissionDenied("read access denied"));
  await assert.rejects(
    loadProfile("default", { profilesDir: RELATIVE, readFile }),
    (error) => {
      assert.ok(error instanceof ManifestError);
      assert.ok(!(error instanceof ProfileNotFoundError));
      assert.equal(
        error.message,
        `Cannot load profile "default": cannot read ${
          join(RELATIVE, "default.yaml")
        }: read access denied`,
      );
      return true;
    },
  );
});

Deno.test("listProfiles finds the .yaml files only and an absent folder is empty", async () => {
  const dir = await Deno.makeTempDir();
  try {
    for (const file of ["b.yaml", "a.yaml", "e.yml", "notes.txt", "c.yaml.bak"]) {
      await Deno.writeTextFile(join(dir, file), "");
    }
    await Deno.mkdir(join(dir, "d.yaml"));
    assert.deepEqual(await listProfiles(dir), ["a", "b"]);
    assert.deepEqual(await listProfiles(join(dir, "missing")), []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the shipped adaptive profile adapts from 10 requests/s under a ceiling of 10 in flight", async () => {
  const profile = await loadProfile("adaptive", { profilesDir: PROFILES });
  assert.deepEqual(profile.adaptive, { startRate: 10, minRate: 0.5 });
  assert.equal(profile.maxInFlight, 10);
  for (const name of ["sequential", "conservative", "default", "aggressive"]) {
    assert.equal((await loadProfile(name, { profilesDir: PROFILES })).adaptive, undefined, name);
  }
});

Deno.test("parseProfile reads adaptive with its rates, defaulted, the floor never above the start", () => {
  const parse = (...lines: string[]) => parseProfile(yaml(...LIMITS, ...lines), "p.yaml", "p");
  assert.deepEqual(parse("adaptive: true").adaptive, { startRate: 10, minRate: 0.5 });
  assert.deepEqual(parse("adaptive: true", "startRate: 2", "minRate: 1").adaptive, {
    startRate: 2,
    minRate: 1,
  });
  assert.deepEqual(parse("adaptive: true", "startRate: 0.2").adaptive, {
    startRate: 0.2,
    minRate: 0.2,
  });
  assert.equal(parse("adaptive: false").adaptive, undefined);
  assert.equal("adaptive" in parse(), false, "a fixed profile reads exactly as before");
});

Deno.test("parseProfile refuses adaptive rates without adaptive, a floor above the start, and non-booleans", () => {
  const rows: [string[], string[]][] = [
    [["startRate: 5"], ["p.yaml:4:12: startRate: only valid together with adaptive: true"]],
    [
      ["adaptive: false", "minRate: 1"],
      ["p.yaml:5:10: minRate: only valid together with adaptive: true"],
    ],
    [
      ["adaptive: true", "startRate: 2", "minRate: 3"],
      ["p.yaml:6:10: minRate: expected at most startRate (2), got 3"],
    ],
    [
      ["adaptive: true", "minRate: 20"],
      ["p.yaml:5:10: minRate: expected at most the default startRate (10), got 20"],
    ],
    [["adaptive: yes please"], ['p.yaml:4:11: adaptive: expected true or false, got "yes please"']],
    [
      ["adaptive: true", "startRate: 0"],
      ["p.yaml:5:12: startRate: expected a number of at least 0.01 (one request per 100 s), got 0"],
    ],
  ];
  for (const [lines, expected] of rows) {
    assert.deepEqual(
      problems(() => parseProfile(yaml(...LIMITS, ...lines), "p.yaml", "p")),
      expected,
    );
  }
});

Deno.test("loadProfile refuses a file that is not a profile without echoing it: text, binary, Latin-1, too large", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const write = async (name: string, bytes: Uint8Array) => {
      const path = join(dir, name);
      await Deno.writeFile(path, bytes);
      return path;
    };
    const passwd = await write(
      "passwd",
      new TextEncoder().encode(
        Array.from({ length: 30 }, (_, i) => `u${i}:x:${i}:${i}:U:/home/u${i}:/bin/sh\n`).join(""),
      ),
    );
    await assert.rejects(loadProfile(passwd), {
      name: "ManifestError",
      message: `${passwd}:1:1: expected a mapping at the top level, got plain text, not YAML: ` +
        '"u0:x:0:0:U:/home/u0:/bin/sh u1:x:1:1:U:/home/u1:/bin/sh u2:x"… (919 characters)',
    });

    const binary = await write("tool.yaml", new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]));
    await assert.rejects(loadProfile(binary), {
      name: "ManifestError",
      message: `${binary}:1:8: expected YAML text, got binary data (a NUL byte)`,
    });

    const latin1 = await write(
      "latin1.yaml",
      new Uint8Array([...new TextEncoder().encode(`${yaml(...LIMITS)}description: r`), 0xe1, 0x70]),
    );
    await assert.rejects(loadProfile(latin1), {
      name: "ManifestError",
      message:
        `${latin1}:4:15: expected UTF-8 text, got the byte 0xE1, which is not UTF-8 here (save the file as UTF-8)`,
    });

    const large = await write(
      "large.yaml",
      new TextEncoder().encode(yaml(...LIMITS, `# ${"x".repeat(65_536)}`)),
    );
    await assert.rejects(loadProfile(large), {
      name: "ManifestError",
      message: `Cannot load profile "${large}": cannot read ${large}: the file is 65,588 bytes, ` +
        "more than the 65,536 bytes (64 KiB) a profile may have",
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
