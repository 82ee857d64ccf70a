/**
 * A real terminal for end-to-end tests: runs a shell command line in a new
 * pseudo-terminal with `script` from util-linux, so the command is the
 * foreground process group of a terminal, and types at its keyboard by
 * writing to the pty master (through script's stdin). A `\x03` typed there
 * is turned by the terminal's line discipline into SIGINT for the whole
 * foreground process group, exactly as a key press at a terminal emulator.
 *
 * @module
 */

/** A command running in its own terminal. */
export interface TerminalSession {
  /** Everything the terminal has shown so far (stdout and stderr, with `\r\n`). */
  screen(): string;
  /** Types `keys` at the terminal's keyboard. */
  type(keys: string): Promise<void>;
  /** Resolves once `check(screen)` holds, polling; rejects when the session ends first. */
  waitForScreen(check: (screen: string) => boolean, what: string): Promise<void>;
  /** Resolves when the command line has ended: its exit code and the whole screen. */
  readonly done: Promise<{ code: number; screen: string }>;
  /** Ends the session if it is still running (closing the terminal hangs up its processes). */
  close(): Promise<void>;
}

/** The options of {@link startInTerminal}. */
export interface TerminalOptions {
  readonly cwd: string;
  /** Added to the test's own environment. */
  readonly env?: Record<string, string>;
}

const _SCRIPT_MISSING = "These tests type Ctrl-C at a real terminal and need `script` from " +
  "util-linux (Debian package: bsdutils, built from util-linux; on CI add it to what .ci/run installs)";

/**
 * Throws a clear error when `script` is missing or is not util-linux's (the
 * BSD one takes other flags).
 */
export async function requireScript(): Promise<void> {
  let output: Deno.CommandOutput;
  try {
    output = await new Deno.Command("script", { args: ["--version"], stdin: "null" }).output();
  } catch (error) {
    throw new Error(`${_SCRIPT_MISSING}: ${error instanceof Error ? error.message : error}`);
  }
  const version = new TextDecoder().decode(output.stdout);
  if (!output.success || !version.includes("util-linux")) {
    throw new Error(`${_SCRIPT_MISSING}: "script --version" said ${JSON.stringify(version)}`);
  }
}

/** Quotes `word` for sh. */
export function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/**
 * Runs `commandLine` (sh syntax) in a new terminal. The line discipline is
 * set as a terminal's default (`stty isig intr ^C`: ^C signals the
 * foreground group) before the command starts. The shell traps SIGINT only
 * to outlive it, as an interactive shell does, and after the command prints
 * `[exited N]`: the point where a shell would show its prompt again.
 */
export async function startInTerminal(
  commandLine: string,
  options: TerminalOptions,
): Promise<TerminalSession> {
  await requireScript();
  const wrapped = `stty isig intr '^C' || exit 97; trap : INT; ${commandLine}; ` +
    `code=$?; echo "[exited $code]"; exit $code`;
  const child = new Deno.Command("script", {
    // -q quiet, -f flush at once, -e the command's exit code, -c the command; no typescript file.
    args: ["-qfec", wrapped, "/dev/null"],
    cwd: options.cwd,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    env: { SHELL: "/bin/sh", NO_COLOR: "1", ...options.env },
  }).spawn();
  const keyboard = child.stdin.getWriter();
  let screen = "";
  let ended = false;
  const decoder = new TextDecoder();
  const reading = (async () => {
    for await (const chunk of child.stdout) screen += decoder.decode(chunk, { stream: true });
  })();
  const errors = new Response(child.stderr).text();
  const done = (async () => {
    const status = await child.status;
    ended = true;
    await reading;
    await keyboard.close().catch(() => {});
    const stderr = await errors;
    return { code: status.code, screen: screen + stderr };
  })();
  return {
    screen: () => screen,
    type: (keys) => keyboard.write(new TextEncoder().encode(keys)),
    async waitForScreen(check, what) {
      while (!check(screen)) {
        if (ended) throw new Error(`The terminal closed before ${what}:\n${screen}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    done,
    async close() {
      if (!ended) child.kill("SIGKILL");
      await done;
    },
  };
}

/**
 * The lines a terminal would show after `raw` was written to it: printable
 * text, `\r`, `\n`, and the codes the live view uses (cursor up `ESC[nA`,
 * erase line `ESC[2K`, erase down `ESC[J`); other escape codes are dropped.
 * Lines are not wrapped: the live view fits its lines to the width itself.
 */
export function renderTerminal(raw: string): string[] {
  const lines: string[] = [""];
  let row = 0;
  let col = 0;
  const put = (ch: string) => {
    const line = lines[row].padEnd(col, " ");
    lines[row] = line.slice(0, col) + ch + line.slice(col + 1);
    col++;
  };
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i];
    if (ch === "\x1b" && raw[i + 1] === "[") {
      let j = i + 2;
      while (j < raw.length && !/[A-Za-z]/.test(raw[j])) j++;
      const params = raw.slice(i + 2, j);
      const code = raw[j];
      if (code === "A") row = Math.max(0, row - (Number(params) || 1));
      else if (code === "K" && params === "2") lines[row] = "";
      else if (code === "J") {
        lines[row] = lines[row].slice(0, col);
        lines.length = row + 1;
      }
      i = j;
    } else if (ch === "\r") {
      col = 0;
    } else if (ch === "\n") {
      row++;
      col = 0;
      if (row === lines.length) lines.push("");
    } else if (ch >= " ") {
      put(ch);
    }
  }
  return lines;
}
