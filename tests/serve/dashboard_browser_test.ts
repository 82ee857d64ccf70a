/**
 * The dashboard in a real headless browser (Debian's chromium driven by
 * playwright-core), following a real import against the fake API through the
 * harness that stands in for the `--serve` server.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { sanitizedTest } from "../exec/_helpers.ts";
import { launchChromium } from "./_browser.ts";
import { startDashboardHarness } from "./_dashboard_harness.ts";

const GUARD = { timeout: 90_000, polling: 50 };

// The sanitizers are on: the browser (a child process driven over pipes) is closed and
// the server stopped before the test ends.
sanitizedTest(
  "the dashboard follows an import to 100 %: every book of the selection in the grid, cells filling as chapters end, the failure with its reason, the controls answered",
  async () => {
    // The fake's Abraham has 4 chapters, import.yaml's 5: the fifth is answered
    // with a table of contents, a permanent failure. Abraham 3 waits for release().
    const harness = await startDashboardHarness({
      source: ["pgp"],
      fake: { latencyMs: 20, jitterMs: 10 },
      fakeVolumes: (volumes) =>
        volumes.map((v) =>
          v.id !== "pgp"
            ? v
            : { ...v, books: v.books.map((b) => b.id === "abr" ? { ...b, chapters: 4 } : b) }
        ),
      hold: "/scriptures/pgp/abr/3",
    });
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 1000 } });
      const requested: string[] = [];
      const errors: string[] = [];
      page.on("request", (request) => requested.push(request.url()));
      page.on("pageerror", (error) => errors.push(error.message));
      await page.goto(harness.url);

      // Before the run: every book of the selection, pending and empty.
      await page.waitForFunction(
        () => document.querySelectorAll(".book").length === 5,
        null,
        GUARD,
      );
      const cells = () =>
        page.$$eval(".book", (els) =>
          els.map((el) => ({
            book: (el as HTMLElement).dataset.book,
            state: (el as HTMLElement).dataset.state,
            fill: Number((el as HTMLElement).dataset.fill),
            text: el.textContent?.replace(/\s+/g, " ").trim(),
            label: el.getAttribute("aria-label"),
          })));
      assert.deepEqual((await cells()).map(({ book, state, fill }) => ({ book, state, fill })), [
        { book: "pgp/moses", state: "pending", fill: 0 },
        { book: "pgp/abr", state: "pending", fill: 0 },
        { book: "pgp/js-m", state: "pending", fill: 0 },
        { book: "pgp/js-h", state: "pending", fill: 0 },
        { book: "pgp/a-of-f", state: "pending", fill: 0 },
      ]);
      assert.equal((await cells())[0].text, "· moses 0/8", "a symbol and a count, not colour only");

      const run = harness.start();
      // Half-way: Moses done, Abraham running with 3 imported and 1 failed of 5.
      await page.waitForFunction(
        () => {
          const cell = (id: string) => document.querySelector<HTMLElement>(`[data-book="${id}"]`)!;
          return cell("pgp/moses").dataset.state === "done" &&
            cell("pgp/abr").dataset.state === "running" && cell("pgp/abr").dataset.fill === "80" &&
            document.querySelector("#failures")!.textContent!.includes("pgp/abr/5");
        },
        null,
        GUARD,
      );
      const abr = (await cells())[1];
      assert.equal(abr.text, "▶ abr 4/5");
      assert.equal(
        abr.label,
        "Abraham: running, 4 of 5 chapters ended (3 imported, 1 failed), 1 in flight",
      );
      assert.match(await page.textContent("#progress-text") ?? "", /^93\.7 % · 15 of 16 chapters/);

      // The failure, with the reason the run gave.
      const state = await (await fetch(`${harness.url}api/state`)).json();
      assert.equal(state.recentFailures.length, 1);
      const failure = state.recentFailures[0];
      assert.match(failure.reason, /pgp\/abr\/5/);
      const failureText = await page.textContent("#failures li");
      assert.ok(failureText?.includes(`pgp/abr/5`), failureText ?? "");
      assert.ok(failureText?.includes(failure.reason), `${failureText} / ${failure.reason}`);

      // Pause: the body the contract names, and the server's answer on the page.
      await page.click("#pause");
      await page.waitForFunction(
        () =>
          document.querySelector<HTMLElement>("#control-answer")!.dataset.outcome === "accepted",
        null,
        GUARD,
      );
      assert.deepEqual(harness.controls, [{ action: "pause" }]);
      assert.equal(await page.textContent("#control-answer"), "The server accepted pause.");
      // A limit above the ceiling: the server's 400 message, word for word.
      await page.fill("input[name=volumes]", "99");
      await page.fill("input[name=ratePerSecond]", "none");
      await page.click("#limits button[type=submit]");
      await page.waitForFunction(
        () => document.querySelector<HTMLElement>("#control-answer")!.dataset.outcome === "refused",
        null,
        GUARD,
      );
      assert.deepEqual(harness.controls[1], {
        action: "limits",
        ratePerSecond: null,
        volumes: 99,
      });
      assert.equal(
        await page.textContent("#control-answer"),
        "The server refused limits (HTTP 400): Cannot change the limits: volumes 99 is above the profile's ceiling 5",
      );

      harness.release();
      const result = await run;
      assert.equal(result.summary.chapters.imported, 15);
      assert.equal(result.summary.chapters.failed, 1);
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

      // The finished run, kept as an artifact where one is asked for.
      const shot = Deno.env.get("DASHBOARD_SCREENSHOT") ??
        join(await Deno.makeTempDir(), "dashboard.png");
      await page.screenshot({ path: shot, fullPage: true });

      const origin = new URL(harness.url).origin;
      assert.deepEqual(requested.filter((url) => new URL(url).origin !== origin), []);
      // The page, its state, its stream and its controls, and nothing else.
      assert.deepEqual(
        [...new Set(requested.map((url) => new URL(url).pathname))].sort(),
        ["/", "/api/control", "/api/state", "/events"],
      );
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
      await harness.close();
    }
  },
);
