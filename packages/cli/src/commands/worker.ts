/**
 * `agon worker --server nats://HOST:PORT`: serve Language Self-Play rollout jobs of any learner on
 * that NATS server (`agon train --rollout-server …`) until Ctrl-C, which stops after the job in
 * flight.
 */
import { redactUrl, runWorker } from '@agon/distributed';
import { numberFlag, parseFlags } from '../args.js';
import { firstLine, UsageError, type CliIO } from '../io.js';
import { NATS_FLAGS, NATS_HELP, natsCredentials } from '../nats-flags.js';

/** Flags of `agon worker`, shown by `agon worker --help`. */
export const WORKER_HELP = [
  'usage: agon worker --server nats://HOST:PORT [--name NAME] [--max-jobs N] [NATS credentials]',
  '',
  '  --server URL    the NATS server (JetStream on: nats-server -js -sd DIR) the learner uses',
  '  --name NAME     name in logs and results (default: <hostname>-<pid>)',
  '  --max-jobs N    exit after N jobs (default: serve until Ctrl-C)',
  ...NATS_HELP,
  '',
  'The worker loads each run\'s model as its config names it (the embedded default, or the same path',
  'on this machine) and the policy weights from the server. Ctrl-C stops after the job in flight.',
];

const FLAGS = {
  server: { type: 'string' },
  name: { type: 'string' },
  'max-jobs': { type: 'string' },
  ...NATS_FLAGS,
  help: { type: 'boolean', short: 'h' },
} as const;

/**
 * Runs `agon worker` with `args` (the words after `worker`) and returns the exit code.
 *
 * @example
 * ```ts
 * const code = await runWorkerCommand(['--server', 'nats://127.0.0.1:4222'], processIO);
 * ```
 */
export async function runWorkerCommand(args: readonly string[], io: CliIO): Promise<number> {
  const f = parseFlags('worker', args, FLAGS);
  if (f.help) {
    for (const l of WORKER_HELP) io.out(l);
    return 0;
  }
  if (typeof f.server !== 'string') throw new UsageError('worker: --server nats://HOST:PORT is required (the NATS server the learner uses)');
  const maxJobs = numberFlag('worker', 'max-jobs', f['max-jobs'], { min: 1, integer: true });
  const stop = new AbortController();
  const onSignal = () => {
    io.err('agon worker: stopping after the job in flight');
    stop.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    io.err(`agon worker: connecting to ${redactUrl(f.server)}`);
    const done = await runWorker({
      server: f.server,
      credentials: natsCredentials(f),
      ...(typeof f.name === 'string' ? { name: f.name } : {}),
      ...(maxJobs !== undefined ? { maxJobs } : {}),
      signal: stop.signal,
      log: (line) => io.err(`agon ${line}`),
    });
    io.out(`agon worker: ${done.jobs} jobs done${done.dropped ? `, ${done.dropped} stale jobs dropped` : ''}`);
    return 0;
  } catch (e) {
    if (process.env.AGON_DEBUG) throw e;
    throw new UsageError(`worker: ${firstLine(e)}`);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
