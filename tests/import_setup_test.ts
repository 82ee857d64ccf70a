import assert from "node:assert/strict";
import { join } from "node:path";
import { logPathProblem, outDirProblem } from "../src/import_setup.ts";

Deno.test("outDirProblem and logPathProblem name the path and what is in its way, one line each", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = join(dir, "a-file");
    await Deno.writeTextFile(file, "x\n");
    const outRows: [string, string | undefined][] = [
      [join(dir, "new", "data"), undefined],
      [dir, undefined],
      [file, `Cannot import into "${file}": it is not a directory`],
      [
        join(file, "sub", "deeper"),
        `Cannot import into "${file}/sub/deeper": "${file}" is not a directory`,
      ],
    ];
    for (const [outDir, expected] of outRows) {
      assert.equal(await outDirProblem(outDir, { langs: ["eng"], volumes: [] }), expected, outDir);
    }
    const logRows: [string, string | undefined][] = [
      [join(dir, "new", "run.ndjson"), undefined],
      [dir, `Cannot write progress log "${dir}": it is a directory (--log takes a file path)`],
      [
        join(file, "run.ndjson"),
        `Cannot write progress log "${file}/run.ndjson": "${file}" is not a directory`,
      ],
      [
        file,
        `Cannot append to "${file}": it is not a progress log (its first line is not a "run-start" record) ` +
        `(--log takes a new file or an earlier run's log)`,
      ],
    ];
    for (const [logPath, expected] of logRows) {
      assert.equal(await logPathProblem(logPath), expected, logPath);
    }
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["a-file"], "nothing written");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("outDirProblem holds a folder to its layout: one language or several, each refused the other's with how to lay it out anew", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const one = join(dir, "one");
    const several = join(dir, "several");
    const bare = join(dir, "bare");
    await Deno.mkdir(join(bare, "bofm"), { recursive: true });
    await Deno.mkdir(join(several, "spa"), { recursive: true });
    await Deno.mkdir(one);
    await Deno.writeTextFile(
      join(one, "manifest.json"),
      JSON.stringify({ source: { lang: "eng" } }),
    );
    await Deno.writeTextFile(
      join(several, "manifest.json"),
      JSON.stringify({ layout: "languages", source: { langs: ["eng", "spa"] } }),
    );
    await Deno.writeTextFile(
      join(several, "spa", "manifest.json"),
      JSON.stringify({ source: { lang: "por" } }),
    );
    const layout = (...langs: string[]) => ({ langs, volumes: ["bofm", "pgp"] });
    const rows: [string, readonly string[], RegExp | undefined][] = [
      [one, ["eng"], undefined],
      [
        one,
        ["eng", "spa"],
        /laid out for one language \("eng"\).*move everything in it into .*one\/eng/,
      ],
      [bare, ["eng", "spa"], /laid out for one language \(.*bare\/<volume>\).*Nothing was moved/],
      [several, ["eng"], /it holds several languages.*--lang eng,spa.*--out .*several\/eng/],
      [
        several,
        ["eng", "spa"],
        /Cannot import "spa" into ".*several\/spa": it holds an import in "por"/,
      ],
      [several, ["eng", "fra"], undefined],
    ];
    for (const [outDir, langs, expected] of rows) {
      const problem = await outDirProblem(outDir, layout(...langs));
      if (expected === undefined) assert.equal(problem, undefined, `${outDir} ${langs}`);
      else assert.match(problem ?? "", expected, `${outDir} ${langs}`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
