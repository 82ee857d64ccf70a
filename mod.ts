/**
 * A declarative, config-driven parallel importer for the scriptures.
 *
 * `import.yaml` declares what to import and from where; a profile declares how
 * fast. The planner compiles them into a DAG of chapter requests and
 * manifest-writing sinks; a generic executor runs it within per-level
 * concurrency limits, an exact rate limit and retries; every event feeds the
 * progress log, the terminal view and the summary.
 *
 * @example Import two chapters from the built-in fake API
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadManifest, loadProfile, runImport, startFakeApi } from "./mod.ts";
 *
 * const manifest = await loadManifest("./import.yaml");
 * const profile = await loadProfile("conservative");
 * const api = await startFakeApi({ volumes: manifest.volumes });
 * const outDir = await Deno.makeTempDir();
 * try {
 *   const result = await runImport({
 *     manifest: { ...manifest, source: { ...manifest.source, url: api.apiUrl } },
 *     profile,
 *     selection: { only: ["bofm/1-ne/3-4"] },
 *     outDir,
 *   });
 *   assert.ok(result.exitCode === 0 && result.summary.chapters.imported === 2);
 *   const chapter = JSON.parse(await Deno.readTextFile(`${outDir}/bofm/1-ne/3.json`));
 *   assert.ok(chapter.uri === "/scriptures/bofm/1-ne/3" && chapter.verses.length > 0);
 * } finally {
 *   await api.close();
 *   await Deno.remove(outDir, { recursive: true });
 * }
 * ```
 *
 * @example Plan without importing
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildPlan, loadManifest, resolveSelection } from "./mod.ts";
 *
 * const manifest = await loadManifest("./import.yaml");
 * const plan = buildPlan(manifest, resolveSelection(manifest, { source: ["bofm"] }));
 * assert.ok(plan.counts.chapters === 239 && plan.counts.bookManifests === 15);
 * ```
 *
 * @module
 */

export type {
  Book,
  Compression,
  Manifest,
  OutputConfig,
  Profile,
  RetryConfig,
  SourceConfig,
  Volume,
} from "./src/manifest/types.ts";
export { COMPRESSIONS } from "./src/manifest/types.ts";
export {
  listProfiles,
  loadManifest,
  type LoadManifestOptions,
  loadProfile,
  type LoadProfileOptions,
  ManifestError,
  parseManifest,
  type ParseManifestOptions,
  parseProfile,
} from "./src/manifest/load.ts";
export type { Diagnostic } from "./src/manifest/diagnostic.ts";
export type { BoundedRead, ReadFile } from "./src/manifest/yaml_file.ts";
export { formatDurationLiteral, parseDuration } from "./src/manifest/duration.ts";

export type { Plan, PlanCounts } from "./src/plan/planner.ts";
export { buildPlan, planBound } from "./src/plan/planner.ts";
export type {
  BookManifestNode,
  ChapterNode,
  LanguagesManifestNode,
  PlanNode,
  RootManifestNode,
  VolumeManifestNode,
} from "./src/plan/types.ts";
export type { SelectedBook, Selection, SelectionInput } from "./src/plan/selection.ts";
export { resolveSelection, SelectionError } from "./src/plan/selection.ts";
export { type Bound, type BoundBook, theoreticalMinimum } from "./src/plan/bound.ts";
export {
  compileLimits,
  type CompileLimitsOptions,
  type ProfileLimits,
  type RunLimits,
} from "./src/plan/limits.ts";

export { Dag, DagError } from "./src/exec/dag.ts";
export { runDag, type RunOptions } from "./src/exec/executor.ts";
export { type Clock, systemClock } from "./src/exec/clock.ts";
export { VirtualClock } from "./src/exec/virtual_clock.ts";
export { type ControlTarget, RunControl } from "./src/exec/run_control.ts";
export type { RateLimiter, TokenBucket } from "./src/exec/rate_limiter.ts";
export type { ScopeLimits } from "./src/exec/scope_tree.ts";
export { UserError } from "./src/exec/user_error.ts";
export type {
  ControlChange,
  ControlLimits,
  DagNode,
  KindsOf,
  Limits,
  Outcome,
  RateChangeCause,
  RateHint,
  RateSetting,
  RetryPolicy,
  RunEvent,
  RunReport,
  SinkHandler,
  SinkHandlers,
  TaskContext,
  TaskHandler,
  TaskHandlers,
} from "./src/exec/types.ts";
export { TaskError } from "./src/exec/types.ts";

export type { Chapter, Paragraph, Verse } from "./src/source/types.ts";
export {
  fetchChapter,
  type FetchChapterOptions,
  type FetchedChapter,
} from "./src/source/request.ts";
export { parseChapter, type RequestedChapter } from "./src/source/parse_chapter.ts";

export { type ImportOptions, type ImportResult, runImport } from "./src/importer.ts";
export type { WriteFile, WriteFileAtomicOptions } from "./src/output/atomic_write.ts";
export {
  type BookLabel,
  CHAPTER_FORMAT,
  type ChapterFile,
  type ChapterFileVerse,
  chapterReference,
} from "./src/output/chapter_encoding.ts";
export type { Summary, SummaryDisk, SummaryFailure, SummaryRate } from "./src/progress/summary.ts";
export { describeRecode, type RecodeGroup } from "./src/recode.ts";
export type { TallyFailure } from "./src/progress/run_tally.ts";
export type {
  LoggedControlLimits,
  LoggedEvent,
  LoggedRateSetting,
  LoggedSummary,
  LoggedTaskValue,
  LogRecord,
  LogStamp,
  RunEventOf,
  RunHeader,
} from "./src/progress/log_record.ts";
export type {
  LatencyBreakdown,
  MaybeLatencyBreakdown,
  ServerLatencySource,
} from "./src/progress/server_latency.ts";
export { type FakeApi, type FakeApiOptions, startFakeApi } from "./src/fake_api/server.ts";
export type {
  FakeAvailability,
  FakeCanon,
  FakeChapterRef,
  FakeLanguage,
} from "./src/fake_api/fake_canon.ts";
export type { ArrivalGaps, FakeApiStats } from "./src/fake_api/stats.ts";
export type { FaultOptions } from "./src/fake_api/fault_plan.ts";
export type { RateStep } from "./src/fake_api/rate_schedule.ts";
