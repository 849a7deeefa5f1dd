/**
 * What every {@link RunIO} must do, as plain async checks that throw on failure, so they run under
 * any test runner and in a browser page alike.
 */
import type { RunIO } from '../io/run-io.js';

function same(actual: unknown, expected: unknown, what: string): void {
  const [a, e] = [JSON.stringify(actual), JSON.stringify(expected)];
  if (a !== e) throw new Error(`${what}: got ${a}, expected ${e}`);
}
const text = async (io: RunIO, path: string) => {
  const b = await io.read(path);
  return b === null ? null : new TextDecoder().decode(b);
};
const sorted = async (io: RunIO, dir: string) => (await io.list(dir)).sort();

/**
 * The RunIO contract: named checks, each to be given a fresh, empty run folder.
 *
 * @example
 * ```ts
 * it.each(runIOContract)('%s', async (_name, check) => check(memoryRunIO()));
 * ```
 */
export const runIOContract: Array<[string, (io: RunIO) => Promise<void>]> = [
  ['a missing file reads as null and a missing folder lists as []', async (io) => {
    same(await io.read('nothing.json'), null, 'read');
    same(await io.read('no/such/file'), null, 'read nested');
    same(await io.list('checkpoints'), [], 'list');
  }],
  ['writeAtomic writes text and bytes, creating parent folders, and replaces a whole file', async (io) => {
    await io.writeAtomic('config.json', '{"a":1}\n');
    await io.writeAtomic('model/weights.safetensors', new Uint8Array([0, 1, 2, 255]));
    same(await text(io, 'config.json'), '{"a":1}\n', 'text');
    same([...((await io.read('model/weights.safetensors')) ?? [])], [0, 1, 2, 255], 'bytes');
    await io.writeAtomic('config.json', 'x');
    same(await text(io, 'config.json'), 'x', 'a shorter file replaces a longer one whole');
    same(await sorted(io, ''), ['config.json', 'model'], 'no temp file is left behind');
    same(await io.list('model'), ['weights.safetensors'], 'the folder holds only the file');
  }],
  ['the bytes written are copied: changing the array afterwards changes nothing', async (io) => {
    const data = new Uint8Array([1, 2, 3]);
    await io.writeAtomic('a.bin', data);
    data[0] = 9;
    same([...((await io.read('a.bin')) ?? [])], [1, 2, 3], 'read');
  }],
  ['append creates a file and adds to its end', async (io) => {
    await io.append('metrics.jsonl', '{"step":1}\n');
    await io.append('metrics.jsonl', '{"step":2}\n');
    await io.append('logs/x.txt', 'é✓\n');
    same(await text(io, 'metrics.jsonl'), '{"step":1}\n{"step":2}\n', 'appended');
    same(await text(io, 'logs/x.txt'), 'é✓\n', 'UTF-8 text');
  }],
  ['list names files and folders; listing a file gives []', async (io) => {
    await io.writeAtomic('checkpoints/step-000002/state.json', '{}');
    await io.writeAtomic('checkpoints/step-000010/state.json', '{}');
    await io.writeAtomic('checkpoints/notes.txt', '');
    same(await sorted(io, 'checkpoints'), ['notes.txt', 'step-000002', 'step-000010'], 'list');
    same(await io.list('checkpoints/notes.txt'), [], 'a file is not a folder');
  }],
  ['rename moves a folder with its files, replacing an existing target', async (io) => {
    await io.writeAtomic('checkpoints/.tmp/weights.safetensors', new Uint8Array([7]));
    await io.writeAtomic('checkpoints/.tmp/state.json', '{"step":3}');
    await io.writeAtomic('checkpoints/step-000003/stale.json', 'old');
    await io.rename('checkpoints/.tmp', 'checkpoints/step-000003');
    same(await sorted(io, 'checkpoints'), ['step-000003'], 'the source is gone');
    same(await sorted(io, 'checkpoints/step-000003'), ['state.json', 'weights.safetensors'], 'the old target is replaced');
    same(await text(io, 'checkpoints/step-000003/state.json'), '{"step":3}', 'moved content');
  }],
  ['rename moves a file, replacing an existing one; renaming nothing fails', async (io) => {
    await io.writeAtomic('a.txt', 'new');
    await io.writeAtomic('b.txt', 'old');
    await io.rename('a.txt', 'sub/b.txt');
    await io.rename('b.txt', 'c.txt');
    same(await io.read('a.txt'), null, 'the source is gone');
    same(await text(io, 'sub/b.txt'), 'new', 'moved into a new folder');
    same(await text(io, 'c.txt'), 'old', 'moved');
    let failed = false;
    await io.rename('missing', 'd').catch(() => (failed = true));
    same(failed, true, 'renaming a missing entry rejects');
  }],
  ['remove deletes a file or a folder with everything in it; a missing path is fine', async (io) => {
    await io.writeAtomic('model/config.json', '{}');
    await io.writeAtomic('model/weights.safetensors', new Uint8Array([1]));
    await io.writeAtomic('summary.json', '{}');
    await io.remove('model');
    await io.remove('summary.json');
    await io.remove('never-there');
    await io.remove('no/such/folder');
    same(await io.list(''), [], 'everything is gone');
    same(await io.read('model/config.json'), null, 'the folder content is gone');
  }],
];
