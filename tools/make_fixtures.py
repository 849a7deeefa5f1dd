#!/usr/bin/python3
"""Writes the tiny Hugging Face fixtures of @agon/models and their expected values.

Run:  /usr/bin/python3 tools/make_fixtures.py      (torch 1.13, numpy; NO transformers, NO safetensors)

For each architecture it writes packages/models/test/fixtures/<name>/ with config.json,
generation_config.json, model.safetensors (or shards + model.safetensors.index.json),
tokenizer.json + tokenizer_config.json, and expected.json: the logits for fixed input ids,
computed here in float64 straight from the architecture maths (RMSNorm, rotate-half RoPE with
llama3 scaling, GQA, SwiGLU, q/k norm, qkv bias; GPT-2's LayerNorm, GELU-tanh, Conv1D) on the
weights exactly as stored (after the F16/BF16 rounding). It also writes dtypes/ (F16/BF16/int
conversions as torch does them) and tokenizers' expected ids from a plain-Python BPE.

Appended (each with its own seed, so the fixtures above keep their bytes):
- lora-llama/, lora-gpt2/: PEFT adapter folders (adapter_config.json + adapter_model.safetensors,
  keys base_model.model.<module>.lora_A/B.weight) for llama-tiny and gpt2-tiny, and the logits of
  the merged weights W + (alpha/r)·B·A (GPT-2's Conv1D [in, out]: the transpose).
- llama-seqcls/, qwen2-seqcls/, qwen3-seqcls/: *ForSequenceClassification checkpoints (no lm_head,
  a `score` head [num_labels, C]) with a chat template, and expected label logits read where
  transformers reads them (rightmost non-pad token; last token without pad_token_id), for raw id
  rows and for chat-formatted (query, answer) pairs (text, ids, scores).

The safetensors layout follows the reference writer: `__metadata__` first, compact JSON in
(dtype, shape, data_offsets) field order, tensors sorted by dtype (widest first) then name, header
padded with spaces to a multiple of 8 bytes. Checked: `safetensors.torch.save` 0.8.0 rewrites
every fixture file byte for byte (see fixtures/reference/README.md). Everything is seeded, so
re-running gives the same bytes.
"""
import json, math, os, re, struct

import numpy as np
import torch

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "packages", "models", "test", "fixtures")
torch.manual_seed(1234)
IDS = [[1, 5, 9, 3, 7, 2, 11, 4], [1, 8, 6, 10, 12, 3, 5, 9]]  # [B=2, T=8], all < every vocab


# ---------------------------------------------------------------- safetensors writing
ST_DTYPE = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.float64: "F64",
            torch.int64: "I64", torch.int32: "I32", torch.int16: "I16", torch.int8: "I8",
            torch.uint8: "U8", torch.bool: "BOOL"}


# The reference writer (safetensors >= 0.3, Rust) orders tensors by dtype, widest first (its enum
# order, reversed), then by name; the header lists them in that same order.
DTYPE_RANK = ["BOOL", "U8", "I8", "I16", "U16", "F16", "BF16", "I32", "U32", "F32", "F64", "I64", "U64"]


def tensor_bytes(t):
    t = t.contiguous()
    if t.dtype == torch.bfloat16:  # numpy has no bfloat16: reinterpret the bits
        return t.view(torch.int16).numpy().astype("<i2").tobytes()
    return t.numpy().tobytes()  # x86: already little-endian


def safetensors_bytes(tensors, metadata={"format": "pt"}):
    header, blobs, offset = {}, [], 0
    if metadata is not None:
        header["__metadata__"] = metadata
    for name in sorted(tensors, key=lambda n: (-DTYPE_RANK.index(ST_DTYPE[tensors[n].dtype]), n)):
        b = tensor_bytes(tensors[name])
        header[name] = {"dtype": ST_DTYPE[tensors[name].dtype], "shape": list(tensors[name].shape),
                        "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    h = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    h += b" " * ((8 - len(h) % 8) % 8)
    return struct.pack("<Q", len(h)) + h + b"".join(blobs)


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    mode = "wb" if isinstance(data, bytes) else "w"
    with open(path, mode) as f:
        f.write(data)


def write_json(path, obj):
    write(path, json.dumps(obj, indent=2, ensure_ascii=False) + "\n")


# ---------------------------------------------------------------- tokenizers (+ a plain BPE reference)
def bpe_word(symbols, ranks):
    """Standard BPE: repeatedly merge the adjacent pair with the lowest merge rank."""
    symbols = list(symbols)
    while len(symbols) > 1:
        pairs = [(ranks.get((a, b), math.inf), i) for i, (a, b) in enumerate(zip(symbols, symbols[1:]))]
        rank, i = min(pairs)
        if rank == math.inf:
            break
        symbols[i:i + 2] = [symbols[i] + symbols[i + 1]]
    return symbols


def train_merges(words, n):
    """A few greedy BPE merges from a tiny corpus (ties broken by the pair itself, so it is deterministic)."""
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


CORPUS = "once upon a time there was a cat . the cat sat on the mat , then the cat ran !"
SPECIALS = ["<unk>", "<s>", "</s>"]
CHAT_SPECIALS = ["<|im_start|>", "<|im_end|>"]


def added(content, i):
    return {"id": i, "content": content, "single_word": False, "lstrip": False, "rstrip": False,
            "normalized": False, "special": True}


def metaspace_tokenizer():
    """A SentencePiece-style BPE (Metaspace ▁, no byte fallback) like Llama 2 / Mistral tokenizers."""
    words = ["\u2581" + w for w in CORPUS.split()]
    merges = train_merges(words, 16)
    vocab = {s: i for i, s in enumerate(SPECIALS)}
    for ch in sorted(set("".join(words)) | set("\u2581abcdefghijklmnopqrstuvwxyz.,!?\n")):
        vocab.setdefault(ch, len(vocab))
    for a, b in merges:
        vocab.setdefault(a + b, len(vocab))
    for s in CHAT_SPECIALS:
        vocab[s] = len(vocab)
    ms = {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": True}
    tok = {"version": "1.0", "truncation": None, "padding": None,
           "added_tokens": [added(s, vocab[s]) for s in SPECIALS + CHAT_SPECIALS],
           "normalizer": None, "pre_tokenizer": ms, "post_processor": None, "decoder": ms,
           "model": {"type": "BPE", "dropout": None, "unk_token": "<unk>", "continuing_subword_prefix": None,
                     "end_of_word_suffix": None, "fuse_unk": True, "byte_fallback": False, "ignore_merges": False,
                     "vocab": vocab, "merges": [f"{a} {b}" for a, b in merges]}}
    ranks = {m: i for i, m in enumerate(merges)}

    def encode(text):  # Metaspace: spaces → ▁, prepend ▁, split before each ▁
        s = "\u2581" + text.replace(" ", "\u2581")
        pieces = re.findall("\u2581[^\u2581]*", s)
        return [vocab.get(p, 0) for w in pieces for p in bpe_word(w, ranks)]

    return tok, vocab, encode


def bytes_to_unicode():
    """GPT-2's byte → printable-character table."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs, n = bs[:], 0
    for b in range(256):
        if b not in bs:
            bs.append(b); cs.append(256 + n); n += 1
    return dict(zip(bs, map(chr, cs)))


def bytelevel_tokenizer():
    """A GPT-2-style byte-level BPE: 256 byte symbols, a few merges, <|endoftext|>."""
    b2u = bytes_to_unicode()
    pat = re.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?[A-Za-z]+| ?[0-9]+| ?[^\sA-Za-z0-9]+|\s+(?!\S)|\s+""")
    words = ["".join(b2u[b] for b in w.encode()) for w in pat.findall(CORPUS)]
    merges = train_merges(words, 12)
    vocab = {b2u[b]: b for b in range(256)}
    for a, b in merges:
        vocab.setdefault(a + b, len(vocab))
    vocab["<|endoftext|>"] = len(vocab)
    bl = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True}
    tok = {"version": "1.0", "truncation": None, "padding": None,
           "added_tokens": [added("<|endoftext|>", vocab["<|endoftext|>"])],
           "normalizer": None, "pre_tokenizer": bl, "post_processor": bl, "decoder": bl,
           "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": "",
                     "end_of_word_suffix": "", "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                     "vocab": vocab, "merges": [f"{a} {b}" for a, b in merges]}}
    ranks = {m: i for i, m in enumerate(merges)}

    def encode(text):
        out = []
        for w in pat.findall(text):
            out += [vocab[p] for p in bpe_word("".join(b2u[b] for b in w.encode()), ranks)]
        return out

    return tok, vocab, encode


TOKENIZER_TEXTS = ["once upon a time", "the cat sat on the mat!", "hello, world"]

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


# ---------------------------------------------------------------- architecture maths (float64)
def rms_norm(x, w, eps):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w


def rope_inv_freq(cfg, d):
    inv = 1.0 / (cfg.get("rope_theta", 10000.0) ** (torch.arange(0, d, 2, dtype=torch.float64) / d))
    rs = cfg.get("rope_scaling")
    if rs and rs.get("rope_type", rs.get("type")) == "llama3":
        factor, lo, hi, old = rs["factor"], rs["low_freq_factor"], rs["high_freq_factor"], rs["original_max_position_embeddings"]
        wavelen = 2 * math.pi / inv
        scaled = torch.where(wavelen > old / lo, inv / factor, inv)
        smooth = (old / wavelen - lo) / (hi - lo)
        smoothed = (1 - smooth) * scaled / factor + smooth * scaled
        medium = (wavelen >= old / hi) & (wavelen <= old / lo)
        inv = torch.where(medium, smoothed, scaled)
    elif rs and rs.get("rope_type", rs.get("type")) == "linear":
        inv = inv / rs["factor"]
    return inv


def rotate_half(x):
    x1, x2 = x.chunk(2, dim=-1)
    return torch.cat((-x2, x1), dim=-1)


def attention(q, k, v):
    """q [B,H,T,D], k/v [B,Hkv,T,D], causal, GQA: query head h reads kv head h // (H/Hkv)."""
    rep = q.shape[1] // k.shape[1]
    k, v = k.repeat_interleave(rep, dim=1), v.repeat_interleave(rep, dim=1)
    t = q.shape[2]
    scores = q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1])
    scores = scores.masked_fill(torch.triu(torch.ones(t, t, dtype=torch.bool), 1), float("-inf"))
    return torch.softmax(scores, -1) @ v


def llama_family_logits(cfg, w, ids, qk_norm=False):
    x = llama_family_hidden(cfg, w, ids, qk_norm)
    head = w["model.embed_tokens.weight"] if cfg.get("tie_word_embeddings") else w["lm_head.weight"]
    return x @ head.T


def llama_family_hidden(cfg, w, ids, qk_norm=False):
    """The final-norm hidden states [B, T, C] (what lm_head or a sequence-classification `score` reads)."""
    c, h, hkv = cfg["hidden_size"], cfg["num_attention_heads"], cfg["num_key_value_heads"]
    d = cfg.get("head_dim") or c // h
    eps = cfg["rms_norm_eps"]
    ids = torch.tensor(ids)
    b, t = ids.shape
    x = w["model.embed_tokens.weight"][ids]
    freqs = torch.outer(torch.arange(t, dtype=torch.float64), rope_inv_freq(cfg, d))
    cos, sin = torch.cat((freqs, freqs), -1).cos(), torch.cat((freqs, freqs), -1).sin()

    def lin(x, name, bias=False):
        y = x @ w[name + ".weight"].T
        return y + w[name + ".bias"] if bias else y

    for i in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{i}."
        a = rms_norm(x, w[p + "input_layernorm.weight"], eps)
        bias = cfg.get("attention_bias", False) or cfg["architectures"][0].startswith("Qwen2For")
        q = lin(a, p + "self_attn.q_proj", bias).view(b, t, h, d)
        k = lin(a, p + "self_attn.k_proj", bias).view(b, t, hkv, d)
        v = lin(a, p + "self_attn.v_proj", bias).view(b, t, hkv, d)
        if qk_norm:  # Qwen3: RMSNorm over each head's D before RoPE
            q = rms_norm(q, w[p + "self_attn.q_norm.weight"], eps)
            k = rms_norm(k, w[p + "self_attn.k_norm.weight"], eps)
        q, k, v = q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2)
        q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
        o = attention(q, k, v).transpose(1, 2).reshape(b, t, h * d)
        x = x + lin(o, p + "self_attn.o_proj", cfg.get("attention_bias", False))
        m = rms_norm(x, w[p + "post_attention_layernorm.weight"], eps)
        x = x + lin(torch.nn.functional.silu(lin(m, p + "mlp.gate_proj")) * lin(m, p + "mlp.up_proj"), p + "mlp.down_proj")
    return rms_norm(x, w["model.norm.weight"], eps)


def layer_norm(x, wt, bs, eps):
    mu = x.mean(-1, keepdim=True)
    var = ((x - mu) ** 2).mean(-1, keepdim=True)
    return (x - mu) / torch.sqrt(var + eps) * wt + bs


def gelu_tanh(x):
    return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))


def gpt2_logits(cfg, w, ids):
    c, h, eps = cfg["n_embd"], cfg["n_head"], cfg["layer_norm_epsilon"]
    d = c // h
    ids = torch.tensor(ids)
    b, t = ids.shape
    x = w["transformer.wte.weight"][ids] + w["transformer.wpe.weight"][torch.arange(t)]
    for i in range(cfg["n_layer"]):
        p = f"transformer.h.{i}."
        a = layer_norm(x, w[p + "ln_1.weight"], w[p + "ln_1.bias"], eps)
        qkv = a @ w[p + "attn.c_attn.weight"] + w[p + "attn.c_attn.bias"]  # Conv1D: weight is [in, out]
        q, k, v = (z.view(b, t, h, d).transpose(1, 2) for z in qkv.split(c, dim=-1))
        o = attention(q, k, v).transpose(1, 2).reshape(b, t, c)
        x = x + o @ w[p + "attn.c_proj.weight"] + w[p + "attn.c_proj.bias"]
        m = layer_norm(x, w[p + "ln_2.weight"], w[p + "ln_2.bias"], eps)
        m = gelu_tanh(m @ w[p + "mlp.c_fc.weight"] + w[p + "mlp.c_fc.bias"])
        x = x + m @ w[p + "mlp.c_proj.weight"] + w[p + "mlp.c_proj.bias"]
    x = layer_norm(x, w["transformer.ln_f.weight"], w["transformer.ln_f.bias"], eps)
    return x @ w["transformer.wte.weight"].T


# ---------------------------------------------------------------- random weights
def randn(*shape, scale=0.2):
    return torch.randn(*shape, dtype=torch.float64) * scale


def llama_family_weights(cfg, qk_norm=False):
    c, h, hkv, f, v = (cfg["hidden_size"], cfg["num_attention_heads"], cfg["num_key_value_heads"],
                       cfg["intermediate_size"], cfg["vocab_size"])
    d = cfg.get("head_dim") or c // h
    w = {"model.embed_tokens.weight": randn(v, c, scale=0.5), "model.norm.weight": 1 + randn(c, scale=0.1)}
    if not cfg.get("tie_word_embeddings"):
        w["lm_head.weight"] = randn(v, c, scale=0.5)
    bias = cfg.get("attention_bias", False) or cfg["architectures"][0].startswith("Qwen2For")
    for i in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{i}."
        w[p + "input_layernorm.weight"] = 1 + randn(c, scale=0.1)
        w[p + "post_attention_layernorm.weight"] = 1 + randn(c, scale=0.1)
        for name, rows in (("q", h * d), ("k", hkv * d), ("v", hkv * d)):
            w[p + f"self_attn.{name}_proj.weight"] = randn(rows, c, scale=0.4)
            if bias:
                w[p + f"self_attn.{name}_proj.bias"] = randn(rows, scale=0.2)
        w[p + "self_attn.o_proj.weight"] = randn(c, h * d, scale=0.4)
        if cfg.get("attention_bias", False):
            w[p + "self_attn.o_proj.bias"] = randn(c, scale=0.2)
        if qk_norm:
            w[p + "self_attn.q_norm.weight"] = 1 + randn(d, scale=0.1)
            w[p + "self_attn.k_norm.weight"] = 1 + randn(d, scale=0.1)
        w[p + "mlp.gate_proj.weight"] = randn(f, c, scale=0.3)
        w[p + "mlp.up_proj.weight"] = randn(f, c, scale=0.3)
        w[p + "mlp.down_proj.weight"] = randn(c, f, scale=0.3)
    return w


def gpt2_weights(cfg):
    c, v, n = cfg["n_embd"], cfg["vocab_size"], cfg["n_positions"]
    w = {"transformer.wte.weight": randn(v, c, scale=0.5), "transformer.wpe.weight": randn(n, c, scale=0.2),
         "transformer.ln_f.weight": 1 + randn(c, scale=0.1), "transformer.ln_f.bias": randn(c, scale=0.1)}
    for i in range(cfg["n_layer"]):
        p = f"transformer.h.{i}."
        for ln in ("ln_1", "ln_2"):
            w[p + ln + ".weight"] = 1 + randn(c, scale=0.1)
            w[p + ln + ".bias"] = randn(c, scale=0.1)
        for name, n_in, n_out in (("attn.c_attn", c, 3 * c), ("attn.c_proj", c, c), ("mlp.c_fc", c, 4 * c), ("mlp.c_proj", 4 * c, c)):
            w[p + name + ".weight"] = randn(n_in, n_out, scale=0.3)
            w[p + name + ".bias"] = randn(n_out, scale=0.1)
    return w


# ---------------------------------------------------------------- writing one fixture
def stored(w, dtype):
    """The weights as the file stores them, and back in float64 (so the maths sees the rounding)."""
    s = {k: t.to(dtype) for k, t in w.items()}
    return s, {k: t.to(torch.float64) for k, t in s.items()}


def write_fixture(name, cfg, weights, dtype, logits_fn, tok=None, tok_config=None, gen=None, shards=1):
    d = os.path.join(ROOT, name)
    st, w64 = stored(weights, dtype)
    write_json(os.path.join(d, "config.json"), cfg)
    if gen is not None:
        write_json(os.path.join(d, "generation_config.json"), gen)
    if shards == 1:
        write(os.path.join(d, "model.safetensors"), safetensors_bytes(st))
    else:
        names = sorted(st)
        parts = [names[i::shards] for i in range(shards)]
        weight_map, total = {}, 0
        for i, part in enumerate(parts):
            fname = f"model-{i + 1:05d}-of-{shards:05d}.safetensors"
            write(os.path.join(d, fname), safetensors_bytes({k: st[k] for k in part}))
            for k in part:
                weight_map[k] = fname
                total += st[k].numel() * st[k].element_size()
        write_json(os.path.join(d, "model.safetensors.index.json"),
                   {"metadata": {"total_size": total}, "weight_map": dict(sorted(weight_map.items()))})
    expected = {"input_ids": IDS, "dtype": ST_DTYPE[dtype]}
    logits = logits_fn(cfg, w64, IDS)
    expected["shape"] = list(logits.shape)
    expected["logits"] = [float(x) for x in logits.flatten()]
    if tok is not None:
        tj, _, encode = tok
        write_json(os.path.join(d, "tokenizer.json"), tj)
        write_json(os.path.join(d, "tokenizer_config.json"), tok_config)
        expected["tokenizer"] = [{"text": s, "ids": encode(s)} for s in TOKENIZER_TEXTS]
    write_json(os.path.join(d, "expected.json"), expected)


def llama_cfg(arch, **kw):
    cfg = {"architectures": [arch], "model_type": arch[:-len("ForCausalLM")].lower(), "vocab_size": 64,
           "hidden_size": 16, "intermediate_size": 32, "num_hidden_layers": 2, "num_attention_heads": 4,
           "num_key_value_heads": 2, "hidden_act": "silu", "max_position_embeddings": 64, "rms_norm_eps": 1e-5,
           "rope_theta": 10000.0, "tie_word_embeddings": False, "bos_token_id": 1, "eos_token_id": 2,
           "torch_dtype": "float32"}
    cfg.update(kw)
    return cfg


def dtype_fixture():
    """Values whose float16/bfloat16 rounding is delicate, converted by torch (the reference)."""
    edge = [0.0, -0.0, 1.0, -2.5, 65504.0, 65519.0, 65520.0, 1e-8, 2.0 ** -24, 3 * 2.0 ** -25, 2.0 ** -25,
            1 + 2.0 ** -11, 1 + 3 * 2.0 ** -11, 2049.0, 2051.0, 1 + 2.0 ** -8, 1 + 3 * 2.0 ** -8, 3e38, 1e-40,
            float("inf"), float("-inf"), float("nan"), 0.1, -0.3333333]
    src = torch.cat([torch.tensor(edge, dtype=torch.float32), torch.randn(200) * 10, torch.randn(56) * 1e-5])
    t = {"src": src, "f16": src.half(), "bf16": src.bfloat16(), "f16_as_f32": src.half().float(),
         "bf16_as_f32": src.bfloat16().float(), "f64": torch.tensor([1.5, -2.25, 1e300, 1e-300], dtype=torch.float64),
         "i8": torch.tensor([-128, -1, 0, 127], dtype=torch.int8), "u8": torch.tensor([0, 1, 255], dtype=torch.uint8),
         "i16": torch.tensor([-32768, 7, 32767], dtype=torch.int16), "i32": torch.tensor([-2 ** 31, 5, 2 ** 31 - 1], dtype=torch.int32),
         "i64": torch.tensor([-2 ** 40, 3, 2 ** 40], dtype=torch.int64), "bool": torch.tensor([True, False, True]),
         "matrix": torch.arange(6, dtype=torch.float32).view(2, 3)}
    d = os.path.join(ROOT, "dtypes")
    write(os.path.join(d, "dtypes.safetensors"), safetensors_bytes(t, metadata={"format": "pt", "note": "dtype conversions by torch 1.13"}))
    write_json(os.path.join(d, "expected.json"), {"f64": [1.5, -2.25, "Infinity", 0.0], "i8": [-128, -1, 0, 127], "u8": [0, 1, 255],
                                                  "i16": [-32768, 7, 32767], "i32": [-2 ** 31, 5, 2 ** 31 - 1],
                                                  "i64": [-2 ** 40, 3, 2 ** 40], "bool": [1, 0, 1]})


def main():
    ms_tok, bl_tok = metaspace_tokenizer(), bytelevel_tokenizer()
    llama_tok_cfg = {"bos_token": {"__type": "AddedToken", "content": "<s>", "lstrip": False, "normalized": False,
                                   "rstrip": False, "single_word": False},
                     "eos_token": "</s>", "unk_token": "<unk>", "add_bos_token": True, "add_eos_token": False,
                     "clean_up_tokenization_spaces": False, "model_max_length": 64, "tokenizer_class": "LlamaTokenizer",
                     "chat_template": LLAMA_TEMPLATE}
    chatml_tok_cfg = {"bos_token": None, "eos_token": "<|im_end|>", "pad_token": "</s>", "unk_token": None,
                      "clean_up_tokenization_spaces": False, "model_max_length": 64, "tokenizer_class": "Qwen2Tokenizer",
                      "chat_template": CHATML_TEMPLATE}

    # Llama 2 style: F32, untied lm_head, eos as a list in generation_config.json.
    cfg = llama_cfg("LlamaForCausalLM")
    write_fixture("llama-tiny", cfg, llama_family_weights(cfg), torch.float32, llama_family_logits, ms_tok, llama_tok_cfg,
                  {"bos_token_id": 1, "eos_token_id": [2, ms_tok[1]["<|im_end|>"]]})
    # Llama 3 style: llama3 rope scaling (all three frequency bands hit), rope_theta 500000, tied, BF16.
    # head_dim 16, theta 5e5: wavelengths 6.3 (< 64/4: kept), 32.5 (between: smoothed), 167+ (> 64: divided by 8).
    cfg = llama_cfg("LlamaForCausalLM", hidden_size=32, num_attention_heads=2, num_key_value_heads=1,
                    rope_theta=500000.0, tie_word_embeddings=True, torch_dtype="bfloat16", max_position_embeddings=512,
                    rope_scaling={"factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                                  "original_max_position_embeddings": 64, "rope_type": "llama3"})
    write_fixture("llama3-rope", cfg, llama_family_weights(cfg), torch.bfloat16, llama_family_logits, ms_tok,
                  {k: v for k, v in llama_tok_cfg.items() if k != "chat_template"}, {"bos_token_id": 1, "eos_token_id": 2})
    # Qwen2: q/k/v bias, tied, F16, sharded in 2 files with an index; ChatML template.
    cfg = llama_cfg("Qwen2ForCausalLM", tie_word_embeddings=True, rope_theta=1000000.0, rms_norm_eps=1e-6,
                    use_sliding_window=False, torch_dtype="float16")
    write_fixture("qwen2-tiny", cfg, llama_family_weights(cfg), torch.float16, llama_family_logits, ms_tok, chatml_tok_cfg,
                  {"eos_token_id": ms_tok[1]["<|im_end|>"]}, shards=2)
    # Qwen3: q/k RMSNorm, head_dim 8 ≠ hidden 16 / 4 heads.
    cfg = llama_cfg("Qwen3ForCausalLM", head_dim=8, attention_bias=False, rope_theta=1000000.0, rms_norm_eps=1e-6)
    write_fixture("qwen3-tiny", cfg, llama_family_weights(cfg, qk_norm=True), torch.float32,
                  lambda c, w, i: llama_family_logits(c, w, i, qk_norm=True), ms_tok, chatml_tok_cfg, {"eos_token_id": 2})
    # Mistral: GQA 4:1, sliding window larger than any test sequence.
    cfg = llama_cfg("MistralForCausalLM", num_key_value_heads=1, sliding_window=4096)
    write_fixture("mistral-tiny", cfg, llama_family_weights(cfg), torch.float32, llama_family_logits, ms_tok, llama_tok_cfg,
                  {"bos_token_id": 1, "eos_token_id": 2})
    # GPT-2: learned positions, LayerNorm, GELU-tanh, Conv1D [in, out], tied lm_head (no lm_head.weight stored).
    cfg = {"architectures": ["GPT2LMHeadModel"], "model_type": "gpt2", "vocab_size": 272, "n_positions": 16, "n_embd": 16,
           "n_layer": 2, "n_head": 4, "n_inner": None, "activation_function": "gelu_new", "layer_norm_epsilon": 1e-5,
           "bos_token_id": bl_tok[1]["<|endoftext|>"], "eos_token_id": bl_tok[1]["<|endoftext|>"], "tie_word_embeddings": True}
    write_fixture("gpt2-tiny", cfg, gpt2_weights(cfg), torch.float32, gpt2_logits, bl_tok,
                  {"bos_token": "<|endoftext|>", "eos_token": "<|endoftext|>", "unk_token": "<|endoftext|>",
                   "model_max_length": 16, "tokenizer_class": "GPT2Tokenizer", "clean_up_tokenization_spaces": False},
                  {"bos_token_id": cfg["bos_token_id"], "eos_token_id": cfg["eos_token_id"]})
    dtype_fixture()
    lora_fixtures()
    seqcls_fixtures(ms_tok)


# ---------------------------------------------------------------- LoRA adapters (PEFT layout)
def read_safetensors(path):
    """A minimal reader for the F32 fixture files written above (float64 copies)."""
    with open(path, "rb") as f:
        data = f.read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        assert info["dtype"] == "F32", name
        a, b = info["data_offsets"]
        arr = np.frombuffer(data[8 + n + a:8 + n + b], dtype="<f4").reshape(info["shape"])
        out[name] = torch.tensor(arr.astype(np.float64))
    return out


def lora_fixture(name, base, r, alpha, targets, modules, fan_in_fan_out, logits_fn):
    """A PEFT adapter folder for fixture `base`: random A and B (B ≠ 0, so it changes the logits),
    and the logits of the merged weights W + (alpha/r)·B·A (Conv1D [in, out]: the transpose)."""
    d = os.path.join(ROOT, base)
    cfg = json.load(open(os.path.join(d, "config.json")))
    w = read_safetensors(os.path.join(d, "model.safetensors"))
    factors, merged = {}, dict(w)
    for m in modules:
        wt = w[m + ".weight"]
        n_in, n_out = (wt.shape[0], wt.shape[1]) if fan_in_fan_out else (wt.shape[1], wt.shape[0])
        a = randn(r, n_in, scale=0.3).float()
        b = randn(n_out, r, scale=0.3).float()
        factors[f"base_model.model.{m}.lora_A.weight"] = a
        factors[f"base_model.model.{m}.lora_B.weight"] = b
        delta = (alpha / r) * (b.double() @ a.double())
        merged[m + ".weight"] = wt + (delta.T if fan_in_fan_out else delta)
    out = os.path.join(ROOT, name)
    write(os.path.join(out, "adapter_model.safetensors"), safetensors_bytes(factors))
    write_json(os.path.join(out, "adapter_config.json"),
               {"peft_type": "LORA", "task_type": "CAUSAL_LM", "base_model_name_or_path": base, "r": r, "lora_alpha": alpha,
                "lora_dropout": 0.0, "target_modules": targets, "bias": "none", "fan_in_fan_out": fan_in_fan_out,
                "use_rslora": False, "use_dora": False, "modules_to_save": None, "layers_to_transform": None,
                "rank_pattern": {}, "alpha_pattern": {}, "inference_mode": True})
    logits = logits_fn(cfg, merged, IDS)
    write_json(os.path.join(out, "expected.json"), {"base": base, "input_ids": IDS, "shape": list(logits.shape),
                                                    "logits": [float(x) for x in logits.flatten()]})


def lora_fixtures():
    torch.manual_seed(4321)  # own stream: the fixtures above keep their bytes
    layers = range(2)
    llama = [f"model.layers.{i}.{k}" for i in layers for k in
             ("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj", "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj")]
    lora_fixture("lora-llama", "llama-tiny", 4, 8, ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
                 llama, False, llama_family_logits)
    gpt2 = [f"transformer.h.{i}.{k}" for i in layers for k in ("attn.c_attn", "attn.c_proj", "mlp.c_fc", "mlp.c_proj")]
    lora_fixture("lora-gpt2", "gpt2-tiny", 2, 6, ["c_attn", "attn.c_proj", "c_fc", "mlp.c_proj"], gpt2, True, gpt2_logits)


# ---------------------------------------------------------------- sequence classification (reward models)
# Chat templates of the reward fixtures: ChatML turns; the Llama one prints BOS first and EOS last
# (as Llama 3 templates print <|begin_of_text|>; its EOS is also the pad token, so the score is read
# one token earlier, exactly as transformers does).
RM_LLAMA_TEMPLATE = (
    "{{ bos_token }}{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' }}"
    "{% endfor %}{{ eos_token }}"
)
PAIRS = [("once upon a time", "there was a cat ."), ("the cat sat on the mat", "then the cat ran !"),
         ("hello, world", "a cat"), ("what sat on the mat?", "the cat sat on the mat, then the cat ran.")]


def render_chatml(query, answer, bos="", eos="", trailing_newline=True):
    """The two templates above, rendered by hand for one (user, assistant) pair."""
    nl = "\n" if trailing_newline else ""
    turns = "".join(f"<|im_start|>{role}\n{text}<|im_end|>{nl}" for role, text in (("user", query), ("assistant", answer)))
    return bos + turns + eos


def encode_with_specials(text, vocab, encode, specials):
    """tokenizers' added-token split: special tokens first, each other segment through the model."""
    pattern = "(" + "|".join(re.escape(s) for s in specials) + ")"
    ids = []
    for seg in re.split(pattern, text):
        if seg in specials:
            ids.append(vocab[seg])
        elif seg:
            ids += encode(seg)
    return ids


def seqcls_fixture(name, cfg, weights, num_labels, dtype, qk_norm, tok, tok_config, rows, pairs_text, bos_id):
    d = os.path.join(ROOT, name)
    c, pad = cfg["hidden_size"], cfg.get("pad_token_id")
    weights = {k: v for k, v in weights.items() if k != "lm_head.weight"}
    weights["score.weight"] = randn(num_labels, c, scale=0.5)
    st, w64 = stored(weights, dtype)
    write_json(os.path.join(d, "config.json"), cfg)
    write(os.path.join(d, "model.safetensors"), safetensors_bytes(st))
    tj, vocab, encode = tok
    write_json(os.path.join(d, "tokenizer.json"), tj)
    write_json(os.path.join(d, "tokenizer_config.json"), tok_config)

    def score(ids):  # transformers: the rightmost token that is not pad (argmax of index·mask; 0 if all pad)
        h = llama_family_hidden(cfg, w64, [ids], qk_norm)[0]
        if pad is None:
            at = len(ids) - 1
        else:
            at = max([i for i, t in enumerate(ids) if t != pad], default=0)
        return [float(x) for x in h[at] @ w64["score.weight"].T]

    specials = [t["content"] for t in tj["added_tokens"]]
    pairs = []
    for (q, a), text in zip(PAIRS, pairs_text):
        bos_text = tok_config.get("bos_token") or None
        bos_text = bos_text["content"] if isinstance(bos_text, dict) else bos_text
        body = text[len(bos_text):] if bos_text and text.startswith(bos_text) else text  # Skywork: drop a template-printed BOS
        ids = ([bos_id] if bos_id is not None else []) + encode_with_specials(body, vocab, encode, specials)
        pairs.append({"query": q, "answer": a, "text": text, "ids": ids, "scores": score(ids)})
    write_json(os.path.join(d, "expected.json"), {
        "num_labels": num_labels, "pad_token_id": pad, "dtype": ST_DTYPE[dtype],
        "rows": [{"ids": r, "scores": score(r)} for r in rows], "pairs": pairs})


def seqcls_fixtures(ms_tok):
    torch.manual_seed(8765)
    vocab = ms_tok[1]
    im_end = vocab["<|im_end|>"]

    def cfg_of(arch, num_labels, **kw):
        cfg = llama_cfg(arch.replace("ForSequenceClassification", "ForCausalLM"), **kw)
        cfg["architectures"] = [arch]
        cfg["id2label"] = {str(i): f"LABEL_{i}" for i in range(num_labels)}
        cfg["label2id"] = {f"LABEL_{i}": i for i in range(num_labels)}
        return cfg

    base_rows = [[1, 5, 9, 3, 7], [1, 8, 6, 10, 12, 3, 5, 9], [4], [1, 11, 2, 13, 14, 6, 7]]
    tok_common = {"unk_token": "<unk>", "clean_up_tokenization_spaces": False, "model_max_length": 64}
    # Llama: pad = EOS (2), num_labels 1, F32; rows with a pad inside, trailing pads and only pads.
    cfg = cfg_of("LlamaForSequenceClassification", 1, pad_token_id=2)
    rows = base_rows + [[1, 5, 9, 2, 2], [2, 2, 2]]
    texts = [render_chatml(q, a, bos="<s>", eos="</s>", trailing_newline=False) for q, a in PAIRS]
    seqcls_fixture("llama-seqcls", cfg, llama_family_weights(cfg), 1, torch.float32, False, ms_tok,
                   {**tok_common, "bos_token": "<s>", "eos_token": "</s>", "pad_token": "</s>", "add_bos_token": True,
                    "tokenizer_class": "LlamaTokenizer", "chat_template": RM_LLAMA_TEMPLATE}, rows, texts, vocab["<s>"])
    # Qwen2: qkv bias, 2 labels, BF16 weights, pad = </s> (not in the chat text), no BOS.
    cfg = cfg_of("Qwen2ForSequenceClassification", 2, pad_token_id=2, rope_theta=1000000.0, rms_norm_eps=1e-6,
                 use_sliding_window=False, torch_dtype="bfloat16")
    rows = base_rows + [[im_end, 5, 2, 2]]
    texts = [render_chatml(q, a) for q, a in PAIRS]
    chatml = {**tok_common, "bos_token": None, "eos_token": "<|im_end|>", "pad_token": "</s>",
              "tokenizer_class": "Qwen2Tokenizer", "chat_template": CHATML_TEMPLATE}
    seqcls_fixture("qwen2-seqcls", cfg, llama_family_weights(cfg), 2, torch.bfloat16, False, ms_tok, chatml, rows, texts, None)
    # Qwen3: q/k norm, head_dim 8, no pad_token_id (the score is read at the last token).
    cfg = cfg_of("Qwen3ForSequenceClassification", 1, head_dim=8, rope_theta=1000000.0, rms_norm_eps=1e-6)
    seqcls_fixture("qwen3-seqcls", cfg, llama_family_weights(cfg, qk_norm=True), 1, torch.float32, True, ms_tok,
                   {k: v for k, v in chatml.items() if k != "pad_token"}, base_rows, texts, None)


if __name__ == "__main__":
    main()
