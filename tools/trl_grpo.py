"""The GRPO loss as TRL computes it, on fixed log-probs: the golden of packages/objectives/test/trl-grpo.test.ts.

Run:  /opt/torch2/bin/python tools/trl_grpo.py [--out FILE]     (trl 1.13, torch 2.13; see .ci/run)
      Default FILE: packages/objectives/test/golden/trl-grpo.json; `--out -` prints it.

For each case it draws rewards for N groups of G answers and per-token log-probs (policy, old,
reference) with a padding mask, all seeded, then asks TRL for:
- the advantages, by the lines of GRPOTrainer._generate_and_score_completions that make them
  (group mean, TRL's own `nanstd` of the group, (r − mean) / (std + 1e-4) with scale_rewards="group");
- the loss, by calling GRPOTrainer._compute_loss itself on a stand-in trainer whose
  `_get_per_token_logps_and_entropies` returns the policy log-probs (a float64 leaf), so TRL's own
  ratio, two-sided clip, k3 KL (β > 0) and aggregation code runs; its gradient by backward().
Cases: loss_type "dapo" (TRL 1.13's default; normaliser = active tokens of the batch, i.e. a token
mean) off-policy with β = 0.04 and asymmetric clipping, and "bnpo" (token mean) on-policy (old
log-probs absent, TRL uses the detached policy ones) with β = 0.
"""
import json
import os
import sys
from collections import defaultdict
from types import SimpleNamespace

import torch
import trl
from trl.trainer.grpo_trainer import GRPOTrainer
from trl.trainer.utils import nanstd

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "packages", "objectives", "test", "golden", "trl-grpo.json")


def trl_advantages(rewards, num_generations):
    """GRPOTrainer's advantages with scale_rewards="group" (its lines, on a flat reward vector)."""
    mean_grouped_rewards = torch.nanmean(rewards.view(-1, num_generations), dim=1)
    mean_grouped_rewards = mean_grouped_rewards.repeat_interleave(num_generations, dim=0)
    std_rewards = nanstd(rewards.view(-1, num_generations), dim=1)
    std_rewards = std_rewards.repeat_interleave(num_generations, dim=0)
    return (rewards - mean_grouped_rewards) / (std_rewards + 1e-4)


class _Accelerator:
    num_processes = 1
    sync_gradients = True

    def reduce(self, t, reduction="sum"):
        return t

    def gather(self, t):
        return t

    gather_for_metrics = gather


def trl_loss(logprobs, old, ref, mask, advantages, loss_type, beta, eps_low, eps_high):
    """GRPOTrainer._compute_loss on a stand-in trainer; returns (loss, d loss / d logprobs)."""
    lp = logprobs.clone().requires_grad_(True)
    b, t = lp.shape
    stub = SimpleNamespace(
        top_entropy_quantile=1.0, off_policy_mask_threshold=None, importance_sampling_level="token", beta=beta,
        loss_type=loss_type, epsilon_low=eps_low, epsilon_high=eps_high, use_vllm=False,
        vllm_importance_sampling_correction=False, current_gradient_accumulation_steps=1, aux_loss_enabled=False,
        _entropy_bonus_enabled=False, _metrics={"train": defaultdict(list), "eval": defaultdict(list)},
        accelerator=_Accelerator(), model=SimpleNamespace(training=True),
        args=SimpleNamespace(use_bias_correction_kl=False, delta=None, steps_per_generation=1),
        _get_per_token_logps_and_entropies=lambda *a, **k: (lp, torch.zeros_like(lp), None),
    )
    inputs = {"prompt_ids": torch.zeros(b, 1, dtype=torch.long), "prompt_mask": torch.ones(b, 1, dtype=torch.long),
              "completion_ids": torch.zeros(b, t, dtype=torch.long), "completion_mask": mask,
              "advantages": advantages, "num_items_in_batch": mask.sum()}
    if old is not None:
        inputs["old_per_token_logps"] = old
    if beta != 0.0:
        inputs["ref_per_token_logps"] = ref
    loss = GRPOTrainer._compute_loss(stub, None, inputs)
    loss.backward()
    return loss.item(), lp.grad


def case(seed, n, g, t, loss_type, beta, eps_low, eps_high, off_policy):
    gen = torch.Generator().manual_seed(seed)
    rewards = torch.randint(0, 3, (n * g,), generator=gen).to(torch.float64) / 2
    rewards[:g] = torch.tensor([0.0, 1.0, 1.0] + [0.5] * (g - 3), dtype=torch.float64)[:g]  # one group surely not constant
    lengths = torch.randint(1, t + 1, (n * g,), generator=gen)
    mask = (torch.arange(t).unsqueeze(0) < lengths.unsqueeze(1)).to(torch.long)
    logprobs = -torch.rand(n * g, t, generator=gen, dtype=torch.float64) * 3 - 0.05
    old = logprobs + 0.3 * torch.randn(n * g, t, generator=gen, dtype=torch.float64) if off_policy else None
    ref = logprobs + 0.2 * torch.randn(n * g, t, generator=gen, dtype=torch.float64)
    advantages = trl_advantages(rewards, g)
    loss, grad = trl_loss(logprobs, old, ref, mask, advantages, loss_type, beta, eps_low, eps_high)
    return {
        "loss_type": loss_type, "beta": beta, "epsilon_low": eps_low, "epsilon_high": eps_high, "num_generations": g,
        "rewards": rewards.view(n, g).tolist(), "mask": mask.tolist(), "logprobs": logprobs.tolist(),
        "old_logprobs": None if old is None else old.tolist(), "ref_logprobs": ref.tolist(),
        "advantages": advantages.tolist(), "loss": loss, "grad": grad.tolist(),
    }


def main():
    out = sys.argv[sys.argv.index("--out") + 1] if "--out" in sys.argv else OUT
    golden = {
        "trl": trl.__version__, "torch": torch.__version__.split("+")[0],
        "cases": [case(1, 2, 4, 6, "dapo", 0.04, 0.2, 0.28, True), case(2, 3, 3, 5, "bnpo", 0.0, 0.2, 0.2, False)],
    }
    text = json.dumps(golden, separators=(",", ":")) + "\n"
    if out == "-":
        sys.stdout.write(text)
    else:
        with open(out, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
