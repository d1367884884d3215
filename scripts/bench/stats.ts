/** Timing helpers for the benchmarks: per-call samples with process.hrtime, summarised. */

export interface Summary {
  n: number;
  median: number;
  p99: number;
  mean: number;
  min: number;
  /** Coefficient of variation (stdev / mean), a quick measure of noise. */
  cv: number;
}

export function summarise(samples: number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  const n = sorted.length;
  const at = (q: number) =>
    sorted[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))] ?? Number.NaN;
  const mean = sorted.reduce((s, x) => s + x, 0) / n;
  const variance = sorted.reduce((s, x) => s + (x - mean) ** 2, 0) / n;
  return {
    n,
    median: at(0.5),
    p99: at(0.99),
    mean,
    min: sorted[0] ?? Number.NaN,
    cv: mean > 0 ? Math.sqrt(variance) / mean : 0,
  };
}

export const now = (): bigint => process.hrtime.bigint();
export const micros = (from: bigint, to: bigint): number => Number(to - from) / 1000;

export interface MeasureOptions {
  /** Calls before sampling (JIT warm-up, lazy compilation). */
  warmup?: number;
  /** Sampled calls. */
  iterations?: number;
  /** Stop sampling after this many milliseconds even if fewer iterations ran. */
  budgetMs?: number;
  /** Stop warming up after this many milliseconds. */
  warmupMs?: number;
}

/** Times each call of an async function separately; returns microseconds per call. */
export async function measure(
  fn: () => unknown | Promise<unknown>,
  { warmup = 200, iterations = 1000, budgetMs = 2000, warmupMs = 200 }: MeasureOptions = {},
): Promise<Summary> {
  const warmEnd = Date.now() + warmupMs;
  for (let i = 0; i < warmup && (i < 3 || Date.now() < warmEnd); i++) await fn();
  const samples: number[] = [];
  const deadline = Date.now() + budgetMs;
  for (let i = 0; i < iterations; i++) {
    const start = now();
    await fn();
    samples.push(micros(start, now()));
    if (i >= 20 && Date.now() > deadline) break;
  }
  return summarise(samples);
}

/** Same as measure, for synchronous code (no await between calls). */
export function measureSync(
  fn: () => unknown,
  { warmup = 200, iterations = 1000, budgetMs = 2000, warmupMs = 200 }: MeasureOptions = {},
): Summary {
  const warmEnd = Date.now() + warmupMs;
  for (let i = 0; i < warmup && (i < 3 || Date.now() < warmEnd); i++) fn();
  const samples: number[] = [];
  const deadline = Date.now() + budgetMs;
  for (let i = 0; i < iterations; i++) {
    const start = now();
    fn();
    samples.push(micros(start, now()));
    if (i >= 20 && Date.now() > deadline) break;
  }
  return summarise(samples);
}

export const fmt = (x: number, digits = 1): string =>
  Number.isFinite(x) ? x.toFixed(x >= 1000 ? 0 : digits) : "–";
export const pct = (x: number): string => `${(x * 100).toFixed(0)}%`;

/** A markdown table. */
export function table(head: string[], rows: Array<Array<string | number>>): string {
  const line = (cells: Array<string | number>) => `| ${cells.map(String).join(" | ")} |`;
  return [line(head), line(head.map(() => "---")), ...rows.map(line)].join("\n");
}

/**
 * The lowest mean over `batches` batches of `size` consecutive calls, in µs: on a loaded machine
 * the batch that ran least disturbed, closest to the cost on an idle one (a median is inflated by
 * every time slice another process took).
 */
export async function bestBatch(
  fn: () => unknown | Promise<unknown>,
  { batches = 30, size = 10 }: { batches?: number; size?: number } = {},
): Promise<number> {
  let best = Number.POSITIVE_INFINITY;
  for (let b = 0; b < batches; b++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < size; i++) await fn();
    best = Math.min(best, Number(process.hrtime.bigint() - start) / 1000 / size);
  }
  return best;
}
