// Clear errors for malformed Hugging Face folders: each names the file and the field.
import { cp, mkdtemp, rm, writeFile, readFile, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hfTokenizer, jinjaChatFormat, readHfFolder } from '../src/hf/index.js';
import { tokenIdList } from '../src/hf/special-tokens.js';

const llama = fileURLToPath(new URL('./fixtures/llama-tiny/', import.meta.url));

describe('Hugging Face folder errors', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'agon-hf-'));
    await cp(llama, dir, { recursive: true });
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));
  const edit = async (file: string, change: (j: Record<string, unknown>) => void) => {
    const j = JSON.parse(await readFile(join(dir, file), 'utf8')) as Record<string, unknown>;
    change(j);
    await writeFile(join(dir, file), JSON.stringify(j));
  };

  it('a folder without config.json', async () => {
    await unlink(join(dir, 'config.json'));
    await expect(readHfFolder(dir)).rejects.toThrow(`${dir}: not a Hugging Face model folder (config.json not found)`);
  });

  it('config.json that is not JSON', async () => {
    await writeFile(join(dir, 'config.json'), '{"architectures": [');
    await expect(readHfFolder(dir)).rejects.toThrow(/config\.json: not valid JSON/);
  });

  it('no safetensors weights', async () => {
    await unlink(join(dir, 'model.safetensors'));
    await expect(readHfFolder(dir)).rejects.toThrow(/no model\.safetensors or model\.safetensors\.index\.json/);
  });

  it('a corrupt model.safetensors names that file', async () => {
    await writeFile(join(dir, 'model.safetensors'), new Uint8Array([1, 0, 0, 0, 0, 0, 0, 0]));
    await expect(readHfFolder(dir)).rejects.toThrow(/model\.safetensors: invalid safetensors file: header length 1 runs past/);
  });

  it('a bad eos_token_id in generation_config.json', async () => {
    await edit('generation_config.json', (j) => (j.eos_token_id = 'two'));
    await expect(readHfFolder(dir)).rejects.toThrow(
      /generation_config\.json: field 'eos_token_id' must be a token id or a list of token ids \(found "two"\)/,
    );
  });

  it('an eos_token the tokenizer does not have', async () => {
    await unlink(join(dir, 'generation_config.json'));
    await edit('config.json', (j) => delete j.eos_token_id);
    await edit('tokenizer_config.json', (j) => (j.eos_token = '<eos>'));
    await expect(readHfFolder(dir)).rejects.toThrow(/tokenizer_config\.json: field 'eos_token' names token "<eos>", which .*tokenizer\.json does not have/);
  });

  it('a bos_token of the wrong type', async () => {
    await edit('tokenizer_config.json', (j) => (j.bos_token = 7));
    await expect(readHfFolder(dir)).rejects.toThrow(/tokenizer_config\.json: field 'bos_token' must be a string, an AddedToken object/);
  });

  it('a chat_template that does not parse', async () => {
    await edit('tokenizer_config.json', (j) => (j.chat_template = '{% if %}'));
    await expect(readHfFolder(dir)).rejects.toThrow(/tokenizer_config\.json: chat_template is not a valid Jinja template/);
  });

  it('a tokenizer larger than the model vocab_size', async () => {
    await edit('config.json', (j) => (j.vocab_size = 40));
    await expect(readHfFolder(dir)).rejects.toThrow(/tokenizer\.json: token id 52 does not fit the model's vocab_size 40/);
  });

  it('a tokenizer.json the library cannot build', async () => {
    await edit('tokenizer.json', (j) => (j.model = { type: 'Nonsense' }));
    await expect(readHfFolder(dir)).rejects.toThrow(/tokenizer\.json: cannot build the tokenizer/);
  });

  it('chat_template.jinja is used when tokenizer_config.json has none', async () => {
    await edit('tokenizer_config.json', (j) => delete j.chat_template);
    await writeFile(join(dir, 'chat_template.jinja'), '{% for m in messages %}[{{ m.role }}]{{ m.content }}{% endfor %}{{ eos_token }}');
    const hf = await readHfFolder(dir);
    expect(hf.chat?.render([{ role: 'user', content: 'x' }], { addGenerationPrompt: false })).toBe('[user]x</s>');
  });
});

describe('hf helpers', () => {
  it('tokenIdList accepts an int, a list, null', () => {
    expect(tokenIdList({ e: 3 }, 'e', 'f')).toEqual([3]);
    expect(tokenIdList({ e: [3, 4] }, 'e', 'f')).toEqual([3, 4]);
    expect(tokenIdList({ e: null }, 'e', 'f')).toEqual([]);
    expect(() => tokenIdList({ e: [-1] }, 'e', 'f')).toThrow(/f: field 'e' must be a token id/);
  });

  it('a tokenizer without any eos is an error', () => {
    const tok = { model: { type: 'WordLevel', vocab: { a: 0 }, unk_token: 'a' }, pre_tokenizer: { type: 'Whitespace' }, decoder: { type: 'Fuse' }, normalizer: null, post_processor: null, added_tokens: [] };
    expect(() => hfTokenizer(tok, {}, { file: 't.json', configFile: 'tc.json' })).toThrow(/tc\.json: no end-of-sequence token/);
    expect(hfTokenizer(tok, {}, { file: 't.json', eosId: 0 }).encode('a a')).toEqual([0, 0]);
  });

  it('a chat template that raises names the file', () => {
    const chat = jinjaChatFormat("{{ raise_exception('no system role') }}", {}, 'x.jinja');
    expect(() => chat.render([], { addGenerationPrompt: false })).toThrow('x.jinja: chat template: no system role');
  });
});
