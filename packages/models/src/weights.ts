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

/**
 * Checks a config's layer count against the layers the weights actually hold, before anything is
 * allocated: a `num_hidden_layers` of 1e9 must fail at once, not after building a billion-entry
 * key list. Counts distinct `<prefix><N>.` indices among the keys.
 *
 * @example
 * ```ts
 * checkLayerCount(source, 'model.layers.', 5, 'num_hidden_layers'); // throws unless 0..4 are present
 * ```
 */
export function checkLayerCount(source: WeightSource, prefix: string, layers: number, field: string): void {
  const present = new Set<number>();
  for (const k of source.keys()) {
    if (!k.startsWith(prefix)) continue;
    const n = Number(k.slice(prefix.length).split('.')[0]);
    if (Number.isInteger(n) && n >= 0) present.add(n);
  }
  if (present.size !== layers || (layers > 0 && !present.has(layers - 1))) {
    const held = present.size === 0 ? 'no layers' : `${present.size} layer(s) (${prefix}${Math.min(...present)} … ${prefix}${Math.max(...present)})`;
    throw new Error(`${source.file}: holds ${held} but the config's '${field}' is ${layers}; check config.json against the checkpoint`);
  }
}

/**
 * Throws naming the file, the tensor and the index when `data` holds a NaN or an infinity: such a
 * model produces NaN logits, which sampling cannot use and greedy decoding turns into nonsense.
 *
 * @example
 * ```ts
 * assertFinite('model.safetensors', 'model.norm.weight', new Float32Array([1, NaN])); // throws
 * ```
 */
export function assertFinite(file: string, key: string, data: Float32Array): void {
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    // v - v is 0 for finite v and NaN for NaN or ±Infinity.
    if (v - v !== 0) throw new Error(`${file}: tensor '${key}' holds ${v} at index ${i}; the weights must be finite numbers`);
  }
}

/**
 * With tied embeddings a checkpoint may still store the head; it must then be a copy of the
 * embedding table, else dropping it would silently change the model.
 *
 * @example
 * ```ts
 * checkTiedHead(source, 'lm_head.weight', 'model.embed_tokens.weight');
 * ```
 */
export function checkTiedHead(source: WeightSource, headKey: string, embedKey: string): void {
  if (!source.has(headKey) || !source.has(embedKey)) return;
  const head = source.get(headKey);
  const embed = source.get(embedKey);
  const same = head.shape.length === embed.shape.length && head.shape.every((d, i) => d === embed.shape[i]) && head.data.every((v, i) => Object.is(v, embed.data[i]));
  if (!same) {
    throw new Error(
      `${source.file}: 'tie_word_embeddings' is true but '${headKey}' is not a copy of '${embedKey}'; set tie_word_embeddings to false in config.json to use the stored head`,
    );
  }
}
