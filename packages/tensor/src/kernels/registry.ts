/**
 * What every agon kernel family repeats around its math: reading a named input of a kernel call
 * and registering a kernel on its backends once.
 */
import * as tf from '@tensorflow/tfjs-core';

/** The arguments tfjs passes a kernel function (attrs absent for kernels without any). */
export type KernelArgs = { inputs: tf.NamedTensorInfoMap; attrs?: tf.NamedAttrMap; backend: unknown };

/** A kernel function as agon writes it: one output or several. */
export type KernelFn = (args: KernelArgs) => tf.TensorInfo | tf.TensorInfo[];

/**
 * Input `name` of a call of `kernel`; throws "`kernel`: missing input 'name'" when it is absent.
 *
 * @example
 * ```ts
 * const x = kernelInput(inputs, 'x', 'AgonGelu'); // tf.TensorInfo
 * ```
 */
export function kernelInput(inputs: tf.NamedTensorInfoMap, name: string, kernel: string): tf.TensorInfo {
  const t = (inputs as Record<string, tf.TensorInfo | undefined>)[name];
  if (!t) throw new Error(`${kernel}: missing input '${name}'`);
  return t;
}

/**
 * Registers `kernelName` on each of `backends` where no kernel of that name is registered yet
 * (idempotent; a backend not loaded yet is fine: tfjs keys kernels by name). `funcs` is one
 * function for all of them or one per backend.
 *
 * @example
 * ```ts
 * registerOnce('AgonGelu', ['cpu', 'wasm'] as const, { cpu: geluCpu, wasm: geluWasm });
 * registerOnce('AgonRmsNorm', ['cpu', 'wasm'] as const, rmsNormKernel);
 * tf.getKernel('AgonGelu', 'wasm'); // defined
 * ```
 */
export function registerOnce<B extends string>(
  kernelName: string,
  backends: readonly B[],
  funcs: KernelFn | Readonly<Record<NoInfer<B>, KernelFn>>,
): void {
  for (const backendName of backends) {
    if (tf.getKernel(kernelName, backendName)) continue;
    const kernelFunc = typeof funcs === 'function' ? funcs : funcs[backendName];
    tf.registerKernel({ kernelName, backendName, kernelFunc: kernelFunc as unknown as tf.KernelFunc });
  }
}

/** The kernel each {@link replaceKernel} call replaced, by `backend/name`. */
const replaced = new Map<string, tf.KernelConfig | undefined>();

/**
 * Puts `kernelFunc` in place of whatever kernel is registered as `kernelName` on `backendName`
 * (idempotent) and returns the kernel it replaced, for the cases agon's kernel hands back to it
 * (undefined when none was registered). The replaced kernel's `setupFunc` and `disposeFunc` are
 * kept: tfjs-backend-wasm binds its C functions in them when the backend starts, so a handed-back
 * call works whether the backend started before this call or after it.
 *
 * @example
 * ```ts
 * const tfjsSlice = replaceKernel(tf.Slice, 'wasm', sliceWasm);
 * tfjsSlice?.kernelFunc(args); // tfjs' own Slice, for a case sliceWasm does not handle
 * ```
 */
export function replaceKernel(kernelName: string, backendName: string, kernelFunc: KernelFn): tf.KernelConfig | undefined {
  const key = `${backendName}/${kernelName}`;
  const mine = kernelFunc as unknown as tf.KernelFunc;
  const cur = tf.getKernel(kernelName, backendName);
  if (cur?.kernelFunc === mine) return replaced.get(key);
  if (cur) tf.unregisterKernel(kernelName, backendName);
  replaced.set(key, cur);
  tf.registerKernel({ kernelName, backendName, kernelFunc: mine, setupFunc: cur?.setupFunc, disposeFunc: cur?.disposeFunc });
  return cur;
}
