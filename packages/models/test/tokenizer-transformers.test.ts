// Token ids as transformers 5.18 gives them (tools/hf_fixtures.py wrote them into expected.json), for
// the three tokenizer styles: Llama (Metaspace, BOS added by the post-processor), Qwen2 (byte-level,
// ChatML, no BOS) and GPT-2 (byte-level, nothing added). encode(text) = tokenizer(text,
// add_special_tokens=False); encode(text, { bos: true }) = tokenizer(text) — no <|endoftext|> before
// GPT-2 text — unless the 'always' rule is asked for; chat templates render as apply_chat_template.
import { nodeFolderIO, readHfFolder } from '../src/index.js';
import { expectedOf, fixtureDir } from './fixtures/expected.js';

const STYLES = { 'llama-tiny': 'Llama', 'mistral-tiny': 'Llama', 'qwen2-tiny': 'Qwen2', 'qwen3-tiny': 'Qwen2', 'gpt2-tiny': 'GPT-2' } as const;

describe('tokenization as transformers does it', () => {
  for (const [name, style] of Object.entries(STYLES)) {
    it(`${name} (${style} style): ids with and without special tokens, decoding, chat template`, async () => {
      const exp = expectedOf(name);
      const hf = await readHfFolder(fixtureDir(name));
      const tok = hf.tokenizer;
      if (!tok || !exp.tokenizer) throw new Error('tokenizer expected');
      for (const t of exp.tokenizer) {
        expect({ text: t.text, ids: tok.encode(t.text) }).toEqual({ text: t.text, ids: t.ids });
        expect({ text: t.text, ids: tok.encode(t.text, { bos: true }) }).toEqual({ text: t.text, ids: t.default });
        expect(tok.decode(t.ids)).toBe(t.decoded);
      }
      for (const c of exp.chat ?? []) {
        const text = hf.chat?.render(c.messages, { addGenerationPrompt: true });
        expect(text).toBe(c.text);
        expect(tok.encode(c.text)).toEqual(c.ids);
      }
      expect((exp.chat ?? []).length > 0).toBe(style !== 'GPT-2');
    });
  }

  it("the 'always' rule keeps agon's earlier behaviour: the bos_token before every text", async () => {
    const folder = (await readHfFolder(fixtureDir('gpt2-tiny'))).tokenizer;
    const always = (await readHfFolder(fixtureDir('gpt2-tiny'), nodeFolderIO, { bos: 'always' })).tokenizer;
    const eot = always?.bosId;
    expect(eot).toBe(always?.tokenToId('<|endoftext|>'));
    for (const t of expectedOf('gpt2-tiny').tokenizer ?? []) {
      expect(folder?.encode(t.text, { bos: true })).toEqual(t.ids);
      expect(always?.encode(t.text, { bos: true })).toEqual([eot, ...t.ids]);
    }
    // Llama style: both rules add <s> once.
    const llama = (await readHfFolder(fixtureDir('llama-tiny'), nodeFolderIO, { bos: 'always' })).tokenizer;
    for (const t of expectedOf('llama-tiny').tokenizer ?? []) expect(llama?.encode(t.text, { bos: true })).toEqual(t.default);
  });
});
