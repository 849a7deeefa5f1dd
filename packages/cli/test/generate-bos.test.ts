// `agon generate --bos`: by default a GPT-2 prompt gets what transformers' tokenizer(text) gives
// (no <|endoftext|> in front); `--bos always` keeps agon's earlier rule; a bad value is one line.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { main, type CliIO } from '@agon/cli';

const gpt2 = fileURLToPath(new URL('../../models/test/fixtures/gpt2-tiny', import.meta.url));
const expected = JSON.parse(readFileSync(`${gpt2}/expected.json`, 'utf8')) as { tokenizer: { text: string; ids: number[]; default: number[] }[] };
const eot = (JSON.parse(readFileSync(`${gpt2}/config.json`, 'utf8')) as { bos_token_id: number }).bos_token_id;

async function promptIds(extra: string[]): Promise<number[]> {
  const out: string[] = [];
  const io: CliIO = { out: (l) => void out.push(l), err: () => undefined };
  const args = ['generate', '--model', gpt2, '--prompt', expected.tokenizer[0].text, '--temperature', '0', '--max-new-tokens', '2'];
  expect(await main([...args, '--backend', 'cpu', '--json', ...extra], io)).toBe(0);
  return (JSON.parse(out[0]) as { promptIds: number[] }).promptIds;
}

describe('agon generate --bos', () => {
  it('folder (default) gives transformers’ ids; always puts the bos_token first', async () => {
    expect(await promptIds([])).toEqual(expected.tokenizer[0].default);
    expect(await promptIds(['--bos', 'folder'])).toEqual(expected.tokenizer[0].default);
    expect(await promptIds(['--bos', 'always'])).toEqual([eot, ...expected.tokenizer[0].ids]);
  });

  it('a bad rule is one line before any work', async () => {
    const err: string[] = [];
    expect(await main(['generate', '--bos', 'sometimes'], { out: () => undefined, err: (l) => void err.push(l) })).toBe(1);
    expect(err).toEqual(["agon: generate: --bos must be folder or always, got 'sometimes'"]);
  });
});
