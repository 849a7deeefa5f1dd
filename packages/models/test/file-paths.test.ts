// The loaders' own path arithmetic (files/path.ts) against Node's path.posix on random paths, and
// file: URLs against Node's fileURLToPath.
import fc from 'fast-check';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { baseName, dirName, fileUrlPath, joinPath } from '../src/files/path.js';

const segment = fc.constantFrom('', '.', '..', 'a', 'b.json', 'model.safetensors', 'x y', 'é');
const pathArb = fc.tuple(fc.boolean(), fc.array(segment, { maxLength: 5 }), fc.boolean()).map(([abs, segs, slash]) => `${abs ? '/' : ''}${segs.join('/')}${slash ? '/' : ''}`);

describe('joinPath, dirName, baseName', () => {
  it('equal path.posix on random paths', () => {
    fc.assert(
      fc.property(fc.array(pathArb, { minLength: 1, maxLength: 4 }), (parts) => {
        expect(joinPath(...parts)).toBe(path.posix.join(...parts));
        for (const p of parts) {
          expect(dirName(p)).toBe(path.posix.dirname(p));
          expect(baseName(p)).toBe(path.posix.basename(p));
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('join the cases the loaders use', () => {
    expect(joinPath('models/a', 'config.json')).toBe('models/a/config.json');
    expect(joinPath('/abs/ckpt/', 'model-00001-of-00002.safetensors')).toBe('/abs/ckpt/model-00001-of-00002.safetensors');
    expect(dirName('stories260K.bin')).toBe('.');
    expect(joinPath('http://127.0.0.1:8080/models/a/', './config.json')).toBe('http://127.0.0.1:8080/models/a/config.json');
    expect(joinPath('https://example.com', '..', 'x')).toBe('https://example.com/x');
  });
});

describe('fileUrlPath', () => {
  it('gives the local path of a file: URL, percent-decoded', () => {
    for (const p of ['/tmp/a b/c.bin', '/x/é/%41.bin', '/']) expect(fileUrlPath(pathToFileURL(p))).toBe(fileURLToPath(pathToFileURL(p)));
  });

  it('gives a Windows drive path for file:///C:/…', () => {
    expect(fileUrlPath(new URL('file:///C:/models/a%20b/x.bin'))).toBe('C:\\models\\a b\\x.bin');
  });

  it('gives any other URL as it is', () => {
    expect(fileUrlPath(new URL('http://127.0.0.1:8080/assets/stories260K.bin'))).toBe('http://127.0.0.1:8080/assets/stories260K.bin');
  });
});
