// The package's own import graph has one-way arrows: no module of src/ reaches itself through its
// relative imports (type-only imports and re-exports count), and the config types and the
// JSON-field reader sit at the bottom (types.ts imports nothing from the package, fields.ts only
// types.ts). Imports are read with TypeScript's own pre-processor, not a regular expression.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../src');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? sources(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

/** Module (path relative to src) → the modules of src it imports. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sources(SRC)) {
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    const deps = importedFiles
      .map((f) => f.fileName)
      .filter((spec) => spec.startsWith('.'))
      .map((spec) => relative(SRC, resolve(dirname(file), spec.replace(/\.js$/, '.ts'))));
    graph.set(relative(SRC, file), deps);
  }
  return graph;
}

/** Every cycle found by a depth-first search, each as the path that closes it (a → … → a). */
function findCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const visit = (n: string): void => {
    state.set(n, 'open');
    stack.push(n);
    for (const m of graph.get(n) ?? []) {
      if (state.get(m) === 'open') cycles.push([...stack.slice(stack.indexOf(m)), m]);
      else if (!state.has(m)) visit(m);
    }
    stack.pop();
    state.set(n, 'done');
  };
  for (const n of [...graph.keys()].sort()) if (!state.has(n)) visit(n);
  return cycles;
}

describe('models import graph', () => {
  const graph = importGraph();

  it('reads every module and resolves every relative import to a module of src', () => {
    expect(graph.size).toBeGreaterThan(40);
    for (const [from, deps] of graph) for (const d of deps) if (!graph.has(d)) throw new Error(`${from} imports ${d}, which is not a module of src`);
  });

  it('finds a cycle when there is one (the check can fail)', () => {
    const cyclic = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts']],
      ['c.ts', ['a.ts']],
      ['d.ts', ['a.ts']],
    ]);
    expect(findCycles(cyclic)).toEqual([['a.ts', 'b.ts', 'c.ts', 'a.ts']]);
  });

  it('has no cycle', () => {
    expect(findCycles(graph).map((c) => c.join(' → '))).toEqual([]);
  });

  it('the config types and the field reader are at the bottom', () => {
    expect(graph.get(join('config', 'types.ts'))).toEqual([]);
    expect(graph.get(join('config', 'fields.ts'))).toEqual([join('config', 'types.ts')]);
  });
});
