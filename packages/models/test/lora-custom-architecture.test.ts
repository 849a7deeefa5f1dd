// LoRA on an architecture agon does not ship: a two-linear-layer causal LM registered with
// registerArchitecture and implementing Adaptable gets adapters through the same entry points as
// the built-in ones (readHfFolder + buildArchitecture, attachLora, save/loadLoraAdapters). Only A
// and B train; their gradients match central finite differences of a float64 reference of the
// adapted model; merging gives the adapted logits; a saved adapter loads back bit for bit. A
// registered model that is not Adaptable gets an error naming its architecture.
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { CausalLM, ForwardOptions, KVCache, ModelConfig } from '@agon/core';
import { linear } from '@agon/tensor';
import { describeEachBackend, expectNoLeaks } from '@agon/tensor/testing';
import {
  AdapterSlot,
  attachLora,
  buildArchitecture,
  linearModule,
  loadLoraAdapters,
  readHfFolder,
  registerArchitecture,
  saveLoraAdapters,
  writeSafetensors,
  type Adaptable,
  type AdapterHook,
  type LinearModule,
  type WeightSource,
} from '@agon/models';

const V = 11;
const C = 6;
const IDS = [
  [1, 5, 9, 3],
  [0, 10, 2, 7],
];

let toyCount = 0;

/** logits = fc2(tanh(fc1(embed[ids]))): each position sees only its own token, so it is causal. */
class ToyLM implements CausalLM, Adaptable {
  readonly config: ModelConfig = { architecture: 'toy', vocabSize: V, hiddenSize: C, numLayers: 1, numHeads: 1, numKvHeads: 1, headDim: C, maxPositions: 64 };
  readonly adapterShortNames = { hidden: ['fc1'], out: ['fc2'] };
  readonly weights: Map<string, tf.Variable>;
  private readonly slot = new AdapterSlot();

  constructor(source: WeightSource) {
    const shapes: [string, number[]][] = [['embed.weight', [V, C]], ['fc1.weight', [C, C]], ['fc2.weight', [V, C]]];
    this.weights = new Map(shapes.map(([k, shape]) => [k, tf.tidy(() => tf.variable(tf.tensor(source.get(k, shape).data, shape), true, `toy${toyCount}/${k}`))]));
    toyCount++;
  }

  forward(ids: tf.Tensor2D, _opts?: ForwardOptions): { logits: tf.Tensor3D; cache?: KVCache } {
    const [B, T] = ids.shape;
    const logits = tf.tidy(() => {
      const x = tf.reshape(tf.gather(this.w('embed'), ids), [B * T, C]) as tf.Tensor2D;
      const h = tf.tanh(this.slot.apply('fc1', x, linear(x, this.w('fc1'))));
      return tf.reshape(this.slot.apply('fc2', h, linear(h, this.w('fc2'))), [B, T, V]) as tf.Tensor3D;
    });
    return { logits };
  }

  private w(name: string): tf.Tensor2D {
    return this.weights.get(`${name}.weight`) as tf.Tensor2D;
  }

  linearModules(): LinearModule[] {
    return ['fc1', 'fc2'].map((p) => linearModule(p, p, this.weights.get(`${p}.weight`)!));
  }

  withAdapterHook<T>(hook: AdapterHook, fn: () => T): T {
    return this.slot.run(hook, fn);
  }

  trainableVariables(): tf.Variable[] {
    return [...this.weights.values()];
  }

  dispose(): void {
    for (const v of this.weights.values()) v.dispose();
  }
}

/** The same model without Adaptable. */
class PlainLM implements CausalLM {
  readonly config: ModelConfig = { architecture: 'plain', vocabSize: V, hiddenSize: C, numLayers: 1, numHeads: 1, numKvHeads: 1, headDim: C, maxPositions: 64 };
  forward(ids: tf.Tensor2D): { logits: tf.Tensor3D } {
    return { logits: tf.zeros([...ids.shape, V]) as tf.Tensor3D };
  }
  trainableVariables(): tf.Variable[] {
    return [];
  }
  dispose(): void {
    // owns no tensors
  }
}

registerArchitecture('ToyForCausalLM', (_config, weights) => new ToyLM(weights));
registerArchitecture('PlainForCausalLM', () => new PlainLM());

let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'agon-toy-lora-'));
  let seed = 3;
  const rand = (n: number, scale: number) =>
    Float32Array.from({ length: n }, () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return (seed / 2 ** 31 - 0.5) * 2 * scale;
    });
  for (const arch of ['ToyForCausalLM', 'PlainForCausalLM']) {
    const folder = join(dir, arch);
    await mkdir(folder);
    await writeFile(join(folder, 'config.json'), JSON.stringify({ architectures: [arch], vocab_size: V, hidden_size: C }));
    const t = (name: string, shape: number[]) => ({ name, dtype: 'F32' as const, shape, bytes: new Uint8Array(rand(shape[0] * shape[1], 0.8).buffer) });
    await writeSafetensors(join(folder, 'model.safetensors'), { tensors: [t('embed.weight', [V, C]), t('fc1.weight', [C, C]), t('fc2.weight', [V, C])], metadata: {} });
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function build(arch: string): Promise<CausalLM> {
  const hf = await readHfFolder(join(dir, arch));
  return buildArchitecture(hf.config, hf.weights, hf.configFile);
}

async function logitsOf(model: CausalLM): Promise<Float32Array> {
  const x = tf.tensor2d(IDS, undefined, 'int32');
  const { logits } = model.forward(x);
  const out = (await logits.data()) as Float32Array;
  tf.dispose([x, logits]);
  return out;
}

/** Host float64 copy of a variable's values, row-major. */
async function host(v: tf.Tensor): Promise<Float64Array> {
  return Float64Array.from(await v.data());
}

/** out[o] = Σ_i M[o, i]·x[i] for M [rows, cols] row-major. */
function matVec(M: Float64Array, rows: number, cols: number, x: Float64Array): Float64Array {
  const out = new Float64Array(rows);
  for (let o = 0; o < rows; o++) for (let i = 0; i < cols; i++) out[o] += M[o * cols + i] * x[i];
  return out;
}

interface Factors {
  A: Float64Array;
  B: Float64Array;
}

/** Σ logits·R of the adapted toy model, in float64: W·x + scale·B·(A·x) on fc1 and fc2. */
function loss64(base: Map<string, Float64Array>, f: Record<'fc1' | 'fc2', Factors>, r: number, scale: number, R: Float64Array): number {
  const lin = (name: 'fc1' | 'fc2', out: number, x: Float64Array) => {
    const y = matVec(base.get(`${name}.weight`)!, out, C, x);
    const d = matVec(f[name].B, out, r, matVec(f[name].A, r, C, x));
    return y.map((v, o) => v + scale * d[o]);
  };
  let sum = 0;
  IDS.flat().forEach((id, n) => {
    const x = base.get('embed.weight')!.slice(id * C, (id + 1) * C);
    const h = lin('fc1', C, x).map(Math.tanh);
    lin('fc2', V, h).forEach((l, v) => (sum += l * R[n * V + v]));
  });
  return sum;
}

await describeEachBackend('LoRA on a registered architecture', () => {
  it('only A and B train, and their gradients match finite differences of a float64 reference', () =>
    expectNoLeaks(async () => {
      const base = (await build('ToyForCausalLM')) as ToyLM;
      const lora = attachLora(base, { r: 2, alpha: 3, targetModules: ['hidden', 'out'], seed: 5 });
      expect([...lora.adapters.keys()]).toEqual(['fc1', 'fc2']);
      expect(lora.loraConfig.targetModules).toEqual(['fc1', 'fc2']);
      let s = 0;
      for (const { B } of lora.adapters.values()) tf.tidy(() => B.assign(tf.randomNormal(B.shape, 0, 0.5, 'float32', 20 + s++)));
      const R = tf.randomNormal([IDS.length, IDS[0].length, V], 0, 1, 'float32', 8);
      const Rh = await host(R);
      const f = () =>
        tf.tidy(() => {
          const x = tf.tensor2d(IDS, undefined, 'int32');
          return tf.sum(tf.mul(lora.forward(x).logits, R)) as tf.Scalar;
        });
      // No variable list: every trainable variable in the process; the base weights are frozen.
      const { value, grads } = tf.variableGrads(f);
      const names = Object.keys(grads).sort();
      expect(names).toEqual(lora.trainableVariables().map((v) => v.name).sort());
      expect(names).toHaveLength(4);
      expect(names.every((n) => /\/fc[12]\.lora_[AB]\.weight$/.test(n))).toBe(true);

      const baseHost = new Map<string, Float64Array>();
      for (const [k, v] of base.weights) baseHost.set(k, await host(v));
      const factors = {} as Record<'fc1' | 'fc2', Factors>;
      for (const [path, a] of lora.adapters) factors[path as 'fc1' | 'fc2'] = { A: await host(a.A), B: await host(a.B) };
      const r = lora.loraConfig.r;
      // The float32 model computes the float64 reference's loss (|loss| is O(10); float32 rounding ~1e-6 relative).
      const l64 = loss64(baseHost, factors, r, lora.scale, Rh);
      expect(Math.abs((await value.data())[0] - l64)).toBeLessThan(1e-4 * Math.max(1, Math.abs(l64)));
      // Central differences in float64 (h = 1e-6: truncation ~h², rounding ~1e-16/h, both ≪ the
      // tolerance), against tfjs' float32 gradients: within 1e-4 of the factor's largest entry.
      const h = 1e-6;
      for (const path of ['fc1', 'fc2'] as const) {
        const a = lora.adapters.get(path)!;
        for (const which of ['A', 'B'] as const) {
          const g = await grads[a[which].name].data();
          const w = factors[path][which];
          const scaleG = Math.max(...Array.from(g, Math.abs));
          expect(scaleG).toBeGreaterThan(0);
          for (let i = 0; i < w.length; i++) {
            const orig = w[i];
            w[i] = orig + h;
            const up = loss64(baseHost, factors, r, lora.scale, Rh);
            w[i] = orig - h;
            const down = loss64(baseHost, factors, r, lora.scale, Rh);
            w[i] = orig;
            const fd = (up - down) / (2 * h);
            if (Math.abs(g[i] - fd) > 1e-4 * scaleG) throw new Error(`${path}.lora_${which}[${i}]: gradient ${g[i]}, finite difference ${fd}`);
          }
        }
      }
      tf.dispose([R, value, ...Object.values(grads)]);
      lora.dispose();
    }));

  it('merge gives the adapted logits; a saved adapter loads back bit for bit', () =>
    expectNoLeaks(async () => {
      const lora = attachLora(await build('ToyForCausalLM'), { r: 3, alpha: 6, targetModules: ['fc1', 'fc2'], seed: 1 });
      let s = 0;
      for (const { B } of lora.adapters.values()) tf.tidy(() => B.assign(tf.randomNormal(B.shape, 0, 0.5, 'float32', 40 + s++)));
      const adapted = await logitsOf(lora);
      const plain = await logitsOf(lora.withAdapters(false));
      expect(Math.max(...adapted.map((v, i) => Math.abs(v - plain[i])))).toBeGreaterThan(1e-2);

      const out = join(dir, 'adapter');
      await saveLoraAdapters(lora, out);
      const again = await loadLoraAdapters(await build('ToyForCausalLM'), out);
      for (const [path, a] of lora.adapters) {
        const b = again.adapters.get(path)!;
        expect(Array.from(await b.A.data())).toEqual(Array.from(await a.A.data()));
        expect(Array.from(await b.B.data())).toEqual(Array.from(await a.B.data()));
      }
      expect(Array.from(await logitsOf(again))).toEqual(Array.from(adapted));
      again.dispose();

      // W += scale·B·A reorders the float32 sums: equal within 1e-5 of the largest logit.
      const merged = lora.merge();
      expect(merged.trainableVariables().every((v) => v.trainable)).toBe(true);
      const folded = await logitsOf(merged);
      const big = Math.max(...adapted.map(Math.abs));
      expect(Math.max(...folded.map((v, i) => Math.abs(v - adapted[i])))).toBeLessThan(1e-5 * big);
      merged.dispose();
    }));

  it('a registered model that is not Adaptable: attachLora and loadLoraAdapters name it', () =>
    expectNoLeaks(async () => {
      const toy = attachLora(await build('ToyForCausalLM'), { targetModules: ['fc1'] });
      const out = join(dir, 'adapter-for-plain');
      await saveLoraAdapters(toy, out);
      toy.dispose();
      const plain = await build('PlainForCausalLM');
      const said = /: the plain model \(PlainLM\) does not implement Adaptable \(linearModules and withAdapterHook/;
      expect(() => attachLora(plain)).toThrow(new RegExp(`^attachLora${said.source}`));
      await expect(loadLoraAdapters(plain, out)).rejects.toThrow(new RegExp(`^loadLoraAdapters${said.source}`));
    }));
});
