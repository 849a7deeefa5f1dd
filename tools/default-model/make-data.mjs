// Builds a small model's tokenizer (a small BPE trained on the game's own prompt text) and the
// tokenized pretraining corpus that pretrain.py reads. Deterministic: no randomness here.
//
//   node tools/default-model/make-data.mjs <out-dir> <corpus.json> [--game arithmetic|sort]
//
// Writes <out-dir>/tokenizer.json and <out-dir>/tokenizer_config.json, and <corpus.json>. The game
// (default: arithmetic, the default model's) and its problems are game.mjs's.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { hfTokenizer, jinjaChatFormat } from '@agon/models';
import { PRETRAIN_GAMES, pretrainGame } from './game.mjs';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { game: { type: 'string', default: 'arithmetic' } } });
const [outDir, corpusFile] = positionals;
if (!outDir || !corpusFile) {
  console.error(`usage: node tools/default-model/make-data.mjs <out-dir> <corpus.json> [--game ${PRETRAIN_GAMES.join('|')}]`);
  process.exit(2);
}
const spec = pretrainGame(values.game);
const { game } = spec;

const SPECIALS = ['<unk>', '<s>', '</s>', '<|user|>', '<|assistant|>', '<|system|>'];
// No BOS in the template: callers add it with encode(text, { bos: true }).
const CHAT_TEMPLATE =
  "{% for message in messages %}{% if message['role'] == 'user' %}{{ '<|user|>' + message['content'] }}" +
  "{% elif message['role'] == 'system' %}{{ '<|system|>' + message['content'] }}" +
  "{% else %}{{ '<|assistant|>' + message['content'] + eos_token }}{% endif %}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|assistant|>' }}{% endif %}";

function writeAtomic(file, text) {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(`${file}.tmp`, text);
  renameSync(`${file}.tmp`, file);
}

// ---- BPE trained on the words of the game's prompts (Metaspace: a word is "▁" + its characters).
const DIGIT = /\d/;
function trainBpe(texts) {
  const counts = new Map();
  for (const t of texts) for (const w of t.split(' ')) if (w) counts.set(`▁${w}`, (counts.get(`▁${w}`) ?? 0) + 1);
  const words = [...counts.entries()].map(([w, c]) => ({ syms: [...w], c }));
  const alphabet = new Set(['▁', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '+', '-', '*', '=', '?', '.', ',', '\n', '[', ']', ' ']);
  for (const { syms } of words) for (const s of syms) alphabet.add(s);
  alphabet.delete(' ');
  const merges = [];
  for (;;) {
    const pairs = new Map();
    for (const { syms, c } of words) {
      for (let i = 0; i + 1 < syms.length; i++) {
        // Digits stay one token each, so every number is spelled digit by digit.
        if (DIGIT.test(syms[i]) || DIGIT.test(syms[i + 1])) continue;
        const k = `${syms[i]} ${syms[i + 1]}`;
        pairs.set(k, (pairs.get(k) ?? 0) + c);
      }
    }
    if (pairs.size === 0) break;
    // Most frequent pair; ties by text so the result never depends on Map order.
    const [best] = [...pairs.entries()].sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1))[0];
    merges.push(best);
    const [l, r] = best.split(' ');
    for (const w of words) {
      const out = [];
      for (let i = 0; i < w.syms.length; i++) {
        if (i + 1 < w.syms.length && w.syms[i] === l && w.syms[i + 1] === r) {
          out.push(l + r);
          i++;
        } else out.push(w.syms[i]);
      }
      w.syms = out;
    }
  }
  const vocab = {};
  SPECIALS.forEach((s, i) => (vocab[s] = i));
  for (const s of [...alphabet].sort()) vocab[s] = Object.keys(vocab).length;
  for (const m of merges) {
    const t = m.replace(' ', '');
    if (!(t in vocab)) vocab[t] = Object.keys(vocab).length;
  }
  return { vocab, merges };
}

const sample = game.evalSet({ size: 1, seed: 1 })[0];
const promptTexts = [game.challengerPrompt()[0].content, game.solverPrompt(sample)[0].content];
const { vocab, merges } = trainBpe(promptTexts);
const metaspace = { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true };
const tokenizerJson = {
  version: '1.0',
  truncation: null,
  padding: null,
  added_tokens: SPECIALS.map((content, id) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
  normalizer: null,
  pre_tokenizer: metaspace,
  // BOS before every text, as transformers' tokenizer(text) adds it (add_bos_token below says the same).
  post_processor: {
    type: 'TemplateProcessing',
    single: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
    pair: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '<s>', type_id: 1 } }, { Sequence: { id: 'B', type_id: 1 } }],
    special_tokens: { '<s>': { id: '<s>', ids: [SPECIALS.indexOf('<s>')], tokens: ['<s>'] } },
  },
  decoder: metaspace,
  model: { type: 'BPE', dropout: null, unk_token: '<unk>', continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: true, byte_fallback: false, ignore_merges: false, vocab, merges },
};
const tokenizerConfig = {
  bos_token: '<s>',
  eos_token: '</s>',
  unk_token: '<unk>',
  add_bos_token: true,
  add_eos_token: false,
  clean_up_tokenization_spaces: false,
  model_max_length: 256,
  tokenizer_class: 'PreTrainedTokenizerFast',
  chat_template: CHAT_TEMPLATE,
};
writeAtomic(join(outDir, 'tokenizer.json'), `${JSON.stringify(tokenizerJson, null, 1)}\n`);
writeAtomic(join(outDir, 'tokenizer_config.json'), `${JSON.stringify(tokenizerConfig, null, 2)}\n`);

// ---- Corpus: every problem of the game's space except the held-out set, tokenized exactly as the
// trainer will tokenize it (same tokenizer, same chat template, BOS added by encode).
const tok = hfTokenizer(JSON.parse(readFileSync(join(outDir, 'tokenizer.json'), 'utf8')), tokenizerConfig, { file: 'tokenizer.json' });
const chat = jinjaChatFormat(CHAT_TEMPLATE, tokenizerConfig);
const asst = tok.tokenToId('<|assistant|>');
const heldOut = new Set(game.evalSet(spec.heldOut).map((q) => game.formatQuery(q)));

/** Prompt ids and reply ids (EOS included) of one chat exchange, split where the reply starts. */
function exchange(userMessages, reply) {
  const ids = tok.encode(chat.render([...userMessages, { role: 'assistant', content: reply }], { addGenerationPrompt: false }), { bos: true });
  const prompt = tok.encode(chat.render(userMessages, { addGenerationPrompt: true }), { bos: true });
  const cut = ids.lastIndexOf(asst) + 1;
  if (cut !== prompt.length || prompt.some((id, i) => id !== ids[i])) throw new Error(`prompt of "${reply}" does not prefix its exchange`);
  return { prompt, reply: ids.slice(cut) };
}

const challenger = exchange(game.challengerPrompt(), '0 + 0').prompt;
const problems = [];
// The corpus, then any held-out problem it lacks (weight 0: only for pretrain.py's held-out report).
const inCorpus = [...spec.problems()];
const seen = new Set(inCorpus.map((p) => game.formatQuery(game.parseQuery(p.text))));
const missing = game.evalSet(spec.heldOut).filter((q) => !seen.has(game.formatQuery(q)));
for (const { text: written, weight } of [...inCorpus, ...missing.map((q) => ({ text: game.formatQuery(q), weight: 0 }))]) {
  const q = game.parseQuery(written);
  if ('invalid' in q) throw new Error(`game rejects ${written}: ${q.reason}`);
  const text = game.formatQuery(q);
  const right = spec.worked(q, false);
  if (game.verify(q, right) !== 1) throw new Error(`worked answer "${right}" fails the verifier for ${text}`);
  const wrong = spec.worked(q, true);
  const solver = exchange(game.solverPrompt(q), right);
  problems.push({
    text,
    weight,
    // Held-out problems are kept only so pretrain.py can report held-out accuracy; never trained on.
    heldOut: heldOut.has(text),
    solverPrompt: solver.prompt,
    right: solver.reply,
    // The answer with the pretraining's deliberate error, on the hard instances only.
    wrong: wrong === right ? null : exchange(game.solverPrompt(q), wrong).reply,
    query: exchange(game.challengerPrompt(), text).reply,
  });
}
writeAtomic(corpusFile, JSON.stringify({ game: spec.name, hard: spec.hard, easy: spec.easy, vocabSize: Object.keys(vocab).length, eosId: tok.eosId, challengerPrompt: challenger, problems }));
console.log(`vocab ${Object.keys(vocab).length}, merges ${merges.length}, challenger prompt ${challenger.length} tokens, solver prompt ${problems[0].solverPrompt.length} tokens, problems ${problems.length} (held out ${problems.filter((p) => p.heldOut).length})`);
console.log('challenger prompt decodes to:', JSON.stringify(tok.decode(challenger)).slice(0, 200));
const ex = problems.find((p) => p.wrong) ?? problems[0];
console.log('example:', JSON.stringify(tok.decode(ex.solverPrompt)), tok.decode(ex.right), ex.right, ex.wrong && tok.decode(ex.wrong));
