/**
 * `sampleTokens(logits, draws, opts)`: one decoding step's sampling as one kernel, so a step reads
 * back [B, 3] numbers instead of the [B, V] logits. Each row brings its own uniform draw, split
 * into two int32 words on the host ({@link drawWords}) so the per-row seeded streams stay in JS
 * and advance exactly as before.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../../rng.js';
import { registerSampleKernels, SAMPLE_KERNEL } from './kernels.js';
import { checkDistributionOptions, sampleAttrs, sampleRows, wordsOfDraw, type DistributionOptions } from './math.js';
import { registerSampleWebgpuKernel } from './webgpu.js';

/** Backends that have the `AgonSampleTokens` kernel (webgpu's in WGSL, float32). */
const SAMPLE_BACKENDS: readonly string[] = ['cpu', 'wasm', 'webgpu'];

/**
 * Whether `backend` (default: the active one) samples in a kernel; elsewhere sample on the host
 * with {@link sampleTokensOnHost}.
 *
 * @example
 * ```ts
 * if (hasSampleKernel()) out = sampleTokens(logits, draws, opts);
 * ```
 */
export function hasSampleKernel(backend: string = tf.getBackend()): boolean {
  return SAMPLE_BACKENDS.includes(backend);
}

/**
 * A row's draw for {@link sampleTokens}: `rng.next()` (advancing the stream by one draw) split
 * into the words [hi, lo] with u = (hi·2^26 + lo) / 2^53 exactly.
 *
 * @example
 * ```ts
 * import { createRng, drawWords } from '@agon/tensor';
 * const [hi, lo] = drawWords(createRng(7)); // 0 <= hi < 2^27, 0 <= lo < 2^26
 * ```
 */
export function drawWords(rng: Rng): [number, number] {
  return wordsOfDraw(rng.next());
}

function checkShapes(logits: tf.Tensor, draws: tf.Tensor): void {
  const fail = (what: string): never => {
    throw new Error(`sampleTokens: ${what} (logits [${logits.shape.join(', ')}] ${logits.dtype}, draws [${draws.shape.join(', ')}] ${draws.dtype})`);
  };
  if (logits.rank !== 2 || logits.dtype !== 'float32') fail('logits must be [B, V] float32');
  if (draws.rank !== 2 || draws.shape[0] !== logits.shape[0] || draws.shape[1] !== 2 || draws.dtype !== 'int32') fail('draws must be [B, 2] int32 with the B of logits');
  const V = logits.shape[1] ?? 0;
  if (V < 1 || V > 2 ** 24) fail('V must be in [1, 2^24] (ids travel as float32)');
}

/**
 * Samples one token per row of `logits` [B, V] with the row's draw words `draws` [B, 2] int32
 * (see {@link drawWords}; ignored when greedy) under `opts` (temperature, then top-k, top-p,
 * min-p). Returns [B, 3] float32: the token id, its log-prob under the model's own distribution
 * (log softmax of the raw logits) and under the distribution sampled from (0 for greedy). On cpu
 * and wasm the math runs in float64, giving the ids of {@link sampleTokensOnHost} and its
 * log-probs rounded to float32; on webgpu a WGSL kernel computes in float32 (the same ids but
 * where a draw or a top-k/top-p/min-p cut-off is a near-tie float32 cannot resolve, log-probs
 * within 1e-4). A row with no distribution to sample (NaN or infinite logits) gets id −1.
 *
 * @throws naming the shapes when logits are not [B, V] float32 or draws not [B, 2] int32, or when
 *   the active backend has no kernel ({@link hasSampleKernel}).
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { createRng, drawWords, sampleTokens } from '@agon/tensor';
 * const rng = createRng(1);
 * const logits = tf.tensor2d([[2, 1, 0]]);
 * const draws = tf.tensor2d([drawWords(rng)], [1, 2], 'int32');
 * const out = sampleTokens(logits, draws, { temperature: 0.8, topK: 2 });
 * const [id, logprob, samplingLogprob] = await out.data();
 * ```
 */
export function sampleTokens(logits: tf.Tensor2D, draws: tf.Tensor2D, opts: DistributionOptions = {}): tf.Tensor2D {
  checkShapes(logits, draws);
  checkDistributionOptions(opts);
  const backend = tf.getBackend();
  if (!hasSampleKernel(backend)) throw new Error(`sampleTokens: backend '${backend}' has no ${SAMPLE_KERNEL} kernel; read the logits and use sampleTokensOnHost`);
  registerSampleKernels();
  registerSampleWebgpuKernel();
  return tf.engine().runKernel(SAMPLE_KERNEL, { logits, draws }, { ...sampleAttrs(opts) }) as tf.Tensor2D;
}

/**
 * {@link sampleTokens} on host arrays, for backends without the kernel: `logits` [B, V] row-major
 * and `draws` [B, 2] as numbers; returns the same [B, 3] values (float32).
 *
 * @example
 * ```ts
 * import { sampleTokensOnHost } from '@agon/tensor';
 * const out = sampleTokensOnHost(new Float32Array([2, 1, 0]), [0, 0], 3, { temperature: 0 }); // out[0] === 0
 * ```
 */
export function sampleTokensOnHost(logits: Float32Array, draws: ArrayLike<number>, V: number, opts: DistributionOptions = {}): Float32Array {
  checkDistributionOptions(opts);
  const B = logits.length / V;
  if (!Number.isInteger(B) || draws.length !== 2 * B) {
    throw new Error(`sampleTokensOnHost: logits must hold B rows of V ${V} and draws 2·B words; got ${logits.length} logits and ${draws.length} draws`);
  }
  const out = new Float32Array(3 * B);
  sampleRows(logits, draws, V, sampleAttrs(opts), out);
  return out;
}
