"""Time CrossEntropyLoss forward+backward on logits (4096, 10): numnet vs PyTorch (CPU).

    .venv/bin/python bench/bench_cross_entropy.py [--repeats 300] [--no-torch]

Integer labels, float32 and float64. Each time is the median of ``--repeats`` runs after
warm-up. PyTorch (``torch.nn.functional.cross_entropy`` + ``backward``) runs in a separate
process (``$TORCH_PYTHON``, see ``bench/timing.py``), after numnet has finished,
never in this one: two thread pools on the same two cores slow each other down.
"""

import argparse
import sys

import numpy as np
from timing import median_time, run_torch

import numnet

N, K = 4096, 10

TORCH_SCRIPT = r"""
import json, torch
repeats, n, k, threads = (int(a) for a in sys.argv[1:5])
if threads:
    torch.set_num_threads(threads)
out = {"threads": torch.get_num_threads(), "version": torch.__version__}
torch.manual_seed(0)
labels = torch.randint(0, k, (n,))
for name, dt in (("float32", torch.float32), ("float64", torch.float64)):
    z = torch.randn(n, k, dtype=dt, requires_grad=True)
    def step():
        z.grad = None
        torch.nn.functional.cross_entropy(z, labels).backward()
    out[name] = median_time(step, repeats, warmup=10)
print(json.dumps(out))
"""


def time_numnet(repeats):
    rng = np.random.default_rng(0)
    labels = rng.integers(0, K, size=N)
    out = {}
    for dtype in (np.float32, np.float64):
        logits = rng.standard_normal((N, K)).astype(dtype)
        loss = numnet.CrossEntropyLoss()

        def step(logits=logits, loss=loss):
            loss(logits, labels)
            return loss.backward()

        out[np.dtype(dtype).name] = median_time(step, repeats, warmup=10)
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=300)
    parser.add_argument("--no-torch", action="store_true")
    parser.add_argument(
        "--torch-threads", type=int, default=0, help="PyTorch threads (0: its default)"
    )
    args = parser.parse_args(argv)
    ours = time_numnet(args.repeats)
    theirs = (
        None if args.no_torch else run_torch(TORCH_SCRIPT, args.repeats, N, K, args.torch_threads)
    )
    print(
        f"CrossEntropyLoss forward+backward, logits ({N}, {K}), integer labels, median of "
        f"{args.repeats} runs"
    )
    if theirs:
        print(f"PyTorch {theirs['version']}, {theirs['threads']} threads, separate process")
    print(f"{'dtype':<8} {'numnet':>10} {'PyTorch':>10} {'numnet/PyTorch':>15}")
    for dtype, ours_s in ours.items():
        if theirs:
            print(
                f"{dtype:<8} {ours_s * 1e6:>8.0f}µs {theirs[dtype] * 1e6:>8.0f}µs "
                f"{ours_s / theirs[dtype]:>14.2f}×"
            )
        else:
            print(f"{dtype:<8} {ours_s * 1e6:>8.0f}µs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
