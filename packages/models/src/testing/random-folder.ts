/**
 * Hugging Face folders with the exact shapes of real small instruct models and random weights, to
 * measure and test on without downloading anything: config.json as the real model's, BF16
 * safetensors shards with random weights (standard deviation 0.02), a byte-level BPE tokenizer.json of the same
 * vocabulary size built here (bytes, then merges of letters into longer pieces, then the ChatML
 * special tokens where the real model has them), tokenizer_config.json and a ChatML chat template.
 * Optionally the `*ForSequenceClassification` head of the same body (a reward model).
 */
import { nodeFs } from '../files/node-fs.js';
import { joinPath as join } from '../files/path.js';
import { createRng } from '@agon/tensor';
import { parseDecoderConfig } from '../arch/decoder-config.js';
import { decoderWeightShapes } from '../arch/decoder.js';
import { writeSafetensors } from '../safetensors/serialize.js';
import type { SafetensorsTensor } from '../safetensors/parse.js';

/** Where a shape's three ChatML special tokens sit: first (SmolLM2) or after the BPE pieces (Qwen2.5). */
type SpecialsAt = 'start' | 'end';

interface HfShape {
  config: Record<string, unknown>;
  /** Entries of the tokenizer (BPE pieces + specials); config.vocab_size may be larger (padded embedding). */
  tokenizerSize: number;
  specialsAt: SpecialsAt;
}

/**
 * config.json of SmolLM2-135M-Instruct (Llama, 30 layers, width 576, 9 heads / 3 KV heads, tied,
 * vocab 49152) and Qwen2.5-0.5B-Instruct (Qwen2, q/k/v bias, 24 layers, width 896, 14 heads / 2 KV
 * heads, tied, vocab 151936, a padded embedding: the tokenizer ends at 151665), as published.
 */
const SHAPES = {
  'smollm-135m': {
    tokenizerSize: 49152,
    specialsAt: 'start',
    config: {
      architectures: ['LlamaForCausalLM'],
      model_type: 'llama',
      attention_bias: false,
      bos_token_id: 1,
      eos_token_id: 2,
      pad_token_id: 2,
      hidden_act: 'silu',
      hidden_size: 576,
      initializer_range: 0.041666666666666664,
      intermediate_size: 1536,
      max_position_embeddings: 8192,
      mlp_bias: false,
      num_attention_heads: 9,
      num_hidden_layers: 30,
      num_key_value_heads: 3,
      rms_norm_eps: 1e-5,
      rope_scaling: null,
      rope_theta: 100000,
      tie_word_embeddings: true,
      torch_dtype: 'bfloat16',
      vocab_size: 49152,
    },
  },
  'qwen2.5-0.5b': {
    tokenizerSize: 151646, // 151643 BPE pieces, then <|endoftext|> <|im_start|> <|im_end|> at their real ids (the real file adds 19 more specials)
    specialsAt: 'end',
    config: {
      architectures: ['Qwen2ForCausalLM'],
      model_type: 'qwen2',
      bos_token_id: 151643,
      eos_token_id: 151645,
      hidden_act: 'silu',
      hidden_size: 896,
      initializer_range: 0.02,
      intermediate_size: 4864,
      max_position_embeddings: 32768,
      max_window_layers: 21,
      num_attention_heads: 14,
      num_hidden_layers: 24,
      num_key_value_heads: 2,
      rms_norm_eps: 1e-6,
      rope_theta: 1000000.0,
      sliding_window: 32768,
      tie_word_embeddings: true,
      torch_dtype: 'bfloat16',
      use_sliding_window: false,
      vocab_size: 151936,
    },
  },
} satisfies Record<string, HfShape>;

/**
 * Names of the real-model shapes {@link writeRandomHfFolder} writes.
 *
 * @example
 * ```ts
 * const s: HfShapeName = 'smollm-135m';
 * ```
 */
export type HfShapeName = keyof typeof SHAPES;

/** Every {@link HfShapeName}. */
export const HF_SHAPES = Object.keys(SHAPES) as HfShapeName[];

/**
 * Options of {@link writeRandomHfFolder}.
 *
 * @example
 * ```ts
 * const opts: RandomFolderOptions = { seed: 1, overrides: { num_hidden_layers: 2 }, sequenceClassification: true };
 * ```
 */
export interface RandomFolderOptions {
  /** Seed of the weights. Default 0. */
  seed?: number;
  /** config.json fields replaced (a scaled-down copy: fewer layers, a narrower width…). */
  overrides?: Record<string, unknown>;
  /** Write the `*ForSequenceClassification` model of the same body (one label, a `score` head) instead. */
  sequenceClassification?: boolean;
  /** Largest safetensors shard. Default 1 GiB. */
  shardBytes?: number;
}

const CHATML = [
  "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}{% endfor %}",
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}",
].join('');
const SPECIALS = ['<|endoftext|>', '<|im_start|>', '<|im_end|>'];

/** GPT-2's byte → printable character map (what byte-level BPE vocabularies are written in). */
function byteChars(): string[] {
  const keep = (b: number) => (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
  let extra = 0;
  return Array.from({ length: 256 }, (_, b) => String.fromCharCode(keep(b) ? b : 256 + extra++));
}

/**
 * A byte-level BPE with `size` entries in all: the 256 bytes, merges up to `size − 3`, and the three
 * ChatML specials. Merges join a piece with one more letter (space-prefixed pieces first), so text
 * tokenizes into multi-letter pieces as a trained vocabulary would; every merge's parts exist
 * before it.
 */
function bpeTokenizer(size: number, specialsAt: SpecialsAt): { json: Record<string, unknown>; specialIds: number[] } {
  const bytes = byteChars();
  const first = specialsAt === 'start' ? SPECIALS.length : 0;
  const vocab: Record<string, number> = {};
  const pieces: string[] = [];
  const add = (p: string) => {
    vocab[p] = first + pieces.length;
    pieces.push(p);
  };
  bytes.forEach(add);
  const space = bytes[32];
  const letters = [...'etaoinshrdlcumwfgypbvkjxqz', ...'ETAOINSHRDLCUMWFGYPBVKJXQZ'];
  const merges: [string, string][] = [];
  const target = size - SPECIALS.length;
  const frontier: string[] = [space, ...letters];
  for (let i = 0; pieces.length < target && i < frontier.length; i++) {
    const left = frontier[i];
    for (const c of letters) {
      if (pieces.length >= target) break;
      const p = left + c;
      if (p in vocab) continue;
      merges.push([left, c]);
      add(p);
      frontier.push(p);
    }
  }
  if (pieces.length < target) throw new Error(`bpeTokenizer: could not reach ${target} pieces`);
  const specialIds = SPECIALS.map((_, i) => (specialsAt === 'start' ? i : target + i));
  const json = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIALS.map((content, i) => ({ id: specialIds[i], content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: false, byte_fallback: false, ignore_merges: false, vocab, merges },
  };
  return { json, specialIds };
}

/**
 * BF16 bytes of n values uniform in (−√3·std, √3·std) (standard deviation `std`) from a seeded
 * stream: one random draw and no transcendental per value, so a 0.5B-parameter folder takes
 * seconds. Values are rounded to BF16 by truncation (they are random anyway).
 */
function uniformBf16(n: number, std: number, rng: ReturnType<typeof createRng>): Uint8Array {
  const out = new Uint16Array(n);
  const f32 = new Float32Array(1);
  const u32 = new Uint32Array(f32.buffer);
  const a = 2 * Math.sqrt(3) * std;
  for (let i = 0; i < n; i++) {
    f32[0] = (rng.nextUint32() / 4294967296 - 0.5) * a;
    out[i] = u32[0] >>> 16;
  }
  return new Uint8Array(out.buffer);
}

/** BF16 bytes of n copies of `value` (1 or 0: exact in BF16). */
function constantBf16(n: number, value: number): Uint8Array {
  const f32 = new Float32Array([value]);
  return new Uint8Array(new Uint16Array(n).fill(new Uint32Array(f32.buffer)[0] >>> 16).buffer);
}

/**
 * Writes a Hugging Face folder with the config.json of `shape` (plus `opts.overrides`), random BF16
 * weights (matrices uniform with standard deviation 0.02, norms 1, biases 0), a BPE tokenizer of the same vocabulary size and
 * a ChatML chat template into `dir` (created). Loads with `loadModel` (or
 * `loadRewardModel` with `sequenceClassification`) and with transformers.
 *
 * @returns the config.json written.
 * @example
 * ```ts
 * await writeRandomHfFolder('smollm-135m', '/tmp/smollm');
 * const { model, tokenizer, chat } = await loadModel('/tmp/smollm');
 * ```
 */
export async function writeRandomHfFolder(shape: HfShapeName, dir: string, opts: RandomFolderOptions = {}): Promise<Record<string, unknown>> {
  const base: HfShape = SHAPES[shape];
  if (!base) throw new Error(`writeRandomHfFolder: unknown shape '${shape}' (expected one of ${HF_SHAPES.join(', ')})`);
  const seqCls = opts.sequenceClassification ?? false;
  const arch = String((base.config.architectures as string[])[0]);
  const config: Record<string, unknown> = { ...base.config, ...opts.overrides };
  if (seqCls) Object.assign(config, { architectures: [arch.replace('ForCausalLM', 'ForSequenceClassification')], num_labels: 1, id2label: { 0: 'LABEL_0' }, label2id: { LABEL_0: 0 }, tie_word_embeddings: false, pad_token_id: config.pad_token_id ?? config.eos_token_id });
  const family = base.config.model_type === 'qwen2' ? { architecture: 'qwen2', qkvBias: true } : { architecture: 'llama' };
  const cfg = parseDecoderConfig(config, join(dir, 'config.json'), family);
  const tokSize = Math.min(base.tokenizerSize, cfg.vocabSize);
  const { json: tokenizer, specialIds } = bpeTokenizer(tokSize, base.specialsAt);
  const { mkdir, writeFile } = await nodeFs(dir);
  await mkdir(dir, { recursive: true });

  const shapes = decoderWeightShapes(cfg, !seqCls);
  if (seqCls) shapes.push(['score.weight', [1, cfg.hiddenSize]]);
  const rng = createRng(opts.seed ?? 0);
  const shardBytes = opts.shardBytes ?? 2 ** 30;
  const shards: SafetensorsTensor[][] = [[]];
  let inShard = 0;
  for (const [name, dims] of shapes) {
    const n = dims.reduce((a, b) => a * b, 1);
    const bytes = dims.length === 1 ? constantBf16(n, name.endsWith('.bias') ? 0 : 1) : uniformBf16(n, 0.02, rng);
    if (inShard > 0 && inShard + bytes.byteLength > shardBytes) {
      shards.push([]);
      inShard = 0;
    }
    shards[shards.length - 1].push({ name, dtype: 'BF16', shape: dims, bytes });
    inShard += bytes.byteLength;
  }
  const files = shards.map((_, i) => (shards.length === 1 ? 'model.safetensors' : `model-${String(i + 1).padStart(5, '0')}-of-${String(shards.length).padStart(5, '0')}.safetensors`));
  for (const [i, tensors] of shards.entries()) await writeSafetensors(join(dir, files[i]), { tensors, metadata: { format: 'pt' } });
  if (shards.length > 1) {
    const weight_map: Record<string, string> = {};
    shards.forEach((ts, i) => ts.forEach((t) => (weight_map[t.name] = files[i])));
    await writeFile(join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: {}, weight_map }));
  }
  const eos = SPECIALS[2];
  if (specialIds[2] !== config.eos_token_id && !seqCls && opts.overrides?.vocab_size === undefined) {
    throw new Error(`writeRandomHfFolder: ${shape}'s eos_token_id ${String(config.eos_token_id)} is not <|im_end|> (${specialIds[2]})`);
  }
  await writeFile(join(dir, 'config.json'), JSON.stringify(config, null, 2));
  await writeFile(join(dir, 'tokenizer.json'), JSON.stringify(tokenizer));
  await writeFile(
    join(dir, 'tokenizer_config.json'),
    JSON.stringify({ bos_token: null, eos_token: eos, pad_token: SPECIALS[0], unk_token: null, model_max_length: cfg.maxPositions, extra_special_tokens: [SPECIALS[1], SPECIALS[2]], chat_template: CHATML }, null, 2),
  );
  await writeFile(join(dir, 'generation_config.json'), JSON.stringify({ bos_token_id: config.bos_token_id, eos_token_id: config.eos_token_id }, null, 2));
  return config;
}
