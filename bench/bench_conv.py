"""Time Conv2d and MaxPool2d forward+backward: numnet vs the naive loops vs PyTorch (CPU).

    .venv/bin/python bench/bench_conv.py [--repeats 30] [--no-torch] [--no-naive]

Conv2d: input (64, 8, 28, 28), 16 filters 3×3, padding 1. MaxPool2d: 2×2 (stride 2) on the
conv output (64, 16, 28, 28). float32 and float64. Each time is the median of ``--repeats``
runs after warm-up. The naive loops are timed on the first 4 samples and scaled to 64 (they
are linear in the batch size); they are labelled as such. PyTorch runs in a separate process
(``$TORCH_PYTHON``, see ``bench/timing.py``), never in this one: two thread pools
on the same two cores slow each other down. To compare single-threaded (steadier on a busy
machine), run with ``OPENBLAS_NUM_THREADS=1``: PyTorch is then given one thread as well.
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

TORCH_SCRIPT = r"""
import json, sys, torch
repeats, threads = int(sys.argv[1]), int(sys.argv[2])
if threads > 0:
    torch.set_num_threads(threads)
out = {"threads": torch.get_num_threads(), "version": torch.__version__}
torch.manual_seed(0)
for name, dt in (("float32", torch.float32), ("float64", torch.float64)):
    conv = torch.nn.Conv2d(8, 16, 3, padding=1).to(dt)
    x = torch.randn(64, 8, 28, 28, dtype=dt, requires_grad=True)
    dy = torch.randn(64, 16, 28, 28, dtype=dt)
    def conv_step():
        conv.zero_grad(); x.grad = None
        conv(x).backward(dy)
    pool = torch.nn.MaxPool2d(2)
    z = torch.randn(64, 16, 28, 28, dtype=dt, requires_grad=True)
    dz = torch.randn(64, 16, 14, 14, dtype=dt)
    def pool_step():
        z.grad = None
        pool(z).backward(dz)
    out[name] = {"conv": median_time(conv_step, repeats), "pool": median_time(pool_step, repeats)}
print(json.dumps(out))
"""


def numnet_times(dtype, repeats):
    rng = np.random.default_rng(0)
    conv = numnet.Conv2d(C, OUT, K, padding=1, rng=rng).astype(dtype)
    x = rng.normal(size=(N, C, H, W)).astype(dtype)
    dy = rng.normal(size=(N, OUT, H, W)).astype(dtype)

    def conv_step():
        conv.zero_grad()
        conv(x)
        conv.backward(dy)

    pool = numnet.MaxPool2d(2)
    z = rng.normal(size=(N, OUT, H, W)).astype(dtype)
    dz = rng.normal(size=(N, OUT, H // 2, W // 2)).astype(dtype)

    def pool_step():
        pool(z)
        pool.backward(dz)

    return {"conv": median_time(conv_step, repeats), "pool": median_time(pool_step, repeats)}


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
    args = parser.parse_args(argv)

    torch = (
        None
        if args.no_torch
        else run_torch(TORCH_SCRIPT, args.repeats, os.environ.get("OPENBLAS_NUM_THREADS", "0"))
    )  # first, while numpy is idle
    rows = []
    for dtype in (np.float32, np.float64):
        name = np.dtype(dtype).name
        ours = numnet_times(dtype, args.repeats)
        naive = None if args.no_naive else naive_times(dtype)
        for op in ("conv", "pool"):
            ref = torch[name][op] if torch else None
            rows.append((op, name, ours[op], naive[op] if naive else None, ref))

    label = {"conv": "Conv2d 64×8×28×28 → 16, 3×3, p=1", "pool": "MaxPool2d 2×2 on 64×16×28×28"}
    print(f"forward + backward, median of {args.repeats} runs (ms)")
    blas = os.environ.get("OPENBLAS_NUM_THREADS", "default")
    print(f"NumPy {np.__version__}, OPENBLAS_NUM_THREADS={blas}")
    if torch:
        print(f"PyTorch {torch['version']} CPU, {torch['threads']} threads, separate process")
    header = f"{'operation':<36} {'dtype':<8} {'numnet':>8} {'naive*':>10} {'torch':>8} {'numnet/torch':>13} {'naive/numnet':>13}"
    print(header)
    print("-" * len(header))
    for op, dtype, ours, naive, ref in rows:
        fmt = lambda v: "—" if v is None else f"{1e3 * v:.2f}"  # noqa: E731
        ratio = "—" if ref is None else f"{ours / ref:.2f}×"
        speedup = "—" if naive is None else f"{naive / ours:.0f}×"
        print(
            f"{label[op]:<36} {dtype:<8} {fmt(ours):>8} {fmt(naive):>10} {fmt(ref):>8} "
            f"{ratio:>13} {speedup:>13}"
        )
    if not args.no_naive:
        print(f"* naive loops timed once on {NAIVE_N} samples and scaled to {N}.")


if __name__ == "__main__":
    main()
