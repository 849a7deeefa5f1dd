/**
 * `agon generate`: load a model (llama2.c file or Hugging Face folder), sample one completion and
 * print the prompt followed by it — or, with --json, the ids and log-probs too.
 */
import { generate, STORIES_260K } from '@agon/models';
import { bosFlag, numberFlag, parseFlags } from '../args.js';
import { startBackend } from '../backend.js';
import { loadForCommand } from '../load.js';
import { firstLine, UsageError, type CliIO } from '../io.js';

/** Flags of `agon generate`, shown by `agon generate --help`. */
export const GENERATE_HELP = [
  'usage: agon generate [--model PATH] [--adapter DIR] [--prompt TEXT] [--chat] [--temperature T]',
  '                     [--top-p P] [--top-k K] [--max-new-tokens N] [--seed S] [--backend B] [--json] [--bos RULE]',
  '',
  '  --model PATH          llama2.c .bin file or Hugging Face folder (default: the adapter\'s base model,',
  '                        else the bundled stories260K)',
  '  --adapter DIR         PEFT LoRA folder applied to the model (e.g. runs/x/adapter of a LoRA run)',
  '  --prompt TEXT         text to continue (default: empty, i.e. start from BOS)',
  '  --chat                wrap the prompt as a user turn with the model\'s chat template',
  '  --temperature T       0 is greedy (reproduces llama2.c run.c on stories260K); default 1',
  '  --top-p P, --top-k K  nucleus / top-k filtering (defaults: off)',
  '  --max-new-tokens N    most tokens to add (default 256)',
  '  --seed S              seed of the sampling stream (default 0)',
  '  --backend B           wasm (default in Node), cpu, webgpu, or a registered plug-in',
  '  --json                print one JSON object with ids, text and log-probs',
  '  --bos RULE            folder (default: what the tokenizer adds, as transformers\' tokenizer(text))',
  '                        or always (the bos_token before every prompt, agon\'s earlier rule)',
];

const FLAGS = {
  model: { type: 'string' },
  adapter: { type: 'string' },
  prompt: { type: 'string' },
  chat: { type: 'boolean' },
  temperature: { type: 'string' },
  'top-p': { type: 'string' },
  'top-k': { type: 'string' },
  'max-new-tokens': { type: 'string' },
  seed: { type: 'string' },
  backend: { type: 'string' },
  json: { type: 'boolean' },
  bos: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/**
 * Runs `agon generate` with `args` (the words after `generate`) and returns the exit code.
 *
 * @example
 * ```ts
 * const code = await runGenerate(['--prompt', 'Once upon a time', '--temperature', '0'], processIO);
 * ```
 */
export async function runGenerate(args: readonly string[], io: CliIO): Promise<number> {
  const f = parseFlags('generate', args, FLAGS);
  if (f.help) {
    for (const l of GENERATE_HELP) io.out(l);
    return 0;
  }
  const temperature = numberFlag('generate', 'temperature', f.temperature, { min: 0 }) ?? 1;
  const topP = numberFlag('generate', 'top-p', f['top-p'], { min: Number.MIN_VALUE, max: 1 });
  const topK = numberFlag('generate', 'top-k', f['top-k'], { min: 0, integer: true });
  const maxNewTokens = numberFlag('generate', 'max-new-tokens', f['max-new-tokens'], { min: 1, integer: true }) ?? 256;
  const seed = numberFlag('generate', 'seed', f.seed, { min: 0, max: 0xffffffff, integer: true }) ?? 0;
  const prompt = typeof f.prompt === 'string' ? f.prompt : '';
  const bos = bosFlag('generate', f.bos);

  await startBackend('generate', typeof f.backend === 'string' ? f.backend : 'auto', io);
  const { model, tokenizer, chat, eosIds, modelPath } = await loadForCommand('generate', {
    model: typeof f.model === 'string' ? f.model : undefined,
    adapter: typeof f.adapter === 'string' ? f.adapter : undefined,
    fallback: STORIES_260K,
    bos,
  });
  try {
    let text = prompt;
    if (f.chat) {
      if (!chat) throw new UsageError(`generate: --chat: ${modelPath} has no chat template`);
      text = chat.render([{ role: 'user', content: prompt }], { addGenerationPrompt: true });
    }
    const ids = tokenizer.encode(text, { bos: !f.chat });
    if (ids.length === 0) throw new UsageError('generate: the prompt encodes to no tokens (the tokenizer adds no BOS to it); pass --prompt, or --bos always');
    const room = model.config.maxPositions - ids.length;
    if (room < 1) throw new UsageError(`generate: the prompt has ${ids.length} tokens; the model holds ${model.config.maxPositions}`);
    const [c] = await generate(model, tokenizer, [ids], {
      maxNewTokens: Math.min(maxNewTokens, room),
      temperature,
      topP,
      topK,
      seed,
      stopIds: eosIds,
    });
    if (f.json) {
      io.out(JSON.stringify({ prompt: text, promptIds: ids, text: c.text, ids: c.ids, finishReason: c.finishReason, logprobs: c.logprobs, samplingLogprobs: c.samplingLogprobs }));
    } else {
      // Decoding prompt and completion together lets the tokenizer apply its own rules at the
      // seam (llama2.c drops the space after BOS), exactly as run.c prints.
      io.out(f.chat ? text + c.text : tokenizer.decode([...ids, ...c.ids]));
    }
    return 0;
  } catch (e) {
    if (e instanceof UsageError || process.env.AGON_DEBUG) throw e;
    throw new UsageError(`generate: --model ${modelPath}: ${firstLine(e)}`);
  } finally {
    model.dispose();
  }
}
