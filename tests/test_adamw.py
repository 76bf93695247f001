"""numnet.AdamW against torch.optim.AdamW's documented algorithm, written out plainly in
``optimizer_problem.reference_adam``."""

import numpy as np
import pytest
from optimizer_problem import P0, gradient, reference_adam, trajectory

from numnet import Adam, AdamW, Parameter

STEPS = 50


def reference_adamw(p0, grad_fn, steps, weight_decay=1e-2, **options):
    """The algorithm box of torch.optim.AdamW's documentation: θ_t = θ − γλθ (decoupled decay,
    on the parameter, not the gradient), then Adam's step with the plain gradient."""
    return reference_adam(p0, grad_fn, steps, weight_decay=weight_decay, decoupled=True, **options)


CONFIGS = [
    dict(),
    dict(lr=0.05),
    dict(lr=0.05, weight_decay=0.1),
    dict(lr=0.05, betas=(0.5, 0.9), weight_decay=0.3, amsgrad=True),
    dict(lr=0.02, eps=1e-4, weight_decay=0.0),
]


@pytest.mark.parametrize("options", CONFIGS, ids=str)
def test_adamw_follows_torch_algorithm(options):
    # θ − γλθ (reference) and θ·(1 − γλ) (AdamW, as PyTorch) round differently; with Adam's
    # bias-correction roundings the trajectories agree to ~1e-15 relative, 1e-12 leaves room.
    ours = trajectory(AdamW, STEPS, **options)
    ref = reference_adamw(P0, gradient, STEPS, **options)
    np.testing.assert_allclose(ours, ref, rtol=1e-12, atol=1e-12)
    assert np.abs(ours[-1] - ours[0]).max() > 1e-2


def test_first_step_by_hand():
    # θ = 1, g = 0.5, γ = 0.1, λ = 0.5: decay θ ← 1 · (1 − 0.05) = 0.95; then Adam's first
    # step 0.1 · 0.5 / (0.5 + 1e-8) = 0.1 − 2e-9 + 4e-17 → θ = 0.850000002 (dropping 4e-17).
    p = Parameter(np.array([1.0]))
    p.grad = np.array([0.5])
    AdamW([p], lr=0.1, weight_decay=0.5).step()
    np.testing.assert_allclose(p.data, [0.850000002], rtol=1e-15)


def test_decay_is_decoupled_unlike_adams_l2():
    # With a zero gradient Adam's L2 term λθ is normalised by √v̂: a full-size step γ·sign(θ).
    # AdamW only shrinks θ by the factor (1 − γλ) (m stays 0, so the Adam step is 0).
    p = Parameter(np.array([2.0]))
    p.grad = np.zeros(1)
    AdamW([p], lr=0.1, weight_decay=0.5).step()
    np.testing.assert_allclose(p.data, [2.0 * (1 - 0.05)], rtol=1e-15)
    q = Parameter(np.array([2.0]))
    q.grad = np.zeros(1)
    Adam([q], lr=0.1, weight_decay=0.5).step()
    np.testing.assert_allclose(q.data, [2.0 - 0.1 * 1.0 / (1.0 + 1e-8)], rtol=1e-15)


def test_zero_weight_decay_is_adam():
    options = dict(lr=0.05, betas=(0.8, 0.99), amsgrad=True, weight_decay=0.0)
    np.testing.assert_array_equal(
        trajectory(AdamW, STEPS, **options), trajectory(Adam, STEPS, **options)
    )


def test_default_weight_decay_is_one_hundredth():
    assert AdamW([Parameter(np.ones(1))]).weight_decay == 0.01


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (dict(lr=-1.0), r"AdamW: lr must be > 0, got -1\.0"),
        (dict(betas=(0.9, 1.5)), r"AdamW: betas\[1\] must be in \[0, 1\), got 1\.5"),
        (dict(eps=-1.0), r"AdamW: eps must be >= 0, got -1\.0"),
        (dict(weight_decay=-0.01), r"AdamW: weight_decay must be >= 0, got -0\.01"),
    ],
)
def test_bad_hyperparameters_name_adamw(options, message):
    with pytest.raises(ValueError, match=message):
        AdamW([Parameter(np.ones(2))], **options)


def test_a_bad_gradient_changes_nothing_not_even_the_decay():
    a, b = Parameter(np.ones(2)), Parameter(np.ones(2))
    opt = AdamW([a, b], lr=0.1, weight_decay=0.5)
    a.grad, b.grad = np.ones(2), np.array([1.0, np.inf])
    with pytest.raises(ValueError, match=r"AdamW: params\[1\]\.grad contains NaN or infinity"):
        opt.step()
    np.testing.assert_array_equal(a.data, np.ones(2))
    assert opt.state == [{}, {}]
