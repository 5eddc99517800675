// The metrics registry: counters, gauges and histograms with labels, exposed in the Prometheus text
// format (version 0.0.4) by GET /metrics. One registry per server process, reached through
// ServerContext.metrics. What must always be true: a metric name is registered once with one type
// (registering it again returns the same metric, so modules may declare what they use at import time
// or per server without coordinating); every series of a metric has the same label names (a second
// registration under another meaning, such as an unlabelled counter beside a labelled one, fails
// loudly instead of mixing series); counters only grow; every series of a metric is exposed under
// one # HELP/# TYPE header; label values are escaped per the exposition format.

export type Labels = Record<string, string | number>;

export interface Counter {
  inc(labels?: Labels, n?: number): void;
  /** The current value of one series (0 when never incremented): for tests and /healthz. */
  value(labels?: Labels): number;
}

export interface Gauge {
  set(value: number, labels?: Labels): void;
  value(labels?: Labels): number;
}

export interface Histogram {
  observe(value: number, labels?: Labels): void;
  /** Number of observations of one series. */
  count(labels?: Labels): number;
}

/** A gauge whose series are computed at scrape time (queue depth, age of the oldest entry). */
export type GaugeCollector = () => Array<{ labels?: Labels; value: number }> | Promise<Array<{ labels?: Labels; value: number }>>;

export interface Metrics {
  counter(name: string, help: string): Counter;
  gauge(name: string, help: string, collect?: GaugeCollector): Gauge;
  histogram(name: string, help: string, buckets?: readonly number[]): Histogram;
  /** The whole registry in Prometheus text format. */
  expose(): Promise<string>;
}

/** Prometheus' default buckets (seconds), fit for latencies from milliseconds to seconds. */
export const DEFAULT_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** `labelNames` is fixed by the first series: the sorted label names, comma-separated. */
interface CounterEntry { type: 'counter'; help: string; series: Map<string, number>; labelNames?: string }
interface GaugeEntry { type: 'gauge'; help: string; series: Map<string, number>; collect?: GaugeCollector; labelNames?: string }
interface HistogramSeries { buckets: number[]; sum: number; count: number }
interface HistogramEntry { type: 'histogram'; help: string; bounds: readonly number[]; series: Map<string, HistogramSeries>; labelNames?: string }
type Entry = CounterEntry | GaugeEntry | HistogramEntry;

export function createMetrics(): Metrics {
  const entries = new Map<string, Entry>();
  const handles = new Map<string, Counter | Gauge | Histogram>();

  function register<E extends Entry>(name: string, entry: E): E {
    if (!NAME.test(name)) throw new Error(`invalid metric name ${JSON.stringify(name)}`);
    const existing = entries.get(name);
    if (existing) {
      if (existing.type !== entry.type) throw new Error(`metric ${name} is already a ${existing.type}`);
      return existing as E;
    }
    entries.set(name, entry);
    return entry;
  }

  return {
    counter(name, help) {
      const entry = register(name, { type: 'counter', help, series: new Map() } as CounterEntry);
      const known = handles.get(name);
      if (known) return known as Counter;
      const counter: Counter = {
        inc(labels, n = 1) {
          // Prometheus counters are monotonic; a negative increment would read as a reset.
          if (!(n >= 0)) throw new Error(`counter ${name} increment must be >= 0`);
          const key = seriesKey(name, entry, labels);
          entry.series.set(key, (entry.series.get(key) ?? 0) + n);
        },
        value: (labels) => entry.series.get(labelKey(labels)) ?? 0,
      };
      handles.set(name, counter);
      return counter;
    },

    gauge(name, help, collect) {
      const entry = register(name, { type: 'gauge', help, series: new Map() } as GaugeEntry);
      if (collect) entry.collect = collect;
      const known = handles.get(name);
      if (known) return known as Gauge;
      const gauge: Gauge = {
        set(value, labels) { entry.series.set(seriesKey(name, entry, labels), value); },
        value: (labels) => entry.series.get(labelKey(labels)) ?? 0,
      };
      handles.set(name, gauge);
      return gauge;
    },

    histogram(name, help, buckets = DEFAULT_BUCKETS) {
      const bounds = [...buckets].sort((a, b) => a - b);
      const entry = register(name, { type: 'histogram', help, bounds, series: new Map() } as HistogramEntry);
      const known = handles.get(name);
      if (known) return known as Histogram;
      const histogram: Histogram = {
        observe(value, labels) {
          const key = seriesKey(name, entry, labels);
          let s = entry.series.get(key);
          if (!s) {
            s = { buckets: entry.bounds.map(() => 0), sum: 0, count: 0 };
            entry.series.set(key, s);
          }
          entry.bounds.forEach((bound, i) => { if (value <= bound) s.buckets[i]! += 1; });
          s.sum += value;
          s.count += 1;
        },
        count: (labels) => entry.series.get(labelKey(labels))?.count ?? 0,
      };
      handles.set(name, histogram);
      return histogram;
    },

    async expose() {
      const out: string[] = [];
      for (const [name, entry] of entries) {
        out.push(`# HELP ${name} ${escapeHelp(entry.help)}`, `# TYPE ${name} ${entry.type}`);
        if (entry.type === 'histogram') {
          for (const [key, s] of entry.series) {
            entry.bounds.forEach((bound, i) => out.push(`${name}_bucket${withLabel(key, 'le', formatNumber(bound))} ${s.buckets[i]}`));
            out.push(`${name}_bucket${withLabel(key, 'le', '+Inf')} ${s.count}`);
            out.push(`${name}_sum${braces(key)} ${formatNumber(s.sum)}`, `${name}_count${braces(key)} ${s.count}`);
          }
          continue;
        }
        const series = new Map(entry.series);
        if (entry.type === 'gauge' && entry.collect) {
          for (const { labels, value } of await entry.collect()) series.set(seriesKey(name, entry, labels), value);
        }
        for (const [key, value] of series) out.push(`${name}${braces(key)} ${formatNumber(value)}`);
      }
      return out.join('\n') + '\n';
    },
  };
}

// A series key is its rendered label set, sorted by label name so {a,b} and {b,a} are one series.
function labelKey(labels: Labels | undefined): string {
  if (!labels) return '';
  return Object.keys(labels).sort().map((k) => {
    if (!LABEL_NAME.test(k) || k.startsWith('__')) throw new Error(`invalid label name ${JSON.stringify(k)}`);
    return `${k}="${escapeLabelValue(String(labels[k]))}"`;
  }).join(',');
}

// The series key, after checking the label names match the metric's earlier series: Prometheus
// queries aggregate by label name, and a series without the others' labels silently skews them.
function seriesKey(name: string, entry: Entry, labels: Labels | undefined): string {
  const key = labelKey(labels);
  const names = labels ? Object.keys(labels).sort().join(',') : '';
  if (entry.labelNames === undefined) entry.labelNames = names;
  else if (entry.labelNames !== names) throw new Error(`metric ${name} has labels {${entry.labelNames}}, not {${names}}`);
  return key;
}

function braces(key: string): string {
  return key ? `{${key}}` : '';
}

function withLabel(key: string, name: string, value: string): string {
  return `{${key ? key + ',' : ''}${name}="${value}"}`;
}

// Exposition format: label values escape backslash, double quote and newline; HELP escapes backslash and newline.
function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function formatNumber(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  return String(n);
}
