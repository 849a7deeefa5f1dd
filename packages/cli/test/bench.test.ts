// `agon bench --quick --json` end to end on the real stories260K model and the wasm backend:
// every row ran, the fields are there and plausible, nothing leaked; with a PyTorch peer on this
// machine the torch column and the ratios come from the same invocation.
import * as tf from '@tensorflow/tfjs-core';
import { main, type CliIO } from '@agon/cli';
import { initBackend } from '@agon/tensor';
import { generate } from '@agon/models';
import { findTorchPeer } from '../src/bench/torch.js';
import { syntheticTokenizer } from '../src/bench/synthetic-tokenizer.js';
import { planRows, planScaling } from '../src/bench/plan.js';
import type { BenchReport } from '../src/bench/run.js';
import { measureDecode, measureLsp } from '../src/bench/measure.js';
import { loadBenchModel } from '../src/bench/models.js';
import { formatReport } from '../src/bench/table.js';

async function bench(args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIO = { out: (l) => void out.push(l), err: (l) => void err.push(l) };
  const before = tf.memory().numTensors;
  const code = await main(['bench', ...args], io);
  expect(tf.memory().numTensors).toBe(before);
  return { code, out, err };
}

describe('agon bench', () => {
  beforeAll(() => initBackend({ backend: 'wasm' }));

  it('--quick --json: every row of stories260K on wasm, side by side with PyTorch when present and with jax-js on training', async () => {
    const peer = await findTorchPeer({});
    const r = await bench(['--quick', '--json', '--backends', 'wasm', '--models', 'stories260K', '--inline']);
    expect(r.err).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.out).toHaveLength(1);
    const report = JSON.parse(r.out[0]) as BenchReport;
    expect(report.quick).toBe(true);
    expect(report.isolated).toBe(false);
    expect(report.machine.cpus).toBeGreaterThan(0);
    expect(report.machine.node).toBe(process.version);
    expect(report.rows.map((x) => x.row.label)).toEqual(['decode b1', 'decode b4', 'train 2×8', 'lsp N2 G2']);
    for (const row of report.rows) {
      expect(row.row).toMatchObject({ model: 'stories260K', backend: 'wasm' });
      const a = row.agon!;
      expect(a.value).toBeGreaterThan(0);
      expect(Number.isFinite(a.value)).toBe(true);
      expect(a.unit).toBe(row.row.kind === 'lsp' ? 's' : 'tokens/s');
      // The model alone is 1 MB of float32 weights; the RSS of a Node process with tfjs is > 50 MB.
      expect(a.peakTensorMb).toBeGreaterThan(0.9);
      expect(a.peakRssMb).toBeGreaterThan(50);
      expect(a.backendDetail).toMatch(/simd/);
      expect(a.kernelMsTotal).toBeGreaterThan(0);
      expect(Object.keys(a.kernels)).toContain('BatchMatMul');
    }
    for (const row of report.rows.slice(0, 2)) {
      // Sampling in the kernel: one read of 3 numbers a row per decoding step.
      expect(row.agon!.extra).toMatchObject({ readsPerTokenStep: 1, valuesReadPerTokenStep: 3 * row.row.decode!.batch });
      expect(row.agon!.extra.opsPerTokenStep).toBeGreaterThan(10);
    }
    const train = report.rows[2].agon!;
    // Random tokens over 512 ids: the loss of a trained model on them is near or above ln 512.
    expect(train.extra.finalLoss).toBeGreaterThan(4);
    expect(report.rows[3].agon!.extra.skippedSteps).toBe(0);
    if (typeof peer === 'string') {
      expect(report.torch).toEqual({ skipped: peer });
    } else {
      expect(report.torch).toMatchObject({ python: peer.python, torch: peer.torch });
      for (const row of report.rows.slice(0, 3)) {
        expect(row.torch).toMatchObject({ mode: row.row.kind, config: 'stories260K', batch: row.row.decode?.batch ?? row.row.train?.batch });
        expect(row.ratio).toBeCloseTo(row.agon!.value / Number(row.torch!.tokens_per_s), 10);
      }
      expect(report.rows[3].torch).toBeUndefined();
      expect(report.rows[3].note).toMatch(/no torch counterpart/);
    }
    // jax-js is a devDependency of the repository: here it is always installed.
    expect(report.jax).toMatchObject({ version: '0.1.25' });
    const jaxRow = report.rows[2];
    expect(jaxRow.jax).toMatchObject({ mode: 'train', device: 'wasm', batch: 2, seq: 8 });
    expect(Number(jaxRow.jax!.loss)).toBeGreaterThan(4);
    expect(jaxRow.jaxRatio).toBeCloseTo(jaxRow.agon!.value / Number(jaxRow.jax!.tokens_per_s), 10);
    for (const i of [0, 1, 3]) expect(report.rows[i].jax).toBeUndefined();
  }, 300_000);

  it('prints a Markdown table with one line per row and the machine', async () => {
    const r = await bench(['--quick', '--backends', 'wasm', '--models', 'stories260K', '--no-torch', '--no-jax', '--inline']);
    expect(r.code).toBe(0);
    expect(r.out.join('\n')).toMatch(/jax-js peer: none — turned off \(--no-jax\)/);
    const table = r.out.filter((l) => l.startsWith('| stories260K | wasm |'));
    expect(table).toHaveLength(4);
    expect(r.out.join('\n')).toMatch(/PyTorch peer: none — turned off/);
    expect(r.out.join('\n')).toMatch(/^machine: \d+ CPUs/m);
    expect(r.err).toHaveLength(4); // one progress line per row
  }, 300_000);

  it('--rounds 3: agon and PyTorch alternate three times a row; the table holds the medians, a rounds line each value', async () => {
    const peer = await findTorchPeer({});
    const r = await bench(['--quick', '--json', '--rounds', '3', '--backends', 'wasm', '--models', 'stories260K', '--workloads', 'decode,lsp', '--no-jax', '--inline']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out[0]) as BenchReport;
    const mid = (xs: number[]) => [...xs].sort((a, b) => a - b)[1];
    expect(report.rows.map((x) => x.row.label)).toEqual(['decode b1', 'decode b4', 'lsp N2 G2']);
    for (const row of report.rows) {
      expect(row.rounds!.agon).toHaveLength(3);
      expect(row.agon!.value).toBe(mid(row.rounds!.agon));
      if (typeof peer === 'string' || row.row.kind === 'lsp') {
        expect(row.rounds!.torch).toEqual([]);
        continue;
      }
      expect(row.rounds!.torch).toHaveLength(3);
      expect(Number(row.torch!.tokens_per_s)).toBe(mid(row.rounds!.torch));
      expect(row.ratio).toBeCloseTo(row.agon!.value / Number(row.torch!.tokens_per_s), 10);
    }
    const lines = formatReport(report).filter((l) => l.startsWith('rounds:'));
    expect(lines).toHaveLength(3);
    expect(lines[2]).toMatch(/^rounds: stories260K wasm lsp N2 G2: agon \d+\.\d\d, \d+\.\d\d, \d+\.\d\d s \(medians in the table\)$/);
    expect((await bench(['--rounds', '0'])).err).toEqual(["agon: bench: --rounds must be an integer >= 1, got '0'"]);
  }, 300_000);

  it('rejects an unknown model or an empty backend list with one line', async () => {
    expect((await bench(['--models', 'gpt5'])).err).toEqual(["agon: bench: --models: unknown model 'gpt5'; known: stories260K, stories15M, smollm-135m, qwen2.5-0.5b"]);
    expect((await bench(['--backends', ','])).err).toEqual(['agon: bench: --backends must name at least one backend, e.g. wasm']);
    expect((await bench(['--workloads', 'train,sample'])).err).toEqual(["agon: bench: --workloads: unknown workload 'sample'; known: decode, train, lsp"]);
  });
});

describe('bench pieces', () => {
  it('the synthetic tokenizer is lossless and decodes every id to text', () => {
    const tok = syntheticTokenizer(32000);
    const text = 'Once upon a time — über 3 + 4 = 7 🙂';
    expect(tok.decode(tok.encode(text))).toBe(text);
    expect(tok.encode('A', { bos: true })).toEqual([1, 65 + 3]);
    expect(tok.decode([259])).not.toBe('');
    expect(tok.decode([31999, 1, 2])).toMatch(/^ [a-z]+$/);
    expect(() => syntheticTokenizer(100)).toThrow(/vocabSize must be an integer >= 259, got 100/);
  });

  it('the full plan: every workload for each model on wasm, reduced rows on the slow backends', () => {
    const rows = planRows({ quick: false, backends: ['wasm', 'cpu', 'webgpu'] });
    const labels = (model: string, backend: string) => rows.filter((r) => r.model === model && r.backend === backend).map((r) => r.label);
    expect(labels('stories260K', 'wasm')).toEqual(['decode b1', 'decode b32', 'train 8×256', 'lsp N8 G4']);
    expect(labels('stories15M', 'wasm')).toEqual(['decode b1', 'decode b32', 'train 4×128', 'train 8×256', 'lsp N8 G4']);
    expect(rows.find((r) => r.model === 'stories15M' && r.label === 'train 8×256')?.train).toEqual({ batch: 8, seq: 256, steps: 3, warmup: 1 });
    expect(labels('stories15M', 'cpu')).toEqual(['decode b1']);
    expect(labels('stories15M', 'webgpu')).toEqual([]);
    expect(rows.find((r) => r.label === 'lsp N8 G4')?.lsp).toEqual({ queries: 8, answers: 4, challengerTokens: 32, solverTokens: 32 });
    expect(rows.some((r) => r.model === 'smollm-135m')).toBe(false); // real shapes only when asked for
  });

  it('the real shapes: prefill + decode, a LoRA r16 step at 4×256 and an LSP iteration with LoRA (64 tokens a role), on wasm only', () => {
    const rows = planRows({ quick: false, backends: ['wasm', 'cpu'], models: ['smollm-135m', 'qwen2.5-0.5b'] });
    for (const model of ['smollm-135m', 'qwen2.5-0.5b']) {
      expect(rows.filter((r) => r.model === model).map((r) => `${r.backend} ${r.label}`)).toEqual(['wasm decode b1 (prefill 128)', 'wasm train LoRA r16 4×256', 'wasm lsp LoRA N8 G4 L64']);
    }
    expect(rows.find((r) => r.kind === 'train')?.train).toMatchObject({ batch: 4, seq: 256, lora: 16, recompute: true });
    expect(rows.find((r) => r.kind === 'lsp')?.lsp).toMatchObject({ queries: 8, answers: 4, challengerTokens: 64, solverTokens: 64, lora: 16, recompute: true, warmup: false });
  });

  it('--workloads keeps only the rows of those kinds', () => {
    const rows = planRows({ quick: false, backends: ['wasm'], models: ['stories260K', 'qwen2.5-0.5b'], workloads: ['decode', 'train'] });
    expect(rows.map((r) => `${r.model} ${r.label}`)).toEqual(['stories260K decode b1', 'stories260K decode b32', 'stories260K train 8×256', 'qwen2.5-0.5b decode b1 (prefill 128)', 'qwen2.5-0.5b train LoRA r16 4×256']);
  });

  it('an LSP iteration without the warm-up iteration: one profiled, timed iteration (LoRA, recomputation)', async () => {
    await initBackend({ backend: 'wasm' });
    const before = tf.memory().numTensors;
    const loaded = await loadBenchModel('stories260K');
    const m = await measureLsp(loaded, { queries: 2, answers: 2, challengerTokens: 4, solverTokens: 4, lora: 4, recompute: true, warmup: false });
    loaded.model.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(m.unit).toBe('s');
    expect(m.value).toBeGreaterThan(0);
    expect(m.extra.skippedSteps).toBe(0);
    expect(Number.isFinite(m.extra.loss)).toBe(true);
    expect(m.peakTensorBytes).toBeGreaterThan(1e6); // the 1 MB model is held throughout
  }, 120_000);

  it('an LSP iteration after the warm-up: the median of the timed iterations, within their range', async () => {
    await initBackend({ backend: 'wasm' });
    const before = tf.memory().numTensors;
    const loaded = await loadBenchModel('stories260K');
    const shape = { queries: 2, answers: 2, challengerTokens: 4, solverTokens: 4 };
    const m = await measureLsp(loaded, { ...shape, iterations: 3 });
    await expect(measureLsp(loaded, { ...shape, iterations: 0 })).rejects.toThrow('bench: lsp.iterations must be a whole number ≥ 1, got 0');
    loaded.model.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(m.extra.iterations).toBe(3);
    expect(m.extra.secondsMin).toBeLessThanOrEqual(m.value);
    expect(m.value).toBeLessThanOrEqual(m.extra.secondsMax);
    expect(m.extra.skippedSteps).toBe(0);
  }, 120_000);

  it('decode counters: one backend read of B·3 numbers a step, and the kernels tf.profile records for a step', async () => {
    await initBackend({ backend: 'wasm' });
    const before = tf.memory().numTensors;
    const loaded = await loadBenchModel('stories260K');
    const shape = { batch: 3, promptLen: 4, newTokens: 5 };
    const m = await measureDecode(loaded, shape);
    // Independently: tf.profile's kernel records of a call making n + 1 tokens minus one making 1.
    const t = loaded.tokenizer;
    const tokenizer = { encode: t.encode.bind(t), decode: t.decode.bind(t), bosId: t.bosId, eosId: -1, vocabSize: t.vocabSize };
    const prompts = [[1, 5, 9, 3], [1, 7, 2, 8], [1, 4, 4, 4]];
    const kernelsFor = async (n: number) =>
      (await tf.profile(async () => {
        await generate(loaded.model, tokenizer, prompts, { maxNewTokens: n, temperature: 0 });
        return [];
      })).kernels.length;
    const perStep = ((await kernelsFor(shape.newTokens + 1)) - (await kernelsFor(1))) / shape.newTokens;
    loaded.model.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(m.extra).toMatchObject({ readsPerTokenStep: 1, valuesReadPerTokenStep: 9, opsPerTokenStep: perStep });
    expect(Number.isInteger(perStep) && perStep > 10).toBe(true);
  }, 120_000);

  it('the table has a prefill line for decode rows with long prompts (PyTorch beside) and the spread of timed LSP iterations', () => {
    const agon = { value: 2, unit: 'tokens/s' as const, peakRssMb: 900, peakTensorMb: 800, backendDetail: 'simd on', kernels: {}, kernelMsTotal: 0 };
    const report: BenchReport = {
      machine: { cpus: 2, cpuModel: 'x', memoryGb: 23.5, node: 'v20', loadAverageStart: [1, 1, 1], loadAverageEnd: [2, 2, 2] },
      torch: { skipped: 'turned off (--no-torch)' },
      jax: { skipped: 'turned off (--no-jax)' },
      isolated: true,
      quick: false,
      notes: [],
      rows: [
        { row: { model: 'smollm-135m', backend: 'wasm', kind: 'decode', label: 'decode b1 (prefill 128)', decode: { batch: 1, promptLen: 128, newTokens: 32 } }, agon: { ...agon, extra: { prefillTokensPerS: 11.75 } }, torch: { tokens_per_s: 20, prefill_tokens_per_s: 300.4 }, ratio: 0.1 },
        { row: { model: 'stories260K', backend: 'wasm', kind: 'decode', label: 'decode b1', decode: { batch: 1, promptLen: 16, newTokens: 128 } }, agon: { ...agon, extra: { prefillTokensPerS: 900 } } },
        { row: { model: 'stories260K', backend: 'wasm', kind: 'lsp', label: 'lsp N8 G4', lsp: { queries: 8, answers: 4, challengerTokens: 32, solverTokens: 32 } }, agon: { ...agon, value: 0.61, unit: 's' as const, extra: { iterations: 3, secondsMin: 0.584, secondsMax: 0.9 } } },
        { row: { model: 'smollm-135m', backend: 'wasm', kind: 'lsp', label: 'lsp LoRA r16 N8 G4', lsp: { queries: 8, answers: 4, challengerTokens: 64, solverTokens: 64, warmup: false } }, agon: { ...agon, value: 80, unit: 's' as const, extra: { iterations: 1, secondsMin: 80, secondsMax: 80 } } },
      ],
      seconds: 1,
    };
    const lines = formatReport(report);
    expect(lines.filter((l) => l.startsWith('prefill:'))).toEqual(['prefill: smollm-135m wasm decode b1 (prefill 128): 128 prompt tokens, agon 11.8 tok/s, PyTorch 300 tok/s']);
    // The spread of the timed LSP iterations, where there were several.
    expect(lines.filter((l) => l.startsWith('lsp:'))).toEqual(['lsp: stories260K wasm lsp N8 G4: median of 3 iterations after a warm-up, 0.58–0.90 s']);
  });

  it('the scaling plan varies one of N, G and L at a time around N 8, G 4, L 32', () => {
    expect(planScaling('wasm').map((r) => r.label)).toEqual(['lsp N4 G4 L32', 'lsp N8 G4 L32', 'lsp N16 G4 L32', 'lsp N8 G2 L32', 'lsp N8 G8 L32', 'lsp N8 G4 L16', 'lsp N8 G4 L64']);
    expect(planScaling('cpu', 'stories15M').every((r) => r.backend === 'cpu' && r.model === 'stories15M' && r.kind === 'lsp')).toBe(true);
  });
});
