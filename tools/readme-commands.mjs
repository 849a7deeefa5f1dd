#!/usr/bin/env node
// Runs every command the root README shows, as a new user meets them: in a fresh `git clone` of
// this repository, `npm ci && npm start`, then each `npx agon …` line exactly as written, checking
// what the README says each one prints. CI runs it last (.ci/run); locally:
//
//   node tools/readme-commands.mjs            # clones the committed HEAD, not uncommitted edits
//   node tools/readme-commands.mjs --keep     # leaves the clone for a look (path printed)
//
// Cost: `npm ci --prefer-offline` from the npm cache the first install filled (no downloads),
// one CLI build, the 20-step default run and a 200-question eval: about 2–4 minutes on 2 cores.
// `npm ci` runs with --ignore-scripts: the only install script is `gl`'s native build, which the
// README's commands never load (it backs the optional gpu.js backend), and it costs minutes.
// `npm test` is not re-run here: CI runs it just before this script.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const keep = process.argv.includes('--keep');

/** The shell commands of the README's ```sh blocks: continuations joined, comments kept apart. */
export function readmeCommands(markdown) {
  const blocks = [...markdown.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]);
  const commands = [];
  for (const block of blocks) {
    const joined = block.replace(/\\\n\s*/g, '');
    for (const line of joined.split('\n')) {
      if (!line.trim()) continue;
      // A comment starts at two or more spaces then '#', outside the command's own quotes.
      const m = /^(.*?\S)\s{2,}#\s?(.*)$/.exec(line);
      commands.push(m ? { command: m[1], comment: m[2] } : { command: line.trim(), comment: '' });
    }
  }
  return commands;
}

// What each README command must do. A command the README gains without an entry here fails the
// run, so this list and the README stay in step.
const expectations = [
  {
    match: /^npm ci && npm start$/,
    // The README prose: "held-out accuracy before and after (0.520 → 0.870 in 20 steps, …)".
    run: 'npm ci --prefer-offline --no-audit --no-fund --ignore-scripts && npm start',
    check(r, readme) {
      const [, before, after] = /\((\d\.\d{3}) → (\d\.\d{3}) in \d+ steps/.exec(readme) ?? [];
      expectCode(r, 0);
      expectIn(r.stdout, `held-out accuracy before: ${before}`);
      expectIn(r.stdout, `held-out accuracy after:  ${after}`);
      expectIn(r.stdout, 'report: runs/default-seed0/report.html');
    },
  },
  { match: /^npm test$/, skip: 'CI runs npm test just before this script' },
  {
    match: /^npx agon generate --prompt "Once upon a time" --temperature 0$/,
    check(r) {
      expectCode(r, 0);
      if (!r.stdout.startsWith('Once upon a time')) fail(`stdout does not start with the prompt:\n${r.stdout}`);
      // stderr: only the line naming the backend (no Dawn/Vulkan start-up noise).
      if (!/^agon generate: backend \w+ \([^\n]+\)\n$/.test(r.stderr)) fail(`stderr is not the one backend line:\n${r.stderr}`);
    },
  },
  {
    // A template: the recipe names folders the user replaces. It must say which one is missing.
    match: /^npx agon train --config recipes\/lsp-instruct\.json --out runs\/mine$/,
    check(r) {
      expectCode(r, 1);
      const lines = r.stderr.trim().split('\n').filter((l) => !/^agon train: backend /.test(l));
      if (lines.length !== 1 || !/models\/your-instruct-model/.test(lines[0])) fail(`expected one line naming models/your-instruct-model, got:\n${r.stderr}`);
    },
  },
  {
    match: /^npx agon eval --model default --game arithmetic /,
    check(r, _readme, comment) {
      const [want] = /\d\.\d{3}/.exec(comment) ?? [];
      expectCode(r, 0);
      expectIn(r.stdout, `accuracy ${want}`);
    },
  },
];

function fail(message) {
  throw new Error(message);
}
function expectCode(r, code) {
  if (r.code !== code) fail(`exit code ${r.code}, expected ${code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
}
function expectIn(text, part) {
  if (!text.includes(part)) fail(`output lacks '${part}':\n${text}`);
}

/** Runs `command` in bash in `cwd`; resolves with its exit code and output. */
function sh(command, cwd) {
  return new Promise((resolve) => {
    const env = { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' };
    const child = spawn('bash', ['-c', command], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 15 * 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

async function runAll() {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const commands = readmeCommands(readme);
  const dir = mkdtempSync(join(tmpdir(), 'agon-readme-'));
  const clone = join(dir, 'agon');
  let failures = 0;
  try {
    execFileSync('git', ['clone', '--quiet', '--no-hardlinks', root, clone], { stdio: 'inherit' });
    console.log(`readme-commands: ${commands.length} commands, fresh clone in ${clone}`);
    for (const { command, comment } of commands) {
      const e = expectations.find((x) => x.match.test(command));
      if (!e) {
        console.log(`FAIL ${command}\n  no expectation in tools/readme-commands.mjs for this README command`);
        failures++;
        continue;
      }
      if (e.skip) {
        console.log(`skip ${command} (${e.skip})`);
        continue;
      }
      const t0 = Date.now();
      const r = await sh(e.run ?? command, clone);
      const s = ((Date.now() - t0) / 1000).toFixed(0);
      try {
        e.check(r, readme, comment);
        console.log(`ok   ${command} (${s} s)`);
      } catch (err) {
        failures++;
        console.log(`FAIL ${command} (${s} s)\n  ${String(err.message).split('\n').join('\n  ')}`);
      }
    }
  } finally {
    if (keep) console.log(`readme-commands: clone kept at ${clone}`);
    else rmSync(dir, { recursive: true, force: true });
  }
  if (failures) {
    console.error(`readme-commands: ${failures} README command(s) failed`);
    process.exitCode = 1;
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await runAll();
