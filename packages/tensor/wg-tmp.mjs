import { create, globals } from 'webgpu';
Object.assign(globalThis, globals);
const gpu = create([]);
globalThis.navigator ??= {};
globalThis.navigator.gpu = gpu;
const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
console.log('adapter', adapter?.info?.description, adapter?.info?.isFallbackAdapter);
if (adapter && process.argv[2] === 'device') { const d = await adapter.requestDevice(); console.log('device ok'); }
console.log('end of script');
