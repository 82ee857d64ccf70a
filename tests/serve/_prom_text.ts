/**
 * A strict parser of the Prometheus text exposition format (version 0.0.4),
 * for the tests of `/metrics`: it throws, naming the line, on anything the
 * format does not allow, and checks what Prometheus itself would reject or
 * misread: a family declared twice or after its samples, a sample of no
 * declared family, a duplicate series, a counter not named `_total`, a
 * histogram whose buckets are not cumulative or lack `+Inf`.
 */

/** One metric family. */
export interface PromFamily {
  readonly name: string;
  readonly type: "counter" | "gauge" | "histogram" | "summary" | "untyped";
  readonly help: string;
  readonly samples: PromSample[];
}

/** One sample line. */
export interface PromSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(["counter", "gauge", "histogram", "summary", "untyped"]);

/** Parses an exposition into its families, by name. */
export function parsePromText(text: string): Map<string, PromFamily> {
  const families = new Map<string, PromFamily & { samples: PromSample[] }>();
  const helps = new Map<string, string>();
  const series = new Set<string>();
  if (!text.endsWith("\n")) throw new Error("The exposition must end with a newline");
  const lines = text.split("\n").slice(0, -1);
  lines.forEach((line, i) => {
    const where = `line ${i + 1} (${JSON.stringify(line)})`;
    if (line.trim() === "") return;
    if (line.startsWith("#")) {
      const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (m === null) return; // a comment
      const [, kind, name, rest] = m;
      if (!NAME.test(name)) throw new Error(`${where}: bad metric name`);
      if (kind === "HELP") {
        if (helps.has(name)) throw new Error(`${where}: HELP given twice`);
        helps.set(name, _unescape(rest, false, where));
        return;
      }
      if (!TYPES.has(rest)) throw new Error(`${where}: unknown type "${rest}"`);
      if (families.has(name)) throw new Error(`${where}: TYPE given twice`);
      for (const seen of series) {
        if (_familyOf(seen.split("{")[0], name, rest)) {
          throw new Error(`${where}: TYPE after the family's samples`);
        }
      }
      families.set(name, {
        name,
        type: rest as PromFamily["type"],
        help: helps.get(name) ?? "",
        samples: [],
      });
      return;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)(?: (-?\d+))?$/.exec(line);
    if (m === null) throw new Error(`${where}: not a sample line`);
    const [, name, labelText, valueText] = m;
    const labels = _labels(labelText ?? "", where);
    const value = _value(valueText, where);
    const family = [...families.values()].find((f) => _familyOf(name, f.name, f.type));
    if (family === undefined) throw new Error(`${where}: no TYPE declared for "${name}"`);
    const key = `${name}{${
      Object.entries(labels).sort().map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(",")
    }}`;
    if (series.has(key)) throw new Error(`${where}: duplicate series ${key}`);
    series.add(key);
    family.samples.push({ name, labels, value });
  });
  for (const family of families.values()) {
    const h = helps.get(family.name);
    if (h !== undefined) (family as { help: string }).help = h;
    if (family.type === "counter") {
      if (!family.name.endsWith("_total")) {
        throw new Error(`Counter "${family.name}" is not named _total`);
      }
      for (const s of family.samples) {
        if (!(s.value >= 0)) throw new Error(`Counter "${s.name}" is negative: ${s.value}`);
      }
    }
    if (family.type === "histogram") _checkHistogram(family);
  }
  return families;
}

/** The value of the one sample of `name` whose labels include `labels`; throws when not exactly one. */
export function sampleValue(
  families: Map<string, PromFamily>,
  name: string,
  labels: Readonly<Record<string, string>> = {},
): number {
  const found = [...families.values()].flatMap((f) => f.samples).filter((s) =>
    s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)
  );
  if (found.length !== 1) {
    throw new Error(`Expected one sample ${name}${JSON.stringify(labels)}, found ${found.length}`);
  }
  return found[0].value;
}

/** The sum of the samples of `name`, whatever their labels. */
export function sampleSum(families: Map<string, PromFamily>, name: string): number {
  return [...families.values()].flatMap((f) => f.samples).filter((s) => s.name === name)
    .reduce((sum, s) => sum + s.value, 0);
}

function _familyOf(sample: string, family: string, type: string): boolean {
  if (sample === family) return type !== "histogram";
  if (type === "histogram") {
    return [`${family}_bucket`, `${family}_sum`, `${family}_count`].includes(sample);
  }
  if (type === "summary") return [`${family}_sum`, `${family}_count`].includes(sample);
  return false;
}

function _labels(text: string, where: string): Record<string, string> {
  const labels: Record<string, string> = {};
  if (text === "") return labels;
  let rest = text.slice(1, -1);
  while (rest.length > 0) {
    const m = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,?)/.exec(rest);
    if (m === null || !LABEL.test(m[1])) throw new Error(`${where}: bad labels "${text}"`);
    if (Object.hasOwn(labels, m[1])) throw new Error(`${where}: label "${m[1]}" twice`);
    labels[m[1]] = _unescape(m[2], true, where);
    rest = rest.slice(m[0].length);
    if (m[3] === "" && rest.length > 0) throw new Error(`${where}: bad labels "${text}"`);
  }
  return labels;
}

function _unescape(text: string, quotes: boolean, where: string): string {
  return text.replace(/\\(.)/g, (_, c: string) => {
    if (c === "\\") return "\\";
    if (c === "n") return "\n";
    if (c === '"' && quotes) return '"';
    throw new Error(`${where}: bad escape \\${c}`);
  });
}

function _value(text: string, where: string): number {
  if (text === "+Inf") return Infinity;
  if (text === "-Inf") return -Infinity;
  if (text === "NaN") return NaN;
  if (!/^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/.test(text)) {
    throw new Error(`${where}: bad value "${text}"`);
  }
  return Number(text);
}

function _checkHistogram(family: PromFamily): void {
  const groups = new Map<string, PromSample[]>();
  for (const s of family.samples) {
    const { le: _, ...rest } = s.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  for (const samples of groups.values()) {
    const buckets = samples.filter((s) => s.name.endsWith("_bucket"));
    const count = samples.find((s) => s.name === `${family.name}_count`);
    const sum = samples.find((s) => s.name === `${family.name}_sum`);
    if (count === undefined || sum === undefined) {
      throw new Error(`Histogram "${family.name}" lacks _count or _sum`);
    }
    let previousLe = -Infinity;
    let previous = 0;
    for (const b of buckets) {
      const le = _value(b.labels.le ?? "", `bucket of "${family.name}"`);
      if (!(le > previousLe)) throw new Error(`Histogram "${family.name}": le not increasing`);
      if (b.value < previous) throw new Error(`Histogram "${family.name}": buckets not cumulative`);
      previousLe = le;
      previous = b.value;
    }
    if (previousLe !== Infinity) throw new Error(`Histogram "${family.name}" has no +Inf bucket`);
    if (previous !== count.value) {
      throw new Error(
        `Histogram "${family.name}": +Inf bucket ${previous} != count ${count.value}`,
      );
    }
  }
}
