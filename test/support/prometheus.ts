/** Reads a worker's Prometheus endpoint (text exposition format) for the metrics tests. */
import { request } from 'undici';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Fetches and parses `url` (e.g. http://127.0.0.1:9464/metrics). */
export async function scrape(url: string): Promise<Sample[]> {
  const response = await request(url);
  const text = await response.body.text();
  if (response.statusCode !== 200) throw new Error(`GET ${url}: HTTP ${response.statusCode}: ${text.slice(0, 200)}`);
  return parseExposition(text);
}

/** The samples of the text format; comments (# HELP, # TYPE) are skipped. */
export function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim() || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g))
      labels[key] = value.replace(/\\(.)/g, '$1');
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return samples;
}

/** The sum of the samples named `name` whose labels include `labels` (0 when none match). */
export function total(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  return samples
    .filter(
      (sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
    )
    .reduce((sum, sample) => sum + sample.value, 0);
}

/** Whether any sample named `name` has `labels`. */
export function has(samples: Sample[], name: string, labels: Record<string, string> = {}): boolean {
  return samples.some(
    (sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
  );
}

/**
 * The metric names a PromQL expression reads: giftflow's and the SDK's all start with
 * `giftflow_` or `temporal_`, so no function, label or keyword is mistaken for one.
 */
export function metricNames(expr: string): string[] {
  const withoutStrings = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  return [...new Set(withoutStrings.match(/\b(?:giftflow|temporal)_[\w:]+/g) ?? [])];
}

/** The labels a PromQL expression groups by (`by (a, b)`), each once. */
export function groupingLabels(expr: string): string[] {
  return [
    ...new Set(
      [...expr.matchAll(/\bby\s*\(([^)]*)\)/g)].flatMap((match) =>
        match[1]
          .split(',')
          .map((label) => label.trim())
          .filter(Boolean),
      ),
    ),
  ];
}
