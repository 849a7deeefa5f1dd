/**
 * One logged sample: a challenger query with one of its answers and how it was scored.
 *
 * @example
 * ```ts
 * const row: SampleRow = { step: 3, query: '12+30', answer: '42', reward: 1, advantage: 0.25 };
 * ```
 */
export interface SampleRow {
  step: number;
  query: string;
  answer: string;
  reward: number | null;
  advantage: number;
  [extra: string]: unknown;
}

/**
 * Where training metrics go (a JSONL file, a terminal, a test array).
 *
 * @example
 * ```ts
 * const seen: Record<string, number>[] = [];
 * const sink: MetricsSink = { write: (_s, m) => void seen.push(m), close: async () => {} };
 * ```
 */
export interface MetricsSink {
  write(step: number, metrics: Record<string, number>, samples?: readonly SampleRow[]): void;
  close(): Promise<void>;
}
