/**
 * How a product [batch, M, N] is shared among kernel threads: a fixed function of the shape and
 * the thread count, so a run is reproducible for a given count. Every piece is computed by
 * gemm_f32 exactly as in a one-thread call (each entry's sum runs over k in the same blocks and
 * order whatever rows or columns surround it, and a piece keeps at least MR rows, so it takes
 * the same packed path), which makes the results bit-identical across thread counts too.
 */

/** Rows and columns of gemm.c's micro-tile. */
const MR = 4;
const NR = 8;

/** Rows [i0, i1) and columns [j0, j1) of batch entry `batch` of the output. */
export interface Piece {
  batch: number;
  i0: number;
  i1: number;
  j0: number;
  j1: number;
}

/**
 * Splits [0, units) into `parts` contiguous ranges, a fixed function of the two counts (GEMM
 * pieces, fused attention's pairs).
 *
 * @example
 * ```ts
 * ranges(5, 2); // [[0, 2], [2, 5]]
 * ```
 */
export function ranges(units: number, parts: number): [number, number][] {
  return Array.from({ length: parts }, (_, t) => [Math.floor((t * units) / parts), Math.floor(((t + 1) * units) / parts)]);
}

/**
 * The pieces of each of `threads` threads (index 0: the calling thread). Batch entries are dealt
 * out whole when there are at least as many as threads; otherwise each entry is cut into rows
 * (multiples of MR; when M ≥ MR·threads and M > N, so the smaller operand is the one every thread
 * packs) or into columns (multiples of NR). A thread may get nothing when the product is narrow.
 */
export function splitProduct(batch: number, M: number, N: number, threads: number): Piece[][] {
  if (threads <= 1 || batch >= threads) {
    return ranges(batch, Math.max(1, threads)).map(([b0, b1]) =>
      Array.from({ length: b1 - b0 }, (_, i) => ({ batch: b0 + i, i0: 0, i1: M, j0: 0, j1: N })),
    );
  }
  const byRows = M >= MR * threads && M > N;
  const parts = byRows
    ? ranges(Math.floor(M / MR), threads).map(([a, b], t) => ({ i0: a * MR, i1: t === threads - 1 ? M : b * MR, j0: 0, j1: N }))
    : ranges(Math.ceil(N / NR), threads).map(([a, b]) => ({ i0: 0, i1: M, j0: Math.min(N, a * NR), j1: Math.min(N, b * NR) }));
  return parts.map((p) => (p.i1 > p.i0 && p.j1 > p.j0 ? Array.from({ length: batch }, (_, b) => ({ batch: b, ...p })) : []));
}
