#!/usr/bin/env node
// The fused elementwise kernels against the tfjs ops they replace, per backend (cpu, wasm):
// swiGlu(g, u) vs g·σ(g)·u, rope(x, cos, sin) vs x·cos + (x·P)·sin with P the [D, D] partner
// permutation, gelu(x) vs its tanh / erf formula and layerNorm(x, w, b) vs
// (x − mean)·rsqrt(var + ε)·w + b (the models' composed forms before the kernels), forward alone
// and forward + backward (for a fixed dy, the gradients of what the models differentiate: gate
// and up; x but not the angles; x, w and b), at the stories260K training shapes (8×256 tokens:
// MLP width 172, 8 query heads and 4 KV heads of 8; GELU at 2048 × 256), GPT-2's width
// (LayerNorm at 2048 × 768) and a decoding step's. CPU µs of the process per call (other jobs'
// load counts less than in wall time), composed and fused alternating in one process, the median
// over BENCH_ROUNDS rounds (default 7) of as many calls as take ~20 ms.
//
//   node packages/tensor/bench/fused.mjs [backends, default wasm,cpu] [label filter]   (after building @agon/tensor)
import * as tf from '@tensorflow/tfjs-core';
import { gelu, initBackend, layerNorm, rope, swiGlu } from '../dist/index.js';

const backends = (process.argv[2] ?? 'wasm,cpu').split(',');
const only = process.argv[3] ?? '';
const rounds = Number(process.env.BENCH_ROUNDS ?? 7);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const cpuUs = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

/** [label, make inputs, composed, fused, how many leading inputs the backward differentiates]. */
function cases() {
  const swiglu = (shape) => [
    `swiGlu [${shape}]`,
    () => [tf.randomNormal(shape), tf.randomNormal(shape)],
    (g, u) => tf.mul(tf.mul(g, tf.sigmoid(g)), u),
    (g, u) => swiGlu(g, u),
    2,
  ];
  const ropeCase = (shape) => {
    const D = shape[3];
    const perm = new Float32Array(D * D);
    for (let i = 0; i < D / 2; i++) perm[(i + D / 2) * D + i] = perm[i * D + i + D / 2] = 1;
    const P = tf.tensor2d(perm, [D, D]);
    const angles = [shape[0], shape[1], 1, D];
    return [
      `rope [${shape}]`,
      () => [tf.randomNormal(shape), tf.randomNormal(angles), tf.randomNormal(angles)],
      (x, c, s) => tf.add(tf.mul(x, c), tf.mul(tf.reshape(tf.matMul(tf.reshape(x, [-1, D]), P), x.shape), s)),
      (x, c, s) => rope(x, c, s, 'halves'),
      1, // the models' angles are constants: only x gets a gradient
    ];
  };
  const geluCase = (shape, form) => [
    `gelu ${form} [${shape}]`,
    () => [tf.randomNormal(shape)],
    form === 'exact'
      ? (x) => tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2))))
      : (x) => tf.mul(tf.mul(x, 0.5), tf.add(1, tf.tanh(tf.mul(tf.add(x, tf.mul(tf.pow(x, 3), 0.044715)), Math.sqrt(2 / Math.PI))))),
    (x) => gelu(x, form),
    1,
  ];
  const layerNormCase = (shape) => {
    const D = shape[shape.length - 1];
    return [
      `layerNorm [${shape}]`,
      () => [tf.randomNormal(shape), tf.randomNormal([D]), tf.randomNormal([D])],
      (x, w, b) => {
        const centred = tf.sub(x, tf.mean(x, -1, true));
        return tf.add(tf.mul(tf.mul(centred, tf.rsqrt(tf.add(tf.mean(tf.square(centred), -1, true), 1e-5))), w), b);
      },
      (x, w, b) => layerNorm(x, w, b, 1e-5),
      3,
    ];
  };
  return [
    swiglu([2048, 172]), swiglu([1, 172]),
    ropeCase([8, 256, 8, 8]), ropeCase([8, 256, 4, 8]), ropeCase([1, 1, 8, 8]),
    geluCase([2048, 256], 'tanh'), geluCase([2048, 256], 'exact'), geluCase([1, 3072], 'tanh'),
    layerNormCase([2048, 768]), layerNormCase([1, 768]),
  ].filter(([label]) => label.includes(only));
}

/** CPU µs per call of `fn`, the median over rounds, a and b alternating. */
function race(a, b) {
  let calls = 1;
  const t0 = cpuUs();
  while (cpuUs() - t0 < 20_000 && calls < 4096) {
    a();
    b();
    calls++;
  }
  const ta = [];
  const tb = [];
  for (let r = 0; r < rounds; r++) {
    for (const [f, out] of [[a, ta], [b, tb]]) {
      const s = cpuUs();
      for (let i = 0; i < calls; i++) f();
      out.push((cpuUs() - s) / calls);
    }
  }
  return [median(ta), median(tb)];
}

for (const backend of backends) {
  await initBackend({ backend, threads: 1 });
  for (const [label, make, composed, fused, nGrad] of cases()) {
    const xs = make();
    const dy = tf.tidy(() => tf.randomNormal(fused(...xs).shape));
    const fwd = (f) => () => tf.tidy(() => void f(...xs));
    const both = (f) => () => tf.tidy(() => void tf.grads((...a) => f(...a, ...xs.slice(nGrad)))(xs.slice(0, nGrad), dy));
    const before = tf.memory().numTensors;
    const [fc, ff] = race(fwd(composed), fwd(fused));
    const [bc, bf] = race(both(composed), both(fused));
    if (tf.memory().numTensors !== before) throw new Error(`${label}: tensors leaked`);
    console.log(`${backend}\t${label}\tforward ${fc.toFixed(1)} → ${ff.toFixed(1)} µs\twith backward ${bc.toFixed(1)} → ${bf.toFixed(1)} µs`);
    tf.dispose([...xs, dy]);
  }
}
