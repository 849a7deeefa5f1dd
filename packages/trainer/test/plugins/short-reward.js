// A reward of its own for the plug-in tests: shorter answers score higher, 1 / (1 + length).
export function createReward(options = {}) {
  const scale = options.scale ?? 1;
  return async (batch) => batch.map((x) => scale / (1 + x.answer.length));
}
