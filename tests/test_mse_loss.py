import numpy as np
import pytest

import numnet


def test_forward_is_mean_of_squares_without_half(rng):
    pred, target = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    expected = sum((p - t) ** 2 for p, t in zip(pred.ravel(), target.ravel(), strict=True)) / 12
    assert numnet.MSELoss()(pred, target) == pytest.approx(expected, rel=1e-14)


def test_backward_matches_finite_differences(rng):
    pred, target = rng.normal(size=(5, 2)), rng.normal(size=(5, 2))
    loss = numnet.MSELoss()
    loss(pred, target)
    grad = loss.backward()
    numeric = numnet.numerical_gradient(lambda: numnet.MSELoss()(pred, target), pred)
    assert numnet.relative_error(grad, numeric) < 1e-8
    np.testing.assert_allclose(grad, 2 * (pred - target) / pred.size, rtol=1e-14)


def test_shape_mismatch_is_an_error_not_a_broadcast():
    with pytest.raises(
        ValueError, match=r"MSELoss: target shape \(4,\) does not match prediction shape \(4, 1\)"
    ):
        numnet.MSELoss()(np.zeros((4, 1)), np.zeros(4))


def test_backward_before_forward():
    with pytest.raises(RuntimeError, match="MSELoss: backward"):
        numnet.MSELoss().backward()
