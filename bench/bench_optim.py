"""Time one Adam step: numnet.Adam vs torch.optim.Adam (CPU).

    .venv/bin/python bench/bench_optim.py [--repeats 200] [--no-torch]

Two parameter sets: the MLP [784, 128, 64, 10] (109,386 numbers in 6 arrays) and four
512×512 matrices (1,048,576 numbers), in float32 and float64. The gradients are fixed random
arrays; only ``optimizer.step()`` is timed (median of ``--repeats`` after warm-up), with and
without ``amsgrad`` and weight decay. PyTorch runs in a separate process (``$TORCH_PYTHON``,
see ``bench/timing.py``) after numnet has finished, with its default single-tensor step and
with ``fused=True`` (a C++ kernel doing the whole update in one pass).
"""

import argparse
import sys

import numpy as np
from timing import median_time, run_torch

import numnet

SETS = {
    "MLP [784,128,64,10]": [(784, 128), (128,), (128, 64), (64,), (64, 10), (10,)],
    "4 × 512×512": [(512, 512)] * 4,
}
OPTIONS = {
    "default": dict(lr=1e-3),
    "amsgrad+wd": dict(lr=1e-3, weight_decay=1e-2, amsgrad=True),
}

TORCH_SCRIPT = r"""
import json, torch
repeats, threads = (int(a) for a in sys.argv[1:3])
sets, options = json.loads(sys.argv[3]), json.loads(sys.argv[4])
if threads:
    torch.set_num_threads(threads)
out = {"threads": torch.get_num_threads(), "version": torch.__version__}
torch.manual_seed(0)
for set_name, shapes in sets.items():
    for dtype_name in ("float32", "float64"):
        dtype = getattr(torch, dtype_name)
        for option_name, kwargs in options.items():
            for fused in (False, True):
                params = [torch.randn(*s, dtype=dtype, requires_grad=True) for s in shapes]
                for p in params:
                    p.grad = torch.randn_like(p)
                opt = torch.optim.Adam(params, fused=fused, **kwargs)
                key = f"{set_name}|{dtype_name}|{option_name}|{'fused' if fused else 'default'}"
                out[key] = median_time(opt.step, repeats, warmup=5)
print(json.dumps(out))
"""


def time_numnet(repeats):
    rng = np.random.default_rng(0)
    out = {}
    for set_name, shapes in SETS.items():
        for dtype in ("float32", "float64"):
            for option_name, kwargs in OPTIONS.items():
                params = [numnet.Parameter(rng.standard_normal(s).astype(dtype)) for s in shapes]
                for p in params:
                    p.grad = rng.standard_normal(p.shape).astype(dtype)
                opt = numnet.Adam(params, **kwargs)
                out[f"{set_name}|{dtype}|{option_name}"] = median_time(opt.step, repeats, warmup=5)
    return out


def main(argv=None):
    import json

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=200)
    parser.add_argument("--no-torch", action="store_true")
    parser.add_argument(
        "--torch-threads", type=int, default=0, help="PyTorch threads (0: its default)"
    )
    args = parser.parse_args(argv)
    ours = time_numnet(args.repeats)
    theirs = None
    if not args.no_torch:
        theirs = run_torch(
            TORCH_SCRIPT, args.repeats, args.torch_threads, json.dumps(SETS), json.dumps(OPTIONS)
        )
    print(f"one Adam step (optimizer.step()), median of {args.repeats} runs, µs")
    if theirs:
        print(f"PyTorch {theirs['version']}, {theirs['threads']} threads, separate process")
    header = f"{'parameters':<22} {'dtype':<8} {'options':<11} {'numnet':>8}"
    if theirs:
        header += f" {'torch':>8} {'fused':>8} {'numnet/torch':>13} {'numnet/fused':>13}"
    print(header)
    for key, ours_s in ours.items():
        set_name, dtype, option_name = key.split("|")
        row = f"{set_name:<22} {dtype:<8} {option_name:<11} {ours_s * 1e6:>8.0f}"
        if theirs:
            plain, fused = theirs[f"{key}|default"], theirs[f"{key}|fused"]
            row += (
                f" {plain * 1e6:>8.0f} {fused * 1e6:>8.0f} {ours_s / plain:>12.2f}×"
                f" {ours_s / fused:>12.2f}×"
            )
        print(row)
    return 0


if __name__ == "__main__":
    sys.exit(main())
