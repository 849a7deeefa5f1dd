"""What transformers and peft compute for a Hugging Face folder: the reference side of agon's interop checks.

Used by tools/hf_fixtures.py (to write expected values) and by the interop tests (tools/test/hf-*.test.ts),
which run it with the venv that .ci/run makes (/opt/torch2/bin/python). One JSON request on stdin,
one JSON answer on stdout; a list of requests gets a list of answers (one Python start-up for
several checks):

  {"op": "logprobs", "model": DIR, "ids": [[...]], "adapter": DIR?}
      → {"logprobs": [[...]] (log p(ids[t+1] | ids[..t]) in float64), "warnings": [...]}
      Loading warnings (peft's missing/unexpected adapter keys, transformers' unused weights) are
      returned, not printed, so a test can require none.

tokenizer_ids and chat_ids give what transformers' tokenizer makes of texts and conversations (the
fixture script writes them into expected.json).
"""
import json
import logging
import sys
import warnings

import torch


def load_causal(model_dir, adapter=None):
    """The model in float64 (the stored values widened exactly), with a peft adapter if given."""
    from transformers import AutoModelForCausalLM
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float64)
    if adapter is not None:
        from peft import PeftModel
        model = PeftModel.from_pretrained(model, adapter)
        model = model.to(torch.float64)
    return model.eval()


def logits_of(model_dir, ids, adapter=None):
    """Logits [B, T, V] (float64) of transformers' own forward on the saved folder."""
    model = load_causal(model_dir, adapter)
    with torch.no_grad():
        return model(torch.tensor(ids)).logits


def logprobs_of(model_dir, ids, adapter=None):
    logits = logits_of(model_dir, ids, adapter)
    lp = torch.log_softmax(logits[:, :-1], dim=-1)
    target = torch.tensor(ids)[:, 1:]
    return lp.gather(-1, target.unsqueeze(-1)).squeeze(-1)


def tokenizer_ids(model_dir, texts):
    from transformers import AutoTokenizer
    tok = AutoTokenizer.from_pretrained(model_dir)
    out = []
    for t in texts:
        ids = tok(t, add_special_tokens=False)["input_ids"]
        out.append({"text": t, "ids": ids, "default": tok(t)["input_ids"], "decoded": tok.decode(ids, skip_special_tokens=True)})
    return out


def chat_ids(model_dir, conversations):
    from transformers import AutoTokenizer
    tok = AutoTokenizer.from_pretrained(model_dir)
    out = []
    for messages in conversations:
        text = tok.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        out.append({"text": text, "ids": tok(text, add_special_tokens=False)["input_ids"]})
    return out


class _Collect(logging.Handler):
    def __init__(self, sink):
        super().__init__(logging.WARNING)
        self.sink = sink

    def emit(self, record):
        self.sink.append(record.getMessage())


def answer(req):
    caught = []
    handler = _Collect(caught)
    for name in ("transformers", "peft"):
        logging.getLogger(name).addHandler(handler)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        if req["op"] == "logprobs":
            out = {"logprobs": logprobs_of(req["model"], req["ids"], req.get("adapter")).tolist()}
        else:
            raise SystemExit(f"hf_check.py: unknown op {req['op']!r} (expected logprobs)")
    caught += [str(x.message) for x in w]
    for name in ("transformers", "peft"):
        logging.getLogger(name).removeHandler(handler)
    out["warnings"] = caught
    return out


def main():
    req = json.load(sys.stdin)
    json.dump([answer(r) for r in req] if isinstance(req, list) else answer(req), sys.stdout)


if __name__ == "__main__":
    main()
