import { processIO, UsageError, type CliIO } from './io.js';
import { runGenerate } from './commands/generate.js';
import { runTrain } from './commands/train.js';
import { runEval } from './commands/eval.js';
import { runBenchCommand } from './commands/bench.js';
import { runConvert } from './commands/convert.js';
import { runWorkerCommand } from './commands/worker.js';

/** One sub-command of `agon`. */
interface Command {
  summary: string;
  run(args: string[], io: CliIO): Promise<number>;
}

const USAGE = [
  'usage: agon <command> [options]',
  '',
  'commands:',
];

const commands: Record<string, Command> = {
  train: {
    summary: 'run Language Self-Play from a recipe (agon train --help)',
    run: (args, io) => runTrain(args, io),
  },
  eval: {
    summary: 'held-out accuracy of a model on a verifiable game (agon eval --help)',
    run: runEval,
  },
  generate: {
    summary: 'sample a completion from a model (agon generate --help)',
    run: runGenerate,
  },
  convert: {
    summary: 'write a Hugging Face folder: llama2.c → HF, or an adapter merged in (agon convert --help)',
    run: runConvert,
  },
  worker: {
    summary: 'serve rollout jobs of learners on a NATS server (agon worker --help)',
    run: runWorkerCommand,
  },
  bench: {
    summary: 'speed and memory side by side with PyTorch (agon bench --help)',
    run: runBenchCommand,
  },
  help: {
    summary: 'show this help',
    async run(_args, io) {
      printHelp(io);
      return 0;
    },
  },
};

function printHelp(io: CliIO): void {
  for (const line of USAGE) io.out(line);
  for (const [name, c] of Object.entries(commands)) io.out(`  ${name.padEnd(10)}${c.summary}`);
}

/**
 * Runs the `agon` command line with `argv` (without `node` and the script path) and returns the
 * exit code. User errors print one line to `io.err` and return 1; nothing throws.
 *
 * @example
 * ```ts
 * const code = await main(['help']);
 * process.exitCode = code;
 * ```
 */
export async function main(argv: readonly string[], io: CliIO = processIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h') {
    printHelp(io);
    return name === undefined ? 1 : 0;
  }
  const command = commands[name];
  try {
    if (!command) throw new UsageError(`unknown command '${name}'; commands: ${Object.keys(commands).join(', ')}`);
    return await command.run(rest, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`agon: ${e.message}`);
      return 1;
    }
    throw e;
  }
}
