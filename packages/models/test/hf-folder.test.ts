// readHfFolder on the committed fixtures (saved by transformers, tools/hf_fixtures.py): config,
// weights (single/sharded, F32/F16/BF16), tokenizer ids against transformers', eos ids, chat templates.
import { readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeFolderIO, readHfFolder, type FolderIO } from '../src/hf/index.js';
import type { ExpectedIds } from './fixtures/expected.js';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}/`, import.meta.url));
const expected = (name: string) =>
  JSON.parse(readFileSync(join(fixture(name), 'expected.json'), 'utf8')) as { tokenizer?: ExpectedIds[] };
const vocab = (name: string) =>
  (JSON.parse(readFileSync(join(fixture(name), 'tokenizer.json'), 'utf8')) as { model: { vocab: Record<string, number> } }).model.vocab;

describe('readHfFolder', () => {
  it('reads a single-file F32 Llama folder with tokenizer, chat template and an eos list', async () => {
    const hf = await readHfFolder(fixture('llama-tiny'));
    expect(hf.configFile).toBe(join(fixture('llama-tiny'), 'config.json'));
    expect(hf.config['architectures']).toEqual(['LlamaForCausalLM']);
    expect(hf.weights.keys()).toContain('lm_head.weight');
    expect(hf.weights.get('model.embed_tokens.weight', [64, 16]).data.length).toBe(1024);
    expect(hf.eosIds).toEqual([2, vocab('llama-tiny')['<|im_end|>']]);
    const tok = hf.tokenizer;
    if (!tok) throw new Error('tokenizer expected');
    expect([tok.bosId, tok.eosId, tok.vocabSize]).toEqual([1, 2, 64]);
    for (const { ids, text, decoded } of expected('llama-tiny').tokenizer ?? []) {
      expect(tok.encode(text)).toEqual(ids);
      expect(tok.encode(text, { bos: true })).toEqual([1, ...ids]);
      expect(tok.decode([1, ...ids, 2])).toBe(decoded);
    }
  });

  it('renders the Llama-2 chat template with bos/eos and raise_exception', async () => {
    const { chat } = await readHfFolder(fixture('llama-tiny'));
    if (!chat) throw new Error('chat expected');
    const text = chat.render(
      [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: 'hello' },
        { role: 'user', content: 'again' },
      ],
      { addGenerationPrompt: true },
    );
    expect(text).toBe('<s>[INST] hi [/INST] hello</s>[INST] again [/INST]');
    expect(() => chat.render([{ role: 'assistant', content: 'x' }], { addGenerationPrompt: false })).toThrow(
      /chat_template\.jinja: chat template: Conversation roles must alternate user\/assistant/,
    );
  });

  it('reads a sharded F16 Qwen2 folder: no BOS, ChatML, eos from generation_config.json', async () => {
    const hf = await readHfFolder(fixture('qwen2-tiny'));
    expect(hf.weights.file).toMatch(/model\.safetensors\.index\.json$/);
    expect(hf.weights.has('model.layers.1.self_attn.q_proj.bias')).toBe(true);
    const imEnd = vocab('qwen2-tiny')['<|im_end|>'];
    expect(hf.eosIds).toEqual([imEnd]);
    expect(hf.tokenizer?.bosId).toBeUndefined();
    expect(hf.tokenizer?.eosId).toBe(imEnd);
    expect(hf.tokenizer?.encode('once upon a time', { bos: true })).toEqual(expected('qwen2-tiny').tokenizer?.[0].ids);
    const text = hf.chat?.render([{ role: 'system', content: 'be brief' }, { role: 'user', content: 'hi' }], { addGenerationPrompt: true });
    expect(text).toBe('<|im_start|>system\nbe brief<|im_end|>\n<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n');
    expect(hf.chat?.render([{ role: 'user', content: 'hi' }], { addGenerationPrompt: false })).toBe('<|im_start|>user\nhi<|im_end|>\n');
    // The rendered prompt tokenizes with the added tokens kept whole.
    const ids = hf.tokenizer?.encode(text ?? '') ?? [];
    expect(ids[0]).toBe(vocab('qwen2-tiny')['<|im_start|>']);
    expect(ids.filter((i) => i === imEnd)).toHaveLength(2);
  });

  it('reads a byte-level GPT-2 folder (BF16-free, tied, no chat template)', async () => {
    const hf = await readHfFolder(fixture('gpt2-tiny'));
    expect(hf.config['architectures']).toEqual(['GPT2LMHeadModel']);
    expect(hf.chat).toBeUndefined();
    const eot = vocab('gpt2-tiny')['<|endoftext|>'];
    expect(hf.eosIds).toEqual([eot]);
    const tok = hf.tokenizer;
    expect(tok?.vocabSize).toBe(eot + 1);
    expect(tok?.bosId).toBe(eot);
    for (const { text, ids, decoded } of expected('gpt2-tiny').tokenizer ?? []) {
      expect(tok?.encode(text)).toEqual(ids);
      expect(tok?.decode([eot, ...ids, eot])).toBe(decoded);
    }
  });

  it('reads BF16 weights (llama3-rope) and works without a tokenizer', async () => {
    // Hide the tokenizer files: the folder still reads, with no tokenizer and no chat template.
    const io: FolderIO = { ...nodeFolderIO, exists: async (p) => !/tokenizer/.test(p) && nodeFolderIO.exists(p) };
    const hf = await readHfFolder(fixture('llama3-rope'), io);
    expect(hf.tokenizer).toBeUndefined();
    expect(hf.chat).toBeUndefined();
    expect(hf.eosIds).toEqual([2]);
    const norm = hf.weights.get('model.norm.weight', [32]).data;
    // BF16 values have zero low 16 bits once widened to float32.
    expect(Array.from(new Uint32Array(norm.buffer)).every((b) => (b & 0xffff) === 0)).toBe(true);
  });

  it('takes injected file access (an in-memory folder)', async () => {
    const dir = fixture('mistral-tiny');
    const files = new Map<string, Uint8Array>();
    for (const f of await readdir(dir)) files.set(`/mem/${f}`, await readFile(join(dir, f)));
    const io: FolderIO = {
      exists: async (p) => files.has(p),
      readFile: async (p) => {
        const b = files.get(p);
        if (!b) throw new Error(`ENOENT ${p}`);
        return b;
      },
    };
    const hf = await readHfFolder('/mem', io);
    expect(hf.configFile).toBe('/mem/config.json');
    expect(hf.weights.file).toBe('/mem/model.safetensors');
    expect(hf.config['sliding_window']).toBe(4096);
    const [first] = expected('mistral-tiny').tokenizer ?? [];
    expect(hf.tokenizer?.encode(first.text, { bos: true })).toEqual([1, ...first.ids]);
  });
});
