#!/usr/bin/env node
// Builds a corpus of malformed inputs in a folder: llama2.c checkpoints and tokenizers, Hugging
// Face model folders, fuzzed safetensors headers, game options and training recipes, each derived
// from a real file of the repository (stories260K, the llama-tiny fixture, recipes/default.json)
// by one edit. It writes the cases and `manifest.json`: for each case the `agon` arguments to run
// and what must happen — `error`: exit 1 with one line matching the pattern (which names the file,
// field or option at fault); `errorOrSame`: that, or a clean run printing exactly what the
// unedited input prints (a fuzzed byte that changed nothing that matters).
//
//   node tools/malformed-corpus.mjs DIR       # then tools/test/malformed-corpus.test.ts runs it
import { copyFileSync, cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const STORIES = join(root, 'packages/models/assets/stories260K/stories260K.bin');
const TOK512 = join(root, 'packages/models/assets/stories260K/tok512.bin');
const LLAMA_TINY = join(root, 'packages/models/test/fixtures/llama-tiny');
const DEFAULT_RECIPE = join(root, 'packages/trainer/recipes/default.json');

/** Regex source matching `text` literally. */
const lit = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** mulberry32: a small seeded PRNG, so the fuzzed cases are the same on every run. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The safetensors header of `bytes`: its JSON and where the data starts. */
function stHeader(bytes) {
  const n = Number(Buffer.from(bytes).readBigUInt64LE(0));
  return { json: JSON.parse(Buffer.from(bytes.subarray(8, 8 + n)).toString('utf8')), dataStart: 8 + n };
}
/** A safetensors file from a header object and the data section of `bytes`. */
function stWithHeader(header, data) {
  const text = Buffer.from(JSON.stringify(header), 'utf8');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(text.length));
  return Buffer.concat([len, text, data]);
}

export function buildCorpus(dir) {
  const cases = [];
  const gen = (model, extra = []) => ['generate', '--model', model, '--max-new-tokens', '2', '--temperature', '0', '--backend', 'cpu', ...extra];
  const add = (name, args, expect) => cases.push({ name, args, ...expect });
  const caseDir = (name) => {
    const d = join(dir, name);
    mkdirSync(d, { recursive: true });
    return d;
  };

  // --- llama2.c checkpoints (stories260K, header of 7 int32 + weights) -------------------------
  const stories = readFileSync(STORIES);
  const llama2c = (name, bytes, tokenizer = true) => {
    const d = caseDir(name);
    writeFileSync(join(d, 'model.bin'), bytes);
    if (tokenizer) copyFileSync(TOK512, join(d, 'tokenizer.bin'));
    return join(d, 'model.bin');
  };
  for (const size of [0, 3, 27, 28, 100, 4096, stories.length >> 1, stories.length - 4]) {
    const f = llama2c(`llama2c-truncated-${size}`, stories.subarray(0, size));
    add(`llama2c truncated to ${size} bytes`, gen(f), { error: `${lit(f)}: (truncated|header field|file size)` });
  }
  const fields = ['dim', 'hidden_dim', 'n_layers', 'n_heads', 'n_kv_heads', 'vocab_size', 'seq_len'];
  fields.forEach((field, i) => {
    for (const v of [0, -7, 1e9, 3]) {
      const b = Buffer.from(stories);
      b.writeInt32LE(v, 4 * i);
      if (field === 'vocab_size' && v === -7) continue; // negative vocab means "unshared classifier" in llama2.c
      const f = llama2c(`llama2c-${field}-${v}`, b);
      add(`llama2c header ${field} = ${v}`, gen(f), { error: `${lit(f)}: ` });
    }
  });
  {
    const f = llama2c('llama2c-trailing-bytes', Buffer.concat([stories, Buffer.alloc(12)]));
    add('llama2c with 12 trailing bytes', gen(f), { error: `${lit(f)}: file size is` });
  }
  for (const [label, value] of [['nan', NaN], ['inf', Infinity]]) {
    const b = Buffer.from(stories);
    b.writeFloatLE(value, 28 + 4 * 1000);
    const f = llama2c(`llama2c-weight-${label}`, b);
    add(`llama2c weight ${label}`, gen(f), { error: `${lit(f)}: tensor '.*' holds ${value} at index` });
  }
  {
    const f = llama2c('llama2c-no-tokenizer', stories, false);
    add('llama2c without a tokenizer beside it', gen(f), { error: `no tokenizer found .*copy the llama2.c tokenizer there` });
  }
  const tok = readFileSync(TOK512);
  const withTokenizer = (name, tokBytes) => {
    const d = caseDir(name);
    copyFileSync(STORIES, join(d, 'model.bin'));
    writeFileSync(join(d, 'tokenizer.bin'), tokBytes);
    return { model: join(d, 'model.bin'), tok: join(d, 'tokenizer.bin') };
  };
  for (const size of [0, 2, 100, tok.length - 1]) {
    const { model, tok: t } = withTokenizer(`tokenizer-truncated-${size}`, tok.subarray(0, size));
    add(`tokenizer.bin truncated to ${size} bytes`, gen(model), { error: `${lit(t)}: ` });
  }
  {
    const b = Buffer.from(tok);
    b.writeFloatLE(NaN, 4); // score of token 0
    const { model, tok: t } = withTokenizer('tokenizer-nan-score', b);
    add('tokenizer.bin with a NaN score', gen(model), { error: `${lit(t)}: token 0 field 'score' is NaN` });
    const c = Buffer.from(tok);
    c.writeInt32LE(1e6, 8); // length of token 0
    const w = withTokenizer('tokenizer-bad-length', c);
    add('tokenizer.bin with a huge token length', gen(w.model), { error: `${lit(w.tok)}: token 0 field 'length'` });
    const { model: m2, tok: t2 } = withTokenizer('tokenizer-extra-bytes', Buffer.concat([tok, Buffer.alloc(9)]));
    add('tokenizer.bin with extra bytes', gen(m2), { error: `${lit(t2)}: tokenizer.bin has 9 bytes after token` });
  }

  // --- Hugging Face folders (the llama-tiny fixture) ------------------------------------------
  const hf = (name, edit) => {
    const d = join(dir, name);
    cpSync(LLAMA_TINY, d, { recursive: true });
    edit(d);
    return d;
  };
  const editJson = (file, change) => {
    const j = JSON.parse(readFileSync(file, 'utf8'));
    change(j);
    writeFileSync(file, JSON.stringify(j));
  };
  const cfgField = (field, value) => (d) => editJson(join(d, 'config.json'), (j) => (value === undefined ? delete j[field] : (j[field] = value)));
  const numeric = ['vocab_size', 'hidden_size', 'intermediate_size', 'num_hidden_layers', 'num_attention_heads', 'num_key_value_heads', 'max_position_embeddings', 'head_dim'];
  for (const field of numeric) {
    for (const value of [0, -1, 1.5, 'x', 1e9, 3, null]) {
      if (value === null && ['num_key_value_heads', 'max_position_embeddings', 'head_dim'].includes(field)) continue; // optional: defaults apply
      if (value === 3 && field === 'max_position_embeddings') continue; // a valid (if short) context, checked below
      const d = hf(`hf-${field}-${String(value)}`, cfgField(field, value === null ? undefined : value));
      add(`config.json ${field} = ${JSON.stringify(value)}`, gen(d), { error: `${lit(d)}/(config\\.json|model\\.safetensors|tokenizer\\.json|generation_config\\.json): ` });
    }
  }
  for (const [field, value] of [['rms_norm_eps', -1], ['rms_norm_eps', 'tiny'], ['rope_theta', 0], ['rope_theta', 'x'], ['hidden_act', 'gelu'], ['architectures', []], ['architectures', ['BertModel']], ['architectures', 'LlamaForCausalLM'], ['tie_word_embeddings', 'yes'], ['attention_bias', true], ['rope_scaling', { rope_type: 'yarn', factor: 4 }], ['rope_scaling', 'linear'], ['mlp_bias', true], ['partial_rotary_factor', 0.5]]) {
    const d = hf(`hf-${field}-${JSON.stringify(value).replace(/[^\w-]/g, '_')}`, cfgField(field, value));
    add(`config.json ${field} = ${JSON.stringify(value)}`, gen(d), { error: `${lit(d)}/(config\\.json|model\\.safetensors): ` });
  }
  {
    const d = hf('hf-tie-with-head', cfgField('tie_word_embeddings', true));
    add('tie_word_embeddings true with a different lm_head.weight', gen(d), { error: `'tie_word_embeddings' is true but 'lm_head\\.weight' is not a copy` });
  }
  const files = { 'config.json': 'config.json', 'tokenizer.json': 'tokenizer.json', 'tokenizer_config.json': 'tokenizer_config.json', 'generation_config.json': 'generation_config.json' };
  for (const file of Object.keys(files)) {
    for (const [label, text] of [['not-json', '{"vocab_size": 64,'], ['array', '[1, 2]'], ['empty', '']]) {
      if (file === 'tokenizer_config.json' && label === 'empty') continue;
      const d = hf(`hf-${file}-${label}`, (x) => writeFileSync(join(x, file), text));
      add(`${file} ${label}`, gen(d), { error: `${lit(join(d, file))}: ` });
    }
  }
  {
    const d = hf('hf-config-empty-object', (x) => writeFileSync(join(x, 'config.json'), '{}'));
    add('config.json {}', gen(d), { error: `${lit(d)}/config\\.json: ` });
    const e = hf('hf-weights-empty', (x) => writeFileSync(join(x, 'model.safetensors'), ''));
    add('model.safetensors empty', gen(e), { error: `${lit(e)}/model\\.safetensors: ` });
  }
  for (const [label, change] of [
    ['eos-99999', (d) => editJson(join(d, 'generation_config.json'), (j) => (j.eos_token_id = 99999))],
    ['eos-negative', (d) => editJson(join(d, 'generation_config.json'), (j) => (j.eos_token_id = -1))],
    ['eos-string', (d) => editJson(join(d, 'generation_config.json'), (j) => (j.eos_token_id = '</s>'))],
    ['eos-token-missing', (d) => editJson(join(d, 'tokenizer_config.json'), (j) => (j.eos_token = '<nope>'))],
    ['bos-token-missing', (d) => editJson(join(d, 'tokenizer_config.json'), (j) => (j.bos_token = '<nope>'))],
    ['eos-token-number', (d) => editJson(join(d, 'tokenizer_config.json'), (j) => (j.eos_token = 2))],
    ['chat-template-broken', (d) => editJson(join(d, 'tokenizer_config.json'), (j) => (j.chat_template = '{% for m in messages %}'))],
    ['tokenizer-too-big', (d) => { cfgField('vocab_size', 32)(d); editJson(join(d, 'generation_config.json'), (j) => (j.eos_token_id = 2)); }],
    ['tokenizer-model-missing', (d) => editJson(join(d, 'tokenizer.json'), (j) => delete j.model)],
  ]) {
    const d = hf(`hf-${label}`, change);
    add(`special tokens: ${label}`, gen(d), { error: `${lit(d)}/(generation_config|tokenizer_config|tokenizer|config)\\.json: ` });
  }
  // Weights: NaN/Inf, a wrong dtype, offsets outside the file.
  const weights = readFileSync(join(LLAMA_TINY, 'model.safetensors'));
  const { json: header, dataStart } = stHeader(weights);
  const data = weights.subarray(dataStart);
  for (const [label, value] of [['nan', NaN], ['inf', Infinity], ['-inf', -Infinity]]) {
    const d = hf(`hf-weight-${label}`, (x) => {
      const b = Buffer.from(weights);
      const [start] = header['model.norm.weight'].data_offsets;
      b.writeFloatLE(value, dataStart + start + 4);
      writeFileSync(join(x, 'model.safetensors'), b);
    });
    add(`safetensors weight ${label}`, gen(d), { error: `${lit(d)}/model\\.safetensors: tensor 'model\\.norm\\.weight' holds ${lit(String(value))} at index 1` });
  }
  for (const [label, edit] of [
    ['dtype-I64', (h) => (h['model.norm.weight'].dtype = 'I64')],
    ['dtype-unknown', (h) => (h['model.norm.weight'].dtype = 'F8')],
    ['offsets-past-end', (h) => (h['model.norm.weight'].data_offsets = [0, 1 << 30])],
    ['offsets-reversed', (h) => (h['model.norm.weight'].data_offsets = [64, 0])],
    ['shape-wrong', (h) => (h['model.norm.weight'].shape = [4, 4])],
    ['missing-tensor', (h) => delete h['model.norm.weight']],
    ['extra-tensor', (h) => (h['model.extra.weight'] = { ...h['model.norm.weight'] })],
  ]) {
    const d = hf(`hf-st-${label}`, (x) => {
      const h = structuredClone(header);
      edit(h);
      writeFileSync(join(x, 'model.safetensors'), stWithHeader(h, data));
    });
    add(`safetensors ${label}`, gen(d), { error: `${lit(d)}/model\\.safetensors: ` });
  }
  // 300 fuzzed headers: a random edit of the header text or its length prefix.
  const rand = rng(12);
  const headerText = Buffer.from(weights.subarray(8, dataStart));
  for (let i = 0; i < 300; i++) {
    const d = hf(`hf-fuzz-${i}`, (x) => {
      const t = Buffer.from(headerText);
      const kind = i % 4;
      let bytes;
      if (kind === 0) {
        t[Math.floor(rand() * t.length)] = 32 + Math.floor(rand() * 95); // one printable byte
        bytes = Buffer.concat([weights.subarray(0, 8), t, data]);
      } else if (kind === 1) {
        const at = Math.floor(rand() * t.length); // delete a byte, keep the length prefix
        bytes = Buffer.concat([weights.subarray(0, 8), t.subarray(0, at), t.subarray(at + 1), Buffer.from(' '), data]);
      } else if (kind === 2) {
        const len = Buffer.from(weights.subarray(0, 8));
        len.writeBigUInt64LE(BigInt(Math.floor(rand() * 2 ** 40))); // a wrong length prefix
        bytes = Buffer.concat([len, t, data]);
      } else {
        const digits = [...t.toString('latin1').matchAll(/\d+/g)]; // a number replaced by another
        const m = digits[Math.floor(rand() * digits.length)];
        const n = String([0, 1, 2 ** 31, 2 ** 53, Math.floor(rand() * 1e6)][Math.floor(rand() * 5)]);
        const text = t.toString('latin1');
        const edited = Buffer.from(text.slice(0, m.index) + n + text.slice(m.index + m[0].length), 'latin1');
        const len = Buffer.alloc(8);
        len.writeBigUInt64LE(BigInt(edited.length));
        bytes = Buffer.concat([len, edited, data]);
      }
      writeFileSync(join(x, 'model.safetensors'), bytes);
    });
    add(`safetensors header fuzz #${i}`, gen(d), { errorOrSame: `${lit(d)}/model\\.safetensors: `, reference: gen(LLAMA_TINY) });
  }

  // --- game options (agon eval) ---------------------------------------------------------------
  for (const n of [1, 3]) {
    const d = hf(`hf-eval-context-${n}`, cfgField('max_position_embeddings', n));
    add(`eval on a model whose context holds ${n} position(s)`, ['eval', '--model', d, '--game', 'arithmetic', '--size', '2', '--backend', 'cpu'], { error: `${lit(d)}: .*exceeds the model's ${n} positions` });
  }
  const evalArgs = (game, options) => ['eval', '--model', LLAMA_TINY, '--game', game, '--options', JSON.stringify(options), '--size', '1', '--max-new-tokens', '1', '--backend', 'cpu'];
  for (const [game, options, pattern] of [
    ['arithmetic', { digitz: 2 }, "unknown option 'digitz'"],
    ['arithmetic', { ops: '+' }, 'option ops must be a non-empty list'],
    ['arithmetic', { ops: [] }, 'option ops must be a non-empty list'],
    ['arithmetic', { ops: ['/'] }, 'option ops must be a non-empty list'],
    ['arithmetic', { digits: 0 }, 'option digits must be an integer in 1..30'],
    ['arithmetic', { digits: 31 }, 'option digits must be an integer in 1..30'],
    ['arithmetic', { digits: '2' }, 'option digits must be an integer'],
    ['arithmetic', [1], 'eval: --options: arithmetic: options must be an object, got [1]'],
    ['sort', { lenght: 4 }, "unknown option 'lenght'"],
    ['sort', { length: 1 }, 'option length must be an integer in 2..100'],
    ['reverse', { maxValue: 0 }, 'option maxValue must be an integer'],
    ['chess', {}, 'unknown game "chess"'],
  ]) {
    add(`game ${game} options ${JSON.stringify(options)}`, evalArgs(game, options), { error: lit(pattern) });
  }

  // --- recipes (agon train --config) ----------------------------------------------------------
  const recipe = JSON.parse(readFileSync(DEFAULT_RECIPE, 'utf8'));
  const recipeCase = (label, value) => {
    const d = caseDir(`recipe-${label}`);
    const f = join(d, 'recipe.json');
    writeFileSync(f, typeof value === 'string' ? value : JSON.stringify(value));
    add(`recipe ${label}`, ['train', '--config', f, '--out', join(d, 'run')], { error: `${lit(f)}: ` });
  };
  recipeCase('not-json', '{"steps": 3,');
  recipeCase('array', '[]');
  recipeCase('empty', '');
  const bad = {
    steps: [0, -1, 1.5, 'ten', null],
    seed: [-1, 'x', 1.5],
    queriesPerStep: [0, -2, 'x'],
    answersPerQuery: [1, 0, 'x'],
    model: [3, ''],
    backend: [3, ''],
    checkpointEvery: [-1, 1.5, 'x'],
    game: ['arithmetic', { name: 'chess' }, { name: 'arithmetic', options: { digitz: 2 } }, { name: 'arithmetic', options: { ops: '+' } }],
    optimizer: [{ lr: -1 }, { lr: 'x' }, { schedule: 'sometimes' }, 3],
    loss: [{ beta: -1 }, { kl: 'k9' }, 'x'],
    sampling: [{ temperature: -1 }, { topP: 2 }, 'x'],
    rewards: [[{ type: 'remote', url: 'not a url' }], [{ type: 'nope' }], 'x'],
    eval: [{ size: 0 }, 'x'],
    typo_field: [1],
  };
  for (const [field, values] of Object.entries(bad)) {
    values.forEach((v, k) => recipeCase(`${field}-${k}`, { ...recipe, [field]: v }));
  }
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(cases, null, 1));
  return cases;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dir = process.argv[2];
  if (!dir) {
    console.error('usage: node tools/malformed-corpus.mjs DIR');
    process.exit(1);
  }
  mkdirSync(dir, { recursive: true });
  const cases = buildCorpus(dir);
  console.log(`malformed-corpus: ${cases.length} cases in ${dir}`);
}
