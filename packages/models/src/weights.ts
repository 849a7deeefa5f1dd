/**
 * Host-side weights, before they become tensors: what every checkpoint reader produces
 * (llama2.c, safetensors) and every architecture consumes. Keys are Hugging Face names
 * (`model.layers.0.self_attn.q_proj.weight`) so an architecture loads with a loop and a count check.
 */

/**
 * One tensor read from a checkpoint, already converted to float32.
 *
 * @example
 * ```ts
 * const t: HostTensor = { shape: [2, 2], data: new Float32Array([1, 0, 0, 1]) };
 * ```
 */
export interface HostTensor {
  shape: number[];
  data: Float32Array;
}

/**
 * A named set of weights with the file they came from, so errors can name both.
 *
 * @example
 * ```ts
 * const src = weightSource('model.safetensors', new Map([['lm_head.weight', { shape: [1], data: new Float32Array(1) }]]));
 * src.get('lm_head.weight', [1]);
 * ```
 */
export interface WeightSource {
  /** File (or folder) the weights were read from, for error messages. */
  readonly file: string;
  /** Every key present. */
  keys(): string[];
  has(key: string): boolean;
  /**
   * The tensor under `key`; throws a clear error naming the file, the key, and the expected and
   * found shape when it is missing or `shape` does not match.
   */
  get(key: string, shape?: readonly number[]): HostTensor;
}

/**
 * Wraps a map of host tensors as a {@link WeightSource} with shape-checked, file-named errors.
 *
 * @example
 * ```ts
 * const src = weightSource('ckpt.bin', new Map());
 * src.has('x'); // false
 * ```
 */
export function weightSource(file: string, tensors: ReadonlyMap<string, HostTensor>): WeightSource {
  return {
    file,
    keys: () => [...tensors.keys()],
    has: (key) => tensors.has(key),
    get(key, shape) {
      const t = tensors.get(key);
      if (!t) {
        throw new Error(`${file}: missing tensor '${key}'${shape ? ` (expected shape [${shape.join(', ')}])` : ''}`);
      }
      if (shape && (shape.length !== t.shape.length || shape.some((d, i) => d !== t.shape[i]))) {
        throw new Error(`${file}: tensor '${key}' has shape [${t.shape.join(', ')}], expected [${shape.join(', ')}]`);
      }
      return t;
    },
  };
}
