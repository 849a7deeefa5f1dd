#!/usr/bin/env node
// `agon train` on a full disk: for each size, a tmpfs of that size is mounted, a small run is
// started in it and must fail with one line naming the file it could not write; the tmpfs is then
// grown (space freed) and `agon train --resume` must finish the run; the logs left by the failure
// must hold whole lines only. Then a 16 KiB tmpfs is filled up to one log's last page and an
// append larger than the room left must fail naming the file and leave the log as it was (a write
// cut short is cut back: no half line). Needs root (mount); prints why and exits 2 when mounting
// is refused.
//
//   npx nx run @agon/cli:build && node tools/full-disk.mjs [--sizes 64k,1m,4m] [--json]
import { execFileSync, spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'packages/cli/dist/bin.js');
const i = process.argv.indexOf('--sizes');
const sizes = (i >= 0 ? process.argv[i + 1] : '64k,1m,4m').split(',');
const json = process.argv.includes('--json');

function agon(args) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Every log in `dir` is empty or whole lines of JSON. */
function wholeLines(dir) {
  return ['metrics.jsonl', 'samples.jsonl'].every((f) => {
    if (!existsSync(join(dir, f))) return true;
    const text = readFileSync(join(dir, f), 'utf8');
    return text === '' || (text.endsWith('\n') && text.trim().split('\n').every((l) => JSON.parse(l)));
  });
}

/** An append that the disk cuts short: it must fail naming the file and leave the file as it was. */
async function appendCheck(mnt) {
  const { nodeRunIO } = await import(join(root, 'packages/trainer/dist/index.js'));
  const io = nodeRunIO(mnt);
  const before = '{"step":1}\n';
  await io.append('samples.jsonl', before);
  try {
    for (;;) appendFileSync(join(mnt, 'filler'), Buffer.alloc(1024)); // until the disk is full
  } catch (e) {
    if (e.code !== 'ENOSPC') throw e;
  }
  const line = `${JSON.stringify({ step: 2, answer: 'x'.repeat(200) })}\n`;
  let message = '';
  try {
    await io.append('samples.jsonl', line.repeat(40)); // 8 KiB: more than the file's last page holds
  } catch (e) {
    message = e.message;
  }
  const file = join(mnt, 'samples.jsonl');
  return { size: '16k', append: true, line: message, named: message.startsWith(`${file}: ENOSPC`), whole: readFileSync(file, 'utf8') === before };
}

function mount(dir, size, remount = false) {
  execFileSync('mount', ['-t', 'tmpfs', '-o', `${remount ? 'remount,' : ''}size=${size}`, 'tmpfs', dir], { stdio: 'pipe' });
}

async function main() {
  if (!existsSync(bin)) {
    console.error(`full-disk: ${bin} is missing; run 'npx nx run @agon/cli:build' first`);
    process.exit(1);
  }
  const work = mkdtempSync(join(tmpdir(), 'agon-disk-'));
  const recipe = JSON.parse(readFileSync(join(root, 'packages/trainer/recipes/default.json'), 'utf8'));
  Object.assign(recipe, { steps: 3, queriesPerStep: 2, answersPerQuery: 2, eval: null, checkpointEvery: 1 });
  const file = join(work, 'recipe.json'); // outside the small disk
  writeFileSync(file, JSON.stringify(recipe));
  const rows = [];
  try {
    for (const size of sizes) {
      const mnt = join(work, `disk-${size}`);
      execFileSync('mkdir', ['-p', mnt]);
      try {
        mount(mnt, size);
      } catch (e) {
        const why = String(e.stderr ?? e.message).trim().split('\n').pop();
        console.error(`full-disk: cannot mount a tmpfs here (${why}); this check needs root and a kernel that allows it`);
        process.exitCode = 2;
        return;
      }
      try {
        const out = join(mnt, 'run');
        const failed = await agon(['train', '--config', file, '--out', out]);
        const lines = failed.stderr.trim().split('\n').filter((l) => l.startsWith('agon: '));
        const line = lines[lines.length - 1] ?? '';
        const named = failed.code === 1 && lines.length === 1 && line.includes(mnt) && /ENOSPC/.test(line);
        const whole = wholeLines(out);
        mount(mnt, '64m', true); // space freed
        const resumed = await agon(['train', '--resume', out]);
        const finished = resumed.code === 0 && existsSync(join(out, 'summary.json')) && existsSync(join(out, 'model', 'model.safetensors'));
        rows.push({ size, exit: failed.code, line, named, whole, resumed: finished, resumeError: finished ? undefined : resumed.stderr.trim().split('\n').pop() });
        if (!json) console.log(`${size}: exit ${failed.code}; ${named ? 'one line naming the file' : 'NOT one clear line'}: ${line}; logs ${whole ? 'whole lines' : 'CUT MID-LINE'}\n  after freeing space: ${finished ? 'resumed to the end' : `resume FAILED: ${resumed.stderr.trim().split('\n').pop()}`}`);
      } finally {
        execFileSync('umount', [mnt]);
      }
    }
    const mnt = join(work, 'disk-append');
    execFileSync('mkdir', ['-p', mnt]);
    mount(mnt, '16k');
    try {
      const row = await appendCheck(mnt);
      rows.push(row);
      if (!json) console.log(`16k, an append cut short: ${row.named ? 'one error naming the file' : 'NOT named'}: ${row.line}; the log ${row.whole ? 'is as it was' : 'WAS LEFT CUT'}`);
    } finally {
      execFileSync('umount', [mnt]);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  if (json) console.log(JSON.stringify(rows));
  if (rows.some((r) => !r.named || (r.append ? !r.whole : !r.resumed || !r.whole))) process.exitCode = 1;
}

await main();
