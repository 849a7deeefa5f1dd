/**
 * Which rows a benchmark run has and at what shapes: the full run (the committed table) and a
 * quick one (tiny shapes, seconds; what the tests run).
 */
import type { DecodeShape, LspShape, TrainShape } from './measure.js';
import { DEFAULT_BENCH_MODELS, type BenchModelName } from './models.js';

/**
 * One row: a workload on one model and backend, at one shape.
 *
 * @example
 * ```ts
 * const row: BenchRow = { model: 'stories260K', backend: 'wasm', kind: 'train', label: 'train 8×256', train: { batch: 8, seq: 256, steps: 5, warmup: 2 } };
 * ```
 */
export interface BenchRow {
  model: BenchModelName;
  backend: string;
  kind: 'decode' | 'train' | 'lsp';
  /** Short description printed in the table, e.g. `decode b32`. */
  label: string;
  decode?: DecodeShape;
  train?: TrainShape;
  lsp?: LspShape;
}

const FULL = {
  decode: (batch: number): DecodeShape => ({ batch, promptLen: 16, newTokens: 128 }),
  // stories15M at both of the training shapes; 8×256 (2048 tokens a step, ~4 s on wasm) times 3 steps after the profiled one.
  train: {
    stories260K: [{ batch: 8, seq: 256, steps: 5, warmup: 2 }],
    stories15M: [
      { batch: 4, seq: 128, steps: 3, warmup: 1 },
      { batch: 8, seq: 256, steps: 3, warmup: 1 },
    ],
  } satisfies Record<string, TrainShape[]>,
  lsp: { queries: 8, answers: 4, challengerTokens: 32, solverTokens: 32 } satisfies LspShape,
};

/**
 * The real-shape models (SmolLM2-135M, Qwen2.5-0.5B; random weights): decode b1 after a 128-token
 * prompt (its prefill is timed too), a LoRA r 16 training step at 4×256 and one LSP iteration
 * with LoRA (N 8, G 4, 64 tokens per role), both with layer recomputation — what a laptop run of
 * recipes/lsp-instruct.json does. The LSP iteration runs once (profiled and timed, no warm-up
 * iteration): at these sizes one takes minutes.
 */
const REAL_SHAPE = {
  decode: { batch: 1, promptLen: 128, newTokens: 32 } satisfies DecodeShape,
  train: { batch: 4, seq: 256, steps: 2, warmup: 1, lora: 16, recompute: true } satisfies TrainShape,
  lsp: { queries: 8, answers: 4, challengerTokens: 64, solverTokens: 64, lora: 16, recompute: true, warmup: false } satisfies LspShape,
};
const REAL_SHAPES: readonly string[] = ['smollm-135m', 'qwen2.5-0.5b'];

const QUICK = {
  decode: (batch: number): DecodeShape => ({ batch, promptLen: 4, newTokens: 8 }),
  train: { batch: 2, seq: 8, steps: 1, warmup: 1 } satisfies TrainShape,
  lsp: { queries: 2, answers: 2, challengerTokens: 4, solverTokens: 4 } satisfies LspShape,
};

/**
 * Backends that run only a reduced set of rows, and why: SwiftShader (webgpu on the CPU) and
 * tfjs' plain-JS cpu backend are 10–100× slower than wasm, and the full set would take hours.
 */
export const REDUCED_BACKENDS: Record<string, string> = {
  webgpu: 'software adapter (SwiftShader) here: stories260K only, decode b1 of 16 tokens and train at 2×64',
  cpu: 'plain-JS kernels: stories15M runs decode b1 only; the real shapes (smollm-135m, qwen2.5-0.5b) run on wasm only',
};

/**
 * The rows of a run, model by model and backend by backend (only the `workloads` kinds when given).
 *
 * @example
 * ```ts
 * planRows({ quick: true, backends: ['wasm'], models: ['stories260K'] }).map((r) => r.label);
 * // ['decode b1', 'decode b4', 'train 2×8', 'lsp N2 G2']
 * ```
 */
export function planRows(opts: { quick: boolean; backends: readonly string[]; models?: readonly BenchModelName[]; workloads?: readonly BenchRow['kind'][] }): BenchRow[] {
  const rows: BenchRow[] = [];
  for (const model of opts.models ?? DEFAULT_BENCH_MODELS) {
    for (const backend of opts.backends) {
      const add = (r: Omit<BenchRow, 'model' | 'backend'>) => {
        if (!opts.workloads || opts.workloads.includes(r.kind)) rows.push({ model, backend, ...r });
      };
      const decode = (batch: number) => {
        const d = opts.quick ? QUICK.decode(batch) : FULL.decode(batch);
        add({ kind: 'decode', label: `decode b${batch}`, decode: d });
      };
      const trainRow = (t: TrainShape) => add({ kind: 'train', label: `train ${t.batch}×${t.seq}`, train: t });
      const lspRow = (l: LspShape) => add({ kind: 'lsp', label: `lsp N${l.queries} G${l.answers}`, lsp: l });
      if (REAL_SHAPES.includes(model) && !opts.quick) {
        if (backend !== 'wasm') continue; // see REDUCED_BACKENDS
        add({ kind: 'decode', label: `decode b1 (prefill ${REAL_SHAPE.decode.promptLen})`, decode: REAL_SHAPE.decode });
        add({ kind: 'train', label: 'train LoRA r16 4×256', train: REAL_SHAPE.train });
        add({ kind: 'lsp', label: 'lsp LoRA N8 G4 L64', lsp: REAL_SHAPE.lsp });
      } else if (opts.quick) {
        decode(1);
        decode(4);
        trainRow(QUICK.train);
        lspRow(QUICK.lsp);
      } else if (backend === 'webgpu') {
        if (model !== 'stories260K') continue;
        add({ kind: 'decode', label: 'decode b1', decode: { batch: 1, promptLen: 16, newTokens: 16 } });
        trainRow({ batch: 2, seq: 64, steps: 2, warmup: 1 });
      } else if (backend === 'cpu' && model !== 'stories260K') {
        decode(1);
      } else {
        decode(1);
        decode(32);
        for (const t of FULL.train[model as keyof typeof FULL.train]) trainRow(t);
        lspRow(FULL.lsp);
      }
    }
  }
  return rows;
}

/**
 * The scaling study: one LSP iteration on stories260K (wasm unless given), varying one of N, G and
 * the tokens each role samples (L) around N 8, G 4, L 32; model size is the main table's two models.
 *
 * @example
 * ```ts
 * planScaling('wasm').map((r) => r.label); // ['lsp N4 G4 L32', 'lsp N8 G4 L32', …]
 * ```
 */
export function planScaling(backend: string, model: BenchModelName = 'stories260K'): BenchRow[] {
  const shapes: LspShape[] = [];
  const at = (N: number, G: number, L: number): LspShape => ({ queries: N, answers: G, challengerTokens: L, solverTokens: L });
  for (const N of [4, 8, 16]) shapes.push(at(N, 4, 32));
  for (const G of [2, 8]) shapes.push(at(8, G, 32));
  for (const L of [16, 64]) shapes.push(at(8, 4, L));
  return shapes.map((lsp) => ({ model, backend, kind: 'lsp', label: `lsp N${lsp.queries} G${lsp.answers} L${lsp.solverTokens}`, lsp }));
}
