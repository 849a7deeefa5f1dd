/**
 * Rotary position embeddings on host float32 arrays (the cpu backend's kernels; wasm runs
 * native/rope.c, the same arithmetic in float32). x is [rows, heads, D]; cos and sin are
 * [rows, D], shared by a row's heads, sin carrying the layout's sign (−sin θ on the first member
 * of each pair, +sin θ on the second). With perm(j) the partner of dimension j:
 * forward y[j] = x[j]·cos[j] + x[perm j]·sin[j]; backward dx[j] = dy[j]·cos[j] + dy[perm j]·sin[perm j].
 */

/** Which dimensions pair up: (i, i + D/2) as Hugging Face's rotate_half, or (2i, 2i + 1) as llama2.c. */
export type RopeLayout = 'halves' | 'interleaved';

/**
 * The rotation (backward false) or its transpose (backward true) of x into y; see the file comment.
 *
 * @example
 * ```ts
 * const y = new Float32Array(2);
 * ropeApply(new Float32Array([1, 0]), new Float32Array([0, 0]), new Float32Array([-1, 1]), 1, 2, 'halves', false, y); // [0, 1]
 * ```
 */
export function ropeApply(
  x: Float32Array,
  cos: Float32Array,
  sin: Float32Array,
  heads: number,
  D: number,
  layout: RopeLayout,
  backward: boolean,
  y: Float32Array,
): void {
  const rows = cos.length / D;
  const half = D / 2;
  for (let r = 0; r < rows; r++) {
    const a = r * D;
    for (let h = 0; h < heads; h++) {
      const o = (r * heads + h) * D;
      for (let j = 0; j < D; j++) {
        const p = layout === 'halves' ? (j < half ? j + half : j - half) : j ^ 1;
        y[o + j] = x[o + j] * cos[a + j] + x[o + p] * sin[a + (backward ? p : j)];
      }
    }
  }
}
