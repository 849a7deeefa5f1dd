/**
 * Repeated Challenger queries within one batch: how diverse the batch is, and a penalty that makes
 * repeating a query (exactly or nearly) pay less. Plain functions over the queries' text.
 */

/** Case-folded text with runs of whitespace as one space and no leading or trailing space. */
function normalize(text: string): string {
  return text.toLowerCase().replace(/\s+/g, ' ').trim();
}

/**
 * Levenshtein distance of `a` and `b` when it is at most `limit`, else `limit + 1` (a banded
 * dynamic programme: O(|a|·limit) instead of O(|a|·|b|)).
 */
function boundedEditDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  if (a === b) return 0;
  const far = limit + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => (j <= limit ? j : far));
  for (let i = 1; i <= a.length; i++) {
    const cur = new Array<number>(b.length + 1).fill(far);
    cur[0] = i <= limit ? i : far;
    const lo = Math.max(1, i - limit);
    const hi = Math.min(b.length, i + limit);
    let best = cur[0];
    for (let j = lo; j <= hi; j++) {
      const sub = prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1);
      cur[j] = Math.min(sub, prev[j] + 1, cur[j - 1] + 1, far);
      best = Math.min(best, cur[j]);
    }
    if (best > limit) return far;
    prev = cur;
  }
  return Math.min(prev[b.length], far);
}

/**
 * Whether two query texts are the same query for {@link repeatClusters}: after case folding and
 * whitespace collapsing, 1 − editDistance / longerLength ≥ `similarity` (1 = identical only).
 *
 * @example
 * ```ts
 * similarQueries('12 + 34', '12 + 35', 0.8); // true: one edit in 7 characters (0.857)
 * similarQueries('12 + 34', '12 + 35', 1);   // false
 * ```
 */
export function similarQueries(a: string, b: string, similarity: number): boolean {
  const x = normalize(a);
  const y = normalize(b);
  if (x === y) return true;
  const longer = Math.max(x.length, y.length);
  const limit = Math.floor((1 - similarity) * longer + 1e-9);
  return boundedEditDistance(x, y, limit) <= limit;
}

function checkSimilarity(similarity: number): void {
  if (!(similarity > 0 && similarity <= 1)) throw new Error(`similarity must be in (0, 1] (1 = exact repeats only), got ${similarity}`);
}

/**
 * Groups the batch's queries into clusters of repeats: two queries are in one cluster when a chain
 * of pairwise {@link similarQueries} links them (single linkage). Returns each query's cluster id
 * (the index of the cluster's first query).
 *
 * @example
 * ```ts
 * repeatClusters(['1 + 2', '1 + 2', '7 + 8'], { similarity: 1 }); // [0, 0, 2]
 * ```
 */
export function repeatClusters(queries: readonly string[], options: { similarity: number }): number[] {
  checkSimilarity(options.similarity);
  const parent = queries.map((_, i) => i);
  const root = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i]];
    return i;
  };
  for (let i = 0; i < queries.length; i++) {
    for (let j = i + 1; j < queries.length; j++) {
      const [ri, rj] = [root(i), root(j)];
      if (ri !== rj && similarQueries(queries[i], queries[j], options.similarity)) parent[Math.max(ri, rj)] = Math.min(ri, rj);
    }
  }
  return queries.map((_, i) => root(i));
}

/**
 * The repeat penalty of each query, in [0, 1]: (size of its cluster − 1) / (N − 1), so a query
 * nobody else wrote gets 0 and a batch of N copies of one query gets 1 everywhere. Subtract
 * `weight ×` it from the Challenger's reward (`penalty` of the Challenger advantage functions).
 *
 * @example
 * ```ts
 * repeatPenalty(['1 + 2', '1 + 2', '7 + 8', '1 + 2'], { similarity: 1 }); // [2/3, 2/3, 0, 2/3]
 * ```
 */
export function repeatPenalty(queries: readonly string[], options: { similarity: number }): number[] {
  const ids = repeatClusters(queries, options);
  const size = new Map<number, number>();
  for (const id of ids) size.set(id, (size.get(id) ?? 0) + 1);
  const n = queries.length;
  return ids.map((id) => (n > 1 ? ((size.get(id) ?? 1) - 1) / (n - 1) : 0));
}

/**
 * How diverse a batch of queries is: `distinct` = distinct queries / queries, `topShare` = the
 * share of the most frequent query (exact text after case folding and whitespace collapsing).
 * Both are NaN for an empty batch.
 *
 * @example
 * ```ts
 * queryDiversity(['1 + 2', '1 + 2', '7 + 8', '1 + 2']); // { distinct: 0.5, topShare: 0.75 }
 * ```
 */
export function queryDiversity(queries: readonly string[]): { distinct: number; topShare: number } {
  if (queries.length === 0) return { distinct: Number.NaN, topShare: Number.NaN };
  const counts = new Map<string, number>();
  for (const q of queries) counts.set(normalize(q), (counts.get(normalize(q)) ?? 0) + 1);
  return { distinct: counts.size / queries.length, topShare: Math.max(...counts.values()) / queries.length };
}
