"""numnet.SGD against torch.optim.SGD's documented algorithm, written out plainly here."""

import numpy as np
import pytest
from optimizer_problem import P0, gradient, trajectory

import numnet
from numnet import SGD, Parameter

STEPS = 60


def reference_sgd(p0, grad_fn, steps, lr, momentum=0.0, weight_decay=0.0, nesterov=False, lrs=None):
    """torch.optim.SGD (dampening = 0), one parameter, element by element.

    For each step with gradient g: g = g + wd·p; if momentum: buf = g on the first step, else
    buf = μ·buf + g; g = g + μ·buf if nesterov else buf; p = p − lr·g.
    """
    p = [float(v) for v in p0]
    buf = None
    trajectory = []
    for step in range(steps):
        rate = lrs[step] if lrs is not None else lr
        g = [float(v) for v in grad_fn(np.array(p))]
        g = [gi + weight_decay * pi for gi, pi in zip(g, p, strict=True)]
        if momentum != 0:
            if buf is None:
                buf = list(g)
            else:
                buf = [momentum * bi + gi for bi, gi in zip(buf, g, strict=True)]
            if nesterov:
                g = [gi + momentum * bi for gi, bi in zip(g, buf, strict=True)]
            else:
                g = list(buf)
        p = [pi - rate * gi for pi, gi in zip(p, g, strict=True)]
        trajectory.append(list(p))
    return np.array(trajectory)


CONFIGS = [
    dict(lr=0.1),
    dict(lr=0.05, momentum=0.5),
    dict(lr=0.05, momentum=0.9),
    dict(lr=0.05, momentum=0.9, nesterov=True),
    dict(lr=0.1, weight_decay=0.05),
    dict(lr=0.05, momentum=0.9, weight_decay=0.01),
    dict(lr=0.03, momentum=0.7, weight_decay=0.1, nesterov=True),
]


@pytest.mark.parametrize("options", CONFIGS, ids=str)
def test_sgd_follows_torch_algorithm(options):
    ours = trajectory(SGD, STEPS, **options)
    ref = reference_sgd(P0, gradient, STEPS, **options)
    np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-12)
    assert np.abs(ours[-1] - ours[0]).max() > 1e-3  # it actually moved


@pytest.mark.parametrize("options", CONFIGS, ids=str)
def test_sgd_with_gradients_added_in_place_follows_torch_algorithm(options):
    # Two parameters whose gradients a backward adds in place: from the second step on the
    # optimiser works on its flat array of gradients (and of momentum buffers).
    ours = trajectory(SGD, STEPS, split=2, **options)
    ref = reference_sgd(P0, gradient, STEPS, **options)
    np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-12)


def _two_params(momentum=0.9, steps=1):
    """Two parameters after ``steps`` steps with gradients added in place, as a backward adds
    them (so the optimiser has packed them, and filled its momentum buffers)."""
    a, b = Parameter(np.ones(3)), Parameter(np.ones((2, 2)))
    opt = SGD([a, b], lr=0.1, momentum=momentum)
    for _ in range(steps):
        opt.zero_grad()
        a.grad += 1.0
        b.grad += 2.0
        opt.step()
    return a, b, opt


def test_packed_gradients_stay_views_that_zero_grad_clears():
    a, b, opt = _two_params(steps=2)
    grads = [a.grad, b.grad]
    opt.zero_grad()
    assert a.grad is grads[0] and b.grad is grads[1]
    np.testing.assert_array_equal(a.grad, 0.0)
    np.testing.assert_array_equal(b.grad, 0.0)
    np.testing.assert_array_equal(opt._flat_grad, 0.0)


def test_nan_written_into_a_packed_gradient_names_the_parameter_and_changes_nothing():
    a, b, opt = _two_params(steps=2)
    b.grad[1, 0] = np.nan
    state = [a.data.copy(), b.data.copy()] + [m.copy() for m in opt.momentum_buffers]
    with pytest.raises(ValueError, match=r"params\[1\]\.grad contains NaN"):
        opt.step()
    after = [a.data, b.data, *opt.momentum_buffers]
    for old, new in zip(state, after, strict=True):
        np.testing.assert_array_equal(old, new)


def test_a_packed_gradient_replaced_by_the_user_is_used():
    a, b, opt = _two_params(momentum=0.0, steps=2)
    b.grad = np.full((2, 2), 10.0)
    opt.step()
    np.testing.assert_allclose(b.data, 1 - 0.1 * (2 + 2 + 10))
    np.testing.assert_allclose(a.data, 1 - 0.1 * (1 + 1 + 1))


def test_data_resized_under_a_packed_gradient_is_rejected_before_any_update():
    a, b, opt = _two_params(steps=2)
    b.data = np.ones((3, 3))  # b.grad is still the (2, 2) view
    before = a.data.copy()
    with pytest.raises(ValueError, match=r"params\[1\] has data of shape \(3, 3\) but grad"):
        opt.step()
    np.testing.assert_array_equal(a.data, before)


def test_a_momentum_buffer_of_the_wrong_shape_set_by_hand_is_rejected():
    a, b, opt = _two_params(steps=2)
    opt.state[1]["momentum_buffer"] = np.ones(2)  # would broadcast into b's (2, 2) update
    before = [a.data.copy(), b.data.copy()]
    with pytest.raises(ValueError, match=r"params\[1\] has shape \(2, 2\) but its momentum"):
        opt.step()
    np.testing.assert_array_equal(a.data, before[0])
    np.testing.assert_array_equal(b.data, before[1])


def test_momentum_buffers_made_at_different_steps_are_each_right():
    # b has no gradient at the first step, so its buffer starts one step later than a's.
    a, b = Parameter(np.zeros(2)), Parameter(np.zeros(2))
    opt = SGD([a, b], lr=0.1, momentum=0.5)
    b.grad = None
    for step in range(4):
        a.grad[...] = 1.0  # in place: packed from the second step on
        if step == 1:
            b.grad = np.ones(2)
        elif step > 1:
            b.grad[...] = 1.0
        opt.step()
    ones = lambda q: np.ones(2)  # noqa: E731
    np.testing.assert_allclose(a.data, reference_sgd(np.zeros(2), ones, 4, 0.1, 0.5)[-1])
    np.testing.assert_allclose(b.data, reference_sgd(np.zeros(2), ones, 3, 0.1, 0.5)[-1])


def test_sgd_follows_reference_when_lr_changes_between_steps():
    lrs = [0.1 * 0.9**k for k in range(STEPS)]
    options = dict(lr=0.1, momentum=0.9, weight_decay=0.01)
    ours = trajectory(SGD, STEPS, lrs=lrs, **options)
    ref = reference_sgd(P0, gradient, STEPS, lrs=lrs, **options)
    np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-12)


def test_momentum_and_nesterov_change_the_trajectory():
    plain = trajectory(SGD, 10, lr=0.05)
    heavy = trajectory(SGD, 10, lr=0.05, momentum=0.9)
    nesterov = trajectory(SGD, 10, lr=0.05, momentum=0.9, nesterov=True)
    assert np.abs(plain - heavy).max() > 1e-2
    assert np.abs(heavy - nesterov).max() > 1e-2


def test_momentum_effective_step_is_lr_over_one_minus_mu():
    p = Parameter(np.zeros(1))
    opt = SGD([p], lr=0.01, momentum=0.9)
    for _ in range(400):
        before = p.data.copy()
        p.grad = np.ones(1)
        opt.step()
    np.testing.assert_allclose(before - p.data, 0.01 / (1 - 0.9), rtol=1e-12)


def test_sgd_trains_a_model_and_zero_grad_clears_gradients():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 3))
    y = x @ np.array([[1.0], [-2.0], [0.5]]) + 0.3
    model, loss_fn = numnet.Linear(3, 1, rng=1), numnet.MSELoss()
    opt = SGD(model.parameters(), lr=0.1, momentum=0.5)
    first = loss_fn(model(x), y)
    for _ in range(100):
        loss_fn(model(x), y)
        model.backward(loss_fn.backward())
        opt.step()
        opt.zero_grad()
    assert loss_fn(model(x), y) < 1e-6 * first
    assert all(np.all(p.grad == 0) for p in model.parameters())


def test_float32_parameters_stay_float32():
    p = Parameter(np.ones(4, dtype=np.float32))
    opt = SGD([p], lr=0.5, momentum=0.9, weight_decay=0.1)
    for _ in range(3):
        p.grad = np.full(4, 0.25, dtype=np.float32)
        opt.step()
    assert p.data.dtype == np.float32
    ref = reference_sgd(np.ones(4), lambda q: np.full(4, 0.25), 3, 0.5, 0.9, 0.1)[-1]
    np.testing.assert_allclose(p.data, ref, rtol=1e-6)


def test_parameters_without_grad_are_skipped():
    a, b = Parameter(np.ones(2)), Parameter(np.ones(2))
    opt = SGD([a, b], lr=0.1, momentum=0.9)
    a.grad, b.grad = np.ones(2), None
    opt.step()
    np.testing.assert_array_equal(b.data, np.ones(2))
    np.testing.assert_allclose(a.data, 0.9)
    assert opt.momentum_buffers[1] is None


def test_reassigned_data_is_updated():
    p = Parameter(np.ones(3))
    opt = SGD([p], lr=0.5)
    p.data = np.full(3, 4.0)
    p.grad = np.ones(3)
    opt.step()
    np.testing.assert_allclose(p.data, 3.5)


# -- bad input ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("options", "message"),
    [
        (dict(lr=0.0), "lr"),
        (dict(lr=-0.1), "lr"),
        (dict(lr=float("nan")), "lr"),
        (dict(lr=0.1, momentum=-0.5), "momentum"),
        (dict(lr=0.1, weight_decay=-1e-4), "weight_decay"),
        (dict(lr=0.1, nesterov=True), "nesterov"),
        (dict(lr=0.1, momentum=0.0, nesterov=True), "nesterov"),
    ],
)
def test_bad_hyperparameters_raise_value_error(options, message):
    with pytest.raises(ValueError, match=message):
        SGD([Parameter(np.ones(2))], **options)


@pytest.mark.parametrize(
    "options",
    [dict(lr="0.1"), dict(lr=True), dict(lr=0.1, momentum=None), dict(lr=0.1, nesterov=1)],
)
def test_wrongly_typed_hyperparameters_raise_type_error(options):
    with pytest.raises(TypeError, match="SGD"):
        SGD([Parameter(np.ones(2))], **options)


def test_params_must_be_parameters():
    with pytest.raises(TypeError, match=r"params\[1\] is a ndarray"):
        SGD([Parameter(np.ones(2)), np.ones(2)], lr=0.1)
    with pytest.raises(TypeError, match="model.parameters()"):
        SGD(numnet.Linear(2, 2), lr=0.1)
    with pytest.raises(TypeError, match="iterable"):
        SGD(3, lr=0.1)
    with pytest.raises(ValueError, match="empty"):
        SGD([], lr=0.1)
    p = Parameter(np.ones(2))
    with pytest.raises(ValueError, match="more than once"):
        SGD([p, p], lr=0.1)


@pytest.mark.parametrize(
    ("bad_grad", "error", "message"),
    [
        (
            np.ones((4,)),
            ValueError,
            r"params\[1\] has data of shape \(2, 2\) but grad of shape \(4,\)",
        ),
        (np.ones((2, 1)), ValueError, r"grad of shape \(2, 1\)"),
        (np.array([[1.0, np.nan], [0.0, 0.0]]), ValueError, "NaN or infinity"),
        (np.array([[1.0, np.inf], [0.0, 0.0]]), ValueError, "NaN or infinity"),
        (np.ones((2, 2), dtype=int), TypeError, "float"),
    ],
)
def test_a_bad_gradient_changes_nothing(bad_grad, error, message):
    a, b, opt = _two_params()
    a.grad = np.full(3, 5.0)  # a good gradient for the first parameter
    b.grad = bad_grad
    state = [a.data.copy(), b.data.copy()] + [m.copy() for m in opt.momentum_buffers]
    with pytest.raises(error, match=message):
        opt.step()
    after = [a.data, b.data, *opt.momentum_buffers]
    for old, new in zip(state, after, strict=True):
        np.testing.assert_array_equal(old, new)


def test_a_bad_lr_set_after_construction_is_caught_before_any_update():
    a, b, opt = _two_params()
    opt.lr = -1.0
    before = a.data.copy()
    with pytest.raises(ValueError, match="lr"):
        opt.step()
    np.testing.assert_array_equal(a.data, before)


def test_lr_of_zero_set_by_a_schedule_gives_a_zero_step():
    # CosineAnnealingLR(eta_min=0) sets lr = 0 exactly at epoch T_max: not an error.
    a, b, opt = _two_params()
    opt.lr = 0.0
    before = a.data.copy()
    a.grad = np.ones(3)
    opt.step()
    np.testing.assert_array_equal(a.data, before)


def test_parameter_resized_after_momentum_step_is_rejected():
    a, b, opt = _two_params()
    b.data = np.ones((3, 3))
    b.grad = np.ones((3, 3))
    with pytest.raises(ValueError, match="momentum buffer"):
        opt.step()


def test_integer_parameter_data_is_rejected_before_any_update():
    a, b = Parameter(np.ones(3)), Parameter(np.ones(3, dtype=int))
    opt = SGD([a, b], lr=0.1)
    a.grad, b.grad = np.ones(3), np.ones(3)
    with pytest.raises(TypeError, match=r"params\[1\]\.data"):
        opt.step()
    np.testing.assert_array_equal(a.data, np.ones(3))
