#!/usr/bin/env node
/**
 * The @jax-js/jax peer of `agon bench`: the same Llama training step as tools/torch_ref.py
 * (next-token cross-entropy on random tokens, backward, AdamW lr 1e-4 weight decay 0.1) written in
 * jax-js, jitted as one function, on its wasm device. Prints one JSON line like torch_ref.py.
 *
 *   node tools/jax_ref.mjs --checkpoint FILE.bin --batch 8 --seq 256 [--steps 5] [--warmup 2] [--seed 0]
 *
 * tokens_per_s = batch*seq*steps / timed seconds (warm-up steps, which include jit compilation,
 * are not timed). The weights are read from a llama2.c v0 checkpoint by this file's own reader, so
 * the peer shares no model code with agon (only its seeded random stream, for the tokens);
 * tools/test/jax-peer.test.ts checks that its loss on the real
 * stories260K equals agon's.
 *
 * Two things jax-js 0.1.25 needs that are worked around here, both for Node 20 and both without
 * changing what is computed: its einsum parser calls ES2025 iterator helpers (`.map`, `.filter` on
 * a RegExp iterator), which Node 22 has and Node 20 lacks, so `installIteratorHelpers` adds them
 * where absent; and its jit cannot compile the scatter that the gradient of `take` becomes, so the
 * embedding lookup and the target pick are one-hot products (B·T·V·D extra flops: 67 M at 8×256
 * on stories260K, under 1% of the step).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createRng } from '@agon/tensor';

/** Adds the iterator helpers jax-js calls, where the runtime lacks them (Node < 22). */
export function installIteratorHelpers() {
  const proto = Object.getPrototypeOf(Object.getPrototypeOf([][Symbol.iterator]()));
  const add = (name, value) => {
    if (!(name in proto)) Object.defineProperty(proto, name, { configurable: true, writable: true, value });
  };
  add('map', function* map(f) {
    let i = 0;
    for (const x of this) yield f(x, i++);
  });
  add('filter', function* filter(f) {
    let i = 0;
    for (const x of this) if (f(x, i++)) yield x;
  });
  add('toArray', function toArray() {
    return [...this];
  });
}

/** jax-js, started on its wasm device; with its version. */
export async function loadJax() {
  installIteratorHelpers();
  const jax = await import('@jax-js/jax');
  await jax.init('wasm');
  jax.defaultDevice('wasm');
  // its exports map hides package.json: read it beside the resolved entry (dist/index.cjs)
  const entry = createRequire(import.meta.url).resolve('@jax-js/jax');
  const version = JSON.parse(readFileSync(path.join(path.dirname(entry), '..', 'package.json'), 'utf8')).version;
  return { jax, version };
}

/**
 * A llama2.c v0 checkpoint (run.c's format): the header and the weights in its order, as
 * Float32Arrays with their shapes (q/k rows in llama2.c's interleaved RoPE layout).
 */
export function readLlama2c(bytes, file = 'checkpoint') {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const [dim, hidden, layers, heads, kvHeads, vocabSigned, seq] = Array.from({ length: 7 }, (_, i) => dv.getInt32(4 * i, true));
  const vocab = Math.abs(vocabSigned);
  const cfg = { dim, hidden, layers, heads, kvHeads, vocab, seq, shared: vocabSigned > 0, headDim: dim / heads };
  let offset = 28;
  const take = (shape) => {
    const n = shape.reduce((a, b) => a * b, 1);
    if (offset + 4 * n > bytes.byteLength) throw new Error(`${file}: truncated llama2.c checkpoint at byte ${offset} (needs ${4 * n} more)`);
    const a = new Float32Array(bytes.buffer.slice(bytes.byteOffset + offset, bytes.byteOffset + offset + 4 * n));
    offset += 4 * n;
    return { data: a, shape };
  };
  const kv = kvHeads * cfg.headDim;
  const w = { emb: take([vocab, dim]), attnNorm: take([layers, dim]), q: take([layers, dim, dim]), k: take([layers, kv, dim]), v: take([layers, kv, dim]), o: take([layers, dim, dim]) };
  Object.assign(w, { ffnNorm: take([layers, dim]), w1: take([layers, hidden, dim]), w2: take([layers, dim, hidden]), w3: take([layers, hidden, dim]), norm: take([dim]) });
  take([seq, cfg.headDim / 2]);
  take([seq, cfg.headDim / 2]);
  if (!cfg.shared) w.cls = take([vocab, dim]);
  return { cfg, weights: w };
}

/** The checkpoint's weights as jax-js arrays, one object per layer. */
export function jaxParams(np, { cfg, weights: w }) {
  const arr = ({ data, shape }) => np.array(data).reshape(shape);
  const layer = (t, l) => {
    const per = t.shape.slice(1).reduce((a, b) => a * b, 1);
    return np.array(t.data.subarray(l * per, (l + 1) * per)).reshape(t.shape.slice(1));
  };
  const p = { emb: arr(w.emb), norm: arr(w.norm), layers: [] };
  if (w.cls) p.cls = arr(w.cls);
  for (let l = 0; l < cfg.layers; l++) {
    p.layers.push({ attnNorm: layer(w.attnNorm, l), ffnNorm: layer(w.ffnNorm, l), q: layer(w.q, l), k: layer(w.k, l), v: layer(w.v, l), o: layer(w.o, l), w1: layer(w.w1, l), w2: layer(w.w2, l), w3: layer(w.w3, l) });
  }
  return p;
}

/** RoPE tables of run.c (θ 10000) for positions 0..T-1: cos and sin, [T, headDim/2]. */
export function ropeTables(np, cfg, T) {
  const half = cfg.headDim / 2;
  const cos = new Float32Array(T * half);
  const sin = new Float32Array(T * half);
  for (let t = 0; t < T; t++) {
    for (let i = 0; i < half; i++) {
      const f = t / 10000 ** ((2 * i) / cfg.headDim);
      cos[t * half + i] = Math.cos(f);
      sin[t * half + i] = Math.sin(f);
    }
  }
  return { cos: np.array(cos).reshape([T, half]), sin: np.array(sin).reshape([T, half]) };
}

/**
 * Mean next-token cross-entropy of `targets` after `tokens` ([B, T] int32), as run.c's forward
 * computes the logits. Follows jax-js' ownership rules: every argument is consumed.
 */
export function llamaLoss(jax, cfg, B, T) {
  const { numpy: np, nn } = jax;
  const hd = cfg.headDim;
  const half = hd / 2;
  const lin = (x, w) => np.matmul(x, np.matrixTranspose(w));
  const rms = (x, w) => x.ref.mul(np.reciprocal(np.sqrt(np.mean(np.square(x), -1, { keepdims: true }).add(1e-5)))).mul(w);
  // llama2.c rotates interleaved pairs (x[2i], x[2i+1]) of each head.
  const rope = (x, n, cos, sin) => {
    const [a, b] = np.split(x.reshape([B, T, n, half, 2]), 2, -1);
    const x0 = a.reshape([B, T, n, half]);
    const x1 = b.reshape([B, T, n, half]);
    const c = cos.reshape([1, T, 1, half]);
    const s = sin.reshape([1, T, 1, half]);
    const y0 = x0.ref.mul(c.ref).sub(x1.ref.mul(s.ref));
    const y1 = x0.mul(s).add(x1.mul(c));
    return np.stack([y0, y1], -1).reshape([B, T, n, hd]);
  };
  return (p, tokens, targets, cos, sin) => {
    let x = np.matmul(nn.oneHot(tokens, cfg.vocab), p.emb.ref);
    for (const w of p.layers) {
      const h = rms(x.ref, w.attnNorm);
      const q = rope(lin(h.ref, w.q), cfg.heads, cos.ref, sin.ref);
      const k = rope(lin(h.ref, w.k), cfg.kvHeads, cos.ref, sin.ref);
      const v = lin(h, w.v).reshape([B, T, cfg.kvHeads, hd]);
      const a = nn.dotProductAttention(q, k, v, { isCausal: true }).reshape([B, T, cfg.dim]);
      x = x.add(lin(a, w.o));
      const g = rms(x.ref, w.ffnNorm);
      x = x.add(lin(nn.silu(lin(g.ref, w.w1)).mul(lin(g, w.w3)), w.w2));
    }
    cos.dispose();
    sin.dispose();
    const logits = lin(rms(x, p.norm), p.cls ?? p.emb);
    return np.sum(nn.logSoftmax(logits, -1).mul(nn.oneHot(targets, cfg.vocab))).mul(-1 / (B * T));
  };
}

/** One jitted training step: loss, gradients and AdamW (β 0.9/0.999, ε 1e-8, decoupled decay). */
export function trainStep(jax, cfg, B, T, { lr = 1e-4, weightDecay = 0.1 } = {}) {
  const { numpy: np, tree, jit, valueAndGrad } = jax;
  const lossAndGrad = valueAndGrad(llamaLoss(jax, cfg, B, T));
  return jit((p, m, v, t, tokens, targets, cos, sin) => {
    const [loss, g] = lossAndGrad(tree.ref(p), tokens, targets, cos, sin);
    const b1 = 0.9;
    const b2 = 0.999;
    const m2 = tree.map((mi, gi) => mi.mul(b1).add(gi.mul(1 - b1)), m, tree.ref(g));
    const v2 = tree.map((vi, gi) => vi.mul(b2).add(np.square(gi).mul(1 - b2)), v, g);
    const c1 = np.reciprocal(np.power(np.array(b1), t.ref).mul(-1).add(1));
    const c2 = np.reciprocal(np.power(np.array(b2), t).mul(-1).add(1));
    const p2 = tree.map(
      (pi, mi, vi) => pi.ref.mul(1 - lr * weightDecay).sub(mi.mul(c1.ref).div(np.sqrt(vi.mul(c2.ref)).add(1e-8)).mul(lr)),
      p,
      tree.ref(m2),
      tree.ref(v2),
    );
    c1.dispose();
    c2.dispose();
    return [loss, p2, m2, v2];
  });
}

async function main() {
  const { values } = parseArgs({
    options: { checkpoint: { type: 'string' }, batch: { type: 'string', default: '8' }, seq: { type: 'string', default: '256' }, steps: { type: 'string', default: '5' }, warmup: { type: 'string', default: '2' }, seed: { type: 'string', default: '0' } },
  });
  if (!values.checkpoint) throw new Error('jax_ref.mjs: --checkpoint FILE (a llama2.c v0 .bin) is required');
  const [B, T, steps, warmup] = ['batch', 'seq', 'steps', 'warmup'].map((k) => Number(values[k]));
  const { jax, version } = await loadJax();
  const np = jax.numpy;
  const model = readLlama2c(new Uint8Array(readFileSync(values.checkpoint)), values.checkpoint);
  let p = jaxParams(np, model);
  let m = jax.tree.map((x) => np.zerosLike(x), jax.tree.ref(p));
  let v = jax.tree.map((x) => np.zerosLike(x), jax.tree.ref(p));
  const { cos, sin } = ropeTables(np, model.cfg, T);
  const step = trainStep(jax, model.cfg, B, T);
  // the tokens only need to be the same from run to run; agon's seeded stream gives them
  const rng = createRng(Number(values.seed));
  const tokens = () => {
    const a = new Int32Array(B * (T + 1));
    for (let i = 0; i < a.length; i++) a[i] = rng.nextUint32() % model.cfg.vocab;
    const all = np.array(a, { dtype: np.int32 }).reshape([B, T + 1]);
    return [all.ref.slice([], [0, T]), all.slice([], [1, T + 1])];
  };
  const times = [];
  let loss = NaN;
  for (let s = 0; s < warmup + steps; s++) {
    const [x, y] = tokens();
    const t0 = performance.now();
    const [l, p2, m2, v2] = step(p, m, v, np.array(s + 1), x, y, cos.ref, sin.ref);
    loss = (await l.data())[0];
    await jax.blockUntilReady([p2, m2, v2]);
    [p, m, v] = [p2, m2, v2];
    if (s >= warmup) times.push((performance.now() - t0) / 1000);
  }
  const sum = times.reduce((a, b) => a + b, 0);
  const sorted = [...times].sort((a, b) => a - b);
  console.log(
    JSON.stringify({
      mode: 'train',
      jax: version,
      device: 'wasm',
      batch: B,
      seq: T,
      steps,
      loss: Number(loss.toFixed(4)),
      median_step_s: Number(sorted[Math.floor(sorted.length / 2)].toFixed(4)),
      tokens_per_s: Number(((B * T * times.length) / sum).toFixed(1)),
      peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
    }),
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((e) => {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(1);
  });
}
