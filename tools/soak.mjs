#!/usr/bin/env node
// Soak: the default recipe for many steps, then a check that memory stays flat. Every line of
// metrics.jsonl records the process's resident memory (`memory/rssMb`) and the live tensor count
// (`memory/tensors`) at the end of its step; this script fails when the tensor count moves after
// the first step or the RSS of the last tenth of the run exceeds that of the second tenth by more
// than `--rss-slack` MB. Not a CI test: 1000 steps take about an hour on 2 cores.
//
//   npx nx run @agon/cli:build && nice -n 15 node tools/soak.mjs [--steps 1000] [--rss-slack 64] [--out DIR]
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'packages/cli/dist/bin.js');
const opt = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const steps = Number(opt('steps', '1000'));
const slack = Number(opt('rss-slack', '64'));
const work = mkdtempSync(join(tmpdir(), 'agon-soak-'));
const out = opt('out', join(work, 'run'));

/** Checks the memory columns of metrics.jsonl lines; returns the problems found (none: flat). */
export function checkFlat(lines, rssSlackMB) {
  const problems = [];
  const mem = lines.map((l) => ({ rssMB: l['memory/rssMb'], tensors: l['memory/tensors'] }));
  const missing = mem.findIndex((m) => typeof m.rssMB !== 'number' || typeof m.tensors !== 'number');
  if (missing >= 0) return [`line ${missing + 1} has no memory/rssMb / memory/tensors`];
  const tensors = new Set(mem.slice(1).map((m) => m.tensors));
  if (tensors.size > 1) problems.push(`live tensors vary after step 1: ${[...tensors].slice(0, 8).join(', ')}`);
  const tenth = Math.max(1, Math.floor(mem.length / 10));
  const avg = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const early = avg(mem.slice(tenth, 2 * tenth).map((m) => m.rssMB));
  const late = avg(mem.slice(-tenth).map((m) => m.rssMB));
  if (late - early > rssSlackMB) problems.push(`RSS grew from ${early.toFixed(0)} MB to ${late.toFixed(0)} MB (more than ${rssSlackMB} MB)`);
  return problems;
}

async function main() {
  if (!existsSync(bin)) {
    console.error(`soak: ${bin} is missing; run 'npx nx run @agon/cli:build' first`);
    process.exit(1);
  }
  const recipe = JSON.parse(readFileSync(join(root, 'packages/trainer/recipes/default.json'), 'utf8'));
  Object.assign(recipe, { steps, eval: null, checkpointEvery: 100 });
  const file = join(work, 'recipe.json');
  writeFileSync(file, JSON.stringify(recipe));
  console.log(`soak: ${steps} steps of the default recipe into ${out}`);
  const code = await new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, 'train', '--config', file, '--out', out, '--overwrite'], { stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('close', resolve);
  });
  if (code !== 0) {
    console.error(`soak: agon train exited with ${code}`);
    process.exit(1);
  }
  const lines = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const first = lines[0];
  const last = lines[lines.length - 1];
  console.log(`soak: step 1 rss ${first['memory/rssMb']} MB, tensors ${first['memory/tensors']}; step ${lines.length} rss ${last['memory/rssMb']} MB, tensors ${last['memory/tensors']}`);
  const problems = checkFlat(lines, slack);
  for (const p of problems) console.error(`soak: ${p}`);
  console.log(problems.length ? 'soak: NOT flat' : 'soak: flat');
  process.exitCode = problems.length ? 1 : 0;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
