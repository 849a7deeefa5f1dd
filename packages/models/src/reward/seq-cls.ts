/**
 * LlamaForSequenceClassification, Qwen2ForSequenceClassification and
 * Qwen3ForSequenceClassification: the Llama-family decoder without lm_head, and a `score` head
 * [num_labels, C] (no bias) read at one position per row. That position is transformers' choice:
 * the rightmost token that is not `pad_token_id` (position 0 if every token is pad), or the last
 * token when config.json has no `pad_token_id`. Rows are left-padded into micro-batches with an
 * attention mask and positions counted from each row's first token, so a row scores the same as
 * alone (transformers at batch 1). Shapes: B rows, T padded length, C width, L labels.
 */
import * as tf from '@tensorflow/tfjs-core';
import { isString, JsonFields } from '../config/fields.js';
import type { FamilyDefaults, HfConfigJson } from '../config/types.js';
import { DecoderModel } from '../arch/decoder.js';
import { parseDecoderConfig } from '../arch/decoder-config.js';
import type { WeightSource } from '../weights.js';

/** The family defaults of each head (as arch/llama.ts, qwen2.ts and qwen3.ts use for the causal LMs). */
const FAMILIES: Record<string, { family: FamilyDefaults; modelType: string }> = {
  LlamaForSequenceClassification: { family: { architecture: 'llama' }, modelType: 'llama' },
  Qwen2ForSequenceClassification: { family: { architecture: 'qwen2', qkvBias: true }, modelType: 'qwen2' },
  Qwen3ForSequenceClassification: { family: { architecture: 'qwen3', headDim: 128, qkNorm: true }, modelType: 'qwen3' },
};

/**
 * The `architectures` values {@link buildSequenceClassifier} builds.
 *
 * @example
 * ```ts
 * SEQUENCE_CLASSIFIERS.includes('Qwen3ForSequenceClassification'); // true
 * ```
 */
export const SEQUENCE_CLASSIFIERS: readonly string[] = Object.keys(FAMILIES);

/**
 * A sequence-classification model: label logits for whole sequences of token ids.
 *
 * @example
 * ```ts
 * const hf = await readHfFolder('models/Skywork-Reward-V2-Qwen3-0.6B');
 * const clf = buildSequenceClassifier(hf.config, hf.weights, hf.configFile);
 * const [[score]] = await clf.classify([[151644, 872, 198]]);
 * clf.dispose();
 * ```
 */
export class SequenceClassifier {
  /** The decoder body (no lm_head); its variables are named by checkpoint key. */
  readonly body: DecoderModel;
  /** The `score` head [L, C]. */
  readonly score: tf.Variable;
  /** L: labels per sequence. */
  readonly numLabels: number;
  /** Ids never read as the last token (transformers' rule); undefined = read the last token. */
  readonly padTokenId: number | undefined;

  constructor(body: DecoderModel, score: tf.Variable, padTokenId: number | undefined) {
    this.body = body;
    this.score = score;
    this.numLabels = score.shape[0];
    this.padTokenId = padTokenId;
  }

  /** Position of the token whose hidden state the head reads, in an unpadded row. */
  readPosition(row: readonly number[]): number {
    if (this.padTokenId === undefined) return row.length - 1;
    for (let i = row.length - 1; i >= 0; i--) if (row[i] !== this.padTokenId) return i;
    return 0; // transformers: argmax over an all-zero mask
  }

  /**
   * Label logits [L] for each row of token ids (rows may differ in length), computed `microBatchSize`
   * rows at a time (default 8) so memory does not grow with the number of rows.
   */
  async classify(rows: readonly (readonly number[])[], opts: { microBatchSize?: number } = {}): Promise<number[][]> {
    const micro = opts.microBatchSize ?? 8;
    if (!(Number.isInteger(micro) && micro >= 1)) throw new Error(`classify: 'microBatchSize' must be an integer >= 1, got ${micro}`);
    const { vocabSize: V, maxPositions } = this.body.config;
    rows.forEach((r, i) => {
      if (r.length === 0) throw new Error(`classify: row ${i} is empty (expected at least one token id)`);
      if (r.length > maxPositions) throw new Error(`classify: row ${i} has ${r.length} tokens; the model reads at most ${maxPositions}`);
      const bad = r.find((t) => !Number.isInteger(t) || t < 0 || t >= V);
      if (bad !== undefined) throw new Error(`classify: row ${i} holds token id ${bad}; expected integers in [0, ${V})`);
    });
    const out: number[][] = [];
    for (let start = 0; start < rows.length; start += micro) out.push(...(await this.classifyBatch(rows.slice(start, start + micro))));
    return out;
  }

  private async classifyBatch(rows: readonly (readonly number[])[]): Promise<number[][]> {
    const B = rows.length;
    const T = Math.max(...rows.map((r) => r.length));
    const ids = new Int32Array(B * T);
    const pos = new Int32Array(B * T);
    const keep = new Float32Array(B * T);
    const read = new Int32Array(B);
    rows.forEach((r, b) => {
      const pad = T - r.length;
      ids.fill(this.padTokenId ?? 0, b * T, b * T + pad); // never attended to
      for (let t = 0; t < r.length; t++) {
        ids[b * T + pad + t] = r[t];
        pos[b * T + pad + t] = t;
        keep[b * T + pad + t] = 1;
      }
      read[b] = b * T + pad + this.readPosition(r);
    });
    const logits = tf.tidy(() => {
      const opts = { positions: tf.tensor2d(pos, [B, T], 'int32'), mask: tf.tensor2d(keep, [B, T]) };
      const { hidden } = this.body.forwardHidden(tf.tensor2d(ids, [B, T], 'int32'), opts); // [B,T,C]
      const picked = tf.gather(tf.reshape(hidden, [B * T, this.body.config.hiddenSize]), tf.tensor1d(read, 'int32')); // [B,C]
      return tf.matMul(picked, this.score, false, true); // [B,L]
    });
    const flat = await logits.data();
    logits.dispose();
    return rows.map((_, b) => Array.from(flat.subarray(b * this.numLabels, (b + 1) * this.numLabels)));
  }

  /** Frees every variable. Safe to call twice. */
  dispose(): void {
    this.body.dispose();
    if (!this.score.isDisposed) this.score.dispose();
  }
}

let scoreCounter = 0;

/**
 * Builds one of {@link SEQUENCE_CLASSIFIERS} from its config.json and weights (the decoder's keys
 * plus `score.weight` [num_labels, hidden_size]). num_labels comes from the head's shape and must
 * agree with `id2label` / `num_labels` when config.json has them.
 *
 * @example
 * ```ts
 * const hf = await readHfFolder('test/fixtures/llama-seqcls');
 * const clf = buildSequenceClassifier(hf.config, hf.weights, hf.configFile);
 * ```
 */
export function buildSequenceClassifier(config: HfConfigJson, weights: WeightSource, configFile: string): SequenceClassifier {
  const f = new JsonFields(config, configFile);
  const expected = `a list naming a sequence-classification model (${SEQUENCE_CLASSIFIERS.join(', ')})`;
  const [name] = f.array('architectures', expected, isString, { nonEmpty: true });
  const entry = Object.hasOwn(FAMILIES, name) ? FAMILIES[name] : undefined;
  if (!entry) throw f.fail('architectures', expected);
  if (entry.family.architecture !== 'llama' && f.optBoolean('use_sliding_window')) {
    throw f.fail('use_sliding_window', 'false (per-layer sliding windows are not supported)');
  }
  const cfg = parseDecoderConfig(config, configFile, entry.family);
  const head = weights.get('score.weight'); // throws naming the file when missing
  if (head.shape.length !== 2 || head.shape[1] !== cfg.hiddenSize) {
    throw new Error(`${weights.file}: tensor 'score.weight' has shape [${head.shape.join(', ')}], expected [num_labels, ${cfg.hiddenSize}]`);
  }
  const labels = head.shape[0];
  const id2label = f.optObject('id2label');
  const declared = id2label ? Object.keys(id2label.json).length : f.optInteger('num_labels', { min: 1 });
  if (declared !== undefined && declared !== labels) {
    throw new Error(`${configFile}: id2label / num_labels says ${JSON.stringify(declared)} labels but ${weights.file} 'score.weight' has ${labels} rows`);
  }
  const padTokenId = f.optInteger('pad_token_id', { min: 0, below: cfg.vocabSize });
  const body: WeightSource = {
    file: weights.file,
    keys: () => weights.keys().filter((k) => k !== 'score.weight'),
    has: (k) => k !== 'score.weight' && weights.has(k),
    get: (k, shape) => weights.get(k, shape),
  };
  const decoder = new DecoderModel(cfg, body, { hfArchitecture: name, modelType: entry.modelType }, { lmHead: false });
  const score = tf.tidy(() => tf.variable(tf.tensor(head.data, head.shape, 'float32'), false, `score${scoreCounter++}/score.weight`));
  return new SequenceClassifier(decoder, score, padTokenId);
}
