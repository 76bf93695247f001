"""The problem every optimiser test runs: three parameters on a non-quadratic loss.

Each ``tests/test_<optimiser>.py`` compares numnet's trajectory on it with a reference written
out in that file from PyTorch's documented algorithm.
"""

import numpy as np

from numnet import Parameter

P0 = [1.5, -2.0, 0.7]


def gradient(p):
    """The gradient of a non-quadratic loss, so that trajectories depend on every detail."""
    a = np.array([[2.0, 0.3, 0.0], [0.3, 1.0, -0.2], [0.0, -0.2, 0.5]])
    return a @ p + np.array([0.5, -1.0, 0.25]) + 0.3 * np.sin(3 * p)


def noisy_gradient(steps, seed, scale=1.0):
    """``gradient`` plus a fixed random term per call: its sign flips, so running averages of
    the gradient's square rise and fall."""
    noise = iter(np.random.default_rng(seed).standard_normal((steps, 3)))
    return lambda p: gradient(p) + scale * next(noise)


def trajectory(optimizer_class, steps, grad_fn=gradient, lrs=None, **options):
    """The parameters after each of ``steps`` steps from ``P0`` (float64), one row per step;
    ``lrs``, if given, sets the learning rate before each step (as a schedule would)."""
    p = Parameter(np.array(P0, dtype=np.float64))
    optimizer = optimizer_class([p], **options)
    rows = []
    for step in range(steps):
        if lrs is not None:
            optimizer.lr = lrs[step]
        p.grad = grad_fn(p.data)
        optimizer.step()
        rows.append(p.data.copy())
    return np.array(rows)
