// Models from files wherever they are: a local folder (folderFiles), Files and Blobs as a browser
// hands them over (blobFiles, with Node's own File and Blob), and a folder served over HTTP
// (urlFiles, from a server on 127.0.0.1). Each loads the same model as the path does — same logits
// bit for bit, same tokenizer, chat template and eos ids — for a Hugging Face folder (single and
// sharded safetensors) and a llama2.c checkpoint with its tokenizer; tokenizerFiles gives the same
// files; missing and ambiguous files are errors naming where.
import { readdir, readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@agon/tensor';
import { expectNoLeaks } from '@agon/tensor/testing';
import { blobFiles, folderFiles, loadModel, STORIES_260K, tokenizerFiles, urlFiles, type LoadedModel, type ModelFiles } from '@agon/models';
import { fixtureDir } from './fixtures/expected.js';

const assets = fileURLToPath(new URL('../assets/stories260K/', import.meta.url));
const ROOTS: Record<string, string> = { 'llama-tiny': fixtureDir('llama-tiny'), 'qwen2-tiny': fixtureDir('qwen2-tiny'), stories: assets };

let server: http.Server;
let base: string;
const requests: string[] = [];

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
  // /<root>/<file> from ROOTS; /broken/* answers 500.
  server = http.createServer((req, res) => {
    const [, root, ...rest] = (req.url ?? '/').split('/');
    requests.push(req.url ?? '');
    if (root === 'broken') {
      res.statusCode = 500;
      res.end('no');
      return;
    }
    const dir = ROOTS[root];
    readFile(join(dir ?? '/nonexistent', ...rest.map(decodeURIComponent))).then(
      (b) => res.end(b),
      () => {
        res.statusCode = 404;
        res.end();
      },
    );
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((ok) => server.close(ok)));

/** The files of a local folder as [name, Blob] pairs (what a page walks out of a dropped folder). */
async function blobsOf(dir: string, only?: string[]): Promise<[string, Blob][]> {
  const names = only ?? (await readdir(dir));
  return Promise.all(names.map(async (n) => [n, new Blob([await readFile(join(dir, n))])] as [string, Blob]));
}

async function logitsOf(m: LoadedModel, ids: number[]): Promise<Float32Array> {
  const input = tf.tensor2d([ids], undefined, 'int32');
  const { logits } = m.model.forward(input);
  const out = (await logits.data()) as Float32Array;
  tf.dispose([input, logits]);
  return out;
}

/** Loads `files` and `path` and checks that they are the same model. */
async function expectSameModel(files: ModelFiles, path: string, text: string): Promise<void> {
  await expectNoLeaks(async () => {
    const [a, b] = [await loadModel(files), await loadModel(path)];
    try {
      const ids = b.tokenizer.encode(text, { bos: true });
      expect(a.tokenizer.encode(text, { bos: true })).toEqual(ids);
      expect(a.eosIds).toEqual(b.eosIds);
      const msgs = [{ role: 'user' as const, content: text }];
      expect(a.chat?.render(msgs, { addGenerationPrompt: true })).toEqual(b.chat?.render(msgs, { addGenerationPrompt: true }));
      expect(await logitsOf(a, ids)).toEqual(await logitsOf(b, ids));
    } finally {
      a.model.dispose();
      b.model.dispose();
    }
  });
}

describe.each([
  ['llama-tiny', 'a Hugging Face folder with a chat template'],
  ['qwen2-tiny', 'a sharded Hugging Face folder'],
])('%s (%s)', (name) => {
  const dir = fixtureDir(name);

  it('from folderFiles', () => expectSameModel(folderFiles(dir), dir, 'Hello world'));

  it('from blobFiles', async () => expectSameModel(blobFiles(await blobsOf(dir), name), dir, 'Hello world'));

  it('from urlFiles', async () => expectSameModel(urlFiles(`${base}/${name}`, await readdir(dir)), dir, 'Hello world'));

  it('tokenizerFiles of the files equal those of the path', async () => {
    expect(await tokenizerFiles(blobFiles(await blobsOf(dir)))).toEqual(await tokenizerFiles(dir));
  });
});

describe('a llama2.c checkpoint with its tokenizer', () => {
  it('from Files picked with their folder (webkitRelativePath), named by the folder', async () => {
    const picked = await Promise.all(
      ['stories260K.bin', 'tok512.bin'].map(async (n) => {
        const f = new File([await readFile(join(assets, n))], n);
        Object.defineProperty(f, 'webkitRelativePath', { value: `stories/${n}` });
        return f;
      }),
    );
    const files = blobFiles(picked);
    expect(files.location).toBe('stories');
    expect(await files.list()).toEqual(['stories260K.bin', 'tok512.bin']);
    await expectSameModel(files, STORIES_260K, 'Once upon a time');
  });

  it('from urlFiles', () => expectSameModel(urlFiles(`${base}/stories/`, ['stories260K.bin', 'tok512.bin']), STORIES_260K, 'Once upon a time'));

  it('tokenizerFiles of the files equal those of the path', async () => {
    expect(await tokenizerFiles(blobFiles(await blobsOf(assets, ['stories260K.bin', 'tok512.bin'])))).toEqual(await tokenizerFiles(STORIES_260K));
  });

  it('two checkpoints are an error naming them', async () => {
    await expect(loadModel(blobFiles(await blobsOf(assets), 'dropped'))).rejects.toThrow(
      'dropped: 2 llama2.c checkpoints (stories260K.bin, stories260K_v1.bin); give one',
    );
  });

  it('a checkpoint without its tokenizer is an error naming where it looked', async () => {
    await expect(loadModel(blobFiles(await blobsOf(assets, ['stories260K.bin']), 'dropped'))).rejects.toThrow(
      'dropped/stories260K.bin: no tokenizer found (looked for dropped/tokenizer.bin, dropped/tok512.bin)',
    );
  });

  it('files with neither config.json nor a checkpoint are an error listing them', async () => {
    await expect(loadModel(blobFiles(await blobsOf(assets, ['tok512.bin', 'ATTRIBUTION.md']), 'dropped'))).rejects.toThrow(
      'dropped: neither config.json nor a llama2.c checkpoint (*.bin) among tok512.bin, ATTRIBUTION.md',
    );
  });
});

describe('urlFiles', () => {
  it('reads a name it was not given as absent, without a request', async () => {
    const before = requests.length;
    expect(await urlFiles(`${base}/llama-tiny`, ['config.json']).read('tokenizer.json')).toBeNull();
    expect(requests.length).toBe(before);
  });

  it('reads a 404 as absent', async () => {
    expect(await urlFiles(`${base}/llama-tiny`, ['nothing.json']).read('nothing.json')).toBeNull();
  });

  it('a server error names the URL and the status', async () => {
    await expect(loadModel(urlFiles(`${base}/broken`, ['config.json']))).rejects.toThrow(`${base}/broken/config.json: HTTP 500`);
  });

  it('a missing weights file is the folder reader’s error, naming the URL', async () => {
    await expect(loadModel(urlFiles(`${base}/llama-tiny`, ['config.json']))).rejects.toThrow(
      `${base}/llama-tiny: no model.safetensors or model.safetensors.index.json`,
    );
  });
});

describe('blobFiles', () => {
  it('two files with one name are an error', () => {
    expect(() => blobFiles([['a/config.json', new Blob([])], ['a//config.json', new Blob([])]], 'dropped')).toThrow('dropped: two files named a/config.json');
  });
});
