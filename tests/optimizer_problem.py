"""The problem every optimiser test runs: three parameters on a non-quadratic loss.

Each ``tests/test_<optimiser>.py`` compares numnet's trajectory on it with a reference written
out in that file from PyTorch's documented algorithm.
"""

import math

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


def trajectory(optimizer_class, steps, grad_fn=gradient, lrs=None, split=None, **options):
    """The parameters after each of ``steps`` steps from ``P0`` (float64), one row per step;
    ``lrs``, if given, sets the learning rate before each step (as a schedule would).

    With ``split=k`` the vector is two Parameters, ``P0[:k]`` and ``P0[k:]`` (as a column),
    whose gradients are written into ``p.grad`` in place, as a layer's backward does (so the
    optimiser keeps them packed in one flat array); otherwise ``p.grad`` is replaced.
    """
    if split is None:
        params = [Parameter(np.array(P0, dtype=np.float64))]
    else:
        params = [Parameter(np.array(P0[:split])), Parameter(np.array(P0[split:])[:, None])]
    optimizer = optimizer_class(params, **options)
    rows = []
    for step in range(steps):
        if lrs is not None:
            optimizer.lr = lrs[step]
        g = grad_fn(np.concatenate([p.data.ravel() for p in params]))
        if split is None:
            params[0].grad = g
        else:
            optimizer.zero_grad()
            params[0].grad += g[:split]
            params[1].grad += g[split:, None]
        optimizer.step()
        rows.append(np.concatenate([p.data.ravel() for p in params]))
    return np.array(rows)


def reference_adam(
    p0,
    grad_fn,
    steps,
    lr=1e-3,
    betas=(0.9, 0.999),
    eps=1e-8,
    weight_decay=0.0,
    amsgrad=False,
    lrs=None,
    decoupled=False,
):
    """The algorithm boxes of torch.optim.Adam's and AdamW's documentation, one element at a time.

    m_t = β1 m + (1 − β1) g;  v_t = β2 v + (1 − β2) g²;  m̂ = m_t / (1 − β1^t);
    v̂ = max(v^max, v_t) / (1 − β2^t) if amsgrad else v_t / (1 − β2^t);
    θ_t = θ − γ m̂ / (√v̂ + ε). Weight decay λ: Adam adds λθ to g first; AdamW
    (``decoupled``) first shrinks θ to θ − γλθ and uses the plain gradient.
    """
    beta1, beta2 = betas
    theta = [float(v) for v in p0]
    m, v, v_max = [0.0] * len(theta), [0.0] * len(theta), [0.0] * len(theta)
    trajectory = []
    for t in range(1, steps + 1):
        rate = lrs[t - 1] if lrs is not None else lr
        g = [float(gi) for gi in grad_fn(np.array(theta))]
        for k in range(len(theta)):
            gk = g[k]
            if decoupled:
                theta[k] = theta[k] - rate * weight_decay * theta[k]
            elif weight_decay != 0:
                gk = g[k] + weight_decay * theta[k]
            m[k] = beta1 * m[k] + (1 - beta1) * gk
            v[k] = beta2 * v[k] + (1 - beta2) * gk**2
            m_hat = m[k] / (1 - beta1**t)
            if amsgrad:
                v_max[k] = max(v_max[k], v[k])
                v_hat = v_max[k] / (1 - beta2**t)
            else:
                v_hat = v[k] / (1 - beta2**t)
            theta[k] = theta[k] - rate * m_hat / (math.sqrt(v_hat) + eps)
        trajectory.append(list(theta))
    return np.array(trajectory)
