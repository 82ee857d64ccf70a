/**
 * The dashboard at the size of a 100-language run (8,800 books, 158,400
 * chapters) in a real headless chromium: its grid is bounded by books, and a
 * new state touches only the cells whose book changed.
 */
import assert from "node:assert/strict";
import { sanitizedTest } from "../exec/_helpers.ts";
import type { RunState } from "../../src/progress/run_state.ts";
import { dashboardPage } from "../../src/serve/dashboard_page.ts";
import { launchChromium } from "./_browser.ts";
import { at, bigPlanTracker, importChapters, started } from "./_states.ts";

const GUARD = { timeout: 90_000, polling: 50 };
const T0 = Date.parse("2026-01-01T10:00:00Z");

/** Serves the page, a state and a stream of what the test pushes. */
function serveStates(first: RunState) {
  let current = first;
  const encoder = new TextEncoder();
  const streams = new Set<ReadableStreamDefaultController<Uint8Array>>();
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
    const { pathname } = new URL(request.url);
    if (pathname === "/") {
      return new Response(dashboardPage(), { headers: { "content-type": "text/html" } });
    }
    if (pathname === "/api/state") return Response.json(current);
    if (pathname === "/events") {
      let self: ReadableStreamDefaultController<Uint8Array>;
      return new Response(
        new ReadableStream<Uint8Array>({
          start(controller) {
            self = controller;
            streams.add(controller);
            controller.enqueue(
              encoder.encode(`event: state\ndata: ${JSON.stringify(current)}\n\n`),
            );
          },
          cancel() {
            streams.delete(self);
          },
        }),
        { headers: { "content-type": "text/event-stream" } },
      );
    }
    return new Response("No such route", { status: 404 });
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}/`,
    push(event: "state" | "record", data: unknown) {
      if (event === "state") current = data as RunState;
      const chunk = encoder.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      for (const stream of streams) stream.enqueue(chunk);
    },
    async close() {
      for (const stream of streams) stream.close();
      streams.clear();
      await server.shutdown();
    },
  };
}

// The sanitizers are on: the browser (a child process driven over pipes) is closed and
// the server stopped before the test ends.
sanitizedTest(
  "at 8,800 books the grid holds a few elements per book, and a new state touches only the cells of the books that changed",
  async () => {
    const tracker = bigPlanTracker(100, 18);
    const first = started(tracker, T0);
    assert.equal(first.chapters.total, 158_400);
    const server = serveStates(first);
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(server.url);
      await page.waitForFunction(
        () => document.querySelectorAll(".book").length === 8800,
        null,
        GUARD,
      );
      const elements = await page.$$eval("#grid *", (all) => all.length);
      // 5 per book (cell, fill, mark, name, count), 3 per volume (section, heading, list).
      assert.equal(elements, 8800 * 5 + 500 * 3);

      await page.evaluate(() => {
        const touched = new Set<string>();
        (globalThis as unknown as { touched: Set<string> }).touched = touched;
        new MutationObserver((mutations) => {
          for (const m of mutations) {
            const node = m.target instanceof Element ? m.target : m.target.parentElement;
            touched.add(node?.closest<HTMLElement>(".book")?.dataset.book ?? "(outside a cell)");
          }
        }).observe(document.getElementById("grid")!, {
          subtree: true,
          childList: true,
          attributes: true,
          characterData: true,
        });
      });
      importChapters(tracker, "l57-v2/b9", 3, T0 + 1000);
      server.push("state", tracker.state());
      await page.waitForFunction(
        () =>
          document.querySelector<HTMLElement>('[data-book="l57-v2/b9"]')!.dataset.fill === "16.7",
        null,
        GUARD,
      );
      const touched = await page.evaluate(
        () => [...(globalThis as unknown as { touched: Set<string> }).touched],
      );
      assert.deepEqual(touched, ["l57-v2/b9"]);

      // A burst of records: the live log keeps its last 40 lines, not one per record.
      for (let n = 0; n < 2000; n++) {
        server.push("record", at(T0 + 2000 + n, { type: "scope-open", scope: `s${n}`, depth: 0 }));
      }
      await page.waitForFunction(
        () => document.querySelector("#log")!.firstElementChild?.textContent?.endsWith("s1999"),
        null,
        GUARD,
      );
      const lines = await page.$$eval("#log li", (items) => items.map((li) => li.textContent));
      assert.equal(lines.length, 40);
      assert.match(lines[0]!, /scope-open s1999$/, "newest first");
      assert.match(lines[39]!, /scope-open s1960$/);
    } finally {
      await browser.close();
      await server.close();
    }
  },
);
