"""PyTorch CPU reference for Llama-2-style decoders: the peer baseline for agon's benchmarks.

Architecture (as in llama2.c run.c): RMSNorm (eps 1e-5), interleaved RoPE (pairs x[2i], x[2i+1],
theta 10000), grouped-query attention (query head h reads KV head h // (n_heads/n_kv_heads)),
SwiGLU FFN w2(silu(w1 x) * w3 x), no biases, tied or untied classifier. Attention is
F.scaled_dot_product_attention where torch has it (>= 2.0), else explicit (--attention explicit).

Requirements (Debian 12): apt-get install -y python3-torch libopenblas0-pthread; run with
/usr/bin/python3 (torch 1.13.1; the pyenv python3 on PATH has no torch). Without OpenBLAS torch
uses the reference BLAS (~6 GFLOP/s instead of ~176); the script then warns on stderr. It also runs
on official torch 2.x CPU wheels. Speed-ups on this VM (measured here):
GLIBC_TUNABLES=glibc.malloc.hugetlb=1 (slow 4K page faults), OMP_WAIT_POLICY=PASSIVE (OpenBLAS).

Model: --checkpoint FILE (llama2.c v0 .bin), --config {stories260K,stories15M,small} (random
init, N(0, 0.02) as in llama2.c model.py), or --hf FOLDER: a Hugging Face folder loaded with
transformers (AutoModelForCausalLM, float32, SDPA attention) — agon's bench writes its real-shape
folders (SmolLM2-135M, Qwen2.5-0.5B, random weights) and passes them here. --lora R (train, --hf
only) trains PEFT LoRA adapters of rank R (alpha 2R, q/k/v/o/gate/up/down, no dropout) instead of
every weight. --device cuda runs on the GPU (float32, timings synchronised with the device after
each step); the default is cpu. This copy extends ../shared/bench/torch_ref.py with --hf, --lora,
--device and the prefill rate. Usage:
  /usr/bin/python3 torch_ref.py --config stories15M --mode train --batch 8 --seq 256 --steps 10
  /usr/bin/python3 torch_ref.py --config stories15M --mode decode --batch 16 --new 128
  /usr/bin/python3 torch_ref.py --checkpoint stories260K.bin --tokenizer tok512.bin --check
train:  times --steps steps, after 3 warm-up steps, of forward + cross-entropy + backward + AdamW
        on random tokens, and prints one JSON line. tokens_per_s = batch*seq*steps / timed seconds.
decode: greedy, batched, with a KV cache, under torch.no_grad(). After 3 short warm-up passes it
        prefills --prompt-len random tokens, then times --new single-token steps. tokens_per_s =
        batch*new / sum of step times (as in run.c, the token from the prefill is not counted);
        prefill_tokens_per_s = batch*prompt-len / the prefill's time.
--check: greedy from BOS (token 1) for up to 200 steps, stopping at BOS as run.c does. It prints
        the text (expected start: "Once upon a time, there was a little girl named Lily.") and, on
        stderr, the top-5 logits after BOS and whether one no-cache forward pass agrees with it.
"""
import argparse, ctypes, json, re, resource, statistics, struct, sys, time
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

SDPA = hasattr(F, "scaled_dot_product_attention")
DEVICE = torch.device("cpu")


def sync():
    """Waits for the device's queued work, so a wall-clock time covers it (no-op on the CPU)."""
    if DEVICE.type == "cuda":
        torch.cuda.synchronize()


@dataclass
class Config:
    dim: int; hidden_dim: int; n_layers: int; n_heads: int; n_kv_heads: int
    vocab_size: int; seq_len: int; shared_classifier: bool = True


PRESETS = {
    "stories260K": Config(64, 172, 5, 8, 4, 512, 512),
    "stories15M": Config(288, 768, 6, 6, 6, 32000, 256),
    "small": Config(512, 1376, 8, 8, 8, 8192, 512),
}


def linear(n_in, n_out):
    return nn.Linear(n_in, n_out, bias=False)


class RMSNorm(nn.Module):
    def __init__(self, dim, eps=1e-5):
        super().__init__(); self.eps, self.weight = eps, nn.Parameter(torch.ones(dim))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rope(x, cos, sin):
    """x (B,T,H,D); cos/sin (T,D/2). Rotates interleaved pairs (x[2i], x[2i+1]) as run.c does."""
    x0, x1 = x.unflatten(-1, (-1, 2)).unbind(-1)
    c, s = cos[None, :, None, :], sin[None, :, None, :]
    return torch.stack((x0 * c - x1 * s, x0 * s + x1 * c), dim=-1).flatten(-2)


class Block(nn.Module):
    def __init__(self, cfg: Config):
        super().__init__()
        C, H = cfg.dim, cfg.hidden_dim
        self.n_heads, self.n_kv, self.hd = cfg.n_heads, cfg.n_kv_heads, cfg.dim // cfg.n_heads
        self.attention_norm, self.ffn_norm = RMSNorm(C), RMSNorm(C)
        kv = self.n_kv * self.hd
        self.wq, self.wk, self.wv, self.wo = linear(C, C), linear(C, kv), linear(C, kv), linear(C, C)
        self.w1, self.w2, self.w3 = linear(C, H), linear(H, C), linear(C, H)

    def forward(self, x, cos, sin, mask, cache=None, pos=0):
        B, T, C = x.shape
        h = self.attention_norm(x)
        q = rope(self.wq(h).view(B, T, self.n_heads, self.hd), cos, sin)
        k = rope(self.wk(h).view(B, T, self.n_kv, self.hd), cos, sin)
        v = self.wv(h).view(B, T, self.n_kv, self.hd)
        if cache is not None:                       # cache: (k, v), each (B, max_len, n_kv, D)
            cache[0][:, pos:pos + T], cache[1][:, pos:pos + T] = k, v
            k, v = cache[0][:, :pos + T], cache[1][:, :pos + T]
        rep = self.n_heads // self.n_kv             # GQA: query head h uses kv head h // rep
        q = q.transpose(1, 2)                                                  # (B,H,T,D)
        k, v = (t.repeat_interleave(rep, 2).transpose(1, 2) for t in (k, v))   # (B,H,S,D)
        if SDPA:  # torch >= 2.0. Its bool mask means "may attend"; ours means "hidden".
            causal = mask is not None and pos == 0
            y = F.scaled_dot_product_attention(q, k, v, None if mask is None or causal else ~mask,
                                               is_causal=causal)
        else:
            att = (q @ k.transpose(-2, -1)) / self.hd ** 0.5
            y = (att if mask is None else att.masked_fill(mask, float("-inf"))).softmax(-1) @ v
        y = y.transpose(1, 2).reshape(B, T, C)
        x = x + self.wo(y)
        h = self.ffn_norm(x)
        return x + self.w2(F.silu(self.w1(h)) * self.w3(h))


class Llama(nn.Module):
    def __init__(self, cfg: Config):
        super().__init__()
        self.cfg, self.tok_embeddings = cfg, nn.Embedding(cfg.vocab_size, cfg.dim)
        self.layers = nn.ModuleList(Block(cfg) for _ in range(cfg.n_layers))
        self.norm, self.output = RMSNorm(cfg.dim), linear(cfg.dim, cfg.vocab_size)
        if cfg.shared_classifier:
            self.output.weight = self.tok_embeddings.weight
        hd = cfg.dim // cfg.n_heads
        freqs = 1.0 / 10000.0 ** (torch.arange(0, hd, 2).float() / hd)
        ang = torch.outer(torch.arange(cfg.seq_len).float(), freqs)         # (seq_len, D/2)
        self.cos, self.sin = ang.cos(), ang.sin()   # plain tensors, never saved (moved by to())
        for name, p in self.named_parameters():     # llama2.c model.py init
            if p.dim() == 2:
                scaled = name.endswith(("w3.weight", "wo.weight"))
                nn.init.normal_(p, 0.0, 0.02 / (2 * cfg.n_layers) ** 0.5 if scaled else 0.02)

    def to(self, device):
        self.cos, self.sin = self.cos.to(device), self.sin.to(device)
        return super().to(device)

    def forward(self, tokens, caches=None, pos=0):
        """tokens (B,T) -> logits (B,T,V). With caches, the tokens sit at positions pos..pos+T-1."""
        B, T = tokens.shape
        cos, sin = self.cos[pos:pos + T], self.sin[pos:pos + T]
        # (T, pos+T), True = hidden: query i (at absolute position pos+i) sees keys 0..pos+i
        mask = torch.ones(T, pos + T, dtype=torch.bool, device=tokens.device).triu(pos + 1) if T > 1 else None
        x = self.tok_embeddings(tokens)
        for i, layer in enumerate(self.layers):
            x = layer(x, cos, sin, mask, None if caches is None else caches[i], pos)
        return self.output(self.norm(x))

    def new_caches(self, batch, max_len):
        shape = (batch, max_len, self.cfg.n_kv_heads, self.cfg.dim // self.cfg.n_heads)
        return [(torch.zeros(shape, device=self.cos.device), torch.zeros(shape, device=self.cos.device))
                for _ in range(self.cfg.n_layers)]


def load_checkpoint(path):
    """llama2.c v0 format: 7 int32 header, then float32 tensors in a fixed order."""
    with open(path, "rb") as f:
        buf = bytearray(f.read())
    dim, hidden, L, nh, nkv, vocab, seq = struct.unpack("7i", buf[:28])
    cfg = Config(dim, hidden, L, nh, nkv, abs(vocab), seq, shared_classifier=vocab > 0)
    data, off = torch.frombuffer(buf, dtype=torch.float32, offset=28), 0
    model, hd, kv = Llama(cfg), dim // nh, nkv * (dim // nh)

    def take(*shape):
        nonlocal off
        n = torch.Size(shape).numel()
        off += n
        return data[off - n:off].view(*shape).clone()

    with torch.no_grad():
        model.tok_embeddings.weight.copy_(take(cfg.vocab_size, dim))
        for name, shape in [("attention_norm", (dim,)), ("wq", (dim, dim)), ("wk", (kv, dim)),
                            ("wv", (kv, dim)), ("wo", (dim, dim)), ("ffn_norm", (dim,)),
                            ("w1", (hidden, dim)), ("w2", (dim, hidden)), ("w3", (hidden, dim))]:
            stacked = take(L, *shape)                # (L, *shape), one slice per layer
            for i, layer in enumerate(model.layers):
                layer.get_parameter(name + ".weight").copy_(stacked[i])
        model.norm.weight.copy_(take(dim))
        off += seq * hd // 2 * 2                    # freq_cis_real, freq_cis_imag: skipped
        if not cfg.shared_classifier:
            model.output.weight.copy_(take(cfg.vocab_size, dim))
    assert off == data.numel(), f"checkpoint size mismatch: used {off} of {data.numel()} floats"
    return model


def load_tokenizer(path, vocab_size):
    """llama2.c tokenizer.bin: uint32 max_token_length, then per token f32 score, i32 len, bytes."""
    with open(path, "rb") as f:
        f.read(4)                                   # max_token_length: unused
        return [f.read(struct.unpack("fi", f.read(8))[1]) for _ in range(vocab_size)]


def decode_piece(pieces, prev, tok):
    p = pieces[tok]
    if prev == 1 and p.startswith(b" "):            # strip the leading space after BOS
        p = p[1:]
    m = re.fullmatch(rb"<0x([0-9A-Fa-f]{2})>", p)
    return bytes([int(m.group(1), 16)]) if m else p


def check(model, args):
    pieces = load_tokenizer(args.tokenizer, model.cfg.vocab_size)
    steps = min(200, model.cfg.seq_len)
    caches, ids, out = model.new_caches(1, steps), [1], b""
    with torch.no_grad():
        for pos in range(steps):
            logits = model(torch.tensor([ids[-1:]], device=DEVICE), caches, pos)[0, -1]
            if pos == 0:
                top = logits.topk(5)
                top5 = [(int(i), pieces[i].decode("utf-8", "replace"), round(float(v), 4))
                        for v, i in zip(top.values, top.indices)]
            nxt = int(logits.argmax())
            if nxt == 1: break
            out += decode_piece(pieces, ids[-1], nxt)
            ids.append(nxt)
        full = model(torch.tensor([ids], device=DEVICE))[0].argmax(-1).tolist()   # no-cache path, one pass
    print(out.decode("utf-8", "replace"))
    print(json.dumps({"top5_after_bos": top5, "generated": len(ids) - 1,
                      "full_forward_agrees": full[:-1] == ids[1:]}), file=sys.stderr)


def train(model, args):
    cfg, B, T = model.cfg, args.batch, args.seq
    assert T <= cfg.seq_len, "seq longer than the model's seq_len"
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-4, weight_decay=0.1)
    times = []
    for step in range(3 + args.steps):
        batch = torch.randint(cfg.vocab_size, (B, T + 1), device=DEVICE)
        sync()
        t0 = time.perf_counter()
        logits = model(batch[:, :-1])
        loss = F.cross_entropy(logits.view(-1, cfg.vocab_size), batch[:, 1:].reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sync()
        if step >= 3:
            times.append(time.perf_counter() - t0)
    return {"mode": "train", "batch": B, "seq": T, "steps": args.steps,
            "tokens_per_s": round(B * T * len(times) / sum(times), 1),
            "ms_per_step_median": round(1000 * statistics.median(times), 2),
            "final_loss": round(loss.item(), 4)}


@torch.no_grad()
def decode(model, args):
    cfg, B, P, N = model.cfg, args.batch, args.prompt_len, args.new
    assert P >= 1 and P + N <= cfg.seq_len, "prompt-len + new must fit in seq_len"

    def run(n_new):
        caches = model.new_caches(B, P + n_new)
        prompt = torch.randint(cfg.vocab_size, (B, P), device=DEVICE)
        sync()
        t0 = time.perf_counter()
        nxt = model(prompt, caches, 0)[:, -1].argmax(-1, keepdim=True)   # (B,1)
        sync()
        prefill = time.perf_counter() - t0
        steps = []
        for i in range(n_new):
            t0 = time.perf_counter()
            nxt = model(nxt, caches, P + i)[:, -1].argmax(-1, keepdim=True)
            sync()
            steps.append(time.perf_counter() - t0)
        return prefill, steps

    for _ in range(3):                               # warm-up: torch's first calls are slow
        run(min(N, 8))
    prefill, steps = run(N)
    return {"mode": "decode", "batch": B, "new": N, "prompt_len": P,
            "tokens_per_s": round(B * N / sum(steps), 1),
            "ms_per_token_step_median": round(1000 * statistics.median(steps), 3),
            "prefill_ms": round(1000 * prefill, 2), "prefill_tokens_per_s": round(B * P / prefill, 1)}


class HfModel:
    """A transformers causal LM behind this script's interface: cfg, logits of a batch, a KV cache."""

    def __init__(self, path, lora):
        from transformers import AutoModelForCausalLM
        self.net = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32, attn_implementation="sdpa")
        c = self.net.config
        self.cfg = Config(c.hidden_size, c.intermediate_size, c.num_hidden_layers, c.num_attention_heads,
                          c.num_key_value_heads, c.vocab_size, c.max_position_embeddings)
        if lora:
            from peft import LoraConfig, get_peft_model
            targets = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
            self.net = get_peft_model(self.net, LoraConfig(r=lora, lora_alpha=2 * lora, lora_dropout=0.0, target_modules=targets))

    def parameters(self):
        return self.net.parameters()

    def to(self, device):
        self.net.to(device)
        return self

    def __call__(self, tokens, cache=None, pos=0):
        out = self.net(input_ids=tokens, past_key_values=cache, use_cache=cache is not None)
        return out.logits

    def new_caches(self, batch, max_len):
        from transformers import DynamicCache
        return DynamicCache()


def warn_if_slow_blas():                            # reference BLAS: ~6 GFLOP/s, OpenBLAS: ~176
    a, best = torch.randn(512, 512), float("inf")
    for _ in range(4):
        t0 = time.perf_counter(); a @ a; best = min(best, time.perf_counter() - t0)
    if (gflops := 2 * 512 ** 3 / best / 1e9) < 15:
        print(f"warning: matmul {gflops:.1f} GFLOP/s; install libopenblas0-pthread?", file=sys.stderr)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--checkpoint", help="llama2.c v0 .bin file")
    src.add_argument("--config", choices=sorted(PRESETS), help="random-init preset")
    src.add_argument("--hf", help="Hugging Face folder (transformers)")
    ap.add_argument("--lora", type=int, help="train: PEFT LoRA of this rank (--hf only)")
    ap.add_argument("--mode", choices=["train", "decode"], default="train")
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--seq", type=int, default=64, help="train: tokens per row")
    ap.add_argument("--steps", type=int, default=10, help="train: timed steps")
    ap.add_argument("--new", type=int, default=128, help="decode: generated tokens per row")
    ap.add_argument("--prompt-len", type=int, default=16, help="decode: random prompt tokens")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--device", default="cpu", help="torch device: cpu (default) or cuda")
    ap.add_argument("--attention", choices=["sdpa", "explicit"], help="default: sdpa if available")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--check", action="store_true", help="greedy text from BOS (needs --tokenizer)")
    ap.add_argument("--tokenizer", help="llama2.c tokenizer.bin, e.g. tok512.bin")
    args = ap.parse_args()
    global SDPA, DEVICE
    SDPA = SDPA and args.attention != "explicit"
    DEVICE = torch.device(args.device)
    if DEVICE.type == "cuda" and not torch.cuda.is_available():
        ap.error(f"--device {args.device}: torch {torch.__version__} sees no CUDA device")

    torch.set_num_threads(args.threads)
    if "libopenblas" in open("/proc/self/maps").read():   # Debian torch: set_num_threads misses it
        ctypes.CDLL("libopenblas.so.0").openblas_set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    if args.lora and not args.hf:
        ap.error("--lora needs --hf")
    if args.hf:
        model = HfModel(args.hf, args.lora if args.mode == "train" else None)
    else:
        model = load_checkpoint(args.checkpoint) if args.checkpoint else Llama(PRESETS[args.config])
    model = model.to(DEVICE)
    if args.check:
        return check(model, args) if args.tokenizer else ap.error("--check needs --tokenizer")
    if DEVICE.type == "cpu":
        warn_if_slow_blas()
    result = (train if args.mode == "train" else decode)(model, args)
    name = args.config or (args.hf or args.checkpoint).rstrip("/").rsplit("/", 1)[-1].removesuffix(".bin")
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024          # Linux: KiB
    n_params = sum(p.numel() for p in model.parameters())
    lora = {"lora": args.lora} if args.lora else {}
    print(json.dumps({"mode": result.pop("mode"), "config": name, **result, **lora, "threads": args.threads,
                      "peak_rss_mb": round(rss_mb, 1), "params": n_params, "torch": torch.__version__,
                      "attention": "sdpa" if SDPA else "explicit", "device": str(DEVICE),
                      **({"gpu": torch.cuda.get_device_name(DEVICE)} if DEVICE.type == "cuda" else {})}))


if __name__ == "__main__":
    main()
