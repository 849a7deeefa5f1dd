import type { BackendProvider } from './provider.js';

/** WebGL 2 through `@tensorflow/tfjs-backend-webgl`: browsers only. */
export const webglProvider: BackendProvider = {
  name: 'webgl',
  autoPriority: 20,
  async isAvailable(ctx) {
    if (ctx.isNode) return 'WebGL needs a browser (no WebGL context in Node)';
    const doc = (globalThis as { document?: { createElement(t: string): { getContext(k: string): unknown } } }).document;
    const Off = (globalThis as { OffscreenCanvas?: new (w: number, h: number) => { getContext(k: string): unknown } })
      .OffscreenCanvas;
    const canvas = Off ? new Off(1, 1) : doc?.createElement('canvas');
    return canvas?.getContext('webgl2') ? true : 'no WebGL 2 context could be created';
  },
  async init() {
    await import('@tensorflow/tfjs-backend-webgl');
    return {};
  },
};
