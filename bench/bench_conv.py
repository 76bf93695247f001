"""Time the image layers forward+backward: numnet vs the naive loops vs PyTorch (CPU).

    .venv/bin/python bench/bench_conv.py [--repeats 30] [--no-torch] [--no-naive] [--only conv pool ...]

Conv2d: input (64, 8, 28, 28), 16 filters 3×3, padding 1 (and 'same' with dilation 2). The
other layers run on the conv output's shape (64, 16, 28, 28): MaxPool2d 2×2 (stride 2) and
3×3 stride 2 padding 1 (overlapping windows), AvgPool2d 2×2, AdaptiveAvgPool2d(1) (global
average pooling), BatchNorm2d(16) in training mode; LayerNorm(64) on (64, 196, 64). float32
and float64. Each time is the median of ``--repeats`` runs after warm-up. The naive loops
(conv and 2×2 max-pool only) are timed on the first 4 samples and scaled to 64 (they are
linear in the batch size); they are labelled as such. PyTorch runs in a separate process
(``$TORCH_PYTHON``, see ``bench/timing.py``), never in this one: two thread pools on the same
two cores slow each other down. To compare single-threaded (steadier on a busy machine), run
with ``OPENBLAS_NUM_THREADS=1``: PyTorch is then given one thread as well.
"""

import argparse
import os
import sys
from pathlib import Path

import numpy as np

import numnet

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
import naive_conv  # noqa: E402
from timing import median_time, run_torch  # noqa: E402

N, C, H, W, OUT, K = 64, 8, 28, 28, 16, 3
NAIVE_N = 4

# name: (label, numnet layer, input shape); PyTorch builds the same layer in TORCH_SCRIPT.
CASES = {
    "conv": ("Conv2d 64×8×28×28 → 16, 3×3, p=1", lambda: numnet.Conv2d(C, OUT, K, padding=1, rng=0), (N, C, H, W)),
    "conv_same": ("Conv2d same as above, 'same', dilation 2", lambda: numnet.Conv2d(C, OUT, K, padding="same", dilation=2, rng=0), (N, C, H, W)),
    "pool": ("MaxPool2d 2×2 on 64×16×28×28", lambda: numnet.MaxPool2d(2), (N, OUT, H, W)),
    "pool_overlap": ("MaxPool2d 3×3, s=2, p=1, same input", lambda: numnet.MaxPool2d(3, 2, 1), (N, OUT, H, W)),
    "avgpool": ("AvgPool2d 2×2, same input", lambda: numnet.AvgPool2d(2), (N, OUT, H, W)),
    "gap": ("AdaptiveAvgPool2d(1), same input", lambda: numnet.AdaptiveAvgPool2d(1), (N, OUT, H, W)),
    "bn2d": ("BatchNorm2d(16) train, same input", lambda: numnet.BatchNorm2d(OUT), (N, OUT, H, W)),
    "layernorm": ("LayerNorm(64) on 64×196×64", lambda: numnet.LayerNorm(64), (N, 196, 64)),
}  # fmt: skip

TORCH_SCRIPT = r"""
import json, sys, torch
repeats, threads, names = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3].split(",")
if threads > 0:
    torch.set_num_threads(threads)
out = {"threads": torch.get_num_threads(), "version": torch.__version__}
torch.manual_seed(0)
nn = torch.nn
layers = {
    "conv": (lambda: nn.Conv2d(8, 16, 3, padding=1), (64, 8, 28, 28)),
    "conv_same": (lambda: nn.Conv2d(8, 16, 3, padding="same", dilation=2), (64, 8, 28, 28)),
    "pool": (lambda: nn.MaxPool2d(2), (64, 16, 28, 28)),
    "pool_overlap": (lambda: nn.MaxPool2d(3, 2, 1), (64, 16, 28, 28)),
    "avgpool": (lambda: nn.AvgPool2d(2), (64, 16, 28, 28)),
    "gap": (lambda: nn.AdaptiveAvgPool2d(1), (64, 16, 28, 28)),
    "bn2d": (lambda: nn.BatchNorm2d(16), (64, 16, 28, 28)),
    "layernorm": (lambda: nn.LayerNorm(64), (64, 196, 64)),
}
for dname, dt in (("float32", torch.float32), ("float64", torch.float64)):
    out[dname] = {}
    for name in names:
        make, shape = layers[name]
        layer = make().to(dt)
        x = torch.randn(*shape, dtype=dt, requires_grad=True)
        dy = torch.randn(layer(x).shape, dtype=dt)
        def step():
            layer.zero_grad(); x.grad = None
            layer(x).backward(dy)
        out[dname][name] = median_time(step, repeats)
print(json.dumps(out))
"""


def numnet_time(name, dtype, repeats):
    _, make, shape = CASES[name]
    rng = np.random.default_rng(0)
    layer = make().astype(dtype)
    x = rng.normal(size=shape).astype(dtype)
    dy = rng.normal(size=layer(x).shape).astype(dtype)

    def step():
        layer.zero_grad()
        layer(x)
        layer.backward(dy)

    return median_time(step, repeats)


def naive_times(dtype):
    """One run on the first NAIVE_N samples, scaled to N (the loops are linear in N)."""
    rng = np.random.default_rng(0)
    w = rng.normal(size=(OUT, C, K, K)).astype(dtype)
    b = rng.normal(size=OUT).astype(dtype)
    x = rng.normal(size=(NAIVE_N, C, H, W)).astype(dtype)
    dy = rng.normal(size=(NAIVE_N, OUT, H, W)).astype(dtype)
    z = rng.normal(size=(NAIVE_N, OUT, H, W)).astype(dtype)
    dz = rng.normal(size=(NAIVE_N, OUT, H // 2, W // 2)).astype(dtype)

    def conv_step():
        naive_conv.conv2d_forward(x, w, b, (1, 1), (1, 1))
        naive_conv.conv2d_backward(x, w, dy, (1, 1), (1, 1))

    def pool_step():
        naive_conv.maxpool2d_forward(z, (2, 2), (2, 2))
        naive_conv.maxpool2d_backward(z, dz, (2, 2), (2, 2))

    scale = N / NAIVE_N
    return {
        "conv": scale * median_time(conv_step, 1, warmup=0),
        "pool": scale * median_time(pool_step, 1, warmup=0),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--no-torch", action="store_true")
    parser.add_argument("--no-naive", action="store_true")
    parser.add_argument("--only", nargs="+", choices=list(CASES), default=list(CASES))
    args = parser.parse_args(argv)

    threads = os.environ.get("OPENBLAS_NUM_THREADS", "0")
    torch = (
        None
        if args.no_torch
        else run_torch(TORCH_SCRIPT, args.repeats, threads, ",".join(args.only))
    )  # first, while numpy is idle
    rows = []
    for dtype in (np.float32, np.float64):
        dname = np.dtype(dtype).name
        naive = {} if args.no_naive else naive_times(dtype)
        for name in args.only:
            ours = numnet_time(name, dtype, args.repeats)
            ref = torch[dname][name] if torch else None
            rows.append((CASES[name][0], dname, ours, naive.get(name), ref))

    print(f"forward + backward, median of {args.repeats} runs (ms)")
    blas = os.environ.get("OPENBLAS_NUM_THREADS", "default")
    print(f"NumPy {np.__version__}, OPENBLAS_NUM_THREADS={blas}")
    if torch:
        print(f"PyTorch {torch['version']} CPU, {torch['threads']} threads, separate process")
    header = f"{'operation':<42} {'dtype':<8} {'numnet':>8} {'naive*':>10} {'torch':>8} {'numnet/torch':>13} {'naive/numnet':>13}"
    print(header)
    print("-" * len(header))
    for label, dtype, ours, naive, ref in rows:
        fmt = lambda v: "—" if v is None else f"{1e3 * v:.2f}"  # noqa: E731
        ratio = "—" if ref is None else f"{ours / ref:.2f}×"
        speedup = "—" if naive is None else f"{naive / ours:.0f}×"
        print(
            f"{label:<42} {dtype:<8} {fmt(ours):>8} {fmt(naive):>10} {fmt(ref):>8} "
            f"{ratio:>13} {speedup:>13}"
        )
    if not args.no_naive:
        print(f"* naive loops timed once on {NAIVE_N} samples and scaled to {N}.")


if __name__ == "__main__":
    main()
