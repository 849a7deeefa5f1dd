#!/usr/bin/env node
// What rollouts over NATS cost: the same run in one process, then with 1 and 2 `agon worker`s on a
// loopback nats-server. Prints the step time of each (median of the steps after the first), the
// bytes that went through the server per step (its /varz in_bytes + out_bytes, so policy versions,
// jobs, results, acks and heartbeats all count) and the policy version size. Not a CI test (minutes of
// CPU); the figures are in docs/scale-out.md.
//
//   npx nx run @agon/cli:build && node tools/scale-out-bench.mjs [--steps 6] [--queries 8] [--jobs 2]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'packages/cli/dist/bin.js');
const { startNatsServer, freePort } = await import(join(root, 'packages/distributed/dist/testing/index.js'));
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const steps = arg('steps', 6);
const queries = arg('queries', 8);
const jobs = arg('jobs', 2);

/** Runs `agon …` to its end; rejects with its output when it fails. */
function agon(args, { wait = true } = {}) {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const done = new Promise((resolve, reject) =>
    child.on('close', (code, signal) => (code === 0 || (!wait && signal) ? resolve(output) : reject(new Error(`agon ${args[0]} failed (${code ?? signal}):\n${output.slice(-2000)}`)))),
  );
  return { child, done, output: () => output };
}

/** Seconds of each step, from metrics.jsonl's cumulative `seconds`. */
function stepSeconds(dir) {
  const lines = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  return lines.map((l, i) => l.seconds - (i ? lines[i - 1].seconds : 0));
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function varz(port) {
  const v = await (await fetch(`http://127.0.0.1:${port}/varz`)).json();
  return v.in_bytes + v.out_bytes;
}

const work = mkdtempSync(join(tmpdir(), 'agon-scale-bench-'));
try {
  const recipe = JSON.parse(readFileSync(join(root, 'recipes/default.json'), 'utf8'));
  Object.assign(recipe, { steps, queriesPerStep: queries, eval: null, checkpointEvery: 0, rollouts: { jobsPerIteration: jobs } });
  const file = join(work, 'recipe.json');
  writeFileSync(file, JSON.stringify(recipe));
  console.log(`scale-out-bench: default recipe, ${steps} steps, N=${queries} × G=${recipe.answersPerQuery}, ${jobs} jobs per iteration; load ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);

  await agon(['train', '--config', file, '--out', join(work, 'local')]).done;
  const local = stepSeconds(join(work, 'local')).slice(1);
  console.log(`  one process: ${median(local).toFixed(2)} s/step (steps 2..${steps}: ${local.map((s) => s.toFixed(2)).join(' ')})`);

  for (const n of [1, 2]) {
    const monitor = await freePort();
    const server = await startNatsServer({ args: ['-m', String(monitor)] });
    const workers = [];
    try {
      for (let i = 0; i < n; i++) workers.push(agon(['worker', '--server', server.url, '--name', `bench${i + 1}`], { wait: false }));
      // Workers connected and set up before the clock starts.
      await new Promise((r) => setTimeout(r, 3000));
      const before = await varz(monitor);
      const out = join(work, `workers-${n}`);
      const learner = await agon(['train', '--config', file, '--out', out, '--rollout-server', server.url]).done;
      const bytes = (await varz(monitor)) - before;
      const s = stepSeconds(out).slice(1);
      const version = /each policy version is (\d+) bytes/.exec(learner)?.[1];
      const jobSeconds = workers.flatMap((w) => [...w.output().matchAll(/ done in ([\d.]+) s/g)].map((m) => Number(m[1])));
      console.log(`  ${n} worker${n > 1 ? 's' : ''}: ${median(s).toFixed(2)} s/step (${s.map((x) => x.toFixed(2)).join(' ')}); ${(bytes / steps / 1e6).toFixed(2)} MB/step through the server; policy version ${version} bytes; a job takes ${median(jobSeconds).toFixed(2)} s on its worker (median of ${jobSeconds.length})`);
    } finally {
      for (const w of workers) w.child.kill('SIGTERM');
      await Promise.allSettled(workers.map((w) => w.done));
      await server.stop();
    }
  }
  console.log(`scale-out-bench: load after ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
