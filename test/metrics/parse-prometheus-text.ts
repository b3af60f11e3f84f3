/** One sample line of the Prometheus text format. */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface ParsedExposition {
  readonly types: ReadonlyMap<string, string>;
  readonly samples: readonly Sample[];
}

const NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
const LABEL = `[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\["\\\\n])*"`;
// Prometheus parses values with Go's strconv.ParseFloat: NaN and Inf in any letter case
// (prom-client writes "Nan" for an idle event-loop histogram).
const VALUE =
  "(?:[+-]?(?:\\d+\\.?\\d*(?:[eE][+-]?\\d+)?|\\.\\d+(?:[eE][+-]?\\d+)?)|[+-]?[iI][nN][fF]|[nN][aA][nN])";
const SAMPLE_LINE = new RegExp(
  `^(${NAME})(?:\\{((?:${LABEL})(?:,${LABEL})*,?)?\\})? (${VALUE})(?: -?\\d+)?$`,
);
const HELP_LINE = new RegExp(`^# HELP (${NAME}) .*$`);
const TYPE_LINE = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`);
const LABEL_PAIR = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\["\\n])*)"/g;

/**
 * A strict check of the Prometheus text exposition format 0.0.4: every non-empty line is a HELP,
 * TYPE or sample line; each sample belongs to a family declared by an earlier TYPE line (histogram
 * samples as `_bucket`/`_sum`/`_count`); histogram buckets are cumulative and end with
 * `le="+Inf"` equal to `_count`. Throws with the offending line.
 */
export function parsePrometheusText(text: string): ParsedExposition {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  const lines = text.split("\n");
  if (lines.at(-1) !== "") throw new Error("the exposition must end with a newline");
  for (const line of lines.slice(0, -1)) {
    // The format ignores empty lines (prom-client separates families with one).
    if (line === "") continue;
    if (line.startsWith("#")) {
      const type = TYPE_LINE.exec(line);
      if (type !== null) {
        if (types.has(type[1]!)) throw new Error(`TYPE declared twice: ${line}`);
        types.set(type[1]!, type[2]!);
        continue;
      }
      if (HELP_LINE.test(line)) continue;
      throw new Error(`bad comment line: ${line}`);
    }
    const match = SAMPLE_LINE.exec(line);
    if (match === null) throw new Error(`bad sample line: ${line}`);
    const name = match[1]!;
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? "").matchAll(LABEL_PAIR)) labels[pair[1]!] = pair[2]!;
    const family = familyOf(name, types);
    if (family === undefined) throw new Error(`sample without a TYPE line: ${line}`);
    samples.push({ name, labels, value: parseValue(match[3]!) });
  }
  checkHistograms(types, samples);
  return { types, samples };
}

/** The samples of `name` whose labels include `labels`. */
export function samplesOf(
  parsed: ParsedExposition,
  name: string,
  labels: Record<string, string> = {},
): Sample[] {
  return parsed.samples.filter(
    (sample) =>
      sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
  );
}

/** The single value of `name{labels}`, or undefined. */
export function valueOf(
  parsed: ParsedExposition,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const found = samplesOf(parsed, name, labels);
  if (found.length > 1) throw new Error(`${name} ${JSON.stringify(labels)} matches ${found.length} samples`);
  return found[0]?.value;
}

function familyOf(name: string, types: ReadonlyMap<string, string>): string | undefined {
  if (types.has(name)) return name;
  for (const suffix of ["_bucket", "_sum", "_count"]) {
    if (name.endsWith(suffix)) {
      const base = name.slice(0, -suffix.length);
      const type = types.get(base);
      if (type === "histogram" || (type === "summary" && suffix !== "_bucket")) return base;
    }
  }
  return undefined;
}

function parseValue(text: string): number {
  if (/^\+?inf$/i.test(text)) return Number.POSITIVE_INFINITY;
  if (/^-inf$/i.test(text)) return Number.NEGATIVE_INFINITY;
  if (/^nan$/i.test(text)) return Number.NaN;
  return Number(text);
}

function checkHistograms(types: ReadonlyMap<string, string>, samples: readonly Sample[]): void {
  for (const [family, type] of types) {
    if (type !== "histogram") continue;
    const series = new Map<string, Sample[]>();
    for (const sample of samples.filter((item) => item.name === `${family}_bucket`)) {
      const { le, ...rest } = sample.labels;
      if (le === undefined) throw new Error(`${family}_bucket without le`);
      const key = JSON.stringify(rest);
      series.set(key, [...(series.get(key) ?? []), sample]);
    }
    for (const [key, buckets] of series) {
      const values = buckets.map((bucket) => bucket.value);
      if (values.some((value, index) => index > 0 && value < values[index - 1]!)) {
        throw new Error(`${family}${key} buckets are not cumulative`);
      }
      const last = buckets.at(-1)!;
      const count = samples.find(
        (sample) => sample.name === `${family}_count` && JSON.stringify(sample.labels) === key,
      );
      if (last.labels["le"] !== "+Inf" || count === undefined || count.value !== last.value) {
        throw new Error(`${family}${key} must end with le="+Inf" equal to _count`);
      }
    }
  }
}
