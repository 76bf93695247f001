import math

import numpy as np
import pytest

import numnet


def reference_elementwise(pred, target):
    return np.array([(p - t) ** 2 for p, t in zip(pred.ravel(), target.ravel(), strict=True)])


def test_forward_is_mean_of_squares_without_half(rng):
    pred, target = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    expected = math.fsum(reference_elementwise(pred, target)) / 12
    assert numnet.MSELoss()(pred, target) == pytest.approx(expected, rel=1e-14)


def test_sum_and_none_reductions(rng):
    pred, target = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    terms = reference_elementwise(pred, target)
    assert numnet.MSELoss(reduction="sum")(pred, target) == pytest.approx(
        math.fsum(terms), rel=1e-14
    )
    each = numnet.MSELoss(reduction="none")(pred, target)
    assert isinstance(each, np.ndarray) and each.shape == (4, 3)
    np.testing.assert_allclose(each, terms.reshape(4, 3), rtol=1e-15)


def test_backward_matches_finite_differences(rng):
    pred, target = rng.normal(size=(5, 2)), rng.normal(size=(5, 2))
    loss = numnet.MSELoss()
    loss(pred, target)
    grad = loss.backward()
    numeric = numnet.numerical_gradient(lambda: numnet.MSELoss()(pred, target), pred)
    assert numnet.relative_error(grad, numeric) < 1e-8
    np.testing.assert_allclose(grad, 2 * (pred - target) / pred.size, rtol=1e-14)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_backward_with_an_upstream_gradient(rng, reduction):
    """backward(dloss) is the gradient of Σ dloss ⊙ loss: checked by finite differences."""
    pred, target = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    loss = numnet.MSELoss(reduction=reduction)
    dloss = rng.normal(size=(3, 4)) if reduction == "none" else 0.37
    loss(pred, target)
    grad = loss.backward(dloss)
    numeric = numnet.numerical_gradient(
        lambda: float(np.sum(numnet.MSELoss(reduction=reduction)(pred, target) * dloss)), pred
    )
    assert numnet.relative_error(grad, numeric) < 1e-8
    n = pred.size if reduction == "mean" else 1
    np.testing.assert_allclose(grad, 2 * (pred - target) * dloss / n, rtol=1e-14)
    # the default upstream gradient is 1 (ones for 'none')
    np.testing.assert_allclose(loss.backward(), 2 * (pred - target) / n, rtol=1e-14)


def test_float32_upstream_gradient_keeps_the_dtype(rng):
    pred = rng.normal(size=(2, 3)).astype(np.float32)
    loss = numnet.MSELoss(reduction="none")
    loss(pred, np.zeros_like(pred))
    assert loss.backward(np.ones((2, 3))).dtype == np.float32
    loss = numnet.MSELoss()
    loss(pred, np.zeros_like(pred))
    assert loss.backward(np.float32(2.0)).dtype == np.float32


def test_empty_batch():
    """The mean of no elements is undefined: a clear error (NumPy would warn and give NaN)."""
    with pytest.raises(
        ValueError, match=r"MSELoss: prediction is empty \(shape \(0, 3\)\); reduction='mean'"
    ):
        numnet.MSELoss()(np.zeros((0, 3)), np.zeros((0, 3)))
    loss = numnet.MSELoss(reduction="sum")
    assert loss(np.zeros((0, 3)), np.zeros((0, 3))) == 0.0
    assert loss.backward().shape == (0, 3)


def test_bad_reduction_and_upstream_gradient():
    with pytest.raises(
        ValueError, match="MSELoss: reduction must be 'mean', 'sum' or 'none', got 'average'"
    ):
        numnet.MSELoss(reduction="average")
    loss = numnet.MSELoss()
    loss(np.zeros((2, 3)), np.ones((2, 3)))
    with pytest.raises(
        ValueError,
        match=r"MSELoss: expected upstream gradient dloss of shape \(\) \(reduction='mean' "
        r"returns a scalar loss\), got \(2, 3\)",
    ):
        loss.backward(np.ones((2, 3)))
    with pytest.raises(ValueError, match="MSELoss: upstream gradient dloss contains NaN"):
        loss.backward(float("nan"))
    none = numnet.MSELoss(reduction="none")
    none(np.zeros((2, 3)), np.ones((2, 3)))
    with pytest.raises(
        ValueError, match=r"MSELoss: expected upstream gradient dloss of shape \(2, 3\)"
    ):
        none.backward(np.ones(3))
    with pytest.raises(TypeError, match="MSELoss: upstream gradient dloss must be a numpy array"):
        none.backward("1")


def test_shape_mismatch_is_an_error_not_a_broadcast():
    with pytest.raises(
        ValueError, match=r"MSELoss: target shape \(4,\) does not match prediction shape \(4, 1\)"
    ):
        numnet.MSELoss()(np.zeros((4, 1)), np.zeros(4))


def test_backward_before_forward_and_repr():
    with pytest.raises(RuntimeError, match="MSELoss: backward"):
        numnet.MSELoss().backward()
    assert repr(numnet.MSELoss()) == "MSELoss()"
    assert repr(numnet.MSELoss(reduction="sum")) == "MSELoss(reduction='sum')"
