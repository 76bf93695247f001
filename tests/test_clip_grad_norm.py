"""numnet.clip_grad_norm_ against torch.nn.utils.clip_grad_norm_'s documented behaviour.

The total norm is the p-norm of all gradients seen as one vector; each gradient is multiplied
by min(max_norm / (total + 1e-6), 1). The reference here concatenates the gradients and sums
element by element.
"""

import math

import numpy as np
import pytest

from numnet import Parameter, clip_grad_norm_

SHAPES = [(3,), (2, 2), (4, 1, 2)]


def reference_norm(grads, p):
    values = [abs(float(v)) for g in grads for v in np.ravel(g)]
    if p == math.inf:
        return max(values)
    return sum(v**p for v in values) ** (1 / p)


def make_params(scale, seed=0):
    rng = np.random.default_rng(seed)
    params = [Parameter(np.zeros(s)) for s in SHAPES]
    for p in params:
        p.grad = scale * rng.standard_normal(p.shape)
    return params


@pytest.mark.parametrize("norm_type", [1, 2.0, 3.0, math.inf])
@pytest.mark.parametrize("max_norm", [0.5, 2.0, 1e3])
def test_clip_grad_norm_matches_reference(norm_type, max_norm):
    params = make_params(3.0)
    before = [p.grad.copy() for p in params]
    total = reference_norm(before, norm_type)
    returned = clip_grad_norm_(params, max_norm, norm_type)
    # Sums of ~20 terms in another order: agreement to a few ulps; 1e-13 relative is ample.
    assert isinstance(returned, float)
    assert returned == pytest.approx(total, rel=1e-13)
    scale = min(max_norm / (total + 1e-6), 1.0)
    for old, p in zip(before, params, strict=True):
        np.testing.assert_allclose(p.grad, scale * old, rtol=1e-13)
    after = reference_norm([p.grad for p in params], norm_type)
    assert after <= max_norm if total > max_norm else after == pytest.approx(total, rel=1e-15)


def test_by_hand_three_four_five():
    # grads (3, 4): 2-norm 5; scale 1/(5 + 1e-6) = 0.19999996000000799...
    # → (0.599999880000024, 0.799999840000032);  1-norm 7, inf-norm 4.
    p = Parameter(np.zeros(2))
    p.grad = np.array([3.0, 4.0])
    assert clip_grad_norm_([p], 1.0) == 5.0
    np.testing.assert_allclose(p.grad, [0.599999880000024, 0.799999840000032], rtol=1e-14)
    p.grad = np.array([3.0, -4.0])
    assert clip_grad_norm_(p, 100.0, norm_type=1) == 7.0  # a single Parameter works too
    np.testing.assert_array_equal(p.grad, [3.0, -4.0])  # below max_norm: unchanged
    assert clip_grad_norm_([p], 2.0, norm_type=float("inf")) == 4.0
    np.testing.assert_allclose(p.grad, [1.4999996250000937, -1.9999995000001250], rtol=1e-14)


def test_gradients_are_changed_in_place_and_none_is_skipped():
    a, b = Parameter(np.zeros(2)), Parameter(np.zeros(2))
    a.grad, b.grad = np.array([6.0, 8.0]), None
    buffer = a.grad
    assert clip_grad_norm_([a, b], 5.0) == 10.0
    assert a.grad is buffer and b.grad is None
    np.testing.assert_allclose(a.grad, [3.0, 4.0], rtol=1e-6)
    assert clip_grad_norm_([b], 1.0) == 0.0


def test_float32_gradients_stay_float32():
    params = make_params(3.0)
    for p in params:
        p.data, p.grad = p.data.astype(np.float32), p.grad.astype(np.float32)
    total = clip_grad_norm_(params, 1.0)
    assert all(p.grad.dtype == np.float32 for p in params)
    assert reference_norm([p.grad for p in params], 2) == pytest.approx(1.0, rel=1e-5)
    assert total > 1.0


@pytest.mark.parametrize(
    ("args", "error", "message"),
    [
        ((-1.0,), ValueError, r"clip_grad_norm_: max_norm must be >= 0, got -1\.0"),
        ((float("nan"),), ValueError, "max_norm"),
        ((1.0, 0.5), ValueError, r"clip_grad_norm_: norm_type must be >= 1 or float\('inf'\)"),
        (
            (1.0, "fro"),
            TypeError,
            "clip_grad_norm_: norm_type must be a real number, got 'fro' \\(str\\)",
        ),
        (("1",), TypeError, "max_norm must be a real number"),
    ],
)
def test_bad_arguments(args, error, message):
    with pytest.raises(error, match=message):
        clip_grad_norm_(make_params(1.0), *args)


def test_a_bad_gradient_changes_nothing():
    params = make_params(3.0)
    params[2].grad = params[2].grad.copy()
    params[2].grad[0, 0, 1] = np.nan
    before = [p.grad.copy() for p in params]
    with pytest.raises(ValueError, match=r"clip_grad_norm_: params\[2\]\.grad contains NaN"):
        clip_grad_norm_(params, 0.1)
    for old, p in zip(before, params, strict=True):
        np.testing.assert_array_equal(old, p.grad)
    params[1].grad = np.ones(3)
    with pytest.raises(ValueError, match=r"params\[1\] has data of shape \(2, 2\)"):
        clip_grad_norm_(params, 0.1)
    with pytest.raises(TypeError, match=r"params\[0\] is a ndarray"):
        clip_grad_norm_([np.ones(2)], 0.1)
