import assert from "node:assert/strict";
import {
  cleanTempFiles,
  DirectorySyncs,
  isTempFileName,
  writeFileAtomic,
} from "../../src/output/atomic_write.ts";
import { WriteFileError } from "../../src/output/write_error.ts";
import { SIZE } from "./_atomic_writer_child.ts";
import { listFiles, withTempDir } from "./_fixtures.ts";

Deno.test("writeFileAtomic creates parent directories and leaves no temporary file", async () => {
  await withTempDir(async (dir) => {
    await writeFileAtomic(`${dir}/a/b/c.json`, "{}\n");
    assert.equal(await Deno.readTextFile(`${dir}/a/b/c.json`), "{}\n");
    assert.deepEqual(await listFiles(dir), ["a/b/c.json"]);
  });
});

Deno.test("writeFileAtomic replaces the content of an existing file, string or bytes", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/chapter.json`;
    await writeFileAtomic(path, "a much longer first version\n");
    await writeFileAtomic(path, "short\n");
    assert.equal(await Deno.readTextFile(path), "short\n");
    await writeFileAtomic(path, new Uint8Array([0, 1, 2, 255]));
    assert.deepEqual(await Deno.readFile(path), new Uint8Array([0, 1, 2, 255]));
    assert.deepEqual(await listFiles(dir), ["chapter.json"]);
  });
});

Deno.test("writeFileAtomic rejects and removes its temporary file when the rename fails", async () => {
  await withTempDir(async (dir) => {
    // The target is a non-empty directory: the temporary file is written,
    // then the rename over the directory fails.
    await Deno.mkdir(`${dir}/target/inside`, { recursive: true });
    await assert.rejects(
      writeFileAtomic(`${dir}/target`, "data"),
      (error: Error) => {
        assert.match(error.message, /^Cannot write file ".*\/target": /);
        assert.ok(error.cause instanceof Error);
        return true;
      },
    );
    const names = async (path: string) =>
      (await Array.fromAsync(Deno.readDir(path))).map((entry) => entry.name);
    assert.deepEqual(await names(dir), ["target"]);
    assert.deepEqual(await names(`${dir}/target`), ["inside"]);
  });
});

Deno.test("writeFileAtomic rejects when the parent directory is a file, leaving nothing", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/volume`, "not a directory");
    await assert.rejects(
      writeFileAtomic(`${dir}/volume/book/1.json`, "{}"),
      (error) =>
        error instanceof WriteFileError && error.path === `${dir}/volume/book/1.json` &&
        /^Cannot write file ".*\/volume\/book\/1\.json": /.test(error.message) &&
        error.cause instanceof Deno.errors.NotADirectory,
    );
    assert.deepEqual(await listFiles(dir), ["volume"]);
    assert.equal(await Deno.readTextFile(`${dir}/volume`), "not a directory");
  });
});

Deno.test("writeFileAtomic rejects with the signal's reason and keeps the old file", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/kept.json`;
    await writeFileAtomic(path, "old\n");
    const controller = new AbortController();
    const reason = new Error("stop");
    controller.abort(reason);
    await assert.rejects(
      writeFileAtomic(path, "new\n", { signal: controller.signal }),
      (error) => error === reason,
    );
    assert.equal(await Deno.readTextFile(path), "old\n");
    assert.deepEqual(await listFiles(dir), ["kept.json"]);
  });
});

Deno.test("writeFileAtomic applies the mode to a new file", async () => {
  await withTempDir(async (dir) => {
    await writeFileAtomic(`${dir}/private.json`, "{}", { mode: 0o600 });
    assert.equal((await Deno.stat(`${dir}/private.json`)).mode! & 0o777, 0o600);
  });
});

Deno.test("isTempFileName recognises only the temporary files of writeFileAtomic", () => {
  const rows: [string, boolean][] = [
    [".3.json.1234.0a1b2c3d.tmp", true],
    [".manifest.json.7.ff.tmp", true],
    ["3.json", false],
    ["notes.tmp", false],
    [".3.json.tmp", false],
    [".3.json.pid.0a1b.tmp", false],
  ];
  for (const [name, expected] of rows) assert.equal(isTempFileName(name), expected, name);
});

Deno.test("cleanTempFiles removes leftover temporary files recursively and nothing else", async () => {
  await withTempDir(async (dir) => {
    await Deno.mkdir(`${dir}/bofm/1-ne`, { recursive: true });
    await Deno.writeTextFile(`${dir}/bofm/1-ne/1.json`, "{}");
    await Deno.writeTextFile(`${dir}/bofm/1-ne/.2.json.4242.deadbeef.tmp`, '{"part');
    await Deno.writeTextFile(`${dir}/.manifest.json.4242.0a.tmp`, "");
    await Deno.writeTextFile(`${dir}/notes.tmp`, "user file");
    const removed = await cleanTempFiles(dir);
    assert.deepEqual(removed.sort(), [
      `${dir}/.manifest.json.4242.0a.tmp`,
      `${dir}/bofm/1-ne/.2.json.4242.deadbeef.tmp`,
    ]);
    assert.deepEqual(await listFiles(dir), ["bofm/1-ne/1.json", "notes.tmp"]);
    assert.deepEqual(await cleanTempFiles(`${dir}/absent`), []);
  });
});

Deno.test({
  name: "a writer killed with SIGKILL mid-run leaves one whole version of the file",
  ignore: Deno.build.os === "windows",
  async fn() {
    await withTempDir(async (dir) => {
      const path = `${dir}/chapter.json`;
      const child = new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          `--allow-read=${dir}`,
          `--allow-write=${dir}`,
          new URL("./_atomic_writer_child.ts", import.meta.url).pathname,
          path,
        ],
        stdout: "piped",
        stderr: "null",
      }).spawn();
      // Kill it once it has started its fourth write, so the kill lands while
      // writes are going on; where exactly does not matter to the assertion.
      // Keep reading until the pipe closes: closing it early would end the
      // child with a broken pipe between two writes instead.
      const decoder = new TextDecoder();
      let output = "";
      let killed = false;
      for await (const chunk of child.stdout) {
        output += decoder.decode(chunk, { stream: true });
        if (!killed && output.includes("writing 3\n")) {
          child.kill("SIGKILL");
          killed = true;
        }
      }
      const status = await child.status;
      assert.equal(status.signal, "SIGKILL");

      const content = await Deno.readFile(path);
      assert.equal(content.length, SIZE);
      assert.ok(content[0] >= 97 && content[0] <= 122, `version letter ${content[0]}`);
      assert.ok(content.every((byte) => byte === content[0]), "the file mixes two versions");

      await cleanTempFiles(dir);
      assert.deepEqual(await listFiles(dir), ["chapter.json"]);
    });
  },
});

Deno.test("DirectorySyncs answers each caller with a sync that started after it asked, one for all who wait", async () => {
  const started: string[] = [];
  const gates: (() => void)[] = [];
  const syncs = new DirectorySyncs((dir) => {
    started.push(dir);
    return new Promise((resolve) => gates.push(resolve));
  });
  const ended: string[] = [];
  const ask = (dir: string, name: string) => syncs.sync(dir).then(() => ended.push(name));
  const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

  const a = ask("/d", "a"); // starts sync 1 at once
  const b = ask("/d", "b"); // asked while 1 runs: waits for 2
  const c = ask("/d", "c"); // the same 2
  const other = ask("/e", "other"); // another folder: a sync of its own, at once
  await settle();
  assert.deepEqual(started, ["/d", "/e"]);
  gates[0](); // sync 1 ends: a is answered, sync 2 starts for b and c
  await settle();
  assert.deepEqual(ended, ["a"]);
  assert.deepEqual(started, ["/d", "/e", "/d"]);
  const d = ask("/d", "d"); // asked while 2 runs: not answered by it
  gates[2]();
  await settle();
  assert.deepEqual(ended, ["a", "b", "c"]);
  assert.deepEqual(started, ["/d", "/e", "/d", "/d"]);
  gates[3]();
  gates[1]();
  await Promise.all([a, b, c, d, other]);
  assert.deepEqual(ended.toSorted(), ["a", "b", "c", "d", "other"]);
  // Nothing runs or waits: the next caller starts a sync at once.
  const e = ask("/d", "e");
  assert.equal(started.length, 5);
  gates[4]();
  await e;
});
