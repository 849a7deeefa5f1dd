"""Pretrain a tiny Llama from scratch on a game's instances (the default model: the default game's).

    python3 tools/default-model/pretrain.py <corpus.json> <out-dir> [--steps N] [--seed S]

Reads the tokenized corpus written by make-data.mjs (its game is the corpus's) and writes <out-dir>/{config.json,
generation_config.json, model.safetensors, golden.json}. CPU-only, seeded, deterministic.

Why PyTorch: pretraining is ~10^4 supervised steps, an order of magnitude faster here than in
TensorFlow.js on CPU, and the model written by an independent Llama implementation (HF conventions:
rotate-half RoPE, RMSNorm, SwiGLU) doubles as a numerical check of @agon/models' loader
(golden.json holds torch's logits; packages/trainer/test/default-model.test.ts compares).

The corpus is deliberately imperfect: on a hard instance (the default game: a problem that needs a
carry) its answer is the correct one only with probability --p-right; otherwise it is the answer with
the game's classic error (the carry dropped; see game.mjs). The model therefore knows both answers
and prefers the wrong one on the hard instances ("weak on hard instances"): the exact verifier of
self-play has room to fix it.
"""
import argparse, json, math, os, struct, time
import torch
import torch.nn as nn
import torch.nn.functional as F

p = argparse.ArgumentParser()
p.add_argument('corpus'); p.add_argument('out')
p.add_argument('--steps', type=int, default=1000)
p.add_argument('--seed', type=int, default=0)
p.add_argument('--p-right', type=float, default=0.3)
p.add_argument('--lr', type=float, default=3e-3)
p.add_argument('--batch', type=int, default=48)
p.add_argument('--challenger-batch', type=int, default=2)
args = p.parse_args()
torch.manual_seed(args.seed)
torch.set_num_threads(1)  # the machine is shared; one thread is steadier
torch.use_deterministic_algorithms(True)

corpus = json.load(open(args.corpus))
CFG = dict(vocab_size=corpus['vocabSize'], hidden_size=64, intermediate_size=192, num_hidden_layers=2,
           num_attention_heads=4, num_key_value_heads=4, max_position_embeddings=256, rms_norm_eps=1e-5,
           rope_theta=10000.0)
EOS = corpus['eosId']


class RMSNorm(nn.Module):
    def __init__(self, c):
        super().__init__(); self.weight = nn.Parameter(torch.ones(c))
    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + CFG['rms_norm_eps']) * self.weight


def rope(T, D):
    inv = 1.0 / (CFG['rope_theta'] ** (torch.arange(0, D, 2, dtype=torch.float32) / D))
    f = torch.outer(torch.arange(T, dtype=torch.float32), inv)  # (T, D/2)
    e = torch.cat([f, f], -1)  # (T, D): HF's rotate-half layout
    return e.cos(), e.sin()


def rot_half(x):
    h = x.shape[-1] // 2
    return torch.cat([-x[..., h:], x[..., :h]], -1)


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        C, I = CFG['hidden_size'], CFG['intermediate_size']
        self.input_layernorm = RMSNorm(C); self.post_attention_layernorm = RMSNorm(C)
        self.self_attn = nn.Module()
        for n in 'qkvo': setattr(self.self_attn, f'{n}_proj', nn.Linear(C, C, bias=False))
        self.mlp = nn.Module()
        self.mlp.gate_proj = nn.Linear(C, I, bias=False); self.mlp.up_proj = nn.Linear(C, I, bias=False)
        self.mlp.down_proj = nn.Linear(I, C, bias=False)

    def forward(self, x, cos, sin, mask):
        B, T, C = x.shape; H = CFG['num_attention_heads']; D = C // H
        h = self.input_layernorm(x); a = self.self_attn
        q, k, v = (getattr(a, f'{n}_proj')(h).view(B, T, H, D).transpose(1, 2) for n in 'qkv')  # (B, H, T, D)
        q = q * cos + rot_half(q) * sin; k = k * cos + rot_half(k) * sin
        att = (q @ k.transpose(-1, -2)) / math.sqrt(D) + mask  # (B, H, T, T)
        y = (att.softmax(-1) @ v).transpose(1, 2).reshape(B, T, C)
        x = x + a.o_proj(y)
        h = self.post_attention_layernorm(x)
        return x + self.mlp.down_proj(F.silu(self.mlp.gate_proj(h)) * self.mlp.up_proj(h))


class Llama(nn.Module):
    def __init__(self):
        super().__init__()
        self.model = nn.Module()
        self.model.embed_tokens = nn.Embedding(CFG['vocab_size'], CFG['hidden_size'])
        self.model.layers = nn.ModuleList([Block() for _ in range(CFG['num_hidden_layers'])])
        self.model.norm = RMSNorm(CFG['hidden_size'])
        self.lm_head = nn.Linear(CFG['hidden_size'], CFG['vocab_size'], bias=False)
        for m in self.modules():
            if isinstance(m, (nn.Linear, nn.Embedding)): nn.init.normal_(m.weight, std=0.02)

    def forward(self, ids):  # ids (B, T) -> logits (B, T, V)
        T = ids.shape[1]; D = CFG['hidden_size'] // CFG['num_attention_heads']
        cos, sin = rope(T, D)
        mask = torch.full((T, T), float('-inf')).triu(1)
        x = self.model.embed_tokens(ids)
        for blk in self.model.layers: x = blk(x, cos, sin, mask)
        return self.lm_head(self.model.norm(x))


probs = corpus['problems']
train = [q for q in probs if not q['heldOut']]
held = [q for q in probs if q['heldOut']]
# Problems drawn with the game's own odds (make-data.mjs wrote them beside each problem).
HARD, EASY = corpus.get('hard', 'carry'), corpus.get('easy', 'plain')
w = torch.tensor([q['weight'] for q in train])
g = torch.Generator().manual_seed(args.seed)


def batch(rows):
    """Right-padded (ids, targets) with loss only on reply tokens (-100 elsewhere)."""
    L = max(len(pr) + len(rp) for pr, rp in rows)
    ids = torch.full((len(rows), L), EOS, dtype=torch.long); tgt = torch.full((len(rows), L), -100, dtype=torch.long)
    for i, (pr, rp) in enumerate(rows):
        seq = pr + rp; ids[i, :len(seq)] = torch.tensor(seq)
        tgt[i, len(pr) - 1:len(seq) - 1] = torch.tensor(rp)
    return ids, tgt


def solver_rows(n):
    idx = torch.multinomial(w, n, replacement=True, generator=g).tolist()
    coin = torch.rand(n, generator=g).tolist()
    rows = []
    for i, c in zip(idx, coin):
        q = train[i]
        rows.append((q['solverPrompt'], q['right'] if q['wrong'] is None or c < args.p_right else q['wrong']))
    return rows


def challenger_rows(n):
    idx = torch.multinomial(w, n, replacement=True, generator=g).tolist()
    return [(corpus['challengerPrompt'], train[i]['query']) for i in idx]


@torch.no_grad()
def greedy_acc(model, qs, counts=False):
    """Greedy accuracy on qs, split into hard instances (a wrong answer exists) and easy ones."""
    res = {HARD: [0, 0], EASY: [0, 0]}
    by_len = {}
    for q in qs: by_len.setdefault(len(q['solverPrompt']), []).append(q)  # same length: no padding needed
    for group in by_len.values():
        ids = torch.tensor([q['solverPrompt'] for q in group])
        out = []
        for _ in range(max(len(q["right"]) for q in group)):
            nxt = model(ids)[:, -1].argmax(-1, keepdim=True); out.append(nxt); ids = torch.cat([ids, nxt], 1)
        out = torch.cat(out, 1).tolist()
        for q, o in zip(group, out):
            ok = o[:len(q['right'])] == q['right']
            k = EASY if q['wrong'] is None else HARD
            res[k][0] += ok; res[k][1] += 1
    if counts: return {k: dict(correct=a, n=n) for k, (a, n) in res.items()}
    return {k: round(a / max(n, 1), 3) for k, (a, n) in res.items()}


model = Llama()
opt = torch.optim.AdamW(model.parameters(), lr=args.lr, betas=(0.9, 0.98), weight_decay=0.01)
warm = 100
sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1, (s + 1) / warm) * 0.5 * (1 + math.cos(math.pi * min(s, args.steps) / args.steps)))
t0 = time.time()
for step in range(args.steps):
    ids, tgt = batch(solver_rows(args.batch))
    loss = F.cross_entropy(model(ids).flatten(0, 1), tgt.flatten(), ignore_index=-100)
    cids, ctgt = batch(challenger_rows(args.challenger_batch))
    closs = F.cross_entropy(model(cids).flatten(0, 1), ctgt.flatten(), ignore_index=-100)
    opt.zero_grad(); (loss + closs).backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step(); sched.step()
    if step % 50 == 0:
        print(f'step {step} loss {loss.item():.3f} challenger {closs.item():.3f} {time.time() - t0:.0f}s', flush=True)
    if step % 500 == 0 or step == args.steps - 1:
        model.eval()
        print(f'step {step} loss {loss.item():.3f} challenger {closs.item():.3f} train {greedy_acc(model, train[::25])} held-out {greedy_acc(model, held)} {time.time() - t0:.0f}s', flush=True)
        model.train()

# ---- Write the HF folder: config.json, generation_config.json, model.safetensors (float32), golden.json.
os.makedirs(args.out, exist_ok=True)
def dump(name, obj):
    with open(os.path.join(args.out, name + '.tmp'), 'w') as f: json.dump(obj, f, indent=2); f.write('\n')
    os.replace(os.path.join(args.out, name + '.tmp'), os.path.join(args.out, name))
dump('config.json', dict(architectures=['LlamaForCausalLM'], model_type='llama', hidden_act='silu', tie_word_embeddings=False,
                         bos_token_id=1, eos_token_id=EOS, torch_dtype='float32', **CFG))
dump('generation_config.json', dict(bos_token_id=1, eos_token_id=EOS))
state = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
header, off = {}, 0
for k, v in state.items():
    n = v.numel() * 4; header[k] = dict(dtype='F32', shape=list(v.shape), data_offsets=[off, off + n]); off += n
header['__metadata__'] = {'format': 'pt'}
hb = json.dumps(header, separators=(',', ':')).encode(); hb += b' ' * (-len(hb) % 8)
tmp = os.path.join(args.out, 'model.safetensors.tmp')
with open(tmp, 'wb') as f:
    f.write(struct.pack('<Q', len(hb))); f.write(hb)
    for v in state.values(): f.write(v.numpy().astype('<f4').tobytes())
os.replace(tmp, os.path.join(args.out, 'model.safetensors'))
# Golden values for the loader test: torch's logits on one held-out solver prompt and the challenger prompt.
model.eval()
with torch.no_grad():
    golden = []
    for ids in (held[0]['solverPrompt'], corpus['challengerPrompt']):
        lg = model(torch.tensor([ids]))[0]
        golden.append(dict(ids=ids, lastLogits=[round(x, 6) for x in lg[-1].tolist()], firstLogits=[round(x, 6) for x in lg[0].tolist()]))
dump('golden.json', dict(note=f'torch {".".join(torch.__version__.split(".")[:2])} float32 logits of pretrain.py; first and last position', cases=golden,
                         heldOutGreedy=greedy_acc(model, held, counts=True), args=vars(args)))
print('wrote', args.out, 'params', sum(v.numel() for v in state.values()))
