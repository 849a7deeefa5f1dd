import { main } from '@agon/cli';
import { capture } from './helpers.js';

describe('agon main', () => {
  it('prints help listing the commands', async () => {
    const io = capture();
    expect(await main(['help'], io)).toBe(0);
    expect(io.outLines.join('\n')).toMatch(/usage: agon <command>/);
    expect(io.outLines.some((l) => l.trim().startsWith('train'))).toBe(true);
  });

  it('rejects an unknown command with one line and exit 1', async () => {
    const io = capture();
    expect(await main(['trian'], io)).toBe(1);
    expect(io.errLines).toEqual(["agon: unknown command 'trian'; commands: train, eval, generate, convert, worker, bench, help"]);
  });

  it('train and eval are listed with their help', async () => {
    const io = capture();
    expect(await main(['help'], io)).toBe(0);
    expect(io.outLines.some((l) => l.trim().startsWith('eval'))).toBe(true);
  });
});
