// The program tools/gpu-bench.sh bundles (esbuild, one ESM file) and runs with the Node it carries:
// agon webgpu against torch_ref.py on the same shapes (see runGpuBench), one table on stdout, the
// report as gpu-bench.json in --out. Exit code 1 when any row is missing a number.
import { parseArgs } from 'node:util';
import { formatGpuBench, runGpuBench, writeGpuBenchJson } from '@agon/cli';

const { values } = parseArgs({
  options: {
    tiny: { type: 'boolean' },
    root: { type: 'string' },
    out: { type: 'string' },
    python: { type: 'string' },
    device: { type: 'string' },
    'no-torch': { type: 'boolean' },
    only: { type: 'string' },
  },
});
if (values.only !== undefined && values.only !== 'decode' && values.only !== 'train') {
  throw new Error(`gpu-bench: --only must be decode or train, got '${values.only}'`);
}
const report = await runGpuBench({
  root: values.root ?? process.cwd(),
  tiny: values.tiny === true,
  device: values.device ?? (values.tiny ? 'cpu' : 'cuda'),
  python: values.python,
  torch: values['no-torch'] !== true,
  only: values.only,
  progress: (line) => process.stderr.write(`${line}\n`),
});
for (const line of formatGpuBench(report)) process.stdout.write(`${line}\n`);
process.stdout.write(`report: ${writeGpuBenchJson(report, values.out ?? '.')}\n`);
const torchOn = values['no-torch'] !== true;
process.exitCode = report.rows.every((r) => r.agon && (!torchOn || r.torch)) ? 0 : 1;
