"""Re-makes the committed Hugging Face fixtures of @agon/models with transformers and peft themselves.

Run:  /opt/torch2/bin/python tools/hf_fixtures.py [--out DIR]    (torch 2.13, transformers 5.18, peft 0.21; see .ci/run)
      Without --out it rewrites packages/models/test/fixtures/; CI writes to a temporary folder and
      checks that the committed fixtures are what transformers and peft give today.

Every model folder is a tiny random model saved by `save_pretrained` (config.json as transformers 5
writes it, safetensors F32/BF16/F16, sharded where asked), with a tokenizer built by the transformers
tokenizer class of its family (LlamaTokenizer: SentencePiece-style Metaspace with BOS; Qwen2Tokenizer:
byte-level with ChatML, no BOS; GPT2Tokenizer: byte-level) and saved by `save_pretrained` too.
expected.json holds what transformers computes from the saved folder, loaded back in float64
(`from_pretrained(dtype=torch.float64)`, so the maths sees the stored rounding and nothing else):
the logits for fixed ids, the token ids of a few texts (without special tokens, and as `tokenizer(text)`
adds them), chat-template renderings with their ids, and for the reward heads the label logits.
Adapters (lora-*) are made by peft (`get_peft_model` + `save_pretrained`) with random non-zero A and B,
and expected.json holds the PeftModel's logits. Everything is seeded; re-running rewrites the same
values (the bytes of the safetensors files depend only on the seeds and the library versions).

One folder keeps the pre-transformers-5 config layout (top-level rope_theta/rope_scaling,
torch_dtype): llama3-rope-legacy, the same weights as llama3-rope; the script checks that
transformers reads both layouts to the same logits.
"""
import json
import os
import re
import shutil
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hf_check import chat_ids, logits_of, tokenizer_ids  # noqa: E402  (the same code the interop tests run)

ROOT = (sys.argv[sys.argv.index("--out") + 1] if "--out" in sys.argv
        else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "packages", "models", "test", "fixtures"))
IDS = [[1, 5, 9, 3, 7, 2, 11, 4], [1, 8, 6, 10, 12, 3, 5, 9]]  # [B=2, T=8], all < every vocab
TEXTS = ["once upon a time", "the cat sat on the mat!", "hello, world", " two  spaces\nand a line"]
CONVERSATIONS = [[{"role": "user", "content": "hi"}],
                 [{"role": "user", "content": "once upon a time"}, {"role": "assistant", "content": "there was a cat"},
                  {"role": "user", "content": "then?"}]]


def write_json(path, obj, compact=False):
    """JSON as transformers writes it (indent 2), or compact for the long expected-value lists."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    text = json.dumps(obj, separators=(",", ":"), ensure_ascii=False) if compact else json.dumps(obj, indent=2, ensure_ascii=False)
    with open(path, "w") as f:
        f.write(text + "\n")


def short(xs):
    """Floats with 9 significant digits: ample for the 1e-4 checks, a third of the bytes."""
    return [float(f"{x:.9g}") for x in xs]


# ---------------------------------------------------------------- tokenizers (transformers classes)
CORPUS = "once upon a time there was a cat . the cat sat on the mat , then the cat ran !"


def bpe_word(symbols, ranks):
    """Standard BPE: repeatedly merge the adjacent pair with the lowest merge rank."""
    symbols = list(symbols)
    while len(symbols) > 1:
        pairs = [(ranks.get((a, b), float("inf")), i) for i, (a, b) in enumerate(zip(symbols, symbols[1:]))]
        rank, i = min(pairs)
        if rank == float("inf"):
            break
        symbols[i:i + 2] = [symbols[i] + symbols[i + 1]]
    return symbols


def train_merges(words, n):
    """A few greedy BPE merges from a tiny corpus (ties broken by the pair itself: deterministic)."""
    seqs, merges = [list(w) for w in words], []
    for _ in range(n):
        counts = {}
        for s in seqs:
            for p in zip(s, s[1:]):
                counts[p] = counts.get(p, 0) + 1
        if not counts:
            break
        best = max(sorted(counts), key=lambda p: counts[p])
        merges.append(best)
        seqs = [bpe_word(s, {best: 0}) for s in seqs]
    return merges


def bytes_to_unicode():
    """GPT-2's byte → printable-character table."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs, n = bs[:], 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


# Llama-2-style template: BOS once, alternating roles enforced with raise_exception.
LLAMA_TEMPLATE = (
    "{{ bos_token }}{% for message in messages %}"
    "{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
    "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}"
    "{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}"
    "{% else %}{{ ' ' + message['content'] + eos_token }}{% endif %}{% endfor %}"
)
# ChatML (Qwen): no BOS, <|im_start|>role ... <|im_end|>, generation prompt opens the assistant turn.
CHATML_TEMPLATE = (
    "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)
# Reward-model template: BOS first and EOS last (as Llama 3 reward models print them).
RM_LLAMA_TEMPLATE = (
    "{{ bos_token }}{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' }}"
    "{% endfor %}{{ eos_token }}"
)


def llama_tokenizer(template=LLAMA_TEMPLATE):
    """LlamaTokenizer (Metaspace ▁, BOS added by its post-processor) over a 64-id vocabulary."""
    from transformers import LlamaTokenizer
    words = ["\u2581" + w for w in CORPUS.split()]
    merges = train_merges(words, 16)
    vocab = {"<unk>": 0, "<s>": 1, "</s>": 2}
    for ch in sorted(set("".join(words)) | set("\u2581abcdefghijklmnopqrstuvwxyz.,!?\n")):
        vocab.setdefault(ch, len(vocab))
    for a, b in merges:
        vocab.setdefault(a + b, len(vocab))
    for s in ("<|im_start|>", "<|im_end|>"):
        vocab[s] = len(vocab)
    tok = LlamaTokenizer(vocab=vocab, merges=[(a, b) for a, b in merges], add_bos_token=True, add_eos_token=False,
                         model_max_length=64)
    tok.add_special_tokens({"additional_special_tokens": ["<|im_start|>", "<|im_end|>"]})
    if template:
        tok.chat_template = template
    return tok


def byte_level_vocab(specials):
    b2u = bytes_to_unicode()
    pat = re.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?[A-Za-z]+| ?[0-9]+| ?[^\sA-Za-z0-9]+|\s+(?!\S)|\s+""")
    words = ["".join(b2u[b] for b in w.encode()) for w in pat.findall(CORPUS)]
    merges = train_merges(words, 12)
    vocab = {b2u[b]: b for b in range(256)}
    for a, b in merges:
        vocab.setdefault(a + b, len(vocab))
    for s in specials:
        vocab[s] = len(vocab)
    return vocab, [(a, b) for a, b in merges]


def gpt2_tokenizer():
    """GPT2Tokenizer: byte-level BPE, <|endoftext|> as bos = eos = unk, nothing added to a text."""
    from transformers import GPT2Tokenizer
    vocab, merges = byte_level_vocab(["<|endoftext|>"])
    return GPT2Tokenizer(vocab=vocab, merges=merges, model_max_length=16)


def qwen_tokenizer(template=CHATML_TEMPLATE):
    """Qwen2Tokenizer: byte-level BPE with Qwen's split regex and NFC, ChatML, no BOS."""
    from transformers import Qwen2Tokenizer
    vocab, merges = byte_level_vocab(["<|endoftext|>", "<|im_start|>", "<|im_end|>"])
    tok = Qwen2Tokenizer(vocab=vocab, merges=merges, eos_token="<|im_end|>", pad_token="<|endoftext|>", model_max_length=64)
    tok.add_special_tokens({"additional_special_tokens": ["<|im_start|>", "<|im_end|>"]})
    if template:
        tok.chat_template = template
    return tok


# ---------------------------------------------------------------- models
def randomize(model, seed):
    """Weights far from transformers' 0.02-std init, so the logits are not near-uniform."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            r = torch.randn(p.shape, generator=g, dtype=torch.float64)
            if re.search(r"(norm|ln_\d|ln_f)\.weight$", name):
                v = 1 + 0.1 * r
            elif name.endswith(".bias"):
                v = 0.1 * r
            elif re.search(r"(embed_tokens|wte|wpe)\.weight$", name) or name.endswith("lm_head.weight"):
                v = 0.5 * r
            else:
                v = 0.3 * r
            p.copy_(v.to(p.dtype))


def save_model(name, model, dtype, tok, gen=None, shard=None):
    d = os.path.join(ROOT, name)
    shutil.rmtree(d, ignore_errors=True)
    model = model.to(dtype)
    model.config.dtype = dtype
    kw = {"max_shard_size": shard} if shard else {}
    model.save_pretrained(d, **kw)
    if gen is not None:
        model.generation_config.bos_token_id = gen.get("bos_token_id")
        model.generation_config.eos_token_id = gen.get("eos_token_id")
        model.generation_config.save_pretrained(d)
    if tok is not None:
        tok.save_pretrained(d)
    return d


def causal_fixture(name, config, dtype, tok, seed, gen=None, shard=None):
    from transformers import AutoModelForCausalLM
    torch.manual_seed(seed)
    model = AutoModelForCausalLM.from_config(config)
    randomize(model, seed)
    d = save_model(name, model, dtype, tok, gen, shard)
    logits = logits_of(d, IDS)
    expected = {"input_ids": IDS, "dtype": str(dtype).removeprefix("torch."), "shape": list(logits.shape),
                "logits": short(logits.flatten().tolist())}
    if tok is not None:
        expected["tokenizer"] = tokenizer_ids(d, TEXTS)
        if tok.chat_template:
            expected["chat"] = [{"messages": m, **c} for m, c in zip(CONVERSATIONS, chat_ids(d, CONVERSATIONS))]
    write_json(os.path.join(d, "expected.json"), expected, compact=True)
    return d, logits


def llama_cfg(cls, **kw):
    base = dict(vocab_size=64, hidden_size=16, intermediate_size=32, num_hidden_layers=2, num_attention_heads=4,
                num_key_value_heads=2, max_position_embeddings=64, rms_norm_eps=1e-5, tie_word_embeddings=False,
                bos_token_id=1, eos_token_id=2)
    base.update(kw)
    return cls(**base)


def legacy_layout(src, name):
    """A copy of `src` whose config.json uses the pre-transformers-5 fields (rope_theta, rope_scaling, torch_dtype)."""
    d = os.path.join(ROOT, name)
    shutil.rmtree(d, ignore_errors=True)
    shutil.copytree(src, d)
    cfg = json.load(open(os.path.join(d, "config.json")))
    rope = dict(cfg.pop("rope_parameters"))
    cfg["rope_theta"] = rope.pop("rope_theta")
    if rope.get("rope_type", "default") != "default":
        cfg["rope_scaling"] = rope
    cfg["torch_dtype"] = cfg.pop("dtype")
    write_json(os.path.join(d, "config.json"), cfg)
    return d


def main():
    from transformers import GPT2Config, LlamaConfig, MistralConfig, Qwen2Config, Qwen3Config
    llama_tok, qwen_tok = llama_tokenizer(), qwen_tokenizer()
    qwen_vocab = len(qwen_tok)
    im_end_llama, im_end_qwen = llama_tok.convert_tokens_to_ids("<|im_end|>"), qwen_tok.convert_tokens_to_ids("<|im_end|>")

    # Llama 2 style: F32, untied lm_head, eos as a list in generation_config.json.
    causal_fixture("llama-tiny", llama_cfg(LlamaConfig), torch.float32, llama_tok, 11,
                   {"bos_token_id": 1, "eos_token_id": [2, im_end_llama]})
    # Llama 3 style, transformers 5 layout: llama3 RoPE in rope_parameters (all three frequency bands
    # hit: head_dim 16, theta 5e5 → wavelengths 6.3 kept, 32.5 smoothed, 167+ divided by 8), tied, BF16.
    llama3 = llama_cfg(LlamaConfig, hidden_size=32, num_attention_heads=2, num_key_value_heads=1, tie_word_embeddings=True,
                       max_position_embeddings=512,
                       rope_parameters={"rope_type": "llama3", "rope_theta": 500000.0, "factor": 8.0, "low_freq_factor": 1.0,
                                        "high_freq_factor": 4.0, "original_max_position_embeddings": 64})
    d, logits = causal_fixture("llama3-rope", llama3, torch.bfloat16, llama_tokenizer(template=None), 12,
                               {"bos_token_id": 1, "eos_token_id": 2})
    # The same folder in the old layout: transformers must read it to the same logits.
    legacy = legacy_layout(d, "llama3-rope-legacy")
    assert torch.equal(logits_of(legacy, IDS), logits), "transformers reads the legacy layout differently"
    # Mistral: GQA 4:1, only a non-default theta in rope_parameters, sliding window longer than the ids.
    causal_fixture("mistral-tiny", llama_cfg(MistralConfig, num_key_value_heads=1, sliding_window=4096,
                                             rope_parameters={"rope_type": "default", "rope_theta": 50000.0}),
                   torch.float32, llama_tok, 13, {"bos_token_id": 1, "eos_token_id": 2})
    # Mistral with a sliding window shorter than the ids (3 < 8): positions see only the last 3 keys.
    causal_fixture("mistral-window", llama_cfg(MistralConfig, num_key_value_heads=1, sliding_window=3), torch.float32,
                   None, 14)
    # Qwen2: q/k/v bias, tied, F16, sharded; byte-level tokenizer with ChatML.
    causal_fixture("qwen2-tiny", llama_cfg(Qwen2Config, vocab_size=qwen_vocab, tie_word_embeddings=True,
                                           rope_parameters={"rope_type": "default", "rope_theta": 1000000.0},
                                           rms_norm_eps=1e-6, bos_token_id=None, eos_token_id=im_end_qwen),
                   torch.float16, qwen_tok, 15, {"eos_token_id": im_end_qwen}, shard="12KB")
    # Qwen3: q/k RMSNorm, head_dim 8 ≠ hidden 16 / 4 heads.
    causal_fixture("qwen3-tiny", llama_cfg(Qwen3Config, vocab_size=qwen_vocab, head_dim=8, rms_norm_eps=1e-6,
                                           bos_token_id=None, eos_token_id=im_end_qwen),
                   torch.float32, qwen_tok, 16, {"eos_token_id": im_end_qwen})
    # GPT-2: learned positions, LayerNorm, GELU-tanh, Conv1D [in, out], tied lm_head.
    gpt2_tok = gpt2_tokenizer()
    eot = gpt2_tok.convert_tokens_to_ids("<|endoftext|>")
    causal_fixture("gpt2-tiny", GPT2Config(vocab_size=len(gpt2_tok), n_positions=16, n_embd=16, n_layer=2, n_head=4,
                                           bos_token_id=eot, eos_token_id=eot),
                   torch.float32, gpt2_tok, 17, {"bos_token_id": eot, "eos_token_id": eot})
    lora_fixtures()
    seqcls_fixtures()
    dtype_fixture()


# ---------------------------------------------------------------- LoRA adapters (made by peft)
def lora_fixture(name, base, seed, **lora_kw):
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM
    base_dir = os.path.join(ROOT, base)
    model = AutoModelForCausalLM.from_pretrained(base_dir, dtype=torch.float32)
    peft_model = get_peft_model(model, LoraConfig(lora_dropout=0.0, **lora_kw))
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for n, p in peft_model.named_parameters():
            if "lora_" in n:
                p.copy_(0.3 * torch.randn(p.shape, generator=g))
    d = os.path.join(ROOT, name)
    shutil.rmtree(d, ignore_errors=True)
    peft_model.save_pretrained(d)
    os.remove(os.path.join(d, "README.md"))  # peft's model card: nothing agon reads
    cfg_file = os.path.join(d, "adapter_config.json")
    cfg = json.load(open(cfg_file))
    cfg["base_model_name_or_path"] = base  # not this machine's absolute path
    if isinstance(cfg["target_modules"], list):
        cfg["target_modules"] = sorted(cfg["target_modules"])  # peft writes a set: order varies run to run
    write_json(cfg_file, cfg)
    logits = logits_of(base_dir, IDS, adapter=d)
    write_json(os.path.join(d, "expected.json"), {"base": base, "input_ids": IDS, "shape": list(logits.shape),
                                                  "logits": short(logits.flatten().tolist())}, compact=True)


def lora_fixtures():
    every = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
    lora_fixture("lora-llama", "llama-tiny", 21, r=4, lora_alpha=8, target_modules=every)
    lora_fixture("lora-llama-rslora", "llama-tiny", 22, r=2, lora_alpha=4, use_rslora=True, target_modules=["q_proj", "v_proj"])
    lora_fixture("lora-qwen2-regex", "qwen2-tiny", 23, r=2, lora_alpha=6,
                 target_modules=r".*\.layers\.1\.(self_attn\.(q|k)_proj|mlp\.down_proj)")
    lora_fixture("lora-gpt2", "gpt2-tiny", 24, r=2, lora_alpha=6, target_modules=["c_attn", "attn.c_proj", "c_fc", "mlp.c_proj"],
                 fan_in_fan_out=True)


# ---------------------------------------------------------------- sequence classification (reward models)
PAIRS = [("once upon a time", "there was a cat ."), ("the cat sat on the mat", "then the cat ran !"),
         ("hello, world", "a cat"), ("what sat on the mat?", "the cat sat on the mat, then the cat ran.")]


def seqcls_fixture(name, config, dtype, tok, seed, rows):
    from transformers import AutoModelForSequenceClassification
    torch.manual_seed(seed)
    model = AutoModelForSequenceClassification.from_config(config)
    randomize(model, seed)
    d = save_model(name, model, dtype, tok)
    model = AutoModelForSequenceClassification.from_pretrained(d, dtype=torch.float64).eval()

    def score(ids):
        with torch.no_grad():
            return short(model(torch.tensor([ids])).logits[0].tolist())

    pairs = []
    for q, a in PAIRS:
        text = tok.apply_chat_template([{"role": "user", "content": q}, {"role": "assistant", "content": a}], tokenize=False)
        ids = tok(text, add_special_tokens=False)["input_ids"]
        pairs.append({"query": q, "answer": a, "text": text, "ids": ids, "scores": score(ids)})
    write_json(os.path.join(d, "expected.json"), {
        "num_labels": config.num_labels, "pad_token_id": config.pad_token_id, "dtype": str(dtype).removeprefix("torch."),
        "rows": [{"ids": r, "scores": score(r)} for r in rows], "pairs": pairs}, compact=True)


def seqcls_fixtures():
    from transformers import LlamaConfig, Qwen2Config, Qwen3Config
    qwen_tok = qwen_tokenizer()
    im_end, pad = qwen_tok.convert_tokens_to_ids("<|im_end|>"), qwen_tok.convert_tokens_to_ids("<|endoftext|>")
    base_rows = [[1, 5, 9, 3, 7], [1, 8, 6, 10, 12, 3, 5, 9], [4], [1, 11, 2, 13, 14, 6, 7]]
    # Llama: pad = EOS (2), one label, F32; rows with a pad inside, trailing pads and only pads.
    seqcls_fixture("llama-seqcls", llama_cfg(LlamaConfig, num_labels=1, pad_token_id=2), torch.float32,
                   llama_tokenizer(RM_LLAMA_TEMPLATE), 31, base_rows + [[1, 5, 9, 2, 2], [2, 2, 2]])
    # Qwen2: qkv bias, 2 labels, BF16, pad = <|endoftext|> (not in the chat text), no BOS.
    seqcls_fixture("qwen2-seqcls", llama_cfg(Qwen2Config, vocab_size=len(qwen_tok), num_labels=2, pad_token_id=pad,
                                             rope_parameters={"rope_type": "default", "rope_theta": 1000000.0},
                                             rms_norm_eps=1e-6, bos_token_id=None, eos_token_id=im_end),
                   torch.bfloat16, qwen_tok, 32, base_rows + [[im_end, 5, pad, pad]])
    # Qwen3: q/k norm, head_dim 8, no pad_token_id (the score is read at the last token).
    seqcls_fixture("qwen3-seqcls", llama_cfg(Qwen3Config, vocab_size=len(qwen_tok), num_labels=1, head_dim=8,
                                             rms_norm_eps=1e-6, bos_token_id=None, eos_token_id=im_end, pad_token_id=None),
                   torch.float32, qwen_tok, 33, base_rows)


# ---------------------------------------------------------------- dtype conversions (torch as the reference)
def dtype_fixture():
    """Values whose float16/bfloat16 rounding is delicate, converted by torch, saved by safetensors."""
    from safetensors.torch import save_file
    g = torch.Generator().manual_seed(1234)
    edge = [0.0, -0.0, 1.0, -2.5, 65504.0, 65519.0, 65520.0, 1e-8, 2.0 ** -24, 3 * 2.0 ** -25, 2.0 ** -25,
            1 + 2.0 ** -11, 1 + 3 * 2.0 ** -11, 2049.0, 2051.0, 1 + 2.0 ** -8, 1 + 3 * 2.0 ** -8, 3e38, 1e-40,
            float("inf"), float("-inf"), float("nan"), 0.1, -0.3333333]
    src = torch.cat([torch.tensor(edge, dtype=torch.float32), torch.randn(200, generator=g) * 10,
                     torch.randn(56, generator=g) * 1e-5])
    t = {"src": src, "f16": src.half(), "bf16": src.bfloat16(), "f16_as_f32": src.half().float(),
         "bf16_as_f32": src.bfloat16().float(), "f64": torch.tensor([1.5, -2.25, 1e300, 1e-300], dtype=torch.float64),
         "i8": torch.tensor([-128, -1, 0, 127], dtype=torch.int8), "u8": torch.tensor([0, 1, 255], dtype=torch.uint8),
         "i16": torch.tensor([-32768, 7, 32767], dtype=torch.int16), "i32": torch.tensor([-2 ** 31, 5, 2 ** 31 - 1], dtype=torch.int32),
         "i64": torch.tensor([-2 ** 40, 3, 2 ** 40], dtype=torch.int64), "bool": torch.tensor([True, False, True]),
         "matrix": torch.arange(6, dtype=torch.float32).view(2, 3)}
    d = os.path.join(ROOT, "dtypes")
    os.makedirs(d, exist_ok=True)
    # One metadata key only: safetensors writes a several-key __metadata__ in hash order, which varies run to run.
    save_file(t, os.path.join(d, "dtypes.safetensors"), metadata={"format": "pt"})
    write_json(os.path.join(d, "expected.json"), {"converted_by": f"torch {torch.__version__.split('+')[0]}", "f64": [1.5, -2.25, "Infinity", 0.0], "i8": [-128, -1, 0, 127], "u8": [0, 1, 255],
                                                  "i16": [-32768, 7, 32767], "i32": [-2 ** 31, 5, 2 ** 31 - 1],
                                                  "i64": [-2 ** 40, 3, 2 ** 40], "bool": [1, 0, 1]})


if __name__ == "__main__":
    main()
