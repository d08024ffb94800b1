#!/usr/bin/env python3
"""PyTorch reference for vktensor's benchmarks (go run ./bench -with-torch).

Runs the same suites as bench/ with the same shapes and prints one JSON
object per measurement on stdout, with the fields of bench.Row, so that the
Go command can merge the rows into its tables:

    python3 bench/torch_ref.py --suite matmul,ops --device cpu,gpu --quick

Timing: every measurement is warmed up, then repeated (--reps); the median
and minimum per operation are reported. On CUDA, matmul and ops are timed
with CUDA events around the queued work ("gpu-timestamps"); the latency
suite and the CPU use the wall clock after synchronizing
("wall-median-after-warmup"). Operations shorter than a millisecond are
repeated inside one sample. TF32 is switched off, so float32 products are
computed in float32 as vktensor's are, except in the precision suite's TF32
rows.

Notices go to stderr; stdout carries only JSON lines.
"""

import argparse
import array
import datetime
import json
import os
import platform
import statistics
import sys
import time

import torch

MIN_SAMPLE = 1e-3  # seconds; shorter operations are repeated per sample

# MNIST MLP 784-1024-1024-10 at batch 256 with the layouts of vktensor's nn
# and autograd (and torch.nn.Linear's): forward x.W^T with W stored
# [out, in], weight gradients x^T.dy, input gradients dy.W; as
# bench/suites.go's mnistShapes. (op, m, k, n, transA, transB)
MNIST_SHAPES = [
    ("mnist-fc1-fwd", 256, 784, 1024, False, True),
    ("mnist-fc2-fwd", 256, 1024, 1024, False, True),
    ("mnist-fc3-fwd", 256, 1024, 10, False, True),
    ("mnist-fc1-dW", 784, 256, 1024, True, False),
    ("mnist-fc2-dW", 1024, 256, 1024, True, False),
    ("mnist-fc3-dW", 1024, 256, 10, True, False),
    ("mnist-fc2-dx", 256, 1024, 1024, False, False),
    ("mnist-fc3-dx", 256, 10, 1024, False, False),
]


def note(msg):
    print("torch_ref: " + msg, file=sys.stderr)


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, val = line.partition(":")
                if key.strip() in ("model name", "Model", "cpu model") and val.strip():
                    return val.strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_info(command):
    return {
        "cpu": cpu_model(),
        "num_cpu": os.cpu_count() or 0,
        # The Go rows' GOMAXPROCS; here the threads torch uses on the CPU.
        "gomaxprocs": torch.get_num_threads(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "os": platform.system().lower(),
        "arch": platform.machine(),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "command": command,
    }


def powers(lo, hi):
    out = []
    n = lo
    while n <= hi:
        out.append(n)
        n *= 2
    return out


class Dev:
    """One torch device under test."""

    def __init__(self, kind):
        self.kind = kind  # "cpu" or "cuda"
        self.torch = torch.device(kind)
        if kind == "cuda":
            self.impl = "pytorch-cuda"
            self.name = torch.cuda.get_device_name(0)
        else:
            self.impl = "pytorch-cpu"
            self.name = "%s (%d threads)" % (cpu_model(), torch.get_num_threads())

    def sync(self):
        if self.kind == "cuda":
            torch.cuda.synchronize()

    use_events = True  # False with --gpu-timing wall

    def timed(self, fn, inner, events=True):
        """Seconds that inner calls of fn take, forcing completion."""
        if self.kind == "cuda" and events and self.use_events:
            start = torch.cuda.Event(enable_timing=True)
            end = torch.cuda.Event(enable_timing=True)
            torch.cuda.synchronize()
            start.record()
            for _ in range(inner):
                fn()
            end.record()
            end.synchronize()
            return start.elapsed_time(end) / 1e3
        self.sync()
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        self.sync()
        return time.perf_counter() - t0

    def timing(self, events=True):
        return "gpu-timestamps" if self.kind == "cuda" and events and self.use_events else "wall-median-after-warmup"


class Bench:
    def __init__(self, args):
        self.args = args
        self.machine = machine_info(args.command)
        self.prec = self.load_prec(args.prec_dir) if args.prec_dir else None

    def measure(self, sample):
        """Warm up, calibrate, and return per-operation stats.

        sample(inner) returns the seconds inner operations took.
        """
        sample(1)  # first run: kernel selection, allocator warm-up
        est = sample(1)
        inner = 1
        if not self.args.quick and est < MIN_SAMPLE:
            inner = int(min(1000, -(-MIN_SAMPLE // max(est, 1e-6))))
        reps = self.args.reps
        if est > 0:
            reps = max(1, min(reps, int(self.args.budget / (est * inner))))
        per = sorted(sample(inner) / inner for _ in range(reps))
        return {"median": statistics.median(per), "min": per[0], "reps": reps, "inner": inner}

    def emit(self, suite, op, dev, shape, n, st, timing, flop=0.0, nbytes=0.0, extra=None):
        row = {
            "suite": suite, "op": op, "impl": dev.impl, "device": dev.name,
            "shape": shape, "n": n, "reps": st["reps"], "inner": st["inner"],
            "median_s": st["median"], "min_s": st["min"], "timing": timing,
        }
        if flop:
            row["flop"] = flop
            row["gflops"] = flop / st["median"] / 1e9
        if nbytes:
            row["bytes"] = nbytes
            row["gbps"] = nbytes / st["median"] / 1e9
        if dev.kind == "cuda" and timing == "gpu-timestamps":
            row["note"] = "CUDA events"
        row.update(extra or {})
        row["machine"] = self.machine
        print(json.dumps(row), flush=True)

    def sizes(self, default, limit):
        if self.args.sizes:
            return self.args.sizes
        return [n for n in default if n <= limit]

    # --- matmul ---------------------------------------------------------

    def matmul(self, dev):
        default = [64, 128] if self.args.quick else powers(64, 8192)
        limit = self.args.max_gpu if dev.kind == "cuda" else self.args.max_cpu
        shapes = [("sgemm", n, n, n, False, False) for n in self.sizes(default, limit)]
        shapes += MNIST_SHAPES
        last = None  # (n, seconds) of the last square size, for the budget
        for op, m, k, n, ta, tb in shapes:
            if op == "sgemm" and last is not None:
                if last[1] * (m / last[0]) ** 3 > self.args.budget / 3:
                    note("%s: n=%d skipped, predicted to exceed --budget" % (dev.impl, m))
                    continue
            gen = torch.Generator(device="cpu").manual_seed(m * 131 + k * 17 + n)
            sa = (torch.rand(k, m, generator=gen) if ta else torch.rand(m, k, generator=gen)) * 2 - 1
            sb = (torch.rand(n, k, generator=gen) if tb else torch.rand(k, n, generator=gen)) * 2 - 1
            sa, sb = sa.to(dev.torch), sb.to(dev.torch)
            a = sa.t() if ta else sa
            b = sb.t() if tb else sb
            st = self.measure(lambda inner: dev.timed(lambda: torch.matmul(a, b), inner))
            if op == "sgemm":
                last = (m, st["median"])
            flop = 2.0 * m * n * k
            nbytes = 4.0 * (m * k + k * n + m * n)
            self.emit("matmul", op, dev, "%dx%dx%d" % (m, k, n), m, st, dev.timing(), flop, nbytes)
            del a, b, sa, sb

    # --- ops ------------------------------------------------------------

    OPS = [
        ("add", lambda n: 12.0 * n * n, lambda n: float(n * n), lambda x, y, v: x + y),
        ("add-broadcast", lambda n: 4.0 * (2 * n * n + n), lambda n: float(n * n), lambda x, y, v: x + v),
        ("sum-rows", lambda n: 4.0 * (n * n + n), lambda n: float(n * n), lambda x, y, v: x.sum(1)),
        ("sum-cols", lambda n: 4.0 * (n * n + n), lambda n: float(n * n), lambda x, y, v: x.sum(0)),
        ("sum-all", lambda n: 4.0 * (n * n + 1), lambda n: float(n * n), lambda x, y, v: x.sum()),
        ("softmax-rows", lambda n: 8.0 * n * n, lambda n: 0.0, lambda x, y, v: torch.softmax(x, 1)),
        ("transpose-contiguous", lambda n: 8.0 * n * n, lambda n: 0.0, lambda x, y, v: x.t().contiguous()),
    ]

    def ops(self, dev):
        if self.args.quick:
            default = [64, 128]
        elif dev.kind == "cuda":
            default = powers(256, min(8192, self.args.max_gpu))
        else:
            default = powers(256, 4096)
        last = {}
        for n in self.sizes(default, 1 << 62):
            gen = torch.Generator(device="cpu").manual_seed(n)
            x = (torch.rand(n, n, generator=gen) * 2 - 1).to(dev.torch)
            y = (torch.rand(n, n, generator=gen) * 2 - 1).to(dev.torch)
            v = (torch.rand(n, generator=gen) * 2 - 1).to(dev.torch)
            for name, nbytes, flop, fn in self.OPS:
                if name in last and last[name][1] * (n / last[name][0]) ** 2 > self.args.budget / 3:
                    note("%s: %s n=%d skipped, predicted to exceed --budget" % (dev.impl, name, n))
                    continue
                st = self.measure(lambda inner: dev.timed(lambda: fn(x, y, v), inner))
                last[name] = (n, st["median"])
                self.emit("ops", name, dev, "%dx%d" % (n, n), n, st, dev.timing(), flop(n), nbytes(n))
            del x, y, v

    # --- ops16, matmul16 -------------------------------------------------

    DTYPES16 = [("bf16", torch.bfloat16), ("fp16", torch.float16)]
    OPS16 = ["add", "add-broadcast", "sum-rows", "softmax-rows"]

    def ops16(self, dev):
        if self.args.quick:
            default = [64, 128]
        elif dev.kind == "cuda":
            default = powers(256, min(8192, self.args.max_gpu))
        else:
            default = powers(256, 2048)
        for suffix, dt in self.DTYPES16:
            for n in self.sizes(default, 1 << 62):
                gen = torch.Generator(device="cpu").manual_seed(n)
                x = (torch.rand(n, n, generator=gen) * 2 - 1).to(dev.torch, dt)
                y = (torch.rand(n, n, generator=gen) * 2 - 1).to(dev.torch, dt)
                v = (torch.rand(n, generator=gen) * 2 - 1).to(dev.torch, dt)
                for name, nbytes, flop, fn in self.OPS:
                    if name not in self.OPS16:
                        continue
                    try:
                        fn(x, y, v)
                    except RuntimeError as e:  # an op PyTorch lacks for this dtype on this device
                        note("%s: %s/%s: %s" % (dev.impl, name, suffix, str(e).splitlines()[0]))
                        continue
                    st = self.measure(lambda inner: dev.timed(lambda: fn(x, y, v), inner))
                    self.emit("ops16", name + "/" + suffix, dev, "%dx%d" % (n, n), n, st, dev.timing(), flop(n), nbytes(n) / 2)
                del x, y, v

    def matmul16(self, dev):
        if self.args.quick:
            default = [64, 128]
        elif dev.kind == "cuda":
            default = powers(256, min(8192, self.args.max_gpu))
        else:
            default = powers(256, 1024)
        for suffix, dt in self.DTYPES16:
            for n in self.sizes(default, 1 << 62):
                gen = torch.Generator(device="cpu").manual_seed(n)
                a = (torch.rand(n, n, generator=gen) * 2 - 1).to(dev.torch, dt)
                b = (torch.rand(n, n, generator=gen) * 2 - 1).to(dev.torch, dt)
                try:
                    a @ b
                except RuntimeError as e:
                    note("%s: gemm/%s: %s" % (dev.impl, suffix, str(e).splitlines()[0]))
                    continue
                st = self.measure(lambda inner: dev.timed(lambda: a @ b, inner))
                self.emit("matmul16", "gemm/" + suffix, dev, "%dx%dx%d" % (n, n, n), n, st, dev.timing(),
                          2.0 * n * n * n, 6.0 * n * n)
                del a, b

    # --- conv -----------------------------------------------------------

    # bench/conv.go's convLayers: (name, n, c, h, o, k), stride 1, padding k//2
    CONV_LAYERS = [("mnist-conv1", 128, 1, 28, 32, 5), ("mnist-conv2", 128, 32, 14, 64, 5),
                   ("resnet-3x3", 32, 64, 56, 64, 3)]

    def conv(self, dev):
        layers = self.CONV_LAYERS
        if self.args.quick:
            layers = [("quick", 2, 3, 9, 4, 3)]
        for name, n, c, h, o, k in layers:
            if dev.kind == "cpu" and not self.args.quick and name == "resnet-3x3":
                continue
            gen = torch.Generator(device="cpu").manual_seed(3)
            x = torch.randn(n, c, h, h, generator=gen).to(dev.torch).requires_grad_(c > 1)
            w = (torch.randn(o, c, k, k, generator=gen) * 0.1).to(dev.torch).requires_grad_(True)
            b = torch.zeros(o, device=dev.torch, requires_grad=True)
            gy = torch.randn(n, o, h, h, generator=gen).to(dev.torch)
            flop = 2.0 * n * o * h * h * c * k * k
            shape = "%dx%dx%dx%d*%dx%dx%d" % (n, c, h, h, o, k, k)
            for bwd in (False, True):
                def step():
                    y = torch.nn.functional.conv2d(x, w, b, 1, k // 2)
                    if bwd:
                        y.backward(gy)
                with torch.enable_grad():
                    st = self.measure(lambda inner: dev.timed(step, inner))
                f = flop * (3 if c > 1 else 2) if bwd else flop
                self.emit("conv", name + ("/forward+backward" if bwd else "/forward"), dev, shape, n, st, dev.timing(), f)
    # --- precision (bench/precision.go) ---------------------------------

    # (op, dtype, TF32): fp32 with TF32 off, TF32 (set_float32_matmul_precision
    # 'high'), and products of bf16 and fp16 tensors.
    PREC_MODES = [("fp32-highest", torch.float32, False), ("fp32-high", torch.float32, True),
                  ("bf16", torch.bfloat16, False), ("fp16", torch.float16, False)]

    def precision(self, dev):
        """Square products per mode, timed, then one error product per mode on
        the operands bench/precision.go wrote to --prec-dir: its sampled rows
        go back to the directory as IMPL-OP.f32 and Go scores them against
        its float64 reference."""
        if self.args.quick:
            default = [64, 128]
        elif dev.kind == "cuda":
            default = powers(256, min(8192, self.args.max_gpu))
        else:
            default = powers(256, min(1024, self.args.max_cpu))
        for op, dt, tf32 in self.PREC_MODES:
            if tf32 and dev.kind != "cuda":
                self.emit_skip(op, dev, "TF32 is a mode of NVIDIA's tensor cores; on the CPU PyTorch computes "
                               "float32 products in float32 whatever set_float32_matmul_precision says")
                continue
            torch.backends.cuda.matmul.allow_tf32 = tf32
            try:
                try:
                    torch.ones(4, 4, dtype=dt, device=dev.torch) @ torch.ones(4, 4, dtype=dt, device=dev.torch)
                except RuntimeError as e:  # e.g. no fp16 matmul on the CPU in torch 1.13
                    self.emit_skip(op, dev, "torch %s: %s" % (torch.__version__, str(e).splitlines()[0]))
                    continue
                last = None
                for n in self.sizes(default, 1 << 62):
                    if last is not None and last[1] * (n / last[0]) ** 3 > self.args.budget / 3:
                        note("%s: precision %s n=%d skipped, predicted to exceed --budget" % (dev.impl, op, n))
                        continue
                    gen = torch.Generator(device="cpu").manual_seed(n)
                    a = (torch.rand(n, n, generator=gen) * 2 - 1).to(dev.torch, dt)
                    b = (torch.rand(n, n, generator=gen) * 2 - 1).to(dev.torch, dt)
                    st = self.measure(lambda inner: dev.timed(lambda: a @ b, inner))
                    last = (n, st["median"])
                    esize = 4 if dt == torch.float32 else 2
                    self.emit("precision", op, dev, "%dx%dx%d" % (n, n, n), n, st, dev.timing(),
                              2.0 * n * n * n, 3.0 * esize * n * n,
                              {"note": "allow_tf32=%s" % tf32} if dt == torch.float32 else None)
                    del a, b
                if self.prec is not None:
                    self.prec_error(op, dt, dev)
            finally:
                torch.backends.cuda.matmul.allow_tf32 = False

    def load_prec(self, d):
        """The operands and sampled rows bench/precision.go wrote to d."""
        if sys.byteorder != "little":
            note("--prec-dir: the operand files are little-endian; no error rows on this machine")
            return None
        with open(os.path.join(d, "prec.json")) as f:
            meta = json.load(f)
        n = meta["n"]

        def load(name):
            with open(os.path.join(d, name), "rb") as f:
                buf = bytearray(f.read())
            if len(buf) != 4 * n * n:
                raise ValueError("%s: %d bytes, want %d" % (name, len(buf), 4 * n * n))
            return torch.frombuffer(buf, dtype=torch.float32).reshape(n, n)

        return {"dir": d, "n": n, "rows": meta["rows"], "a": load("a.f32"), "b": load("b.f32")}

    def prec_error(self, op, dt, dev):
        p = self.prec
        n, rows = p["n"], p["rows"]
        a, b = p["a"].to(dev.torch).to(dt), p["b"].to(dev.torch).to(dt)
        c = (a @ b)[torch.tensor(rows, device=dev.torch)].float().cpu()
        with open(os.path.join(p["dir"], "%s-%s.f32" % (dev.impl, op)), "wb") as f:
            array.array("f", c.flatten().tolist()).tofile(f)
        del a, b, c
        row = {"suite": "precision", "op": op, "impl": dev.impl, "device": dev.name,
               "shape": "%dx%dx%d" % (n, n, n), "n": n, "reps": 0, "inner": 0, "median_s": 0, "min_s": 0,
               "timing": dev.timing(), "precision": {"err_n": n, "err_rows": len(rows)},
               "machine": self.machine}
        print(json.dumps(row), flush=True)

    def emit_skip(self, op, dev, why):
        note("%s: precision %s skipped: %s" % (dev.impl, op, why))
        row = {"suite": "precision", "op": op, "impl": dev.impl, "device": dev.name, "shape": "-", "n": 0,
               "reps": 0, "inner": 0, "median_s": 0, "min_s": 0, "timing": dev.timing(),
               "precision": {"skip": why}, "machine": self.machine}
        print(json.dumps(row), flush=True)

    # --- latency --------------------------------------------------------

    def latency(self, dev):
        elems, chain = (1 << 12, 100) if self.args.quick else (1 << 16, 1000)
        gen = torch.Generator(device="cpu").manual_seed(7)
        x0 = (torch.rand(elems, generator=gen) * 2 - 1).to(dev.torch)
        inc = torch.full((elems,), 1e-3, device=dev.torch)
        for sync_each in (False, True):
            op = "add-chain-sync-each" if sync_each else "add-chain"

            def one_chain():
                x = x0
                for _ in range(chain):
                    x = x + inc
                    if sync_each:
                        dev.sync()

            # Wall time: what a host program observes, launch overhead included.
            st = self.measure(lambda inner: dev.timed(one_chain, inner, events=False))
            st["median"] /= chain
            st["min"] /= chain
            extra = {"ops_per_s": 1 / st["median"],
                     "note": "a sync after every op" if sync_each else "one sync after the whole chain"}
            self.emit("latency", op, dev, "%dx%d" % (elems, chain), elems, st,
                      dev.timing(events=False), float(elems), 12.0 * elems, extra)

    # --- mnist ----------------------------------------------------------

    def mnist(self, dev):
        """One training epoch of each model of cmd/mnist-gpu (internal/trainer)
        with its settings (batch 256, SGD lr 0.05 momentum 0.9, softmax
        cross-entropy) on random data of MNIST's shape: the speed does not
        depend on the pixel values.

        mlp: 784-1024-1024-10 with ReLU
        cnn: conv5x5(32, pad 2)-ReLU-pool2, conv5x5(64, pad 2)-ReLU-pool2,
             fc 3136-1024-ReLU, fc 10
        """
        samples = 256 if self.args.quick else 60000
        batch = 256
        gen = torch.Generator(device="cpu").manual_seed(1)
        xs = torch.rand(samples, 1, 28, 28, generator=gen).to(dev.torch)
        ys = torch.randint(0, 10, (samples,), generator=gen).to(dev.torch)
        nn = torch.nn
        models = {
            "mlp": lambda: nn.Sequential(
                nn.Flatten(),
                nn.Linear(784, 1024), nn.ReLU(),
                nn.Linear(1024, 1024), nn.ReLU(),
                nn.Linear(1024, 10)),
            "cnn": lambda: nn.Sequential(
                nn.Conv2d(1, 32, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                nn.Conv2d(32, 64, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                nn.Flatten(),
                nn.Linear(7 * 7 * 64, 1024), nn.ReLU(),
                nn.Linear(1024, 10)),
        }
        for name, build in models.items():
            model = build().to(dev.torch)
            opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
            loss_fn = nn.CrossEntropyLoss()

            def epoch():
                perm = torch.randperm(samples, device=dev.torch)
                for i in range(0, samples, batch):
                    idx = perm[i:i + batch]
                    opt.zero_grad(set_to_none=True)
                    loss = loss_fn(model(xs[idx]), ys[idx])
                    loss.backward()
                    opt.step()

            saved = self.args.reps
            self.args.reps = min(self.args.reps, 3)  # epochs are long
            try:
                st = self.measure(lambda inner: dev.timed(epoch, inner, events=False))
            finally:
                self.args.reps = saved
            self.emit("mnist", "train-epoch-" + name, dev, "%d samples" % samples, samples, st,
                      dev.timing(events=False),
                      extra={"samples_per_s": samples / st["median"],
                             "note": "batch 256, SGD momentum 0.9, random data"})

def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--suite", default="matmul,ops,latency,mnist")
    p.add_argument("--device", default="cpu,gpu", help="cpu and/or gpu (CUDA)")
    p.add_argument("--sizes", default="", help="comma-separated square sizes")
    p.add_argument("--reps", type=int, default=0)
    p.add_argument("--quick", action="store_true")
    p.add_argument("--max-cpu", type=int, default=2048)
    p.add_argument("--max-gpu", type=int, default=8192)
    p.add_argument("--budget", type=float, default=0, help="seconds per measurement")
    p.add_argument("--gpu-timing", default="timestamps", choices=["timestamps", "wall"],
                   help="CUDA events, or the wall clock around a synchronize")
    p.add_argument("--command", default="python3 " + " ".join(sys.argv))
    p.add_argument("--prec-dir", default="",
                   help="precision suite: directory with bench/precision.go's error operands; the sampled "
                        "rows of each product are written back there")
    p.add_argument("--threads", type=int, default=os.cpu_count() or 1,
                   help="CPU threads for torch (default: every core, as GOMAXPROCS; Debian's torch 1.13 "
                        "otherwise starts with one)")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    args.sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    if args.reps <= 0:
        args.reps = 2 if args.quick else 7
    if args.budget <= 0:
        args.budget = 2.0 if args.quick else 20.0
    Dev.use_events = args.gpu_timing == "timestamps"
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False

    devs = []
    for d in args.device.split(","):
        d = d.strip()
        if d == "cpu":
            devs.append(Dev("cpu"))
        elif d in ("gpu", "cuda"):
            if torch.cuda.is_available():
                devs.append(Dev("cuda"))
            else:
                note("no CUDA device; skipping the GPU")
        elif d:
            p.error("unknown device %r" % d)

    bench = Bench(args)
    suites = {"matmul": bench.matmul, "ops": bench.ops, "latency": bench.latency, "mnist": bench.mnist, "gpt": lambda dev: None,
              "ops16": bench.ops16, "matmul16": bench.matmul16, "conv": bench.conv,
              "precision": bench.precision}  # gpt: bench/chargpt_ref.py
    with torch.no_grad():
        for s in args.suite.split(","):
            s = s.strip()
            if s not in suites:
                p.error("unknown suite %r" % s)
            for dev in devs:
                if s == "mnist":
                    with torch.enable_grad():
                        suites[s](dev)
                else:
                    suites[s](dev)


if __name__ == "__main__":
    main()
