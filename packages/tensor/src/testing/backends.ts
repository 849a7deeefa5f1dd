import { existsSync } from 'node:fs';
import { initBackend, registerBuiltinProviders, releaseBackend } from '../backend/init.js';
import { backendProviders, getBackendProvider } from '../backend/provider.js';

/**
 * Debian's chromium ships this SwiftShader Vulkan ICD; Dawn accepts it (it rejects lavapipe).
 *
 * @example
 * ```ts
 * import { SWIFTSHADER_ICD } from '@agon/tensor/testing';
 * process.env.VK_ICD_FILENAMES ??= SWIFTSHADER_ICD; // in a jest config, before workers start
 * ```
 */
export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

/**
 * Points the Vulkan loader at SwiftShader when `VK_ICD_FILENAMES` is unset and the ICD file
 * exists, so WebGPU tests run on machines without a GPU. Test-only on purpose: production code
 * never picks a software GPU behind the user's back. Must run before the first WebGPU adapter is
 * requested (the loader reads the variable once); jest workers inherit it from the parent, so a
 * jest config can call it too. Returns the value in force.
 *
 * @example
 * ```ts
 * import { useSoftwareVulkanIfUnset } from '@agon/tensor/testing';
 * useSoftwareVulkanIfUnset(); // '/usr/lib/chromium/vk_swiftshader_icd.json' on a GPU-less Debian box
 * ```
 */
export function useSoftwareVulkanIfUnset(): string | undefined {
  if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  return process.env.VK_ICD_FILENAMES;
}

function listEnv(name: string): string[] | undefined {
  const v = process.env[name];
  return v ? v.split(',').map((s) => s.trim()).filter(Boolean) : undefined;
}

/**
 * Backends the conformance suites run on: cpu, wasm, webgpu, plus every provider registered by
 * another package (webgl only in a browser). `AGON_BACKENDS=cpu,wasm` narrows the list.
 *
 * @example
 * ```ts
 * import { backendsUnderTest } from '@agon/tensor/testing';
 * backendsUnderTest(); // ['cpu', 'wasm', 'webgpu'] (+ 'gpujs' once that package registered it)
 * ```
 */
export function backendsUnderTest(): string[] {
  registerBuiltinProviders();
  const names = ['cpu', 'wasm', 'webgpu'];
  for (const p of backendProviders()) if (!names.includes(p.name) && p.name !== 'webgl') names.push(p.name);
  const only = listEnv('AGON_BACKENDS');
  return only ? names.filter((n) => only.includes(n)) : names;
}

/**
 * Backends whose failure to start fails the suite instead of skipping it: the list in
 * `AGON_REQUIRE_BACKENDS` (comma-separated), else every backend under test when `CI` is set,
 * else none (a laptop without a GPU skips webgpu with a printed reason).
 *
 * @example
 * ```ts
 * import { requiredBackends } from '@agon/tensor/testing';
 * process.env.AGON_REQUIRE_BACKENDS = 'cpu,wasm';
 * requiredBackends(); // ['cpu', 'wasm']
 * ```
 */
export function requiredBackends(): string[] {
  const listed = listEnv('AGON_REQUIRE_BACKENDS');
  if (listed) return listed;
  return process.env.CI ? backendsUnderTest() : [];
}

/** Whether each backend started, and why not; probed once per test file. */
const probes = new Map<string, Promise<true | string>>();

/**
 * Starts `name` once (SwiftShader allowed for webgpu) and reports `true` or why it cannot start.
 *
 * @example
 * ```ts
 * import { probeBackend } from '@agon/tensor/testing';
 * const ok = await probeBackend('webgpu'); // true, or 'no WebGPU adapter was found; …'
 * ```
 */
export function probeBackend(name: string): Promise<true | string> {
  let p = probes.get(name);
  if (!p) {
    useSoftwareVulkanIfUnset();
    p = initBackend({ backend: name, allowSoftwareGpu: true }).then(
      () => true as const,
      (err: unknown) => (err instanceof Error ? err.message : String(err)),
    );
    probes.set(name, p);
  }
  return p;
}

interface JestLike {
  describe: ((name: string, fn: () => void) => void) & { skip(name: string, fn: () => void): void };
  it: (name: string, fn: () => unknown) => void;
  beforeAll: (fn: () => unknown, timeout?: number) => void;
  afterAll: (fn: () => unknown, timeout?: number) => void;
}

/**
 * Declares `body` once per backend under test, as `describe('<title> [<backend>]')`, with that
 * backend selected before its tests and (for GPU backends) released after them. A backend that
 * cannot start is skipped with a printed reason, or fails the file when it is required (see
 * {@link requiredBackends}). Use with top-level await in an ESM test file.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { describeEachBackend, expectNoLeaks } from '@agon/tensor/testing';
 * await describeEachBackend('matMul', (backend) => {
 *   it('multiplies', () => expectNoLeaks(async () => {
 *     const y = tf.matMul(tf.eye(2), tf.eye(2));
 *     expect(Array.from(await y.data())).toEqual([1, 0, 0, 1]);
 *     y.dispose();
 *   }));
 * });
 * ```
 */
export async function describeEachBackend(title: string, body: (backend: string) => void): Promise<void> {
  const g = globalThis as unknown as JestLike;
  const required = requiredBackends();
  for (const name of backendsUnderTest()) {
    const ok = await probeBackend(name);
    const label = `${title} [${name}]`;
    if (ok !== true) {
      if (required.includes(name)) {
        g.describe(label, () => {
          g.it('starts the backend (required by CI / AGON_REQUIRE_BACKENDS)', () => {
            throw new Error(`backend '${name}' is required but could not start: ${ok}`);
          });
        });
      } else {
        console.warn(`skipping "${label}": ${ok}`);
        g.describe.skip(label, () => body(name));
      }
      continue;
    }
    g.describe(label, () => {
      g.beforeAll(async () => {
        await initBackend({ backend: name, allowSoftwareGpu: true });
      });
      body(name);
      // Declared after the body: jest runs afterAll hooks in declaration order, and the body's own
      // afterAll (disposing a model, counting tensors) needs the backend still selected.
      if (getBackendProvider(name)?.release) {
        g.afterAll(async () => {
          await releaseBackend(name);
          probes.delete(name);
        });
      }
    });
  }
}
