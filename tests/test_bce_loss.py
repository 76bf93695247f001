"""BCELoss on probabilities: mean of −(y log p + (1 − y) log(1 − p)), logs clamped at −100 (torch).

The reference is the definition with Python's math.log (a log of 0 counts as −100, as in torch);
the gradient's reference is torch's formula (p − y) / max(p (1 − p), 1e-12) / n, where torch's
1e-12 is a float32 constant (9.99999996e-13).
"""

import math
import warnings

import numpy as np
import pytest

import numnet


def clamped_log(v):
    return max(math.log(v), -100.0) if v > 0 else -100.0


def reference_loss(p, y):
    p, y = np.ravel(p), np.ravel(y)
    terms = [
        -(t * clamped_log(q) + (1 - t) * clamped_log(1 - q)) for q, t in zip(p, y, strict=True)
    ]
    return math.fsum(terms) / len(terms)


def test_forward_matches_the_definition(rng):
    p, y = rng.uniform(0.01, 0.99, size=(4, 3)), rng.uniform(0, 1, size=(4, 3))
    assert numnet.BCELoss()(p, y) == pytest.approx(reference_loss(p, y), rel=1e-14)


def test_backward_matches_the_derivative_and_finite_differences(rng):
    p, y = rng.uniform(0.05, 0.95, size=(3, 4)), rng.integers(0, 2, size=(3, 4)).astype(float)
    loss = numnet.BCELoss()
    loss(p, y)
    grad = loss.backward()
    np.testing.assert_allclose(grad, (-y / p + (1 - y) / (1 - p)) / p.size, rtol=1e-13)
    numeric = numnet.numerical_gradient(lambda: numnet.BCELoss()(p, y), p)
    assert numnet.relative_error(grad, numeric) < 1e-8


def test_saturated_probabilities_are_clamped_like_torch():
    p = np.array([0.0, 1.0, 0.0, 1.0, 1e-50, 0.5])
    y = np.array([1.0, 0.0, 0.0, 1.0, 1.0, 0.5])
    loss = numnet.BCELoss()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value = loss(p, y)
        grad = loss.backward()
    assert value == pytest.approx(reference_loss(p, y), rel=1e-15)
    assert value == pytest.approx((100 + 100 + 0 + 0 + 100 + math.log(2)) / 6, rel=1e-15)
    floor = 9.999999960041972e-13  # float32(1e-12), as torch stores it
    expected = [(q - t) / max(q * (1 - q), floor) / 6 for q, t in zip(p, y, strict=True)]
    np.testing.assert_allclose(grad, expected, rtol=1e-15)
    assert np.isfinite(grad).all()


def test_sigmoid_then_bce_gives_sigmoid_minus_target(rng):
    z, y = rng.normal(size=(5, 1)), rng.uniform(0, 1, size=(5, 1))
    act, loss = numnet.Sigmoid(), numnet.BCELoss()
    loss(act(z), y)
    dz = act.backward(loss.backward())
    np.testing.assert_allclose(dz, (1 / (1 + np.exp(-z)) - y) / 5, rtol=1e-12)


def test_float32_and_any_shape():
    p = np.array([[[0.2], [0.9]]], dtype=np.float32)
    y = np.array([[[0.0], [1.0]]], dtype=np.float32)
    loss = numnet.BCELoss()
    assert loss(p, y) == pytest.approx(reference_loss(p.astype(float), y.astype(float)), rel=1e-6)
    grad = loss.backward()
    assert grad.dtype == np.float32 and grad.shape == (1, 2, 1)


def test_errors():
    bce = numnet.BCELoss()
    with pytest.raises(
        ValueError,
        match=r"BCELoss: prediction \(a probability\) must lie in \[0, 1\], got values from -0.1 to 0.5",
    ):
        bce(np.array([-0.1, 0.5]), np.array([0.0, 1.0]))
    with pytest.raises(
        ValueError, match=r"BCELoss: target must lie in \[0, 1\], got values from 0 to 2"
    ):
        bce(np.array([0.1, 0.5]), np.array([0.0, 2.0]))
    with pytest.raises(
        ValueError, match=r"BCELoss: target shape \(2, 1\) does not match prediction shape \(2,\)"
    ):
        bce(np.array([0.1, 0.5]), np.array([[0.0], [1.0]]))
    with pytest.raises(ValueError, match="BCELoss: prediction contains NaN"):
        bce(np.array([np.nan, 0.5]), np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match="BCELoss: prediction is empty.*reduction=.mean."):
        bce(np.zeros(0), np.zeros(0))
    with pytest.raises(RuntimeError, match="BCELoss: backward"):
        numnet.BCELoss().backward()


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_reductions_and_upstream_gradient(rng, reduction):
    p, y = rng.uniform(0.05, 0.95, size=(3, 4)), rng.uniform(0, 1, size=(3, 4))
    loss = numnet.BCELoss(reduction=reduction)
    value = loss(p, y)
    terms = [reference_loss([q], [t]) for q, t in zip(p.ravel(), y.ravel(), strict=True)]
    if reduction == "none":
        assert value.shape == (3, 4)
        np.testing.assert_allclose(value, np.reshape(terms, (3, 4)), rtol=1e-14)
    else:
        expected = math.fsum(terms) / (p.size if reduction == "mean" else 1)
        assert value == pytest.approx(expected, rel=1e-14)
    dloss = rng.normal(size=(3, 4)) if reduction == "none" else 0.25
    grad = loss.backward(dloss)
    numeric = numnet.numerical_gradient(
        lambda: float(np.sum(numnet.BCELoss(reduction=reduction)(p, y) * dloss)), p
    )
    assert numnet.relative_error(grad, numeric) < 1e-8


def test_empty_batch_with_sum_and_option_errors():
    assert numnet.BCELoss(reduction="sum")(np.zeros(0), np.zeros(0)) == 0.0
    with pytest.raises(ValueError, match="BCELoss: reduction must be 'mean', 'sum' or 'none'"):
        numnet.BCELoss(reduction="batchmean")
    loss = numnet.BCELoss()
    loss(np.array([0.5, 0.5]), np.array([0.0, 1.0]))
    with pytest.raises(
        ValueError, match=r"BCELoss: expected upstream gradient dloss of shape \(\)"
    ):
        loss.backward(np.ones(2))
