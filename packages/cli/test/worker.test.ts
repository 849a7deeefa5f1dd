// `agon worker` and `agon train --rollout-server` through main(): a server that cannot be reached
// is one line and exit 1; with a real nats-server (user and password) a worker serves a 2-step
// run of the default recipe and exits after its --max-jobs, and no output shows the password.
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '@agon/cli';
import { freePort, startNatsServer } from '@agon/distributed/testing';
import { loadRecipe } from '@agon/trainer';
import { capture } from './helpers.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'agon-cli-worker-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('agon worker', () => {
  it('--help lists the flags, credentials included', async () => {
    const io = capture();
    expect(await main(['worker', '--help'], io)).toBe(0);
    expect(io.outLines[0]).toBe('usage: agon worker --server nats://HOST:PORT [--name NAME] [--max-jobs N] [NATS credentials]');
    expect(io.outLines.join('\n')).toContain('--nats-creds FILE');
  });

  it.each([
    [[], 'agon: worker: --server nats://HOST:PORT is required (the NATS server the learner uses)'],
    [['--server', 'nats://127.0.0.1:1', '--max-jobs', '0'], "agon: worker: --max-jobs must be an integer >= 1, got '0'"],
  ])('%j is a one-line error, exit 1', async (args, message) => {
    const io = capture();
    expect(await main(['worker', ...args], io)).toBe(1);
    expect(io.errLines).toEqual([message]);
  });

  it('an unreachable server is one line, exit 1', async () => {
    const port = await freePort();
    const io = capture();
    expect(await main(['worker', '--server', `nats://127.0.0.1:${port}`], io)).toBe(1);
    expect(io.errLines.at(-1)).toMatch(new RegExp(`^agon: worker: cannot reach the NATS server at nats://127\\.0\\.0\\.1:${port}: .*\\(is nats-server running\\? e\\.g\\. nats-server -js -sd DIR\\)$`));
    expect(io.errLines.filter((l) => l.startsWith('agon: '))).toHaveLength(1);
  });
});

describe('agon train --rollout-server', () => {
  it('an unreachable server is one line, exit 1, and leaves no run behind', async () => {
    const port = await freePort();
    const out = join(dir, 'unreachable');
    const io = capture();
    expect(await main(['train', '--rollout-server', `nats://127.0.0.1:${port}`, '--steps', '1', '--out', out], io)).toBe(1);
    expect(io.errLines.at(-1)).toMatch(new RegExp(`^agon: train: cannot reach the NATS server at nats://127\\.0\\.0\\.1:${port}: .*\\(is nats-server running\\?`));
    expect(await readdir(out).catch(() => [])).not.toContain('config.json');
  });

  it('a URL with credentials in it is refused (the config is written to the run folder)', async () => {
    const io = capture();
    expect(await main(['train', '--rollout-server', 'nats://me:pw@127.0.0.1:4222', '--out', join(dir, 'creds-url')], io)).toBe(1);
    expect(io.errLines.at(-1)).toContain('field rollouts.server: expected nats://HOST:PORT (tls://, ws://, wss:// too) with no user:password@');
  });

  it('a worker serves a 2-step run over a server with user and password; nothing prints the password', async () => {
    const password = 'pw-never-printed-42';
    const server = await startNatsServer({ args: ['--user', 'agon', '--pass', password] });
    try {
      const { raw } = await loadRecipe('default');
      const recipe = join(dir, 'recipe.json');
      await writeFile(recipe, JSON.stringify({ ...raw, queriesPerStep: 4, eval: null, checkpointEvery: 0 }));
      const creds = ['--nats-user', 'agon', '--nats-password', password];
      const workerIO = capture();
      const trainIO = capture();
      const out = join(dir, 'run');
      const [workerCode, trainCode] = await Promise.all([
        main(['worker', '--server', server.url, '--name', 'cli-w', '--max-jobs', '2', ...creds], workerIO),
        main(['train', '--config', recipe, '--steps', '2', '--out', out, '--rollout-server', server.url, ...creds], trainIO),
      ]);
      expect(trainCode).toBe(0);
      expect(workerCode).toBe(0);
      expect(workerIO.outLines).toEqual(['agon worker: 2 jobs done']);
      expect(workerIO.errLines.filter((l) => /agon worker cli-w: job \d+\.0 of run [0-9a-f]{16} \(policy v\d\) done/.test(l))).toHaveLength(2);
      const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as { steps: number };
      expect(summary.steps).toBe(2);
      const config = JSON.parse(await readFile(join(out, 'config.json'), 'utf8')) as { rollouts: { server: string } };
      expect(config.rollouts.server).toBe(server.url);
      const everything = [...workerIO.outLines, ...workerIO.errLines, ...trainIO.outLines, ...trainIO.errLines].join('\n') + JSON.stringify(config);
      expect(everything).not.toContain(password);
    } finally {
      await server.stop();
    }
  });
});
