import assert from "node:assert/strict";
import { join } from "node:path";
import { writeFileAtomic } from "../../src/output/atomic_write.ts";
import { unwritableOutput, WriteFileError } from "../../src/output/write_error.ts";
import { mountTmpfs } from "../_tmpfs.ts";

const osError = (code: string, message: string) => Object.assign(new Error(message), { code });

Deno.test("an output that takes no more writes is told from an error about one file", () => {
  const rows: [Error, string | undefined][] = [
    [osError("ENOSPC", "No space left on device (os error 28)"), "ENOSPC"],
    [osError("EDQUOT", "Disk quota exceeded (os error 122)"), "EDQUOT"],
    [osError("EROFS", "Read-only file system (os error 30)"), "EROFS"],
    [osError("EIO", "Input/output error (os error 5)"), "EIO"],
    [osError("EACCES", "Permission denied (os error 13)"), undefined],
    [osError("ENOTDIR", "Not a directory (os error 20)"), undefined],
    [osError("EISDIR", "Is a directory (os error 21)"), undefined],
    [new Error("No space left on device"), undefined], // a fact is the code, not the words
  ];
  for (const [error, code] of rows) {
    const wrapped = new WriteFileError("out/ot/gen/1.json", error.message, { cause: error });
    assert.equal(unwritableOutput(wrapped)?.code, code, error.message);
    assert.equal(unwritableOutput(error)?.code, code, error.message);
  }
});

Deno.test("the file being written is named when the error chain says which", () => {
  const full = osError("ENOSPC", "No space left on device (os error 28)");
  assert.deepEqual(
    unwritableOutput(
      new Error("outer", { cause: new WriteFileError("a/1.json", "x", { cause: full }) }),
    ),
    {
      code: "ENOSPC",
      path: "a/1.json",
      problem: "no space left on device (ENOSPC: the disk is full)",
    },
  );
  assert.equal(unwritableOutput(full)?.path, undefined);
});

Deno.test("a cause chain that loops does not hang", () => {
  const a = new Error("a");
  const b = new Error("b", { cause: a });
  (a as { cause?: unknown }).cause = b;
  assert.equal(unwritableOutput(a), undefined);
});

Deno.test("a full disk and a read-only one are recognised from writeFileAtomic's real errors", async () => {
  {
    await using disk = await mountTmpfs(4);
    const path = join(disk.dir, "book", "1.json");
    const error = await writeFileAtomic(path, new Uint8Array(8192)).catch((e) => e);
    assert.deepEqual(unwritableOutput(error), {
      code: "ENOSPC",
      path,
      problem: "no space left on device (ENOSPC: the disk is full)",
    });
    assert.deepEqual([...Deno.readDirSync(join(disk.dir, "book"))], [], "no temporary file left");
  }
  {
    await using disk = await mountTmpfs(4, { readOnly: true });
    const error = await writeFileAtomic(join(disk.dir, "1.json"), "{}").catch((e) => e);
    assert.equal(unwritableOutput(error)?.code, "EROFS");
  }
});
