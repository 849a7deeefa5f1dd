/**
 * Learning rate of optimizer step `step` (0-based): linear warm-up to `lr`, then constant or a
 * cosine decay to `lr·minLrRatio` at the last step.
 *
 * @example
 * ```ts
 * learningRate(0, { lr: 1e-3, warmupSteps: 10, schedule: 'cosine', minLrRatio: 0.1 }, 100); // 1e-4
 * ```
 */
export function learningRate(
  step: number,
  o: { lr: number; warmupSteps: number; schedule: 'cosine' | 'constant'; minLrRatio: number },
  totalSteps: number,
): number {
  if (step < o.warmupSteps) return (o.lr * (step + 1)) / o.warmupSteps;
  if (o.schedule === 'constant') return o.lr;
  const span = Math.max(1, totalSteps - o.warmupSteps - 1);
  const progress = Math.min(1, (step - o.warmupSteps) / span);
  const floor = o.lr * o.minLrRatio;
  return floor + (o.lr - floor) * 0.5 * (1 + Math.cos(Math.PI * progress));
}
