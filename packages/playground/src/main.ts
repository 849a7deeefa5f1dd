/**
 * The playground page: picks the backend, model and recipe, starts the training worker, and shows
 * what it posts (charts, the game viewer, the log). Pause stops the run after the step in flight
 * with a checkpoint in OPFS; resume (also after a reload) continues from it exactly. Stop ends
 * the run where it is: the trainer then evaluates, exports the model and writes its report.
 */
import type { SampleRow } from '@agon/core';
import { probeBackends } from './backends.js';
import { Charts, type ChartPoint } from './charts.js';
import { describe, fromDrop, fromInput } from './model-picker.js';
import { tokensOf, type BackendChoice, type FromWorker, type ModelChoice, type ToWorker } from './protocol.js';
import { RecipeForm } from './recipe-form.js';
import { download, runFiles, savedRun } from './run-folder.js';
import { GameViewer } from './viewer.js';

type State = 'loading' | 'idle' | 'starting' | 'running' | 'pausing' | 'paused' | 'stopping' | 'finishing' | 'finished' | 'failed';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const charts = new Charts($('charts'));
const viewer = new GameViewer($('viewer'));
const form = new RecipeForm($('recipe-form'));

let state: State = 'loading';
let worker: Worker | null = null;
let model: ModelChoice = { kind: 'default' };
let backend: BackendChoice = 'wasm';
let lastStep = 0;
let totalSteps = 0;
let afterStop: 'pause' | 'finish' = 'pause';
const logLines: string[] = [];

function setState(s: State, note = ''): void {
  state = s;
  const el = $('state');
  el.textContent = s;
  el.dataset['state'] = s;
  const active = s === 'running';
  ($('pause') as HTMLButtonElement).disabled = !active;
  ($('resume') as HTMLButtonElement).disabled = s !== 'paused';
  ($('stop') as HTMLButtonElement).disabled = !(active || s === 'paused');
  ($('start') as HTMLButtonElement).disabled = !['idle', 'finished', 'failed', 'paused'].includes(s);
  $('progress').textContent = note || (totalSteps ? `step ${lastStep} of ${totalSteps}` : '');
  if (['paused', 'finished', 'failed'].includes(s)) void showDownloads();
}

function log(text: string): void {
  for (const line of text.split('\n').filter(Boolean)) {
    logLines.push(line);
    const m = /^eval (before|after): accuracy ([\d.]+)/.exec(line);
    if (m) charts.accuracy(m[1] === 'before' ? 0 : lastStep, Number(m[2]));
  }
  const pre = $('log');
  pre.textContent = logLines.slice(-300).join('\n');
  pre.scrollTop = pre.scrollHeight;
}

function fail(message: string): void {
  const e = $('error');
  e.hidden = false;
  e.textContent = message;
  setState('failed');
}

function onMessage(msg: FromWorker): void {
  switch (msg.type) {
    case 'backend':
      $('backend').textContent = `Running on ${msg.backend}: ${msg.reason}`;
      $('backend').dataset['backend'] = msg.backend;
      break;
    case 'log':
      log(msg.text);
      break;
    case 'step': {
      const r = msg.report;
      if (state === 'starting') setState('running');
      lastStep = r.step;
      charts.add([r]);
      viewer.add(r.samples);
      setState(state);
      break;
    }
    case 'done':
      if (msg.stopped && afterStop === 'finish') {
        // End the run at this step: the trainer's resume with steps = this step evaluates, exports and reports.
        setState('finishing', 'final evaluation and export…');
        post({ type: 'start', recipe: { steps: lastStep }, backend, model: resumeModel(), resume: true });
      } else setState(msg.stopped ? 'paused' : 'finished');
      break;
    case 'error':
      fail(msg.message);
      break;
  }
}

function post(msg: ToWorker): void {
  if (!worker) {
    worker = new Worker(new URL('worker.js', import.meta.url), { type: 'module' });
    worker.onmessage = (e: MessageEvent<FromWorker>) => onMessage(e.data);
    worker.onerror = (e) => fail(`the training worker failed: ${e.message}`);
  }
  worker.postMessage(msg);
}

/** The model of a resumed run: the default, or the picked files the worker kept in OPFS. */
function resumeModel(): ModelChoice {
  return model.kind === 'default' ? model : { kind: 'files', name: model.name, files: [] };
}

function start(): void {
  if (form.validate() > 0) {
    ($('options') as HTMLDetailsElement).open = true;
    fail('the recipe has errors (shown at their fields)');
    return;
  }
  $('error').hidden = true;
  const recipe = form.value();
  charts.clear();
  viewer.clear();
  logLines.length = 0;
  lastStep = 0;
  totalSteps = Number(recipe['steps'] ?? 20);
  afterStop = 'pause';
  $('saved').textContent = '';
  $('resume-saved').hidden = true;
  setState('starting', 'loading the model and the held-out evaluation…');
  post({ type: 'start', recipe, backend, model, resume: false });
}

function resume(): void {
  $('error').hidden = true;
  afterStop = 'pause';
  setState('starting', `resuming from the checkpoint of step ${lastStep}…`);
  post({ type: 'start', recipe: {}, backend, model: resumeModel(), resume: true });
}

let downloadsShown = 0;
async function showDownloads(): Promise<void> {
  const list = $('downloads');
  // Calls overlap (paused, then finished): only the newest listing may fill the list.
  const call = ++downloadsShown;
  const files = await runFiles().catch(() => []);
  if (call !== downloadsShown || !files.length) return;
  list.replaceChildren(
    ...files.map((f) => {
      const li = document.createElement('li');
      const a = document.createElement('a');
      a.textContent = f.path;
      a.dataset['path'] = f.path;
      a.addEventListener('click', () => void download(f.path).catch((e: unknown) => fail(String(e))));
      li.append(a, ` (${f.bytes < 2048 ? `${f.bytes} B` : `${(f.bytes / 1024).toFixed(0)} KB`})`);
      return li;
    }),
  );
}

function setModel(choice: ModelChoice | null): void {
  if (!choice) return;
  model = choice;
  $('model-choice').textContent = `Model: ${describe(choice)}`;
  ($('start') as HTMLButtonElement).textContent = choice.kind === 'default' ? 'Train the default model' : `Train ${choice.name}`;
}

async function setup(): Promise<void> {
  const { options, preferred } = await probeBackends();
  backend = preferred;
  const box = $('backends');
  for (const o of options) {
    const label = document.createElement('label');
    label.className = `backend-option${o.available ? '' : ' unavailable'}`;
    const input = document.createElement('input');
    input.type = 'radio';
    input.name = 'backend';
    input.value = o.name;
    input.disabled = !o.available;
    input.checked = o.name === preferred;
    input.addEventListener('change', () => (backend = o.name));
    label.append(input, ` ${o.name} — ${o.note}`);
    box.append(label);
  }
  setModel({ kind: 'default' });
  const recipe = (await (await fetch(new URL('recipes/default.json', location.href))).json()) as Record<string, unknown>;
  form.load(recipe);

  $('start').addEventListener('click', start);
  $('pause').addEventListener('click', () => {
    afterStop = 'pause';
    setState('pausing', 'pausing after this step (writing a checkpoint)…');
    post({ type: 'stop' });
  });
  $('resume').addEventListener('click', resume);
  $('resume-saved').addEventListener('click', resume);
  $('stop').addEventListener('click', () => {
    afterStop = 'finish';
    if (state === 'paused') onMessage({ type: 'done', stopped: true, steps: lastStep });
    else {
      setState('stopping', 'stopping after this step…');
      post({ type: 'stop' });
    }
  });
  $('use-default').addEventListener('click', () => setModel({ kind: 'default' }));
  for (const id of ['pick-folder', 'pick-files']) $(id).addEventListener('change', (e) => setModel(fromInput(e.target as HTMLInputElement)));
  const drop = $('drop');
  drop.addEventListener('dragover', (e) => {
    e.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    if (e.dataTransfer) void fromDrop(e.dataTransfer).then(setModel);
  });

  // A run left in OPFS by an earlier visit: show it, and offer to resume it when it did not end.
  const saved = await savedRun();
  if (saved) {
    const kept = saved.finished ? saved.lines : saved.lines.filter((l) => l.step <= saved.checkpointStep);
    const keptSteps = new Set(kept.map((l) => l.step));
    const samples = saved.samples.filter((s: SampleRow) => keptSteps.has(s.step));
    // metrics.jsonl keeps the run's seconds so far at each step: a step's time is the difference
    charts.add(
      kept.map((l, i): ChartPoint => ({
        step: l.step,
        metrics: l.metrics,
        ...(i > 0 ? { seconds: l.seconds - kept[i - 1].seconds } : {}),
        tokens: tokensOf(l.metrics, samples.filter((s) => s.step === l.step)),
      })),
    );
    viewer.add(samples);
    if (saved.evalBefore !== undefined) charts.accuracy(0, saved.evalBefore);
    lastStep = saved.finished ? (kept[kept.length - 1]?.step ?? 0) : saved.checkpointStep;
    totalSteps = Number(saved.config['steps'] ?? 0);
    if (saved.summary?.eval) charts.accuracy(lastStep, saved.summary.eval.after);
    const name = String(saved.config['model'] ?? 'default');
    const ran = String(saved.config['backend'] ?? '');
    const radio = document.querySelector<HTMLInputElement>(`input[name=backend][value="${ran}"]`);
    if (radio && !radio.disabled) {
      radio.checked = true;
      backend = ran as BackendChoice;
    }
    model = name === 'default' ? { kind: 'default' } : { kind: 'files', name, files: [] };
    if (saved.finished) {
      $('saved').textContent = `The last run (${name}, ${lastStep} steps) finished; its files are below.`;
      setState('finished');
    } else {
      $('saved').textContent = `A run of ${name} was left at step ${saved.checkpointStep} of ${totalSteps}.`;
      $('resume-saved').hidden = false;
      setState('paused');
    }
  } else setState('idle');
}

/** Read-only hooks for tests and the console. */
Object.assign(globalThis, {
  agonPlayground: { state: () => state, step: () => lastStep, chartCounts: () => charts.counts(), log: () => [...logLines] },
});

setup().catch((e: unknown) => fail(e instanceof Error ? e.message : String(e)));
