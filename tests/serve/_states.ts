/** RunStates made for the dashboard's tests, from a tracker fed by hand. */
import type { LogRecord } from "../../src/progress/log_record.ts";
import { type RunState, RunStateTracker } from "../../src/progress/run_state.ts";

/**
 * The state of a run of `languages` copies of a 5-volume, 88-book canon
 * of `chaptersPerBook` chapters a book, before any record.
 */
export function bigPlanTracker(languages: number, chaptersPerBook: number): RunStateTracker {
  const volumes = [];
  for (let l = 0; l < languages; l++) {
    for (const [v, books] of [[0, 39], [1, 27], [2, 15], [3, 2], [4, 5]] as const) {
      const id = `l${l}-v${v}`;
      volumes.push({
        id,
        title: `Volume ${v} (language ${l})`,
        books: Array.from({ length: books }, (_, b) => ({
          id: `${id}/b${b}`,
          title: `Book ${b}`,
          chapters: chaptersPerBook,
        })),
      });
    }
  }
  return new RunStateTracker({
    volumes,
    ceilings: {
      ratePerSecond: 40,
      maxInFlight: 16,
      volumes: 5,
      booksPerVolume: 10,
      chaptersPerBook: 20,
    },
  });
}

/** A record at `at` ms (epoch), with its time. */
export function at<T extends Omit<LogRecord, "time" | "at">>(ms: number, record: T): LogRecord {
  return { ...record, time: new Date(ms).toISOString(), at: ms } as unknown as LogRecord;
}

/** Imports `count` chapters of `book` from `fromMs`, one every `stepMs`. */
export function importChapters(
  tracker: RunStateTracker,
  book: string,
  count: number,
  fromMs: number,
  stepMs = 10,
): number {
  let t = fromMs;
  for (let n = 1; n <= count; n++) {
    const id = `${book}/${n}`;
    tracker.add(at(t, { type: "task-start", id, kind: "chapter", role: "task", attempt: 1 }));
    t += stepMs;
    tracker.add(
      at(t, { type: "task-done", id, kind: "chapter", attempts: 1, durationMs: stepMs }),
    );
  }
  return t;
}

/** A state with a run started at `startMs`. */
export function started(tracker: RunStateTracker, startMs: number): RunState {
  tracker.add(at(startMs, {
    type: "run-start",
    tool: { name: "t", version: "0" },
    manifest: { file: "import.yaml", sha256: "" },
    profile: {
      name: "aggressive",
      volumes: 5,
      booksPerVolume: 10,
      chaptersPerBook: 20,
      maxInFlight: 16,
      delayMs: 0,
    },
    selection: ["all"],
    outDir: "/out",
    lang: "eng",
    apiUrl: "http://127.0.0.1:1/api",
    nodes: 0,
    tasks: 0,
    sinks: 0,
  }));
  return tracker.state();
}
