"""numnet.clip_grad_value_ against torch.nn.utils.clip_grad_value_: every gradient element
clamped to [-clip_value, clip_value], in place."""

import numpy as np
import pytest

from numnet import Parameter, clip_grad_value_


def test_clip_grad_value_matches_reference():
    rng = np.random.default_rng(0)
    params = [Parameter(np.zeros(s)) for s in [(5,), (3, 4)]]
    for p in params:
        p.grad = 3 * rng.standard_normal(p.shape)
    before = [p.grad.copy() for p in params]
    buffers = [p.grad for p in params]
    assert clip_grad_value_(params, 1.5) is None
    for old, p, buffer in zip(before, params, buffers, strict=True):
        expected = [min(max(v, -1.5), 1.5) for v in old.ravel()]
        np.testing.assert_array_equal(p.grad.ravel(), expected)
        assert p.grad is buffer
    assert any(np.abs(old).max() > 1.5 for old in before)  # something was clipped


def test_by_hand():
    p = Parameter(np.zeros(4))
    p.grad = np.array([-3.0, -0.5, 0.25, 2.0])
    clip_grad_value_(p, 1.0)  # a single Parameter works too
    np.testing.assert_array_equal(p.grad, [-1.0, -0.5, 0.25, 1.0])
    clip_grad_value_([p], 0)
    np.testing.assert_array_equal(p.grad, np.zeros(4))


def test_float32_and_none_gradients():
    a, b = Parameter(np.zeros(2, dtype=np.float32)), Parameter(np.zeros(2))
    a.grad, b.grad = np.array([5.0, -5.0], dtype=np.float32), None
    clip_grad_value_([a, b], 2.5)
    assert a.grad.dtype == np.float32 and b.grad is None
    np.testing.assert_array_equal(a.grad, [2.5, -2.5])


@pytest.mark.parametrize(
    ("value", "error", "message"),
    [
        (-1.0, ValueError, r"clip_grad_value_: clip_value must be >= 0, got -1\.0"),
        (float("inf"), ValueError, "clip_value"),
        (
            None,
            TypeError,
            r"clip_grad_value_: clip_value must be a real number, got None \(NoneType\)",
        ),
    ],
)
def test_bad_clip_value(value, error, message):
    p = Parameter(np.zeros(2))
    with pytest.raises(error, match=message):
        clip_grad_value_([p], value)


def test_a_bad_gradient_changes_nothing():
    a, b = Parameter(np.zeros(2)), Parameter(np.zeros(2))
    a.grad, b.grad = np.array([5.0, -5.0]), np.array([np.inf, 0.0])
    with pytest.raises(ValueError, match=r"clip_grad_value_: params\[1\]\.grad contains NaN"):
        clip_grad_value_([a, b], 1.0)
    np.testing.assert_array_equal(a.grad, [5.0, -5.0])
    with pytest.raises(TypeError, match="clip_grad_value_: params must be a Parameter or an"):
        clip_grad_value_(3, 1.0)
