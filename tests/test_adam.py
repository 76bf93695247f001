"""numnet.Adam against torch.optim.Adam's documented algorithm, written out plainly in
``optimizer_problem.reference_adam``."""

import math

import numpy as np
import pytest
from optimizer_problem import P0, gradient, noisy_gradient, reference_adam, trajectory

import numnet
from numnet import Adam, Parameter

STEPS = 50


CONFIGS = [
    dict(),
    dict(lr=0.05),
    dict(lr=0.05, amsgrad=True),
    dict(lr=0.02, betas=(0.8, 0.95), eps=1e-6, weight_decay=0.1),
    dict(lr=0.05, betas=(0.3, 0.6), weight_decay=0.05, amsgrad=True),
    dict(lr=0.05, betas=(0.0, 0.0), eps=0.0),
]


@pytest.mark.parametrize("options", CONFIGS, ids=str)
@pytest.mark.parametrize("noisy", [False, True], ids=["smooth", "noisy"])
def test_adam_follows_torch_algorithm(options, noisy):
    # The reference divides m and v by the bias corrections before the square root; Adam (as
    # PyTorch) folds them into the step size and √(1 − β2^t): the same numbers up to a few
    # roundings per step, so 50 steps agree to ~1e-15 relative; 1e-12 leaves room.
    ours = trajectory(
        Adam, STEPS, noisy_gradient(STEPS, seed=0, scale=2.0) if noisy else gradient, **options
    )
    ref = reference_adam(
        P0, noisy_gradient(STEPS, seed=0, scale=2.0) if noisy else gradient, STEPS, **options
    )
    np.testing.assert_allclose(ours, ref, rtol=1e-12, atol=1e-12)
    assert np.abs(ours[-1] - ours[0]).max() > 1e-2  # it actually moved


def test_adam_follows_reference_when_lr_changes_between_steps():
    lrs = [0.05 * 0.9**k for k in range(STEPS)]
    ours = trajectory(Adam, STEPS, lrs=lrs, lr=0.05, amsgrad=True)
    ref = reference_adam(P0, gradient, STEPS, lrs=lrs, lr=0.05, amsgrad=True)
    np.testing.assert_allclose(ours, ref, rtol=1e-12, atol=1e-12)


def test_first_step_by_hand():
    # Step 1: m = 0.1 g, v = 0.001 g², so m̂ = g and v̂ = g²: θ ← θ − γ g / (|g| + ε).
    # θ = 1,  g = 0.5:  0.1 · 0.5 / (0.5 + 1e-8) = 0.1 / (1 + 2e-8) = 0.1 − 2e-9 + 4e-17
    #   → θ = 0.900000002 (dropping 4e-17);
    # θ = −2, g = −4:   0.1 · 4 / (4 + 1e-8) = 0.1 / (1 + 2.5e-9) = 0.1 − 2.5e-10 + ...
    #   → θ = −1.90000000025.
    p = Parameter(np.array([1.0, -2.0]))
    p.grad = np.array([0.5, -4.0])
    Adam([p], lr=0.1).step()
    np.testing.assert_allclose(p.data, [0.900000002, -1.90000000025], rtol=1e-15)


def test_second_step_by_hand_with_simple_betas():
    # β1 = 0.5, β2 = 0.75, ε = 0, γ = 1, θ0 = 0, g1 = 1 then g2 = 3.
    # Step 1: m = 0.5, v = 0.25, m̂ = 1, v̂ = 1 → θ1 = −1.
    # Step 2: m = 0.25 + 1.5 = 1.75, v = 0.1875 + 2.25 = 2.4375;
    #   m̂ = 1.75 / 0.75 = 7/3,  v̂ = 2.4375 / 0.4375 = 39/7  → θ2 = −1 − (7/3) / √(39/7).
    p = Parameter(np.zeros(1))
    opt = Adam([p], lr=1.0, betas=(0.5, 0.75), eps=0.0)
    for g in (1.0, 3.0):
        p.grad = np.array([g])
        opt.step()
    np.testing.assert_allclose(p.data, [-1 - (7 / 3) / math.sqrt(39 / 7)], rtol=1e-14)
    np.testing.assert_allclose(opt.state[0]["exp_avg"], [1.75], rtol=1e-15)
    np.testing.assert_allclose(opt.state[0]["exp_avg_sq"], [2.4375], rtol=1e-15)
    assert opt.state[0]["step"] == 2


def test_amsgrad_keeps_the_maximum_of_the_uncorrected_v():
    # g = 2 then 0 with β2 = 0.5: v = 0.5·4 = 2, then v = 1; the maximum stays 2 (not the
    # bias-corrected 4 or 4/0.75).
    p = Parameter(np.zeros(1))
    opt = Adam([p], lr=0.1, betas=(0.9, 0.5), amsgrad=True)
    for g in (2.0, 0.0):
        p.grad = np.array([g])
        opt.step()
    np.testing.assert_allclose(opt.state[0]["exp_avg_sq"], [1.0], rtol=1e-15)
    np.testing.assert_allclose(opt.state[0]["max_exp_avg_sq"], [2.0], rtol=1e-15)


def test_adam_trains_a_model():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 3))
    y = x @ np.array([[1.0], [-2.0], [0.5]]) + 0.3
    model, loss_fn = numnet.Linear(3, 1, rng=1), numnet.MSELoss()
    opt = Adam(model.parameters(), lr=0.05)
    first = loss_fn(model(x), y)
    for _ in range(300):
        loss_fn(model(x), y)
        opt.zero_grad()
        model.backward(loss_fn.backward())
        opt.step()
    assert loss_fn(model(x), y) < 1e-6 * first


def test_float32_parameters_stay_float32():
    p = Parameter(np.array(P0, dtype=np.float32))
    opt = Adam([p], lr=0.05, weight_decay=0.1, amsgrad=True)
    for _ in range(10):
        p.grad = gradient(p.data.astype(np.float64)).astype(np.float32)
        opt.step()
    assert p.data.dtype == np.float32 and opt.state[0]["exp_avg"].dtype == np.float32
    ref = reference_adam(P0, gradient, 10, lr=0.05, weight_decay=0.1, amsgrad=True)[-1]
    np.testing.assert_allclose(p.data, ref, rtol=1e-5)


def test_parameters_without_grad_are_skipped_and_keep_their_own_step_count():
    a, b = Parameter(np.ones(2)), Parameter(np.ones(2))
    opt = Adam([a, b], lr=0.1)
    a.grad, b.grad = np.ones(2), None
    opt.step()
    b.grad = np.ones(2)
    opt.step()
    np.testing.assert_array_equal(opt.state[0]["step"], 2)
    np.testing.assert_array_equal(opt.state[1]["step"], 1)
    # b's first step is a full first step: 1 − 0.1 · 1 / (1 + 1e-8)
    np.testing.assert_allclose(b.data, 1 - 0.1 / (1 + 1e-8), rtol=1e-15)


# -- bad input ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("options", "message"),
    [
        (dict(lr=-0.1), r"Adam: lr must be > 0, got -0\.1"),
        (dict(lr=0.0), "lr"),
        (dict(lr=float("nan")), "lr"),
        (dict(betas=(1.0, 0.999)), r"Adam: betas\[0\] must be in \[0, 1\), got 1\.0"),
        (dict(betas=(0.9, -0.1)), r"betas\[1\] must be in \[0, 1\), got -0\.1"),
        (dict(betas=(0.9, float("nan"))), r"betas\[1\]"),
        (dict(eps=-1e-8), r"Adam: eps must be >= 0, got -1e-08"),
        (dict(weight_decay=-1e-4), "weight_decay"),
    ],
)
def test_bad_hyperparameters_raise_value_error(options, message):
    with pytest.raises(ValueError, match=message):
        Adam([Parameter(np.ones(2))], **options)


@pytest.mark.parametrize(
    "options",
    [
        dict(lr="0.1"),
        dict(betas=0.9),
        dict(betas=(0.9, 0.99, 0.1)),
        dict(betas=(0.9, "a")),
        dict(amsgrad=1),
        dict(eps=None),
    ],
)
def test_wrongly_typed_hyperparameters_raise_type_error(options):
    with pytest.raises(TypeError, match="Adam"):
        Adam([Parameter(np.ones(2))], **options)


def test_params_must_be_parameters():
    with pytest.raises(TypeError, match=r"Adam: params\[1\] is a ndarray"):
        Adam([Parameter(np.ones(2)), np.ones(2)])
    with pytest.raises(TypeError, match="model.parameters()"):
        Adam(numnet.Linear(2, 2))
    with pytest.raises(ValueError, match="empty"):
        Adam([])


@pytest.mark.parametrize(
    ("bad_grad", "error", "message"),
    [
        (np.ones((4,)), ValueError, r"params\[1\] has data of shape \(2, 2\) but grad of shape"),
        (np.array([[1.0, np.nan], [0.0, 0.0]]), ValueError, "NaN or infinity"),
        (np.ones((2, 2), dtype=int), TypeError, "float"),
    ],
)
def test_a_bad_gradient_changes_nothing(bad_grad, error, message):
    a, b = Parameter(np.ones(3)), Parameter(np.ones((2, 2)))
    opt = Adam([a, b], lr=0.1, weight_decay=0.1, amsgrad=True)
    a.grad, b.grad = np.ones(3), np.ones((2, 2))
    opt.step()
    a.grad, b.grad = np.full(3, 5.0), bad_grad
    before = [a.data.copy(), b.data.copy()]
    buffers = [{k: np.copy(v) for k, v in s.items()} for s in opt.state]
    with pytest.raises(error, match=message):
        opt.step()
    np.testing.assert_array_equal(a.data, before[0])
    np.testing.assert_array_equal(b.data, before[1])
    for old, new in zip(buffers, opt.state, strict=True):
        for key in old:
            np.testing.assert_array_equal(old[key], new[key])


def test_parameter_resized_after_a_step_is_rejected():
    p = Parameter(np.ones(2))
    opt = Adam([p])
    p.grad = np.ones(2)
    opt.step()
    p.data, p.grad = np.ones(3), np.ones(3)
    with pytest.raises(ValueError, match=r"Adam: params\[0\] changed shape to \(3,\) since its"):
        opt.step()
