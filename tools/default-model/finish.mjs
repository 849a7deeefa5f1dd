// Moves a pretrain.py folder into the package: loads it with @agon/models (the path every user
// takes), checks its logits against PyTorch's, re-saves it with saveHfFolder (our canonical
// layout), and writes the golden values the default-model test compares with.
//
//   node tools/default-model/finish.mjs <pretrain-out> <model-dir> <golden.json>
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { loadModel, saveHfFolder } from '@agon/models';
import { initBackend } from '@agon/tensor';

const [src, dst, goldenFile] = process.argv.slice(2);
if (!src || !dst || !goldenFile) {
  console.error('usage: node tools/default-model/finish.mjs <pretrain-out> <model-dir> <golden.json>');
  process.exit(2);
}
await initBackend({ backend: 'cpu' });
const golden = JSON.parse(readFileSync(join(src, 'golden.json'), 'utf8'));
const { model } = await loadModel(src);
let worst = 0;
for (const c of golden.cases) {
  const ids = tf.tensor2d([c.ids], [1, c.ids.length], 'int32');
  const { logits } = model.forward(ids);
  const all = await logits.array();
  tf.dispose([ids, logits]);
  for (const [got, want] of [[all[0][0], c.firstLogits], [all[0][c.ids.length - 1], c.lastLogits]]) {
    for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
  }
}
if (!(worst < 2e-4)) throw new Error(`${src}: @agon/models logits differ from PyTorch's by ${worst} (expected < 2e-4)`);
const files = {};
for (const f of ['tokenizer.json', 'tokenizer_config.json', 'generation_config.json']) files[f] = readFileSync(join(src, f));
await saveHfFolder(model, dst, { files });
model.dispose();
// The pretraining arguments without its file paths, so a re-run writes the same bytes.
const { corpus: _corpus, out: _out, ...pretrain } = golden.args;
writeFileSync(`${goldenFile}.tmp`, `${JSON.stringify({ note: golden.note, heldOutGreedy: golden.heldOutGreedy, pretrain, cases: golden.cases })}\n`);
renameSync(`${goldenFile}.tmp`, goldenFile);
console.log(`logits match PyTorch (max |Δ| ${worst.toExponential(2)}); wrote ${dst} and ${goldenFile}`);
