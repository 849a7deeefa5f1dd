// Writes a recipe with some fields changed (a deep merge of JSON objects; arrays and values replace):
//   node tools/default-model/recipe-variant.mjs recipes/default.json '{"loss":{"beta":0}}' runs/long/old-default.json
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

const [from, override, to] = process.argv.slice(2);
if (!from || !override || !to) {
  console.error("usage: node tools/default-model/recipe-variant.mjs <recipe.json> '<json to merge>' <out.json>");
  process.exit(2);
}
const isObject = (x) => x !== null && typeof x === 'object' && !Array.isArray(x);
const merge = (a, b) => (isObject(a) && isObject(b) ? Object.fromEntries([...new Set([...Object.keys(a), ...Object.keys(b)])].map((k) => [k, k in b ? merge(a[k], b[k]) : a[k]])) : b);
const recipe = JSON.parse(readFileSync(from, 'utf8'));
let changes;
try {
  changes = JSON.parse(override);
} catch (e) {
  console.error(`recipe-variant: the override is not JSON: ${e.message}`);
  process.exit(2);
}
const out = merge(recipe, changes);
out.$comment = `${from} with ${override} (tools/default-model/recipe-variant.mjs)`;
mkdirSync(dirname(to), { recursive: true });
// A temp name per process: two runs of long-runs.sh may write the same variant at once.
const tmp = `${to}.${process.pid}.tmp`;
writeFileSync(tmp, `${JSON.stringify(out, null, 2)}\n`);
renameSync(tmp, to);
