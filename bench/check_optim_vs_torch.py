"""One-off check, run by hand: numnet's optimisers, schedules and clipping against PyTorch's.

    TORCH_PYTHON=/work/torchvenv/bin/python .venv/bin/python bench/check_optim_vs_torch.py

Not a test (PyTorch is not a dependency). The same script runs twice: here with numnet, then
with ``--torch`` under ``$TORCH_PYTHON`` in its own process; both sides compute the gradients
with the same NumPy function of the current parameters, so any difference comes from the
optimisers. It prints the largest differences of

- 50-step trajectories of every optimiser and option (float64 and float32), on two parameters
  of shapes (3,) and (2, 2), gradient ``A x + b + 0.3 sin(3x) + noise_t``;
- learning-rate sequences of every schedule (50 epochs, or 3·T_max);
- every optimiser driven by every schedule (30 epochs of 2 steps);
- ``clip_grad_norm_`` (p = 1, 2, inf) and ``clip_grad_value_``,

and exits 1 if any float64 difference exceeds 1e-12 (relative to the values' scale).
"""

import json
import math
import os
import subprocess
import sys

import numpy as np

STEPS = 50
SHAPES = [(3,), (2, 2)]
SIZE = 7

OPTIMISERS = [
    ("SGD", dict(lr=0.05)),
    ("SGD", dict(lr=0.05, momentum=0.9, weight_decay=0.01)),
    ("SGD", dict(lr=0.03, momentum=0.7, weight_decay=0.1, nesterov=True)),
    ("Adam", dict()),
    ("Adam", dict(lr=0.05)),
    ("Adam", dict(lr=0.05, amsgrad=True)),
    ("Adam", dict(lr=0.02, betas=(0.8, 0.95), eps=1e-6, weight_decay=0.1)),
    ("Adam", dict(lr=0.05, betas=(0.3, 0.6), weight_decay=0.05, amsgrad=True)),
    ("Adam", dict(lr=0.05, betas=(0.0, 0.0), eps=0.0)),
    ("AdamW", dict()),
    ("AdamW", dict(lr=0.05, weight_decay=0.1)),
    ("AdamW", dict(lr=0.05, betas=(0.5, 0.9), weight_decay=0.3, amsgrad=True)),
    ("RMSprop", dict()),
    ("RMSprop", dict(lr=0.01, momentum=0.9)),
    ("RMSprop", dict(lr=0.01, centered=True)),
    ("RMSprop", dict(lr=0.005, alpha=0.9, eps=1e-6, weight_decay=0.1, momentum=0.5, centered=True)),
    ("Adagrad", dict()),
    ("Adagrad", dict(lr=0.1, lr_decay=0.05)),
    ("Adagrad", dict(lr=0.1, weight_decay=0.1, initial_accumulator_value=0.5, eps=1e-6)),
]

SCHEDULES = [
    ("StepLR", dict(step_size=7, gamma=0.5)),
    ("ExponentialLR", dict(gamma=0.93)),
    ("ConstantLR", dict(factor=0.25, total_iters=4)),
    ("MultiStepLR", dict(milestones=[5, 12, 30])),
    ("MultiStepLR", dict(milestones=[30, 5, 12, 12], gamma=0.5)),
    ("CosineAnnealingLR", dict(T_max=10)),
    ("CosineAnnealingLR", dict(T_max=7, eta_min=0.01)),
    ("CosineAnnealingLR", dict(T_max=50, eta_min=1e-4)),
    ("CosineAnnealingLR", dict(T_max=1)),
    ("ReduceLROnPlateau", dict()),
    ("ReduceLROnPlateau", dict(patience=2, factor=0.5)),
    ("ReduceLROnPlateau", dict(patience=1, factor=0.5, threshold=0.05, cooldown=2)),
    ("ReduceLROnPlateau", dict(patience=0, factor=0.5, threshold_mode="abs", threshold=0.01)),
    ("ReduceLROnPlateau", dict(mode="max", patience=2, factor=0.3)),
    ("ReduceLROnPlateau", dict(mode="max", patience=1, threshold_mode="abs", threshold=0.02)),
    ("ReduceLROnPlateau", dict(patience=0, factor=0.5, min_lr=0.02)),
    ("ReduceLROnPlateau", dict(patience=0, factor=0.9, eps=0.005)),
]


def problem(dtype):
    """Start values, A, b and the noise sequence of the test problem, in ``dtype``."""
    rng = np.random.default_rng(7)
    m = rng.standard_normal((SIZE, SIZE))
    a = m @ m.T / SIZE + 0.1 * np.eye(SIZE)
    b = rng.standard_normal(SIZE)
    noise = 0.5 * rng.standard_normal((STEPS, SIZE))
    x0 = rng.standard_normal(SIZE)
    return [v.astype(dtype) for v in (x0, a, b)] + [noise.astype(dtype)]


def split(x):
    first = SHAPES[0][0]
    return [x[:first].copy(), x[first:].reshape(SHAPES[1]).copy()]


def gradients(arrays, a, b, noise_t):
    x = np.concatenate([v.ravel() for v in arrays])
    return split(a @ x + b + 0.3 * np.sin(3 * x) + noise_t)


def loss(arrays, a, b):
    x = np.concatenate([v.ravel() for v in arrays])
    return float(0.5 * x @ a @ x + b @ x - 0.1 * np.cos(3 * x).sum())


def metric_sequence(mode, epochs=STEPS):
    """A validation-loss-like curve with plateaus and ties (rounded to 3 decimals)."""
    t = np.arange(epochs)
    curve = 1 / (1 + 0.3 * t) + 0.05 * np.sin(1.7 * t) + 0.02 * (t > 25)
    curve = np.round(curve, 3)
    return (curve if mode == "min" else 1 - curve).tolist()


class Backend:
    """The few operations that differ between numnet and PyTorch."""

    def __init__(self, use_torch):
        self.use_torch = use_torch
        if use_torch:
            import torch

            torch.set_num_threads(1)
            self.torch = torch
            self.optim, self.sched = torch.optim, torch.optim.lr_scheduler
        else:
            import numnet

            self.optim = self.sched = numnet

    def params(self, arrays):
        if self.use_torch:
            return [self.torch.tensor(v, requires_grad=True) for v in arrays]
        import numnet

        return [numnet.Parameter(v.copy()) for v in arrays]

    def values(self, params):
        if self.use_torch:
            return [p.detach().numpy().copy() for p in params]
        return [p.data.copy() for p in params]

    def set_grads(self, params, grads):
        for p, g in zip(params, grads, strict=True):
            p.grad = self.torch.from_numpy(g.copy()) if self.use_torch else g.copy()

    def grads(self, params):
        if self.use_torch:
            return [p.grad.numpy().copy() for p in params]
        return [p.grad.copy() for p in params]

    def lr(self, optimizer):
        return optimizer.param_groups[0]["lr"] if self.use_torch else optimizer.lr


def trajectory(backend, name, options, dtype, schedule=None, epochs=STEPS, steps_per_epoch=1):
    x0, a, b, noise = problem(dtype)
    params = backend.params(split(x0))
    optimizer = getattr(backend.optim, name)(params, **options)
    scheduler = None
    if schedule is not None:
        scheduler = getattr(backend.sched, schedule[0])(optimizer, **schedule[1])
    out, t = [], 0
    for _ in range(epochs):
        for _ in range(steps_per_epoch):
            backend.set_grads(params, gradients(backend.values(params), a, b, noise[t % STEPS]))
            optimizer.step()
            t += 1
        out.append(np.concatenate([v.ravel() for v in backend.values(params)]).tolist())
        if scheduler is not None:
            if schedule[0] == "ReduceLROnPlateau":
                scheduler.step(loss(backend.values(params), a, b))
            else:
                scheduler.step()
    return out


def lr_sequence(backend, name, options):
    params = backend.params([np.ones(3)])
    optimizer = backend.optim.SGD(params, lr=0.1)
    scheduler = getattr(backend.sched, name)(optimizer, **options)
    epochs = max(STEPS, 3 * options.get("T_max", 0))
    metrics = metric_sequence(options.get("mode", "min"), epochs)
    seen = []
    for epoch in range(epochs):
        seen.append(backend.lr(optimizer))
        if name == "ReduceLROnPlateau":
            scheduler.step(metrics[epoch])
        else:
            scheduler.step()
    return seen


def clipping(backend):
    rng = np.random.default_rng(3)
    grads = [rng.standard_normal(s) * 3 for s in SHAPES]
    out = {}
    for norm_type in (1.0, 2.0, math.inf):
        for max_norm in (0.5, 100.0):
            params = backend.params([np.zeros(s) for s in SHAPES])
            backend.set_grads(params, grads)
            if backend.use_torch:
                total = float(backend.torch.nn.utils.clip_grad_norm_(params, max_norm, norm_type))
            else:
                total = backend.optim.clip_grad_norm_(params, max_norm, norm_type)
            flat = np.concatenate([g.ravel() for g in backend.grads(params)]).tolist()
            out[f"clip_grad_norm_ p={norm_type} max_norm={max_norm}"] = [total, *flat]
    params = backend.params([np.zeros(s) for s in SHAPES])
    backend.set_grads(params, grads)
    clip_value = backend.torch.nn.utils.clip_grad_value_ if backend.use_torch else None
    (clip_value or backend.optim.clip_grad_value_)(params, 1.5)
    out["clip_grad_value_ 1.5"] = np.concatenate([g.ravel() for g in backend.grads(params)])
    out["clip_grad_value_ 1.5"] = out["clip_grad_value_ 1.5"].tolist()
    return out


def label(name, options):
    return f"{name}({', '.join(f'{k}={v}' for k, v in options.items())})"


def run_all(use_torch):
    backend = Backend(use_torch)
    results = {}
    for dtype in ("float64", "float32"):
        for name, options in OPTIMISERS:
            results[f"{dtype} {label(name, options)}"] = trajectory(backend, name, options, dtype)
    for name, options in SCHEDULES:
        results[f"lr {label(name, options)}"] = lr_sequence(backend, name, options)
    defaults = {"SGD": dict(lr=0.05, momentum=0.9)}
    for opt_name in ("SGD", "Adam", "AdamW", "RMSprop", "Adagrad"):
        for schedule in SCHEDULES:
            key = f"float64 {opt_name} + {label(*schedule)}"
            results[key] = trajectory(
                backend, opt_name, defaults.get(opt_name, {}), "float64", schedule, 30, 2
            )
    results.update(clipping(backend))
    return results


def main():
    if "--torch" in sys.argv:
        print(json.dumps(run_all(use_torch=True)))
        return 0
    python = os.environ.get("TORCH_PYTHON")
    if not python:
        print("set TORCH_PYTHON to an interpreter with PyTorch", file=sys.stderr)
        return 2
    ours = run_all(use_torch=False)
    done = subprocess.run([python, __file__, "--torch"], capture_output=True, text=True)
    if done.returncode != 0:
        print(done.stderr, file=sys.stderr)
        return 2
    theirs = json.loads(done.stdout.strip().splitlines()[-1])
    worst = {"float64": 0.0, "float32": 0.0}
    print(f"{'case':<100} {'max |diff|':>11} {'relative':>10}")
    for key, mine in ours.items():
        a, b = np.array(mine, dtype=float), np.array(theirs[key], dtype=float)
        diff = float(np.abs(a - b).max())
        rel = diff / max(float(np.abs(b).max()), 1e-300)
        kind = "float32" if key.startswith("float32") else "float64"
        worst[kind] = max(worst[kind], rel)
        print(f"{key:<100} {diff:>11.2e} {rel:>10.2e}")
    print(
        f"largest relative difference: float64 {worst['float64']:.2e}, "
        f"float32 {worst['float32']:.2e}"
    )
    return 0 if worst["float64"] <= 1e-12 else 1


if __name__ == "__main__":
    sys.exit(main())
