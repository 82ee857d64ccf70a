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
