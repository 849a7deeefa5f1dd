/**
 * `@agon/cli`: the `agon` command line, also callable as a function.
 * @packageDocumentation
 */
export { main } from './main.js';
export { processIO, UsageError, firstLine } from './io.js';
export { runGenerate, GENERATE_HELP } from './commands/generate.js';
export { runTrain, TRAIN_HELP } from './commands/train.js';
export { runEval, EVAL_HELP } from './commands/eval.js';
export { runWorkerCommand, WORKER_HELP } from './commands/worker.js';
export type { CliIO } from './io.js';
export { runGpuBench, formatGpuBench, writeGpuBenchJson, gpuBenchRows } from './bench/gpu.js';
export type { GpuBenchOptions, GpuBenchReport, GpuBenchRow } from './bench/gpu.js';
