export { evaluate, heldOutSet } from './evaluate.js';
export type { EvalOptions, EvalResult, EvalRow } from './evaluate.js';
