/**
 * A reward model as core's {@link Scorer}: each (query, answer) pair is rendered by the model's chat
 * template as a user turn and an assistant turn, tokenized as transformers would (a BOS the
 * template printed is dropped and the tokenizer adds its own, as Skywork-Reward-V2's model card
 * does), and scored by the sequence-classification head.
 */
import { joinPath as join } from '../files/path.js';
import type { ChatFormat, ScoredPair, Scorer, Tokenizer } from '@agon/core';
import { nodeFolderIO, readHfFolder, type FolderIO } from '../hf/folder.js';
import { JsonFields, parseJsonObject } from '../config/fields.js';
import type { JsonObject } from '../config/types.js';
import { specialTokenText } from '../hf/special-tokens.js';
import { buildSequenceClassifier, type SequenceClassifier } from './seq-cls.js';

/**
 * Options of {@link loadRewardModel} and {@link RewardModel}.
 *
 * @example
 * ```ts
 * const opts: RewardModelOptions = { microBatchSize: 4, label: 0 };
 * ```
 */
export interface RewardModelOptions {
  /** Pairs scored per forward pass; memory stays flat as the number of pairs grows. Default 8. */
  microBatchSize?: number;
  /** Which label's logit is the score. Default 0; required when the head has several labels. */
  label?: number;
  /** Prepend the BOS token. Default: tokenizer_config.json `add_bos_token`, else whether the tokenizer has a BOS. */
  bos?: boolean;
  /** Chat format to use instead of the folder's template. */
  chat?: ChatFormat;
  /** File access (default: Node's fs). */
  io?: FolderIO;
}

/**
 * Scores (query, answer) pairs with a sequence-classification model; higher is better.
 *
 * @example
 * ```ts
 * const rm = await loadRewardModel('models/Skywork-Reward-V2-Qwen3-0.6B');
 * const [good, bad] = await rm.score([{ query: '2+2?', answer: '4' }, { query: '2+2?', answer: '5' }]);
 * rm.dispose();
 * ```
 */
export class RewardModel implements Scorer {
  readonly classifier: SequenceClassifier;
  readonly tokenizer: Tokenizer;
  readonly chat: ChatFormat;
  private readonly bosText: string | undefined;
  private readonly addBos: boolean;
  private readonly label: number;
  private readonly microBatchSize: number | undefined;

  /** `bosText`: the BOS token's text, stripped when the template prints it. */
  constructor(classifier: SequenceClassifier, tokenizer: Tokenizer, chat: ChatFormat, bosText: string | undefined, opts: RewardModelOptions = {}) {
    const label = opts.label ?? 0;
    if (opts.label === undefined && classifier.numLabels > 1) {
      throw new Error(`RewardModel: the head has ${classifier.numLabels} labels; pass option 'label' (0..${classifier.numLabels - 1}) to pick the score`);
    }
    if (!(Number.isInteger(label) && label >= 0 && label < classifier.numLabels)) {
      throw new Error(`RewardModel: option 'label' must be an integer in [0, ${classifier.numLabels}), got ${label}`);
    }
    this.classifier = classifier;
    this.tokenizer = tokenizer;
    this.chat = chat;
    this.bosText = bosText;
    this.addBos = opts.bos ?? tokenizer.bosId !== undefined;
    this.label = label;
    this.microBatchSize = opts.microBatchSize;
  }

  /** The token ids the model reads for one pair. */
  encodePair(pair: ScoredPair): number[] {
    const text = this.chat.render(
      [
        { role: 'user', content: pair.query },
        { role: 'assistant', content: pair.answer },
      ],
      { addGenerationPrompt: false },
    );
    const body = this.bosText && text.startsWith(this.bosText) ? text.slice(this.bosText.length) : text;
    return this.tokenizer.encode(body, { bos: this.addBos });
  }

  /** One score per pair (the chosen label's logit), in `microBatchSize` pairs per forward pass. */
  async score(pairs: readonly ScoredPair[]): Promise<number[]> {
    const rows = pairs.map((p) => this.encodePair(p));
    // Similar lengths share a micro-batch (less padding); results go back in the caller's order.
    const order = rows.map((_, i) => i).sort((a, b) => rows[b].length - rows[a].length);
    const logits = await this.classifier.classify(
      order.map((i) => rows[i]),
      this.microBatchSize === undefined ? {} : { microBatchSize: this.microBatchSize },
    );
    const out = new Array<number>(rows.length);
    order.forEach((i, k) => (out[i] = logits[k][this.label]));
    return out;
  }

  /** Frees the model's tensors. */
  dispose(): void {
    this.classifier.dispose();
  }
}

/**
 * Loads a Hugging Face reward-model folder (LlamaForSequenceClassification,
 * Qwen2ForSequenceClassification or Qwen3ForSequenceClassification, e.g. Skywork-Reward-V2) with
 * its tokenizer and chat template, as a {@link RewardModel}. `loadModel` is for causal LMs; this is
 * the entry point for scorers. Nothing is downloaded.
 *
 * @example
 * ```ts
 * import { scorerReward } from '@agon/objectives';
 * const rm = await loadRewardModel('models/Skywork-Reward-V2-Llama-3.2-1B', { microBatchSize: 4 });
 * const reward = scorerReward(rm);
 * ```
 */
export async function loadRewardModel(dir: string, opts: RewardModelOptions = {}): Promise<RewardModel> {
  const io = opts.io ?? nodeFolderIO;
  const hf = await readHfFolder(dir, io);
  if (!hf.tokenizer) throw new Error(`${dir}: a reward model needs tokenizer.json (not found)`);
  const chat = opts.chat ?? hf.chat;
  if (!chat) throw new Error(`${join(dir, 'tokenizer_config.json')}: a reward model needs a chat template (field 'chat_template' or chat_template.jinja); or pass opts.chat`);
  const tokConfigFile = join(dir, 'tokenizer_config.json');
  const tokConfig: JsonObject = (await io.exists(tokConfigFile)) ? parseJsonObject(await io.readFile(tokConfigFile), tokConfigFile) : {};
  const addBos = new JsonFields(tokConfig, tokConfigFile).optBoolean('add_bos_token');
  const bosText = specialTokenText(tokConfig, 'bos_token', tokConfigFile);
  const classifier = buildSequenceClassifier(hf.config, hf.weights, hf.configFile);
  try {
    const bos = opts.bos ?? addBos;
    return new RewardModel(classifier, hf.tokenizer, chat, bosText, { ...opts, ...(bos === undefined ? {} : { bos }) });
  } catch (e) {
    classifier.dispose();
    throw e;
  }
}
