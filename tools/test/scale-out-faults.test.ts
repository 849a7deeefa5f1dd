// Faults of distributed rollouts, on loopback: a nats-server started here (free 127.0.0.1 port,
// temporary file store) and three `agon worker` processes (the built CLI). Each run must end with
// exactly the metrics, samples and weights of the same run in one process: a job lost would stall
// or change the step, a job counted twice would change it.
//   - a worker killed mid-job: its job is delivered again to another worker;
//   - the learner killed: `agon train --resume` continues from its checkpoint and the stream;
//   - nats-server restarted mid-run: clients reconnect, the file store kept the queue;
//   - a result sampled with a stale policy version: dropped, counted (`rollouts/stale`), redone;
//     a job naming a policy version that is gone: the worker drops it and counts it;
//   - a server that cannot be reached: one line, exit 1.
// The workers' ack wait is 3 s (the layout is created here before any worker starts), so a
// redelivery costs seconds; every wait below is bounded.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { jetstream } from '@nats-io/jetstream';
import {
  connectNats,
  decodeMessage,
  encodeMessage,
  ensureLayout,
  JOBS_STREAM,
  jobsSubject,
  natsRollouts,
  parseJobMessage,
  resultsSubject,
  versionObject,
  WORKERS_CONSUMER,
  type ResultMessage,
} from '@agon/distributed';
import { freePort, startNatsServer, type TestNatsServer } from '@agon/distributed/testing';
import { initBackend } from '@agon/tensor';
import { loadRecipe, nodeRunIO, readMetrics, train, type TrainConfigInput } from '@agon/trainer';
import { natsMissing, runFingerprint } from './scale-out-helpers.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bin = path.join(root, 'packages/cli/dist/bin.js');
const ACK_WAIT_SECONDS = 3;
const STEPS = 3;

// Outside CI a machine without nats-server skips these tests, saying why; under CI they must run.
if (natsMissing && !process.env.CI) console.warn(`skipping the scale-out fault tests: ${natsMissing}`);
const suite = natsMissing && !process.env.CI ? describe.skip : describe;
const JOBS = 3;

/** A child `agon` process with its output lines. */
interface Agon {
  proc: ChildProcess;
  lines: string[];
  /** Resolves with the first line matching `re` (rejects after `ms`, or when the process ends first). */
  waitFor(re: RegExp, ms: number): Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function agon(args: string[]): Agon {
  const proc = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, AGON_DEBUG: '' } });
  const lines: string[] = [];
  const listeners = new Set<() => void>();
  const collect = (stream: NodeJS.ReadableStream) => {
    let rest = '';
    stream.on('data', (d: Buffer) => {
      const parts = (rest + d.toString()).split('\n');
      rest = parts.pop() ?? '';
      lines.push(...parts);
      for (const l of listeners) l();
    });
  };
  collect(proc.stdout!);
  collect(proc.stderr!);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.on('close', (code, signal) => resolve({ code, signal })));
  let ended = false;
  void exited.then(() => {
    ended = true;
    for (const l of listeners) l();
  });
  const waitFor = (re: RegExp, ms: number) =>
    new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => finish(new Error(`no line matching ${re} within ${ms} ms; output:\n${lines.slice(-20).join('\n')}`)), ms);
      const check = () => {
        const hit = lines.find((l) => re.test(l));
        if (hit !== undefined) finish(undefined, hit);
        else if (ended) finish(new Error(`agon ${args[0]} exited before a line matching ${re}; output:\n${lines.slice(-20).join('\n')}`));
      };
      function finish(err?: Error, line?: string) {
        clearTimeout(timer);
        listeners.delete(check);
        if (err) reject(err);
        else resolve(line as string);
      }
      listeners.add(check);
      check();
    });
  return { proc, lines, waitFor, exited };
}

/** Starts `n` workers named `<prefix>1…n` and waits until each is connected and waiting. */
async function startWorkers(url: string, prefix: string, extra: string[] = [], n = 3): Promise<Agon[]> {
  const workers = Array.from({ length: n }, (_, i) => agon(['worker', '--server', url, '--name', `${prefix}${i + 1}`, ...extra]));
  await Promise.all(workers.map((w) => w.waitFor(/waiting for jobs/, 60_000)));
  return workers;
}

/** Stops workers (SIGTERM: after the job in flight) and returns their exit codes. */
async function stopWorkers(workers: Agon[]): Promise<(number | null)[]> {
  for (const w of workers) if (w.proc.exitCode === null && w.proc.signalCode === null) w.proc.kill('SIGTERM');
  return (await Promise.all(workers.map((w) => w.exited))).map((e) => e.code);
}

/** Every job id of the run: `<iteration>.<shard>`. */
const allJobs = Array.from({ length: STEPS * JOBS }, (_, i) => `${Math.floor(i / JOBS)}.${i % JOBS}`);

/** Job ids the workers logged as done. */
const doneJobs = (workers: Agon[]) => workers.flatMap((w) => w.lines.flatMap((l) => /: job (\d+\.\d+) of run [0-9a-f]+ \(policy v\d+\) done/.exec(l)?.[1] ?? []));

const rolloutMetrics = async (dir: string) => (await readMetrics(nodeRunIO(dir))).map(({ metrics }) => Object.fromEntries(Object.entries(metrics).filter(([k]) => k.startsWith('rollouts/'))));

const until = async (what: string, ms: number, ok: () => Promise<boolean> | boolean) => {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

suite('distributed rollouts under faults (nats-server on loopback, 3 agon worker processes)', () => {
  let work: string;
  let server: TestNatsServer;
  let config: TrainConfigInput;
  let recipe: string;
  let reference: Awaited<ReturnType<typeof runFingerprint>>;
  const running: Agon[] = [];
  const launch = async (prefix: string, extra: string[] = []) => {
    const ws = await startWorkers(server.url, prefix, extra);
    running.push(...ws);
    return ws;
  };
  const remote = () => ({ ...config, rollouts: { jobsPerIteration: JOBS, server: server.url, timeoutSeconds: 120 } });
  const runIn = (name: string) => path.join(work, name);
  const quiet = { write: () => undefined, isTTY: false };

  beforeAll(async () => {
    if (!existsSync(bin)) throw new Error(`${bin} is missing: build the CLI first (npx nx run @agon/cli:build)`);
    work = await mkdtemp(path.join(tmpdir(), 'agon-faults-'));
    server = await startNatsServer();
    // The workers' consumer, with a short ack wait: created before any worker or learner does.
    const nc = await connectNats(server.url);
    await ensureLayout(nc, { ackWaitSeconds: ACK_WAIT_SECONDS, maxDeliver: 20 });
    await nc.close();
    await initBackend({ backend: 'wasm' });
    const { raw } = await loadRecipe('default');
    config = { ...raw, steps: STEPS, queriesPerStep: 6, eval: null, checkpointEvery: 1, rollouts: { jobsPerIteration: JOBS } } as TrainConfigInput;
    recipe = path.join(work, 'recipe.json');
    await writeFile(recipe, JSON.stringify(config));
    await train(config, { out: runIn('reference'), progress: quiet });
    reference = await runFingerprint(runIn('reference'));
  });
  afterEach(async () => {
    await stopWorkers(running.splice(0));
  });
  afterAll(async () => {
    await server?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('a worker killed mid-job: the job is delivered again, the run completes, nothing lost or counted twice', async () => {
    const workers = await launch('kill');
    const out = runIn('worker-killed');
    const learner = train(remote(), { out, progress: quiet, rollouts: natsRollouts() });
    // A worker that logs its set-up for the run is inside its first job, holding it un-acked.
    const victim = await Promise.any(workers.map((w) => w.waitFor(/set up for run/, 60_000).then(() => w)));
    victim.proc.kill('SIGKILL');
    await learner;
    expect(await runFingerprint(out)).toEqual(reference);
    expect(await rolloutMetrics(out)).toEqual(Array.from({ length: STEPS }, () => ({})));
    // Every job was done once, by the two workers left.
    expect(doneJobs([victim])).toEqual([]);
    expect([...new Set(doneJobs(workers))].sort()).toEqual(allJobs);
    expect((await victim.exited).signal).toBe('SIGKILL');
  });

  it('nats-server restarted mid-run: the run continues from the file store', async () => {
    await launch('restart');
    const out = runIn('server-restarted');
    const learner = train(remote(), { out, progress: quiet, rollouts: natsRollouts() });
    await until('step 1 in metrics.jsonl', 120_000, async () => (await readMetrics(nodeRunIO(out)).catch(() => [])).length >= 1);
    await server.restart();
    await learner;
    expect(await runFingerprint(out)).toEqual(reference);
  });

  it('a result from a stale policy version is dropped, counted and its job done again; a job naming a version that is gone is dropped by the worker', async () => {
    const nc = await connectNats(server.url);
    try {
      const js = jetstream(nc);
      const out = runIn('stale');
      // Step 1's three jobs go to three workers that stop after one job each.
      const early = await launch('early', ['--max-jobs', '1']);
      const learner = train(remote(), { out, progress: quiet, rollouts: natsRollouts() });
      expect((await Promise.all(early.map((w) => w.exited))).map((e) => e.code)).toEqual([0, 0, 0]);
      // Take a job of step 2 (policy version 1) and answer it as a worker still holding version 0
      // would; its part is empty, so a learner that accepted it would fail or change the step.
      const jobs = await js.consumers.get(JOBS_STREAM, WORKERS_CONSUMER);
      const msg = await jobs.next({ expires: 60_000 });
      if (!msg) throw new Error('no job of step 2 within 60 s');
      const job = parseJobMessage(decodeMessage(msg.data, 'job'), 'job');
      expect([job.job.iteration, job.version]).toEqual([1, 1]);
      const stale: ResultMessage = { run: job.run, jobId: job.job.id, version: 0, worker: 'stale', part: { challenger: [], answers: [], rewards: [], selfRewards: null } };
      await js.publish(resultsSubject(job.run), encodeMessage(stale));
      msg.ack();
      // The same job again, naming version 0, whose weights the learner deleted when step 2 began.
      const { store } = await ensureLayout(nc);
      expect((await store.info(versionObject(job.run, 0)))?.deleted ?? true).toBe(true);
      await js.publish(jobsSubject(job.run), encodeMessage({ ...job, version: 0 }));
      const workers = await launch('late');
      await learner;
      expect(await runFingerprint(out)).toEqual(reference);
      expect(await rolloutMetrics(out)).toEqual([{}, { 'rollouts/stale': 1 }, {}]);
      await until(`a worker dropping job ${job.job.id} of version 0`, 30_000, () =>
        workers.some((w) => w.lines.some((l) => l.includes(`job ${job.job.id} of run ${job.run} names a run or policy version 0 that is gone (stale); dropped`))),
      );
      expect(await stopWorkers(workers)).toEqual([0, 0, 0]);
      const summaries = workers.map((w) => w.lines.find((l) => /^agon worker: \d+ jobs done/.test(l)) ?? '');
      expect(summaries.filter((l) => l.endsWith(', 1 stale jobs dropped'))).toHaveLength(1);
      // Every job done once by a worker (the one answered stale, again).
      expect([...new Set(doneJobs([...early, ...workers]))].sort()).toEqual(allJobs);
    } finally {
      await nc.close();
    }
  });

  it('the learner killed: agon train --resume continues from its checkpoint and the stream', async () => {
    await launch('resume');
    const out = runIn('learner-killed');
    const first = agon(['train', '--config', recipe, '--out', out, '--rollout-server', server.url]);
    // Killed once step 1's checkpoint is written: step 2's jobs are on the queue, maybe done.
    await until('the step 1 checkpoint', 120_000, () => existsSync(path.join(out, 'checkpoints', 'step-000001')));
    first.proc.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    const resumed = agon(['train', '--resume', out]);
    const { code } = await resumed.exited;
    expect({ code, tail: code === 0 ? '' : resumed.lines.slice(-5).join('\n') }).toEqual({ code: 0, tail: '' });
    expect(await runFingerprint(out)).toEqual(reference);
  });

  it('a server that cannot be reached: one line, exit 1 (worker and learner)', async () => {
    const port = await freePort();
    const worker = agon(['worker', '--server', `nats://127.0.0.1:${port}`]);
    const learner = agon(['train', '--config', recipe, '--out', runIn('unreachable'), '--rollout-server', `nats://127.0.0.1:${port}`]);
    for (const [p, cmd] of [[worker, 'worker'], [learner, 'train']] as const) {
      expect((await p.exited).code).toBe(1);
      const errors = p.lines.filter((l) => l.startsWith('agon: '));
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(new RegExp(`^agon: ${cmd}: cannot reach the NATS server at nats://127\\.0\\.0\\.1:${port}: `));
    }
  });
});
