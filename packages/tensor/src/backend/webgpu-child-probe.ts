/**
 * Node only: asks a short-lived child process whether Dawn (the npm `webgpu` package) finds a
 * WebGPU adapter. Dawn and the Vulkan loader print their start-up complaints (missing drivers,
 * XDG_RUNTIME_DIR, unsupported features) straight to file descriptor 2, which JavaScript cannot
 * redirect in-process; in the child they land in a pipe that is read and dropped. Costs one Node
 * start plus Dawn's adapter request (about 0.15 s without a GPU, 0.3 s on SwiftShader).
 */
import { importNodeBuiltin } from '../node-builtin.js';

/** What the child saw: the adapter's info, or why there is none. */
export type ChildAdapterReport =
  | { found: true; vendor: string; architecture: string; device: string; description: string; fallback: boolean }
  | { found: false; reason?: string };

// Runs in the child: loads Dawn, requests an adapter, prints one JSON line on stdout and exits.
const CHILD = `
const m = await import(process.argv[1]);
const gpu = m.create([]);
const a = await gpu.requestAdapter({ powerPreference: 'high-performance' });
const i = a ? (a.info ?? (a.requestAdapterInfo ? await a.requestAdapterInfo() : {})) : {};
process.stdout.write(JSON.stringify(a
  ? { found: true, vendor: i.vendor ?? '', architecture: i.architecture ?? '', device: i.device ?? '', description: i.description ?? '', fallback: !!(a.isFallbackAdapter ?? i.isFallbackAdapter) }
  : { found: false }) + '\\n', () => process.exit(0));
`;

/** The last line of `text` that is not blank, for a one-line failure reason. */
function lastLine(text: string): string {
  return text.split('\n').map((l) => l.trim()).filter(Boolean).pop() ?? '';
}

/**
 * Runs the adapter request in a child process with its stderr captured. `timeoutMs` bounds a
 * driver that hangs.
 *
 * @example
 * ```ts
 * const r = await adapterFromChild();
 * if (!r.found) console.log(r.reason);
 * ```
 */
export async function adapterFromChild(timeoutMs = 30_000): Promise<ChildAdapterReport> {
  const [{ execFile }, { createRequire }, { pathToFileURL }] = await Promise.all([
    importNodeBuiltin<typeof import('node:child_process')>('node:child_process'),
    importNodeBuiltin<typeof import('node:module')>('node:module'),
    importNodeBuiltin<typeof import('node:url')>('node:url'),
  ]);
  let url: string;
  try {
    url = pathToFileURL(createRequire(import.meta.url).resolve('webgpu')).href;
  } catch (err) {
    return { found: false, reason: `the optional 'webgpu' package (Dawn for Node) is not installed (${String(err)})` };
  }
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--input-type=module', '-e', CHILD, url],
      { timeout: timeoutMs, windowsHide: true, maxBuffer: 1 << 20 },
      (err, stdout, stderr) => {
        // Dawn may crash while tearing down after the answer was written: the answer counts.
        const line = stdout.split('\n').find((l) => l.startsWith('{'));
        if (line) {
          try {
            resolve(JSON.parse(line) as ChildAdapterReport);
            return;
          } catch {
            // fall through to the failure report
          }
        }
        const why = err?.killed ? `timed out after ${timeoutMs} ms` : `exited with ${err?.code ?? 'no answer'}`;
        const detail = lastLine(stderr);
        resolve({ found: false, reason: `the WebGPU probe ${why}${detail ? ` (${detail})` : ''}` });
      },
    );
  });
}
