/**
 * The dashboard in a real headless browser (Debian's chromium driven by
 * playwright-core), served by the real `--serve` server of a real import
 * (through the CLI) against the fake API, steered by its buttons.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { sanitizedTest } from "../exec/_helpers.ts";
import { ROOT } from "../_cli.ts";
import { launchChromium } from "./_browser.ts";
import { startServedImport } from "./_served_import.ts";

const GUARD = { timeout: 90_000, polling: 50 };

/** Where the screenshot of the finished run is kept (tests/artifacts/ is not committed). */
const SHOT = Deno.env.get("DASHBOARD_SCREENSHOT") ??
  join(ROOT, "tests", "artifacts", "dashboard.png");

// The sanitizers are on: the browser (a child process driven over pipes) is closed and
// the server stopped before the test ends.
sanitizedTest(
  "the dashboard follows a real import to 100 %: the grid filling, the failure with its reason, pause and a limit through its buttons taking effect at the fake",
  async () => {
    // The fake's Abraham has 4 chapters, import.yaml's 5: the fifth is answered
    // with a table of contents, a permanent failure. Every request waits at the
    // gate until the test lets it go. Profile: 1 volume, 5 books, 4 in flight, no rate limit.
    const run = await startServedImport({
      args: ["--source", "pgp", "--json"],
      fake: { latencyMs: 20, jitterMs: 10 },
      fakeVolumes: (volumes) =>
        volumes.map((v) =>
          v.id !== "pgp"
            ? v
            : { ...v, books: v.books.map((b) => b.id === "abr" ? { ...b, chapters: 4 } : b) }
        ),
      hold: () => true,
      serveArgs: ["--serve-linger", "10m"],
    });
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 1000 } });
      const requested: string[] = [];
      const errors: string[] = [];
      page.on("request", (request) => requested.push(request.url()));
      page.on("pageerror", (error) => errors.push(error.message));
      await run.whenHeld(4);
      await page.goto(run.url);
      const cells = () =>
        page.$$eval(".book", (els) =>
          els.map((el) => ({
            book: (el as HTMLElement).dataset.book,
            state: (el as HTMLElement).dataset.state,
            fill: Number((el as HTMLElement).dataset.fill),
            text: el.textContent?.replace(/\s+/g, " ").trim(),
            label: el.getAttribute("aria-label"),
          })));
      const answered = async (outcome: string) => {
        await page.waitForFunction(
          (o) => document.querySelector<HTMLElement>("#control-answer")!.dataset.outcome === o,
          outcome,
          GUARD,
        );
        const text = await page.textContent("#control-answer");
        // The next answer is told apart from this one.
        await page.evaluate(() =>
          delete document.querySelector<HTMLElement>("#control-answer")!.dataset.outcome
        );
        return text;
      };

      // Four of Moses' chapters in flight at the gate, the other books pending.
      await page.waitForFunction(
        () =>
          document.querySelector<HTMLElement>('[data-book="pgp/moses"]')?.dataset.state ===
            "running",
        null,
        GUARD,
      );
      assert.deepEqual((await cells()).map(({ book, state }) => ({ book, state })), [
        { book: "pgp/moses", state: "running" },
        { book: "pgp/abr", state: "pending" },
        { book: "pgp/js-m", state: "pending" },
        { book: "pgp/js-h", state: "pending" },
        { book: "pgp/a-of-f", state: "pending" },
      ]);
      assert.equal((await cells())[1].text, "· abr 0/5", "a symbol and a count, not colour only");
      assert.equal(
        await page.isVisible("#controls-off"),
        false,
        "no note: this run takes controls",
      );

      // Pause: the four in flight go to the fake and end; nothing starts after them.
      await page.click("#pause");
      assert.equal(await answered("accepted"), "The server accepted pause.");
      await page.waitForFunction(
        () => document.querySelector("#phase")!.textContent === "Paused",
        null,
        GUARD,
      );
      run.release();
      await page.waitForFunction(
        () => document.querySelector<HTMLElement>('[data-book="pgp/moses"]')!.dataset.fill === "50",
        null,
        GUARD,
      );
      const paused = await (await fetch(`${run.url}api/state`)).json();
      assert.equal(paused.requests.started, 4, "no start while paused");
      assert.equal(run.api.stats().requests, 4, "the fake saw no request while paused");
      assert.deepEqual(run.held(), []);

      // A limit above the profile's ceiling: the server's 400, word for word.
      await page.fill("input[name=volumes]", "99");
      await page.click("#limits button[type=submit]");
      assert.equal(
        await answered("refused"),
        "The server refused limits (HTTP 400): Cannot change the limits: volumes 99 is above the profile's ceiling 1",
      );
      // Two in flight at most, then resume: exactly two requests start.
      await page.fill("input[name=volumes]", "");
      await page.fill("input[name=maxInFlight]", "2");
      await page.click("#limits button[type=submit]");
      assert.equal(await answered("accepted"), "The server accepted limits.");
      await page.click("#resume");
      assert.equal(await answered("accepted"), "The server accepted resume.");
      await run.whenHeld(2);
      const resumed = await (await fetch(`${run.url}api/state`)).json();
      assert.equal(resumed.requests.started, 6);
      assert.equal(resumed.inFlight.chapters, 2);
      assert.equal(run.held().length, 2, "two at the new limit, not four");
      await page.waitForFunction(
        () => document.querySelector("#in-flight")!.textContent!.includes("chapters2 (limit 2)"),
        null,
        GUARD,
      );
      await page.waitForFunction(
        () => document.querySelector("#rate-changes")!.textContent!.includes("set by http"),
        null,
        GUARD,
      );
      // The live log shows each control as its record, with its source.
      await page.waitForFunction(
        () => document.querySelector("#log")!.textContent!.includes("control resume http"),
        null,
        GUARD,
      );

      // The rest of the run, to the end.
      run.holdNone();
      run.release();
      await page.waitForFunction(
        () => document.querySelector("#phase")!.textContent === "Done with failures",
        null,
        GUARD,
      );
      assert.match(await page.textContent("#progress-text") ?? "", /^100\.0 % · 16 of 16 chapters/);
      assert.deepEqual((await cells()).map(({ book, state, fill }) => ({ book, state, fill })), [
        { book: "pgp/moses", state: "done", fill: 100 },
        { book: "pgp/abr", state: "failed", fill: 100 },
        { book: "pgp/js-m", state: "done", fill: 100 },
        { book: "pgp/js-h", state: "done", fill: 100 },
        { book: "pgp/a-of-f", state: "done", fill: 100 },
      ]);
      assert.equal(
        (await cells())[1].label,
        "Abraham: failed, 5 of 5 chapters ended (4 imported, 1 failed)",
      );
      // The failure, with the reason the run gave.
      const state = await (await fetch(`${run.url}api/state`)).json();
      assert.equal(state.recentFailures.length, 1);
      const failure = state.recentFailures[0];
      assert.equal(failure.id, "pgp/abr/5");
      const failureText = await page.textContent("#failures li");
      assert.ok(failureText?.includes("pgp/abr/5"), failureText ?? "");
      assert.ok(failureText?.includes(failure.reason), `${failureText} / ${failure.reason}`);
      assert.match(await page.textContent("#latency") ?? "", /^p50 \d+ ms · p95 \d+ ms \(of 15\)$/);
      assert.ok(await page.$("#rate-chart svg path.imported"), "the rate chart is drawn");
      assert.ok(
        await page.$$eval(
          "#log li",
          (items) => items.some((li) => li.textContent!.includes("run-end")),
        ),
        "the live log shows the records",
      );
      assert.equal(
        await page.$$eval(
          "#controls button",
          (b) => b.every((x) => (x as HTMLButtonElement).disabled),
        ),
        true,
        "no control after the end",
      );

      // The finished run, kept as an artifact.
      await Deno.mkdir(join(SHOT, ".."), { recursive: true });
      await page.screenshot({ path: SHOT, fullPage: true });

      const origin = new URL(run.url).origin;
      assert.deepEqual(requested.filter((url) => new URL(url).origin !== origin), []);
      // The page, its state, its stream and its controls, and nothing else.
      assert.deepEqual(
        [...new Set(requested.map((url) => new URL(url).pathname))].sort(),
        ["/", "/api/control", "/api/state", "/events"],
      );
      assert.deepEqual(errors, []);
      const result = await run.finish();
      assert.equal(result.code, 1, "a chapter failed");
      assert.equal(JSON.parse(result.stdout).chapters.imported, 15);
    } finally {
      await browser.close();
      await run.close();
    }
  },
);
