"""Golden values for the stories260K tests, from an independent float64 PyTorch forward pass.

Written from llama2.c run.c's maths (not from agon's code): RMSNorm eps 1e-5, RoPE on interleaved
pairs with theta 10000, grouped-query attention, SwiGLU, tied classifier. Run from the repo root:
  /usr/bin/python3 packages/models/test/llama2c-golden/make_golden.py
It writes logits.json beside this file and prints the greedy texts, which must equal
greedy200.txt / greedy64-once.txt (those two files hold the output of the reference
../shared/bench/torch_ref.py --check, a float32 port of run.c, and the strings listed in
stories260K's SOURCE.md: the 200-step text equals llama2.c test_all.py's expected_stdout).
"""
import json, os, re, struct
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ASSETS = os.path.join(HERE, "..", "..", "assets", "stories260K")


def load(path):
    buf = open(path, "rb").read()
    dim, hidden, L, nh, nkv, vocab, seq = struct.unpack("7i", buf[:28])
    data = torch.frombuffer(bytearray(buf[28:]), dtype=torch.float32).double()
    off = 0

    def take(*shape):
        nonlocal off
        n = 1
        for s in shape:
            n *= s
        off += n
        return data[off - n:off].reshape(shape)

    hd = dim // nh
    w = {"emb": take(abs(vocab), dim)}
    for name, shape in [("att_norm", (dim,)), ("wq", (dim, dim)), ("wk", (nkv * hd, dim)), ("wv", (nkv * hd, dim)),
                        ("wo", (dim, dim)), ("ffn_norm", (dim,)), ("w1", (hidden, dim)), ("w2", (dim, hidden)),
                        ("w3", (hidden, dim))]:
        w[name] = take(L, *shape)
    w["norm"] = take(dim)
    return w, dict(dim=dim, L=L, nh=nh, nkv=nkv, hd=hd, vocab=abs(vocab))


def forward(w, c, ids):
    """ids: list of ints -> logits (T, V) float64, full causal attention (no cache)."""
    T, hd, nh, nkv = len(ids), c["hd"], c["nh"], c["nkv"]
    x = w["emb"][torch.tensor(ids)]
    freqs = 1.0 / 10000.0 ** (torch.arange(0, hd, 2, dtype=torch.float64) / hd)
    ang = torch.outer(torch.arange(T, dtype=torch.float64), freqs)       # (T, hd/2)
    cos, sin = ang.cos(), ang.sin()

    def rms(v, g):
        return v / torch.sqrt((v * v).mean(-1, keepdim=True) + 1e-5) * g

    def rope(v):                                                           # (T, heads, hd)
        a, b = v[..., 0::2], v[..., 1::2]
        out = torch.empty_like(v)
        out[..., 0::2] = a * cos[:, None, :] - b * sin[:, None, :]
        out[..., 1::2] = a * sin[:, None, :] + b * cos[:, None, :]
        return out

    mask = torch.triu(torch.ones(T, T, dtype=torch.bool), 1)
    for l in range(c["L"]):
        h = rms(x, w["att_norm"][l])
        q = rope((h @ w["wq"][l].T).view(T, nh, hd))
        k = rope((h @ w["wk"][l].T).view(T, nkv, hd))
        v = (h @ w["wv"][l].T).view(T, nkv, hd)
        out = torch.empty(T, nh, hd, dtype=torch.float64)
        for head in range(nh):
            kv = head // (nh // nkv)
            s = (q[:, head] @ k[:, kv].T) / hd ** 0.5
            out[:, head] = s.masked_fill(mask, float("-inf")).softmax(-1) @ v[:, kv]
        x = x + out.reshape(T, -1) @ w["wo"][l].T
        h = rms(x, w["ffn_norm"][l])
        g = h @ w["w1"][l].T
        x = x + ((g * torch.sigmoid(g)) * (h @ w["w3"][l].T)) @ w["w2"][l].T
    return rms(x, w["norm"]) @ w["emb"].T


def pieces():
    buf = open(os.path.join(ASSETS, "tok512.bin"), "rb").read()
    out, at = [], 4
    for _ in range(512):
        _, n = struct.unpack("fi", buf[at:at + 8]); at += 8
        out.append(buf[at:at + n]); at += n
    return out


def greedy(w, c, prompt, steps):
    ids = list(prompt)
    while len(ids) < steps + 1:
        nxt = int(forward(w, c, ids)[-1].argmax())
        if len(ids) >= len(prompt):
            if nxt == 1:
                break
            ids.append(nxt)
    return ids


def text(ids):
    p, out = pieces(), b""
    for prev, t in zip(ids, ids[1:]):
        s = p[t][1:] if prev == 1 and p[t].startswith(b" ") else p[t]
        m = re.fullmatch(rb"<0x([0-9A-Fa-f]{2})>", s)
        out += bytes([int(m.group(1), 16)]) if m else s
    return out.decode()


def scores():
    buf = open(os.path.join(ASSETS, "tok512.bin"), "rb").read()
    out, at = [], 4
    for _ in range(512):
        sc, n = struct.unpack("fi", buf[at:at + 8]); at += 8 + n
        out.append(sc)
    return out


def encode(text, bos=True):
    """run.c encode(): BOS, dummy-prefix " ", one token per UTF-8 char (else bytes + 3), best-score merges."""
    p, sc = pieces(), scores()
    lookup = {}
    for i, piece in enumerate(p):
        lookup.setdefault(piece, i)
    ids = [1] if bos else []
    if text:
        ids.append(lookup[b" "])
    for ch in text:
        b = ch.encode("utf-8")
        ids.extend([lookup[b]] if b in lookup else [x + 3 for x in b])
    while True:
        best = (-1e10, -1, -1)
        for i in range(len(ids) - 1):
            j = lookup.get(p[ids[i]] + p[ids[i + 1]])
            if j is not None and sc[j] > best[0]:
                best = (sc[j], j, i)
        if best[2] < 0:
            return ids
        ids[best[2]:best[2] + 2] = [best[1]]


TOKEN_CASES = ["Once upon a time", "", "Hello, world!", "The cat sat.\nThe dog ran.", "naïve café 🤖 – ok",
               "  two spaces\tand a tab", "Lily's mom said, \"Let's go!\""]


def main():
    json.dump({"note": "run.c encode() ported to Python (make_golden.py), tok512.bin, bos=True",
               "cases": [{"text": t, "ids": encode(t)} for t in TOKEN_CASES]},
              open(os.path.join(HERE, "tokens.json"), "w"), ensure_ascii=False, indent=1)
    w, c = load(os.path.join(ASSETS, "stories260K.bin"))
    ids = [1, 403, 407, 261, 378, 29, 347, 471]                  # BOS "Once upon a time" + 3 more tokens
    logits = forward(w, c, ids)
    top = logits[0].topk(5)
    json.dump({"note": "float64 torch forward of stories260K.bin (make_golden.py); logits [T, V] row-major",
               "input_ids": ids, "shape": list(logits.shape), "logits": [round(v, 6) for v in logits.flatten().tolist()],
               "top5_after_bos": [[int(i), round(float(v), 6)] for v, i in zip(top.values, top.indices)]},
              open(os.path.join(HERE, "logits.json"), "w"))
    print(repr(text(greedy(w, c, [1, 403, 407, 261, 378], 64))))
    print(repr(text(greedy(w, c, [1], 200))))


if __name__ == "__main__":
    main()
