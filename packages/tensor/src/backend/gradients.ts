import { registerSoftmaxGradient } from '../kernels/softmax/grad.js';

let loaded: Promise<void> | undefined;

/**
 * Registers tfjs's gradient functions (Sum, BatchMatMul, Softmax, …), once per process, then
 * agon's gradient of Softmax in place of tfjs' (one kernel on cpu and wasm, tfjs' formula elsewhere).
 *
 * `@tensorflow/tfjs-core`'s Node bundle ships no gradients, and its `register_all_gradients`
 * module is extension-less ESM that Node cannot load; the `@tensorflow/tfjs` Node bundle carries
 * the same gradient configs compiled against the core bundle, so in Node that is what is imported.
 * Browser bundlers load core's own module. {@link initBackend} calls this; call it yourself only
 * when you set a backend without `initBackend`.
 *
 * @example
 * ```ts
 * import { registerGradients } from '@agon/tensor';
 * await registerGradients();
 * const g = tf.grad((x) => x.square().sum())(tf.tensor1d([1, 2])); // [2, 4]
 * ```
 */
export function registerGradients(): Promise<void> {
  loaded ??= (isNode()
    ? import('@tensorflow/tfjs').then(() => undefined)
    : import('@tensorflow/tfjs-core/dist/register_all_gradients.js').then(() => undefined)
  )
    // agon's own gradient for Softmax (one kernel on cpu and wasm) replaces tfjs' once it is loaded.
    .then(() => registerSoftmaxGradient())
    .catch((err: unknown) => {
    loaded = undefined;
    throw new Error(`registerGradients: could not load tfjs gradients (${String(err)}); is @tensorflow/tfjs 4.22.0 installed?`);
  });
  return loaded;
}

/**
 * True under Node (not a browser or a worker that only looks like one).
 *
 * @example
 * ```ts
 * const where = isNode() ? 'node' : 'browser';
 * ```
 */
export function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof p?.versions?.node === 'string';
}
