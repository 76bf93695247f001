"""numnet.Adagrad against torch.optim.Adagrad's documented algorithm, written out plainly here."""

import math

import numpy as np
import pytest
from optimizer_problem import P0, gradient, trajectory

from numnet import Adagrad, Parameter

STEPS = 50


def reference_adagrad(
    p0,
    grad_fn,
    steps,
    lr=1e-2,
    lr_decay=0.0,
    weight_decay=0.0,
    initial_accumulator_value=0.0,
    eps=1e-10,
):
    """The algorithm box of torch.optim.Adagrad's documentation, one element at a time.

    γ̃ = γ / (1 + (t − 1)η);  g ← g + λθ;  s = s + g²  (s starts at τ);  θ = θ − γ̃ g/(√s + ε).
    """
    theta = [float(v) for v in p0]
    state_sum = [initial_accumulator_value] * len(theta)
    trajectory = []
    for t in range(1, steps + 1):
        g = [float(gi) for gi in grad_fn(np.array(theta))]
        lr_t = lr / (1 + (t - 1) * lr_decay)
        for k in range(len(theta)):
            gk = g[k] + weight_decay * theta[k] if weight_decay != 0 else g[k]
            state_sum[k] = state_sum[k] + gk**2
            theta[k] = theta[k] - lr_t * gk / (math.sqrt(state_sum[k]) + eps)
        trajectory.append(list(theta))
    return np.array(trajectory)


CONFIGS = [
    dict(),
    dict(lr=0.1),
    dict(lr=0.1, lr_decay=0.05),
    dict(lr=0.1, weight_decay=0.1, initial_accumulator_value=0.5, eps=1e-6),
    dict(lr=0.3, lr_decay=0.5, initial_accumulator_value=2.0),
]


@pytest.mark.parametrize("options", CONFIGS, ids=str)
def test_adagrad_follows_torch_algorithm(options):
    # Same formulas; the reference multiplies γ̃ g then divides, as Adagrad does — the two
    # agree to a rounding or two per step; 1e-12 leaves room over 50 steps.
    ours = trajectory(Adagrad, STEPS, **options)
    ref = reference_adagrad(P0, gradient, STEPS, **options)
    np.testing.assert_allclose(ours, ref, rtol=1e-12, atol=1e-12)
    assert np.abs(ours[-1] - ours[0]).max() > 1e-2


def test_first_steps_by_hand():
    # τ = 0.75, g = 0.5: s = 0.75 + 0.25 = 1, step = 0.01 · 0.5 / (1 + 1e-10)
    #   = 0.005 − 5e-13 (+5e-23)  →  θ = 1 − step = 0.9950000000005.
    p = Parameter(np.array([1.0]))
    opt = Adagrad([p], lr=0.01, lr_decay=1.0, initial_accumulator_value=0.75)
    p.grad = np.array([0.5])
    opt.step()
    np.testing.assert_allclose(p.data, [0.9950000000005], rtol=1e-15)
    # Step 2 with lr_decay = 1: γ̃ = 0.01 / 2 = 0.005; g = 1.5: s = 1 + 2.25 = 3.25,
    #   step = 0.005 · 1.5 / (√3.25 + 1e-10) = 0.0075 / 1.8027756378... = 0.004160251471...
    p.grad = np.array([1.5])
    opt.step()
    np.testing.assert_allclose(p.data, [0.9950000000005 - 0.004160251471], rtol=1e-12)
    assert opt.state[0]["step"] == 2
    np.testing.assert_allclose(opt.state[0]["sum"], [3.25], rtol=1e-15)


def test_step_sizes_shrink_like_one_over_sqrt_t():
    # A constant unit gradient: s = t after t steps, so the t-th step is γ / √t (ε aside).
    p = Parameter(np.zeros(1))
    opt = Adagrad([p], lr=0.1, eps=0.0)
    for t in range(1, 20):
        before = p.data.copy()
        p.grad = np.ones(1)
        opt.step()
        np.testing.assert_allclose(before - p.data, 0.1 / math.sqrt(t), rtol=1e-14)


def test_float32_parameters_stay_float32():
    p = Parameter(np.array(P0, dtype=np.float32))
    opt = Adagrad([p], lr=0.1, lr_decay=0.05)
    for _ in range(10):
        p.grad = gradient(p.data.astype(np.float64)).astype(np.float32)
        opt.step()
    assert p.data.dtype == np.float32 and opt.state[0]["sum"].dtype == np.float32
    np.testing.assert_allclose(
        p.data, reference_adagrad(P0, gradient, 10, lr=0.1, lr_decay=0.05)[-1], rtol=1e-5
    )


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (dict(lr=-0.01), r"Adagrad: lr must be > 0, got -0\.01"),
        (dict(lr_decay=-0.1), r"Adagrad: lr_decay must be >= 0, got -0\.1"),
        (dict(weight_decay=-0.1), "weight_decay"),
        (dict(initial_accumulator_value=-1.0), r"initial_accumulator_value .* got -1\.0"),
        (dict(eps=-1e-10), r"Adagrad: eps must be >= 0, got -1e-10"),
        (dict(eps=float("inf")), "eps"),
    ],
)
def test_bad_hyperparameters_raise_value_error(options, message):
    with pytest.raises(ValueError, match=message):
        Adagrad([Parameter(np.ones(2))], **options)


def test_a_bad_gradient_changes_nothing():
    a, b = Parameter(np.ones(2)), Parameter(np.ones(2))
    opt = Adagrad([a, b], lr=0.1)
    a.grad, b.grad = np.ones(2), np.array([np.nan, 1.0])
    with pytest.raises(ValueError, match=r"Adagrad: params\[1\]\.grad contains NaN"):
        opt.step()
    np.testing.assert_array_equal(a.data, np.ones(2))
    assert opt.state == [{}, {}]
