"""Benchmark: one training step of an MLP in numnet, and the same step in PyTorch (CPU).

A step is forward, cross-entropy loss, backward and an SGD update with momentum 0.9, on a batch
of 128, for the MLPs [64, 128, 64, 10] (digits-sized) and [784, 128, 64, 10] (MNIST-sized) with
ReLU, in float32 and float64.

    .venv/bin/python bench/bench_mlp.py                 # numnet, then torch in a subprocess
    .venv/bin/python bench/bench_mlp.py --no-torch      # numnet only
    .venv/bin/python bench/bench_mlp.py --threads 1     # one BLAS/OpenMP thread per backend

PyTorch is timed in a *separate process* (``--torch-python``, default ``$TORCH_PYTHON``, see
``bench/timing.py``): with both thread pools alive in one
process on a 2-core machine each slows the other down by 10x or more. Each backend runs in its
own fresh process, alternating over ``--rounds`` so that a busy moment of the machine does not
hit one backend only; the best time is reported. The ratio printed is backend time / PyTorch
time (below 1: faster than PyTorch). The numnet step is the one ``numnet.fit`` runs:
``model.backward(grad, input_grad=False)``, so the first layer skips the input's gradient, as
PyTorch does for an input that does not require grad. The ``numpy`` column is a lean
hand-written NumPy step of the same network (in-place updates, no input gradient for the first
layer, no checks): what numnet could reach. It computes the same parameters up to rounding (the
softmax gradient is rounded in another order): after 50 steps the largest difference, relative
to the largest parameter, was 2.2e-7 in float32 and 4.0e-16 in float64. Nothing here is
asserted; speed is measured, not tested.
"""

import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np
from timing import torch_python

ARCHITECTURES = {
    "small [64,128,64,10]": [64, 128, 64, 10],
    "mnist [784,128,64,10]": [784, 128, 64, 10],
}
DTYPES = ["float32", "float64"]
BATCH = 128
LR, MOMENTUM = 0.01, 0.9


def best_time_per_step(step, steps, repeats):
    """Minimum over ``repeats`` of the mean time of ``steps`` consecutive calls (after a warm-up)."""
    for _ in range(max(10, steps // 5)):
        step()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(steps):
            step()
        times.append((time.perf_counter() - start) / steps)
    return min(times), float(np.median(times))


def data(sizes, dtype):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((BATCH, sizes[0])).astype(dtype)
    y = rng.integers(0, sizes[-1], BATCH)
    return x, y


def numnet_step(sizes, dtype):
    import numnet

    rng = np.random.default_rng(0)
    layers = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        layers.append(numnet.Linear(n_in, n_out, rng=rng))
        if i < len(sizes) - 2:
            layers.append(numnet.ReLU())
    model = numnet.Sequential(*layers).astype(dtype)
    loss_fn = numnet.CrossEntropyLoss()
    optimizer = numnet.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
    x, y = data(sizes, dtype)

    def step():
        optimizer.zero_grad()
        loss_fn(model(x), y)
        model.backward(loss_fn.backward(), input_grad=False)  # x needs no gradient (as in torch)
        optimizer.step()

    return step


def torch_step(sizes, dtype):
    import torch

    if os.environ.get("OMP_NUM_THREADS"):
        torch.set_num_threads(int(os.environ["OMP_NUM_THREADS"]))
    torch.manual_seed(0)
    layers = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        layers.append(torch.nn.Linear(n_in, n_out))
        if i < len(sizes) - 2:
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers).to(getattr(torch, dtype))
    loss_fn = torch.nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
    x_np, y_np = data(sizes, dtype)
    x, y = torch.from_numpy(x_np), torch.from_numpy(y_np)

    def step():
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        optimizer.step()

    return step


def numpy_step(sizes, dtype):
    """A lean hand-written NumPy step (no checks, in-place updates, no input gradient for the
    first layer): what numnet could reach. Same layers, loss and update rule as numnet."""
    import numnet

    rng = np.random.default_rng(0)
    weights = [numnet.Linear(a, b, rng=rng) for a, b in zip(sizes[:-1], sizes[1:], strict=True)]
    params = [
        a
        for layer in weights
        for a in (layer.weight.data.astype(dtype), layer.bias.data.astype(dtype))
    ]
    buffers = [np.zeros_like(p) for p in params]
    x, y = data(sizes, dtype)
    rows = np.arange(BATCH)
    lr, mu = np.dtype(dtype).type(LR), np.dtype(dtype).type(MOMENTUM)

    def step():
        acts = [x]
        for i in range(0, len(params), 2):
            h = acts[-1] @ params[i]
            h += params[i + 1]
            if i + 2 < len(params):
                np.maximum(h, 0, out=h)
            acts.append(h)
        d = acts.pop()  # logits -> softmax -> (p - onehot) / N, in place
        d -= d.max(axis=1, keepdims=True)
        np.exp(d, out=d)
        d /= d.sum(axis=1, keepdims=True)
        d[rows, y] -= 1
        d /= BATCH
        grads = [None] * len(params)
        for i in range(len(params) - 2, -1, -2):
            a = acts.pop()
            grads[i], grads[i + 1] = a.T @ d, d.sum(axis=0)
            if i:
                d = d @ params[i].T
                d *= a > 0
        for p, g, v in zip(params, grads, buffers, strict=True):
            v *= mu
            v += g
            v_lr = np.multiply(v, lr, out=g)
            p -= v_lr

    return step


MAKERS = {"numnet": numnet_step, "torch": torch_step, "numpy": numpy_step}


def run(backend, steps, repeats):
    results = {}
    for arch_name, sizes in ARCHITECTURES.items():
        for dtype in DTYPES:
            best, median = best_time_per_step(MAKERS[backend](sizes, dtype), steps, repeats)
            results[f"{arch_name} {dtype}"] = {"best": best, "median": median}
    return results


def measure(python, backend, args):
    """Run one backend in a fresh process (its own thread pool) and return its results."""
    command = [python, __file__, "--backend", backend, "--json", "--steps", str(args.steps),
               "--repeats", str(args.repeats)]  # fmt: skip
    env = dict(os.environ)
    if args.threads:
        for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            env[name] = str(args.threads)
    out = subprocess.run(command, capture_output=True, text=True, check=True, env=env).stdout
    return json.loads(out.strip().splitlines()[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=list(MAKERS), help="time one backend in this process")
    parser.add_argument("--json", action="store_true", help="print raw results as JSON")
    parser.add_argument("--steps", type=int, default=50, help="steps per timed repeat")
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--rounds", type=int, default=3, help="alternating runs of each backend")
    parser.add_argument(
        "--threads", type=int, default=0, help="BLAS/OpenMP threads per backend (0: default)"
    )
    parser.add_argument("--no-torch", action="store_true")
    parser.add_argument(
        "--torch-python",
        default=torch_python(),
    )
    args = parser.parse_args(argv)

    if args.backend:
        results = run(args.backend, args.steps, args.repeats)
        print(json.dumps(results) if args.json else results)
        return 0

    pythons = {"numnet": sys.executable, "numpy": sys.executable}
    if not args.no_torch and args.torch_python:
        pythons["torch"] = args.torch_python
    best = {}
    for _ in range(args.rounds):  # alternate, so that a busy moment does not hit one backend only
        for backend, python in pythons.items():
            for key, r in measure(python, backend, args).items():
                old = best.setdefault(backend, {}).get(key)
                if old is None or r["best"] < old["best"]:
                    best[backend][key] = r

    print(f"one training step, batch {BATCH}, SGD momentum {MOMENTUM}: best of {args.rounds} "
          f"rounds x {args.repeats} repeats x {args.steps} steps (that repeat's median "
          f"in brackets); numpy {np.__version__}, {os.cpu_count()} cores, "
          f"threads per backend: {args.threads or 'default'}")  # fmt: skip
    header = f"{'model':<30}" + "".join(f"{b:>22}" for b in pythons)
    if "torch" in pythons:
        header += "".join(f"{b + '/torch':>14}" for b in pythons if b != "torch")
    print(header)
    for key in best["numnet"]:
        line = f"{key:<30}"
        for backend in pythons:
            r = best[backend][key]
            line += f"{r['best'] * 1e6:10.1f} us ({r['median'] * 1e6:6.1f})"
        if "torch" in pythons:
            for backend in pythons:
                if backend != "torch":
                    line += f"{best[backend][key]['best'] / best['torch'][key]['best']:13.2f}x"
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
