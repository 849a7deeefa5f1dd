// One kernel thread of agon's wasm kernels, started by src/kernels/wasm/threads.ts as a Node
// worker_threads worker or a browser module Web Worker (this very file in both: plain JavaScript,
// no imports). Its first message carries agon-kernels-threads.wasm compiled, the pool's shared
// WebAssembly.Memory and where its words are; it instantiates the module over that memory and
// then serves jobs: woken by Atomics.notify on the generation word, it runs the kernel calls
// written for it (rows of float64: the function's index in `fns`, then its arguments) if the caller claimed it for this job, marks itself
// idle and counts the pending word down, notifying the caller when it was the last. A thread idle
// for `idleMs` leaves (state 1 → 0 by compare-exchange, so a thread the caller claimed first
// stays); the caller does the share of a thread that is gone itself and starts a new one.
const GONE = 0;
const IDLE = 1;
const CLAIMED = 2;

const inNode = typeof process === 'object' && typeof process.versions?.node === 'string';
const port = inNode ? (await import('node:worker_threads')).parentPort : globalThis;

function post(message) {
  port.postMessage(message);
}

function leave() {
  if (inNode) port.close();
  else globalThis.close();
}

function serve({ module, memory, fns, width, gen, pending, failed, state, ptr, count, stackTop, idleMs }) {
  const { exports } = new WebAssembly.Instance(module, { env: { memory } });
  exports.__stack_pointer.value = stackTop;
  const table = fns.map((name) => exports[name]);
  const words = new Int32Array(memory.buffer, 0, Math.max(gen, pending, failed, state, ptr, count) + 1);
  let seen = Atomics.load(words, gen);
  Atomics.store(words, state, IDLE);
  post({ type: 'ready' });
  for (;;) {
    if (Atomics.wait(words, gen, seen, idleMs) === 'timed-out') {
      if (Atomics.compareExchange(words, state, IDLE, GONE) === IDLE) return;
      continue;
    }
    seen = Atomics.load(words, gen);
    if (Atomics.load(words, state) !== CLAIMED) continue;
    try {
      // memory.buffer is read again per job: the caller may have grown the memory since.
      const rows = new Float64Array(memory.buffer, Atomics.load(words, ptr), Atomics.load(words, count) * width);
      for (let r = 0; r < rows.length; r += width) table[rows[r]](...rows.subarray(r + 1, r + width));
    } catch {
      Atomics.store(words, failed, state);
    }
    Atomics.store(words, state, IDLE);
    if (Atomics.sub(words, pending, 1) === 1) Atomics.notify(words, pending);
  }
}

function start(init) {
  try {
    serve(init);
  } catch (err) {
    post({ type: 'error', message: err instanceof Error ? err.message : String(err) });
  }
  leave();
}

if (inNode) port.once('message', start);
else globalThis.onmessage = (e) => start(e.data);
