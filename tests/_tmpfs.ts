/**
 * A tiny real file system for tests that fill a disk: a tmpfs of a given size,
 * mounted on a new temporary directory. Needs root (CI runs as root); when
 * mount is not permitted the test fails, with a message saying so, rather
 * than skip.
 *
 * @module
 */

/** A mounted tmpfs; `await using` unmounts it and removes its directory. */
export interface Tmpfs extends AsyncDisposable {
  /** Where it is mounted. */
  readonly dir: string;
}

/**
 * Mounts a tmpfs of `sizeKiB` KiB (whole pages of 4 KiB: every file takes at
 * least one), read-only if asked.
 *
 * @throws {Error} when mount is not permitted or fails.
 */
export async function mountTmpfs(
  sizeKiB: number,
  options: { readonly readOnly?: boolean } = {},
): Promise<Tmpfs> {
  const dir = await Deno.makeTempDir({ prefix: "tmpfs-" });
  const mountOptions = `size=${sizeKiB}k${options.readOnly ? ",ro" : ""}`;
  const mount = await new Deno.Command("mount", {
    args: ["-t", "tmpfs", "-o", mountOptions, "tmpfs", dir],
    stdout: "null",
    stderr: "piped",
  }).output().catch((error: Error) => ({ success: false, stderr: error.message }));
  if (!mount.success) {
    await Deno.remove(dir);
    const detail = typeof mount.stderr === "string"
      ? mount.stderr
      : new TextDecoder().decode(mount.stderr).trim();
    throw new Error(
      `Cannot mount a ${sizeKiB} KiB tmpfs on "${dir}": ${detail} ` +
        `(this test fills a real disk: run it as root, as CI does)`,
    );
  }
  return {
    dir,
    async [Symbol.asyncDispose]() {
      const umount = await new Deno.Command("umount", { args: [dir], stderr: "piped" }).output();
      if (!umount.success) {
        throw new Error(
          `Cannot unmount "${dir}": ${new TextDecoder().decode(umount.stderr).trim()}`,
        );
      }
      await Deno.remove(dir, { recursive: true });
    },
  };
}
