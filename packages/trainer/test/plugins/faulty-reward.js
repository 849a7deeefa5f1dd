// A broken plug-in for the error tests: `fault` picks how its RewardFn breaks the contract.
export function createReward({ fault }) {
  if (fault === 'short') return async (batch) => batch.slice(1).map(() => 1);
  if (fault === 'text') return async (batch) => batch.map(() => '1');
  return async (batch) => batch.map(() => undefined);
}
