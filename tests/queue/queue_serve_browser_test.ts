/**
 * The dashboard of a queue run's watcher in a real headless browser (Debian's
 * chromium driven by playwright-core): the real CLI's watcher serving a real
 * worker process's run, followed part way (requests held at a proxy) and to
 * 100 %, with no controls offered.
 */
import assert from "node:assert/strict";
import { startFakeApi } from "../../src/fake_api/server.ts";
import { join } from "node:path";
import { sanitizedTest } from "../exec/_helpers.ts";
import { launchChromium } from "../serve/_browser.ts";
import {
  CANON,
  enqueue,
  startGatedProxy,
  startRedis,
  startWatch,
  startWorker,
  type WatchProcess,
  type WorkerProcess,
  writeProfile,
} from "./_queue.ts";

const GUARD = { timeout: 90_000, polling: 50 };

sanitizedTest(
  "the watcher's dashboard follows a queue run to 100 % and offers no controls",
  async () => {
    const redis = await startRedis();
    const api = await startFakeApi({ volumes: CANON.volumes });
    // Three requests pass; the next ones wait at the proxy until released.
    const proxy = startGatedProxy(api.apiUrl, 3);
    const dir = await Deno.makeTempDir({ prefix: "queue-serve-browser-" });
    let watcher: WatchProcess | undefined;
    let worker: WorkerProcess | undefined;
    const browser = await launchChromium();
    try {
      const profile = await writeProfile(dir, "shared", { delay: "0ms", maxInFlight: 2 });
      const run = await enqueue(redis.url, proxy.apiUrl, join(dir, "out"), "-s", "pgp");
      watcher = startWatch(redis.url, run, profile, "--serve", "0", "--serve-linger", "10m");
      const url = (await watcher.waitFor(/Dashboard and metrics: (\S+)/))[1];
      const page = await browser.newPage({ viewport: { width: 1200, height: 1000 } });
      const errors: string[] = [];
      page.on("pageerror", (error) => errors.push(error.message));
      await page.goto(url);
      const progress = () => page.textContent("#progress-text");

      // No controls: the note says why, no button or limit field is shown.
      await page.waitForSelector("#controls-off", { state: "visible", ...GUARD });
      assert.match(
        await page.textContent("#controls-off") ?? "",
        /queue run's watcher: it shows every worker's progress and cannot steer/,
      );
      for (const selector of ["#pause", "#resume", "#cancel", "#limits"]) {
        assert.equal(await page.isVisible(selector), false, selector);
      }

      worker = await startWorker({ queue: redis.url, profile });
      // Part way: three of sixteen imported, two in flight at the proxy.
      await proxy.whenHeld(2);
      await page.waitForFunction(
        () => document.querySelector("#progress-text")!.textContent!.startsWith("18.7 %"),
        null,
        GUARD,
      );
      assert.match(await progress() ?? "", /^18\.7 % · 3 of 16 chapters ended \(3 imported,/);
      assert.equal(await page.textContent("#phase"), "Running");
      assert.equal(
        await page.getAttribute('[data-book="pgp/moses"]', "data-state"),
        "running",
      );

      // To the end.
      proxy.release();
      await page.waitForFunction(
        () => document.querySelector("#phase")!.textContent === "Done",
        null,
        GUARD,
      );
      assert.match(await progress() ?? "", /^100\.0 % · 16 of 16 chapters ended \(16 imported,/);
      assert.deepEqual(
        await page.$$eval(
          ".book",
          (els) =>
            els.map((el) => [(el as HTMLElement).dataset.book, (el as HTMLElement).dataset.state]),
        ),
        [
          ["pgp/moses", "done"],
          ["pgp/abr", "done"],
          ["pgp/js-m", "done"],
          ["pgp/js-h", "done"],
          ["pgp/a-of-f", "done"],
        ],
      );
      assert.deepEqual(errors, []);
      const watched = await watcher.stop();
      watcher = undefined;
      assert.equal(watched.code, 0, watched.stderr);
      assert.equal(JSON.parse(watched.stdout).chapters.imported, 16);
    } finally {
      await browser.close();
      await watcher?.stop();
      await worker?.stop();
      await proxy.close();
      await api.close();
      await redis.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
);
