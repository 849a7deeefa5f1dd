/**
 * The PyTorch peer: finds a python with torch (the faster /opt/torch2 venv first, then Debian's
 * /usr/bin/python3) and the reference script `tools/torch_ref.py` (a copy of `shared/bench/torch_ref.py` extended with Hugging Face folders and LoRA),
 * and runs it on the same shapes as agon, one process per row.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Pythons tried in order when none is named: the faster torch 2 venv, then Debian's torch 1.13. */
export const PYTHON_CANDIDATES = ['/opt/torch2/bin/python', '/usr/bin/python3'];

/** The reference script, `tools/torch_ref.py` in the repository. */
export const DEFAULT_TORCH_REF: string = fileURLToPath(new URL('../../../../tools/torch_ref.py', import.meta.url));

/**
 * A python that imports torch, with its torch version.
 *
 * @example
 * ```ts
 * const p: TorchPeer = { python: '/usr/bin/python3', torch: '1.13.1', script: '/work/shared/bench/torch_ref.py' };
 * ```
 */
export interface TorchPeer {
  python: string;
  torch: string;
  script: string;
}

/**
 * Finds the peer, or says why there is none (printed in place of the torch column).
 *
 * @example
 * ```ts
 * const peer = await findTorchPeer({});
 * if (typeof peer === 'string') console.log(`no torch column: ${peer}`);
 * ```
 */
export async function findTorchPeer(opts: { python?: string; script?: string }): Promise<TorchPeer | string> {
  const script = opts.script ?? DEFAULT_TORCH_REF;
  if (!existsSync(script)) return `${script} not found (the torch reference is tools/torch_ref.py of the repository)`;
  const tried: string[] = [];
  for (const python of opts.python ? [opts.python] : PYTHON_CANDIDATES) {
    if (!existsSync(python)) {
      tried.push(`${python}: not installed`);
      continue;
    }
    try {
      const { stdout } = await run(python, ['-c', 'import torch; print(torch.__version__)'], { timeout: 60_000 });
      return { python, torch: stdout.trim(), script };
    } catch (e) {
      tried.push(`${python}: cannot import torch (${String((e as Error).message).split('\n')[0]})`);
    }
  }
  return `no python with torch (${tried.join('; ')})`;
}

/**
 * Environment of timed processes: 2 MiB pages for malloc (4K page faults are slow on this kind of
 * VM) and, for torch, OpenMP workers that sleep instead of spinning when idle.
 *
 * @example
 * ```ts
 * spawn(cmd, args, { env: benchEnv(process.env, true) });
 * ```
 */
export function benchEnv(base: NodeJS.ProcessEnv, torch: boolean): NodeJS.ProcessEnv {
  return { ...base, GLIBC_TUNABLES: 'glibc.malloc.hugetlb=1', ...(torch ? { OMP_WAIT_POLICY: 'PASSIVE' } : {}) };
}

/**
 * How long one torch_ref.py run may take: 30 minutes, for a Qwen2.5-0.5B LoRA step at 4×256
 * (5 steps at 2–3 minutes each on a loaded 2-CPU machine); the small models take seconds.
 */
const TORCH_TIMEOUT_MS = 30 * 60_000;

/**
 * Runs torch_ref.py with `args` and returns its JSON line.
 *
 * @throws naming the command when it fails or prints no JSON.
 * @example
 * ```ts
 * const r = await runTorchRef(peer, ['--config', 'stories15M', '--mode', 'train', '--batch', '8']);
 * r.tokens_per_s;
 * ```
 */
export async function runTorchRef(peer: TorchPeer, args: string[], timeoutMs = TORCH_TIMEOUT_MS): Promise<Record<string, unknown>> {
  return runPeerJson(peer.python, [peer.script, ...args], benchEnv(process.env, true), timeoutMs);
}

/**
 * Runs a peer's process and parses the JSON line it prints last (torch_ref.py, jax_ref.mjs).
 *
 * @throws naming the command when it fails or prints no JSON.
 * @example
 * ```ts
 * const r = await runPeerJson('/opt/torch2/bin/python', ['tools/torch_ref.py', '--config', 'stories15M'], process.env);
 * ```
 */
export async function runPeerJson(file: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 600_000): Promise<Record<string, unknown>> {
  const cmd = `${file} ${args.join(' ')}`;
  let stdout: string;
  try {
    ({ stdout } = await run(file, args, { timeout: timeoutMs, env, maxBuffer: 16 << 20 }));
  } catch (e) {
    throw new Error(`${cmd} failed: ${String((e as Error).message).split('\n').slice(0, 3).join(' ')}`);
  }
  const line = stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    throw new Error(`${cmd} printed no JSON line (last line: '${line.slice(0, 200)}')`);
  }
}
