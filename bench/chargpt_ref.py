#!/usr/bin/python3
"""PyTorch reference of cmd/chargpt: the same byte-level GPT (nanoGPT's
layout), corpus and split, vocabulary, initialization, AdamW groups, LR
schedule, gradient clipping, steps and validation windows. It prints the
training progress, tokens/s and, last, `val bpc: N.NNN`, as chargpt does.

    /usr/bin/python3 bench/chargpt_ref.py --preset tiny [--threads 2]

Debian's python3-torch calls the reference (netlib) BLAS through
/etc/alternatives, several times slower than an optimized one; to measure
PyTorch at its best without changing the system, unpack Debian's
libopenblas0-pthread (apt-get download; dpkg -x) and put its
openblas-pthread directory first on LD_LIBRARY_PATH. On a loaded machine
OMP_WAIT_POLICY=PASSIVE keeps OpenMP threads from spinning.

    go run ./bench -suite gpt -with-torch     # tokens/s of a training step

calls this script with --bench.

Only the random draws differ (initial weights and batch positions come
from torch's and Python's generators, not vktensor's Philox and Go's PCG).
"""
import argparse
import json
import math
import os
import subprocess
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

# Keep in step with cmd/chargpt/data.go and main.go.
PACKAGES = [
    "bufio", "bytes", "container/heap", "container/list", "encoding/csv",
    "encoding/json", "errors", "flag", "fmt", "go/scanner", "go/token", "io",
    "math", "net/url", "path", "regexp/syntax", "sort", "strconv", "strings",
    "text/tabwriter", "text/template/parse", "time", "unicode/utf8",
]
PRESETS = {
    "tiny": dict(ctx=64, layers=2, width=64, heads=4, batch=16, steps=1000, lr=3e-3, min_lr=3e-4, warmup=50, wd=0.1, eval_windows=256),
    "small": dict(ctx=256, layers=6, width=384, heads=6, batch=32, steps=3000, lr=1e-3, min_lr=1e-4, warmup=100, wd=0.1, eval_windows=512),
}


def load_corpus(goroot):
    files = []
    for p in PACKAGES:
        d = os.path.join(goroot, "src", p)
        for n in os.listdir(d):
            if n.endswith(".go") and not n.endswith("_test.go") and os.path.isfile(os.path.join(d, n)):
                files.append(p + "/" + n)
    files.sort(key=lambda s: s.encode())
    train, val = bytearray(), bytearray()
    for i, f in enumerate(files):
        with open(os.path.join(goroot, "src", f), "rb") as fh:
            b = fh.read()
        (val if i % 10 == 9 else train).extend(b)
    return bytes(train), bytes(val), len(files)


class Block(nn.Module):
    def __init__(self, c, h):
        super().__init__()
        self.h = h
        self.ln_1 = nn.LayerNorm(c)
        self.attn = nn.Module()
        self.attn.c_attn = nn.Linear(c, 3 * c)
        self.attn.c_proj = nn.Linear(c, c)
        self.ln_2 = nn.LayerNorm(c)
        self.mlp = nn.Module()
        self.mlp.c_fc = nn.Linear(c, 4 * c)
        self.mlp.c_proj = nn.Linear(4 * c, c)

    def attention(self, x, mask):
        b, t, c = x.shape
        q, k, v = self.attn.c_attn(x).split(c, dim=2)
        q, k, v = (u.view(b, t, self.h, c // self.h).transpose(1, 2) for u in (q, k, v))
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(c // self.h))
        att = (att + mask[:t, :t]).softmax(dim=-1)
        y = (att @ v).transpose(1, 2).contiguous().view(b, t, c)
        return self.attn.c_proj(y)

    def forward(self, x, mask):
        x = x + self.attention(self.ln_1(x), mask)
        return x + self.mlp.c_proj(F.gelu(self.mlp.c_fc(self.ln_2(x))))


class GPT(nn.Module):
    def __init__(self, vocab, ctx, layers, width, heads):
        super().__init__()
        self.transformer = nn.Module()
        self.transformer.wte = nn.Embedding(vocab, width)
        self.transformer.wpe = nn.Embedding(ctx, width)
        self.transformer.h = nn.ModuleList([Block(width, heads) for _ in range(layers)])
        self.transformer.ln_f = nn.LayerNorm(width)
        self.lm_head = nn.Linear(width, vocab, bias=False)
        self.register_buffer("mask", torch.full((ctx, ctx), float("-inf")).triu(1))
        for name, p in self.named_parameters():
            if p.dim() == 1:
                continue  # biases set below, LayerNorms 1 and 0
            std = 0.02 / math.sqrt(2 * layers) if name.endswith("c_proj.weight") else 0.02
            torch.nn.init.normal_(p, 0.0, std)
        for m in self.modules():
            if isinstance(m, nn.Linear) and m.bias is not None:
                torch.nn.init.zeros_(m.bias)

    def forward(self, idx):
        t = idx.shape[1]
        x = self.transformer.wte(idx) + self.transformer.wpe.weight[:t]
        for b in self.transformer.h:
            x = b(x, self.mask)
        return self.lm_head(self.transformer.ln_f(x))


def lr_at(step, p, total):
    if step < p["warmup"]:
        return p["lr"] * (step + 1) / p["warmup"]
    if step >= total:
        return p["min_lr"]
    prog = (step - p["warmup"]) / max(total - p["warmup"], 1)
    return p["min_lr"] + 0.5 * (p["lr"] - p["min_lr"]) * (1 + math.cos(math.pi * prog))


def eval_starts(size, w, n):
    last = size - w - 1
    return [i * last // (n - 1) if n > 1 else 0 for i in range(n)]


def train_step(model, opt, x, y, vocab):
    loss = F.cross_entropy(model(x).view(-1, vocab), y.view(-1))
    opt.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    return loss


def bench(a, p):
    """Times a.bench training steps after two warm-ups, as bench/chargpt.go."""
    vocab, ctx, batch = 133, p["ctx"], p["batch"]
    dev = torch.device(a.device)
    if dev.type == "cuda" and not torch.cuda.is_available():
        print("chargpt_ref: no CUDA device; skipping", file=sys.stderr)
        return
    model = GPT(vocab, ctx, p["layers"], p["width"], p["heads"]).to(dev)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, betas=(0.9, 0.95), weight_decay=0.1)
    i = torch.arange(batch * ctx)
    x = ((i * 7 + 3) % vocab).view(batch, ctx).to(dev)
    y = ((i * 11 + 5) % vocab).view(batch, ctx).to(dev)
    sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)
    for _ in range(2):
        train_step(model, opt, x, y, vocab)
    sync()
    times = []
    for _ in range(a.bench):
        t0 = time.perf_counter()
        train_step(model, opt, x, y, vocab)
        sync()
        times.append(time.perf_counter() - t0)
    times.sort()
    n = len(times)
    med = times[n // 2] if n % 2 else (times[n // 2 - 1] + times[n // 2]) / 2
    name = torch.cuda.get_device_name(dev) if dev.type == "cuda" else "cpu (%d threads)" % a.threads
    print(json.dumps({
        "suite": "gpt", "op": "train-step-" + a.preset, "impl": "pytorch-cuda" if dev.type == "cuda" else "pytorch-cpu",
        "device": name, "shape": "%dx%d" % (batch, ctx), "n": batch * ctx, "reps": n, "inner": 1,
        "median_s": med, "min_s": times[0], "samples_per_s": batch * ctx / med,
        "timing": "wall-median-after-warmup", "note": "torch %s" % torch.__version__,
        "machine": {"command": a.command},
    }))
    bench_attention(a, p, dev, sync, name)


def bench_attention(a, p, dev, sync, name):
    """Times the forward and backward pass of the preset's causal attention
    alone, as bench/chargpt.go's attentionSampler: the head views of one
    [batch, ctx, 3*width] projection, the sum's gradient back into it.
    F.scaled_dot_product_attention where torch has it (2.0 on), else the
    reference model's composed attention."""
    b, t, c, h = p["batch"], p["ctx"], p["width"], p["heads"]
    x = torch.randn(b, t, 3 * c, device=dev, requires_grad=True)
    mask = torch.full((t, t), float("-inf"), device=dev).triu(1)
    fused = hasattr(F, "scaled_dot_product_attention")

    def step():
        q, k, v = (u.view(b, t, h, c // h).transpose(1, 2) for u in x.split(c, dim=2))
        if fused:
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        else:
            y = (((q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(c // h)) + mask).softmax(dim=-1)) @ v
        y.sum().backward()
        x.grad = None

    for _ in range(2):
        step()
    sync()
    times = []
    for _ in range(a.bench):
        t0 = time.perf_counter()
        step()
        sync()
        times.append(time.perf_counter() - t0)
    times.sort()
    n = len(times)
    med = times[n // 2] if n % 2 else (times[n // 2 - 1] + times[n // 2]) / 2
    print(json.dumps({
        "suite": "gpt", "op": "attention-" + a.preset, "impl": "pytorch-cuda" if dev.type == "cuda" else "pytorch-cpu",
        "device": name, "shape": "%dx%dx%dx%d" % (b, h, t, c // h), "n": b * t, "reps": n, "inner": 1,
        "median_s": med, "min_s": times[0], "samples_per_s": b * t / med,
        "timing": "wall-median-after-warmup",
        "note": "torch %s, %s" % (torch.__version__, "F.scaled_dot_product_attention" if fused else "composed (no F.scaled_dot_product_attention)"),
        "machine": {"command": a.command},
    }))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--preset", default="tiny", choices=sorted(PRESETS))
    ap.add_argument("--steps", type=int, default=-1)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--goroot", default="")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--json", action="store_true", help="also print a JSON line of the figures")
    ap.add_argument("--bench", type=int, default=0, help="only time this many training steps on fixed tokens and print a JSON row for go run ./bench -suite gpt")
    ap.add_argument("--command", default="python3 " + " ".join(sys.argv))
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    p = dict(PRESETS[a.preset])
    if a.bench > 0:
        return bench(a, p)
    if a.steps >= 0:
        p["steps"] = a.steps
    goroot = a.goroot or subprocess.run(["go", "env", "GOROOT"], capture_output=True, text=True).stdout.strip()
    train, val, nfiles = load_corpus(goroot)
    vocab = sorted(set(train) | set(val))
    ids = {b: i for i, b in enumerate(vocab)}
    tr = torch.tensor([ids[b] for b in train], dtype=torch.long)
    va = torch.tensor([ids[b] for b in val], dtype=torch.long)
    dev = torch.device(a.device)
    model = GPT(len(vocab), p["ctx"], p["layers"], p["width"], p["heads"]).to(dev)
    decay = [q for n, q in model.named_parameters() if q.dim() >= 2 and ".wte." not in n and ".wpe." not in n]
    no_decay = [q for n, q in model.named_parameters() if not (q.dim() >= 2 and ".wte." not in n and ".wpe." not in n)]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": p["wd"]}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=p["lr"], betas=(0.9, 0.95), eps=1e-8)
    nparams = sum(q.numel() for q in model.parameters())
    print(f"chargpt_ref: {a.preset} preset on torch {torch.__version__} {a.device} ({a.threads} threads): "
          f"{p['layers']} layers, width {p['width']}, {p['heads']} heads, context {p['ctx']}, vocabulary {len(vocab)}, "
          f"{nparams / 1e6:.2f}M parameters")
    print(f"chargpt_ref: corpus {nfiles} files: {len(train)} training bytes, {len(val)} validation bytes")
    g = torch.Generator().manual_seed(a.seed)
    ctx, batch, steps = p["ctx"], p["batch"], p["steps"]
    tokens = batch * ctx
    every = max(steps // 20, 1)
    start = time.time()
    for i in range(steps):
        at = torch.randint(0, len(tr) - ctx - 1, (batch,), generator=g)
        x = torch.stack([tr[s:s + ctx] for s in at]).to(dev)
        y = torch.stack([tr[s + 1:s + ctx + 1] for s in at]).to(dev)
        for grp in opt.param_groups:
            grp["lr"] = lr_at(i, p, steps)
        loss = train_step(model, opt, x, y, len(vocab))
        if (i + 1) % every == 0 or i == 0 or i == steps - 1:
            el = time.time() - start
            print(f"step {i + 1:5d}/{steps}  loss {loss.item():.4f}  {(i + 1) * tokens / el:7.0f} tokens/s  elapsed {el:.0f}s", flush=True)
    el = time.time() - start
    tps = steps * tokens / el if steps else 0.0
    print(f"trained {steps} steps in {el:.3f}s: {tps:.0f} tokens/s")
    starts = eval_starts(len(va), ctx, p["eval_windows"])
    total = 0.0
    model.eval()
    with torch.no_grad():
        for k in range(0, len(starts), batch):
            bs = starts[k:k + batch]
            x = torch.stack([va[s:s + ctx] for s in bs]).to(dev)
            y = torch.stack([va[s + 1:s + ctx + 1] for s in bs]).to(dev)
            total += F.cross_entropy(model(x).view(-1, len(vocab)), y.view(-1)).item() * len(bs)
    nats = total / len(starts)
    bpc = nats / math.log(2)
    if a.json:
        print(json.dumps({"impl": "torch", "preset": a.preset, "steps": steps, "tokens_per_s": tps, "val_bpc": bpc, "seconds": el}))
    print(f"val bpc: {bpc:.3f}")


if __name__ == "__main__":
    main()
