/**
 * `AgonSampleTokens` on tfjs' webgpu backend: one WGSL compute program, one workgroup per row of
 * logits, float32 throughout. Per row it finds the max and first arg-max, the model's log-sum-exp,
 * the sampling weights q = exp((x − max) / temperature) (the arg-max has q = 1 exactly), the
 * top-k / top-p cut-off by bisection on the weights' float bit patterns (non-negative floats order
 * like u32; ties at the cut-off are kept lowest index first, as a stable sort keeps them), min-p
 * (q < minP, since the largest q is 1), and then draws u·W against the running sum of the kept
 * weights in index order: per-thread contiguous chunks, a serial scan of the chunk totals, and
 * the owning thread's walk through its chunk. Only the [B, 3] result leaves the GPU.
 */
import * as tf from '@tensorflow/tfjs-core';
import { registerOnce, type KernelArgs } from '../registry.js';
import { SAMPLE_KERNEL } from './kernels.js';

/** Threads per workgroup (one workgroup samples one row). */
const WG = 256;

/** The slice of tfjs-backend-webgpu's WebGPUProgram this kernel fills in. */
interface SampleProgram {
  variableNames: string[];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number];
  uniforms: string;
  getUserCode(): string;
}

/** The slice of tfjs-backend-webgpu's WebGPUBackend the kernel calls. */
interface WebGpuBackendLike {
  runWebGPUProgram(
    program: SampleProgram,
    inputs: tf.TensorInfo[],
    outputDtype: tf.DataType,
    programUniforms: { type: string; data: number[] }[],
  ): tf.TensorInfo;
}

/**
 * The WGSL body (tfjs adds the bindings `logits`, `draws`, `result`, the uniforms struct and the
 * `_start` entry point that calls `main`). Every loop that holds a barrier has a bound fixed at
 * compile time or read from a uniform, so control flow around barriers stays uniform.
 */
const USER_CODE = /* wgsl */ `
const WG : u32 = ${WG}u;
// Above every weight's bit pattern: q <= 1.0 = 0x3f800000.
const KEY_END : u32 = 0x3f800001u;

var<workgroup> redV : array<f32, ${WG}>;
var<workgroup> redI : array<i32, ${WG}>;
var<workgroup> red2 : array<vec2<f32>, ${WG}>;
var<workgroup> chunkN : array<u32, ${WG}>;
var<workgroup> chunkW : array<f32, ${WG}>;
var<workgroup> total : f32;
var<workgroup> pick : i32;
var<workgroup> lastKept : atomic<i32>;
var<workgroup> unusable : atomic<u32>;

fn isFiniteF(x : f32) -> bool {
  return (bitcast<u32>(x) & 0x7fffffffu) < 0x7f800000u;
}

// The sampling weight of one logit: 0 for -Infinity and NaN. Every pass computes it with this one
// expression, so a token's weight has the same bits in every pass.
fn weightOf(x : f32, m : f32) -> f32 {
  if (!isFiniteF(x)) {
    return 0.0;
  }
  return exp((x - m) / uniforms.temperature);
}

// (value, index) with the larger value, the lower index on ties; index -1 is "none".
fn better(v : f32, i : i32, w : f32, j : i32) -> bool {
  return i >= 0 && (j < 0 || v > w || (v == w && i < j));
}

struct ArgMax {
  v : f32,
  i : i32,
};

fn argMaxAll(v : f32, i : i32) -> ArgMax {
  let t = localIndex;
  workgroupBarrier();
  redV[t] = v;
  redI[t] = i;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s >> 1u) {
    if (t < s && better(redV[t + s], redI[t + s], redV[t], redI[t])) {
      redV[t] = redV[t + s];
      redI[t] = redI[t + s];
    }
    workgroupBarrier();
  }
  return ArgMax(redV[0], redI[0]);
}

fn sumAll(v : vec2<f32>) -> vec2<f32> {
  let t = localIndex;
  workgroupBarrier();
  red2[t] = v;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s >> 1u) {
    if (t < s) {
      red2[t] = red2[t] + red2[t + s];
    }
    workgroupBarrier();
  }
  return red2[0];
}

// (count, mass) of the row's weights whose bit pattern is >= key. Counts are exact in f32 (< 2^24).
fn atLeast(base : i32, V : i32, m : f32, key : u32) -> vec2<f32> {
  var acc = vec2<f32>(0.0, 0.0);
  for (var i = i32(localIndex); i < V; i = i + i32(WG)) {
    let q = weightOf(logits[base + i], m);
    if (bitcast<u32>(q) >= key) {
      acc = acc + vec2<f32>(1.0, q);
    }
  }
  return sumAll(acc);
}

// Whether a weight is drawn from: above the cut-off key, or one of the first 'keepTies' at it
// (counted in index order by 'tieRank'), and not below min-p.
fn kept(q : f32, key : u32, cut : u32, tieRank : u32, keepTies : u32) -> bool {
  if (q <= 0.0 || q < uniforms.minP) {
    return false;
  }
  let k = bitcast<u32>(q);
  return k > cut || (k == cut && tieRank < keepTies);
}

fn main(index : i32) {
  let t = localIndex;
  let row = i32(workgroupId.x);
  let V = uniforms.logitsShape.y;
  let base = row * V;

  // 1. Max and first arg-max over the finite logits; NaN or +Infinity makes a row unusable for
  // sampling (greedy still takes the arg-max of the finite ones).
  if (t == 0u) {
    atomicStore(&unusable, 0u);
  }
  var best = 0.0;
  var bestAt = -1;
  var bad = 0u;
  for (var i = i32(t); i < V; i = i + i32(WG)) {
    let x = logits[base + i];
    if (isFiniteF(x)) {
      if (bestAt < 0 || x > best) {
        best = x;
        bestAt = i;
      }
    } else if (bitcast<u32>(x) != 0xff800000u) {
      bad = 1u;
    }
  }
  let am = argMaxAll(best, bestAt);
  atomicOr(&unusable, bad);
  let argMax = am.i;
  // A row with no finite logit keeps the arithmetic finite and reports id -1 at the end.
  let m = select(0.0, am.v, argMax >= 0);

  // 2. The model's normaliser (temperature 1) and the sampling one (temperature T).
  let greedy = uniforms.temperature == 0.0;
  var sums = vec2<f32>(0.0, 0.0);
  for (var i = i32(t); i < V; i = i + i32(WG)) {
    let x = logits[base + i];
    if (isFiniteF(x)) {
      sums = sums + vec2<f32>(exp(x - m), select(weightOf(x, m), 0.0, greedy));
    }
  }
  let z = sumAll(sums);
  let logZ1 = log(z.x);

  var id = argMax;
  var sampledLogProb = 0.0;
  if (!greedy) {
    // 3. Top-k: the largest key with at least k weights at or above it.
    var cut = 0u;
    var keepTies = u32(V);
    var keptMass = z.y;
    let k = uniforms.topK;
    if (k > 0 && k < V) {
      var lo = 0u;
      var hi = KEY_END;
      var above = vec2<f32>(0.0, 0.0);
      for (var it = 0; it < 30; it++) {
        let mid = lo + (hi - lo) / 2u;
        let r = atLeast(base, V, m, mid);
        if (r.x >= f32(k)) {
          lo = mid;
        } else {
          hi = mid;
          above = r;
        }
      }
      cut = lo;
      keepTies = u32(k) - u32(above.x);
      keptMass = above.y + f32(keepTies) * bitcast<f32>(cut);
    }

    // 4. Top-p over the top-k survivors: the largest key above the top-k cut whose mass at or
    // above it reaches topP of the kept mass, then as few ties at it as reach that mass.
    if (uniforms.topP < 1.0) {
      let goal = uniforms.topP * keptMass;
      let cutK = cut;
      var lo = cutK;
      var hi = KEY_END;
      var atLo = 0.0;
      var above = vec2<f32>(0.0, 0.0);
      for (var it = 0; it < 30; it++) {
        let mid = lo + (hi - lo) / 2u;
        let r = atLeast(base, V, m, mid);
        if (mid <= cutK || r.y >= goal) {
          lo = mid;
          atLo = r.x;
        } else {
          hi = mid;
          above = r;
        }
      }
      let v = bitcast<f32>(lo);
      let ties = select(u32(atLo) - u32(above.x), keepTies, lo == cutK);
      var need = ties;
      if (v > 0.0) {
        need = u32(clamp(ceil((goal - above.y) / v), 1.0, f32(ties)));
      }
      cut = lo;
      keepTies = need;
    }

    // 5. The draw: each thread owns a contiguous chunk; ties at the cut are ranked in index order.
    let chunk = (V + i32(WG) - 1) / i32(WG);
    let c0 = min(V, i32(t) * chunk);
    let c1 = min(V, c0 + chunk);
    var nTies = 0u;
    for (var i = c0; i < c1; i++) {
      if (bitcast<u32>(weightOf(logits[base + i], m)) == cut) {
        nTies++;
      }
    }
    workgroupBarrier();
    chunkN[t] = nTies;
    if (t == 0u) {
      atomicStore(&lastKept, -1);
      pick = -1;
    }
    workgroupBarrier();
    if (t == 0u) {
      var run = 0u;
      for (var j = 0u; j < WG; j++) {
        let n = chunkN[j];
        chunkN[j] = run;
        run = run + n;
      }
    }
    workgroupBarrier();
    var rank = chunkN[t];
    var w = 0.0;
    var last = -1;
    for (var i = c0; i < c1; i++) {
      let q = weightOf(logits[base + i], m);
      if (kept(q, bitcast<u32>(q), cut, rank, keepTies)) {
        w = w + q;
        last = i;
      }
      if (bitcast<u32>(q) == cut) {
        rank++;
      }
    }
    chunkW[t] = w;
    atomicMax(&lastKept, last);
    workgroupBarrier();
    if (t == 0u) {
      // Serial, so each chunk's start plus its total is exactly the next chunk's start.
      var run = 0.0;
      for (var j = 0u; j < WG; j++) {
        let c = chunkW[j];
        chunkW[j] = run;
        run = run + c;
      }
      total = run;
    }
    workgroupBarrier();
    let W = total;
    let hiBits = f32(draws[row * 2]);
    let loBits = f32(draws[row * 2 + 1]);
    let u = hiBits * ${2 ** -27} + loBits * ${2 ** -53};
    let goal = u * W;
    let start = chunkW[t];
    if (start <= goal && start + w > goal) {
      var r2 = chunkN[t];
      var acc = 0.0;
      for (var i = c0; i < c1; i++) {
        let q = weightOf(logits[base + i], m);
        if (kept(q, bitcast<u32>(q), cut, r2, keepTies)) {
          acc = acc + q;
          if (start + acc > goal) {
            pick = i;
            break;
          }
        }
        if (bitcast<u32>(q) == cut) {
          r2++;
        }
      }
    }
    workgroupBarrier();
    let picked = pick;
    // Rounding can leave u·W at the very top: the last kept index, as the host draw does.
    id = select(atomicLoad(&lastKept), picked, picked >= 0);
    if (atomicLoad(&unusable) != 0u) {
      id = -1;
    }
    if (id >= 0) {
      sampledLogProb = (logits[base + id] - m) / uniforms.temperature - log(W);
    }
  }

  if (t == 0u) {
    let o = row * 3;
    if (argMax < 0 || id < 0) {
      result[o] = -1.0;
      result[o + 1] = uniforms.NAN;
      result[o + 2] = uniforms.NAN;
    } else {
      result[o] = f32(id);
      result[o + 1] = logits[base + id] - m - logZ1;
      result[o + 2] = sampledLogProb;
    }
  }
}
`;

function sampleProgram(B: number): SampleProgram {
  return {
    variableNames: ['logits', 'draws'],
    outputShape: [B, 3],
    shaderKey: 'agonSampleTokens',
    dispatchLayout: { x: [0, 1] },
    dispatch: [B, 1, 1],
    workgroupSize: [WG, 1, 1],
    uniforms: 'temperature : f32, topK : i32, topP : f32, minP : f32,',
    getUserCode: () => USER_CODE,
  };
}

interface SampleAttrs {
  temperature?: number;
  topK?: number;
  topP?: number;
  minP?: number;
}

function sampleKernel({ inputs, attrs, backend }: KernelArgs): tf.TensorInfo {
  const { logits, draws } = inputs as { logits?: tf.TensorInfo; draws?: tf.TensorInfo };
  if (!logits || !draws) throw new Error(`${SAMPLE_KERNEL}: inputs 'logits' and 'draws' are required`);
  const [B, V] = logits.shape;
  if (logits.shape.length !== 2 || logits.dtype !== 'float32') {
    throw new Error(`${SAMPLE_KERNEL}: logits must be float32 [B, V]; got ${logits.dtype} [${logits.shape.join(', ')}]`);
  }
  if (draws.shape.length !== 2 || draws.shape[0] !== B || draws.shape[1] !== 2 || draws.dtype !== 'int32') {
    throw new Error(`${SAMPLE_KERNEL}: draws must be int32 [${B}, 2]; got ${draws.dtype} [${draws.shape.join(', ')}]`);
  }
  if (V > 2 ** 24) throw new Error(`${SAMPLE_KERNEL}: V must be at most 2^24 (ids travel as float32); got ${V}`);
  const a = (attrs ?? {}) as SampleAttrs;
  const uniforms = [
    { type: 'float32', data: [a.temperature ?? 1] },
    { type: 'int32', data: [a.topK ?? 0] },
    { type: 'float32', data: [a.topP ?? 1] },
    { type: 'float32', data: [a.minP ?? 0] },
  ];
  return (backend as WebGpuBackendLike).runWebGPUProgram(sampleProgram(B), [logits, draws], 'float32', uniforms);
}

/**
 * Registers `AgonSampleTokens` on the webgpu backend (idempotent). Inputs `logits` [B, V] float32
 * and `draws` [B, 2] int32 (each row's uniform u split as hi = ⌊u·2^27⌋, lo = u·2^53 − hi·2^26);
 * attrs `temperature` (0 = greedy), `topK`, `topP`, `minP`; output [B, 3] float32: token id,
 * its log-prob under the model (temperature 1, unfiltered), its log-prob under the distribution
 * sampled from (0 for greedy). A row without a finite logit gives id −1 and NaN log-probs.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * registerSampleWebgpuKernel();
 * const out = tf.engine().runKernel('AgonSampleTokens',
 *   { logits: tf.tensor2d([[2, 1, 0]]), draws: tf.tensor2d([[0, 0]], [1, 2], 'int32') },
 *   { temperature: 0, topK: 0, topP: 1, minP: 0 }) as tf.Tensor; // [[0, −0.408, 0]]
 * ```
 */
export function registerSampleWebgpuKernel(): void {
  registerOnce(SAMPLE_KERNEL, ['webgpu'], sampleKernel);
}
