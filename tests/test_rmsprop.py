"""numnet.RMSprop against torch.optim.RMSprop's documented algorithm, written out plainly here."""

import math

import numpy as np
import pytest
from optimizer_problem import P0, gradient, noisy_gradient, trajectory

from numnet import Parameter, RMSprop

STEPS = 50


def reference_rmsprop(
    p0,
    grad_fn,
    steps,
    lr=1e-2,
    alpha=0.99,
    eps=1e-8,
    weight_decay=0.0,
    momentum=0.0,
    centered=False,
):
    """The algorithm box of torch.optim.RMSprop's documentation, one element at a time.

    g ← g + λθ;  v = αv + (1 − α)g²;  ṽ = v;  if centered: ḡ = αḡ + (1 − α)g, ṽ = ṽ − ḡ²;
    if μ > 0: b = μb + g/(√ṽ + ε), θ = θ − γb;  else θ = θ − γ g/(√ṽ + ε).
    """
    theta = [float(v) for v in p0]
    n = len(theta)
    v, b, g_ave = [0.0] * n, [0.0] * n, [0.0] * n
    trajectory = []
    for _ in range(steps):
        g = [float(gi) for gi in grad_fn(np.array(theta))]
        for k in range(n):
            gk = g[k] + weight_decay * theta[k] if weight_decay != 0 else g[k]
            v[k] = alpha * v[k] + (1 - alpha) * gk**2
            v_tilde = v[k]
            if centered:
                g_ave[k] = g_ave[k] * alpha + (1 - alpha) * gk
                v_tilde = v_tilde - g_ave[k] ** 2
            if momentum > 0:
                b[k] = momentum * b[k] + gk / (math.sqrt(v_tilde) + eps)
                theta[k] = theta[k] - lr * b[k]
            else:
                theta[k] = theta[k] - lr * gk / (math.sqrt(v_tilde) + eps)
        trajectory.append(list(theta))
    return np.array(trajectory)


CONFIGS = [
    dict(),
    dict(lr=0.01, momentum=0.9),
    dict(lr=0.01, centered=True),
    dict(lr=0.01, alpha=0.5, weight_decay=0.2),
    dict(lr=0.005, alpha=0.9, eps=1e-6, weight_decay=0.1, momentum=0.5, centered=True),
]


@pytest.mark.parametrize("options", CONFIGS, ids=str)
@pytest.mark.parametrize("noisy", [False, True], ids=["smooth", "noisy"])
def test_rmsprop_follows_torch_algorithm(options, noisy):
    # The reference computes ḡ·α + (1 − α)g where RMSprop (as PyTorch's lerp) computes
    # ḡ + (1 − α)(g − ḡ): a rounding apart per step; 50 steps agree to ~1e-15, 1e-12 is room.
    ours = trajectory(
        RMSprop, STEPS, noisy_gradient(STEPS, seed=1) if noisy else gradient, **options
    )
    ref = reference_rmsprop(
        P0, noisy_gradient(STEPS, seed=1) if noisy else gradient, STEPS, **options
    )
    np.testing.assert_allclose(ours, ref, rtol=1e-12, atol=1e-12)
    assert np.abs(ours[-1] - ours[0]).max() > 1e-2


def test_first_step_by_hand():
    # α = 0.99, g = 0.5: v = 0.01 · 0.25 = 0.0025, √v = 0.05, + ε → 0.05000001;
    # step = γ g / 0.05000001 = 0.01 · 10 / (1 + 2e-7) = 0.1 · (1 − 2e-7 + 4e-14 − ...)
    #      = 0.09999998 + 4e-15  →  θ = 1 − step = 0.900000019999996.
    p = Parameter(np.array([1.0]))
    p.grad = np.array([0.5])
    RMSprop([p], lr=0.01).step()
    np.testing.assert_allclose(p.data, [0.900000019999996], rtol=1e-15)


def test_first_step_centered_by_hand():
    # α = 0.5, ε = 0, g = 2: v = 0.5 · 4 = 2, ḡ = 0.5 · 2 = 1, ṽ = 2 − 1 = 1;
    # θ = 0 − 0.1 · 2 / 1 = −0.2.  Momentum μ = 0.9: b = 0 + 2 / 1 = 2, the same step.
    for momentum in (0.0, 0.9):
        p = Parameter(np.zeros(1))
        p.grad = np.array([2.0])
        RMSprop([p], lr=0.1, alpha=0.5, eps=0.0, centered=True, momentum=momentum).step()
        np.testing.assert_allclose(p.data, [-0.2], rtol=1e-15)


def test_float32_parameters_stay_float32():
    p = Parameter(np.array(P0, dtype=np.float32))
    opt = RMSprop([p], lr=0.01, momentum=0.5, centered=True)
    for _ in range(10):
        p.grad = gradient(p.data.astype(np.float64)).astype(np.float32)
        opt.step()
    assert p.data.dtype == np.float32
    ref = reference_rmsprop(P0, gradient, 10, lr=0.01, momentum=0.5, centered=True)[-1]
    np.testing.assert_allclose(p.data, ref, rtol=1e-5)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (dict(lr=-0.01), r"RMSprop: lr must be > 0, got -0\.01"),
        (dict(alpha=1.0), r"RMSprop: alpha must be in \[0, 1\), got 1\.0"),
        (dict(alpha=-0.1), "alpha"),
        (dict(eps=-1e-8), r"RMSprop: eps must be >= 0, got -1e-08"),
        (dict(momentum=-0.9), r"RMSprop: momentum must be >= 0, got -0\.9"),
        (dict(weight_decay=-1.0), "weight_decay"),
    ],
)
def test_bad_hyperparameters_raise_value_error(options, message):
    with pytest.raises(ValueError, match=message):
        RMSprop([Parameter(np.ones(2))], **options)


def test_wrongly_typed_hyperparameters_raise_type_error():
    with pytest.raises(TypeError, match="RMSprop: centered must be True or False"):
        RMSprop([Parameter(np.ones(2))], centered="yes")
    with pytest.raises(TypeError, match="RMSprop: alpha must be a real number"):
        RMSprop([Parameter(np.ones(2))], alpha=None)


def test_a_bad_gradient_changes_nothing():
    a, b = Parameter(np.ones(2)), Parameter(np.ones(2))
    opt = RMSprop([a, b], momentum=0.9, centered=True)
    a.grad, b.grad = np.ones(2), np.ones(3)
    with pytest.raises(ValueError, match=r"RMSprop: params\[1\] has data of shape \(2,\)"):
        opt.step()
    np.testing.assert_array_equal(a.data, np.ones(2))
    assert opt.state == [{}, {}]
