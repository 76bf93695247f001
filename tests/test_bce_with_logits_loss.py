"""BCEWithLogitsLoss: mean of BCE(σ(z), y) on logits, computed without overflow or log(0).

The reference is the definition −(y log σ(z) + (1 − y) log(1 − σ(z))) in 50-digit decimal
arithmetic, where σ(±1e4) is an ordinary number.
"""

import decimal
import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import numnet

decimal.getcontext().prec = 50


def reference_sigmoid(v):
    return 1 / (1 + (-decimal.Decimal(float(v))).exp())


def reference_loss(z, y):
    total = decimal.Decimal(0)
    for v, t in zip(np.ravel(z), np.ravel(y), strict=True):
        s, t = reference_sigmoid(v), decimal.Decimal(float(t))
        e = (-decimal.Decimal(float(v))).exp()
        one_minus_s = e / (1 + e)  # 1 − σ(z), without 50-digit cancellation at z = 1e4
        total -= t * s.ln() + (1 - t) * one_minus_s.ln()
    return float(total / np.size(z))


def reference_grad(z, y):
    flat = [
        (float(reference_sigmoid(v)) - t) / np.size(z)
        for v, t in zip(np.ravel(z), np.ravel(y), strict=True)
    ]
    return np.reshape(flat, np.shape(z))


def test_forward_matches_the_definition(rng):
    z, y = rng.normal(size=(4, 3)) * 4, rng.uniform(0, 1, size=(4, 3))
    assert numnet.BCEWithLogitsLoss()(z, y) == pytest.approx(reference_loss(z, y), rel=1e-14)


def test_backward_matches_reference_and_finite_differences(rng):
    z, y = rng.normal(size=(3, 5)) * 3, rng.uniform(0, 1, size=(3, 5))
    loss = numnet.BCEWithLogitsLoss()
    loss(z, y)
    grad = loss.backward()
    np.testing.assert_allclose(grad, reference_grad(z, y), rtol=1e-13, atol=1e-17)
    numeric = numnet.numerical_gradient(lambda: numnet.BCEWithLogitsLoss()(z, y), z)
    assert numnet.relative_error(grad, numeric) < 1e-8


def test_extreme_logits_are_exact_and_silent():
    z = np.array([1e4, -1e4, 1e4, -1e4, 750.0, -750.0, 40.0])
    y = np.array([0.0, 1.0, 1.0, 0.0, 0.3, 0.3, 1.0])
    loss = numnet.BCEWithLogitsLoss()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value = loss(z, y)
        grad = loss.backward()
    assert value == pytest.approx(reference_loss(z, y), rel=1e-15)
    np.testing.assert_allclose(grad, reference_grad(z, y), rtol=1e-15, atol=1e-300)


def test_equals_bce_of_sigmoid_where_that_is_accurate(rng):
    z, y = rng.normal(size=10), rng.uniform(0, 1, size=10)
    probabilities = 1 / (1 + np.exp(-z))
    assert numnet.BCEWithLogitsLoss()(z, y) == pytest.approx(
        numnet.BCELoss()(probabilities, y), rel=1e-13
    )


@settings(max_examples=50, deadline=None)
@given(hnp.arrays(np.float64, st.integers(1, 8), elements=st.floats(-1e4, 1e4)), st.data())
def test_finite_nonnegative_and_gradient_bounded(z, data):
    y = data.draw(hnp.arrays(np.float64, z.shape, elements=st.floats(0, 1)))
    loss = numnet.BCEWithLogitsLoss()
    value = loss(z, y)
    assert np.isfinite(value) and value >= -1e-12
    grad = loss.backward()
    assert np.all(np.abs(grad) <= 1.0 / z.size + 1e-15)


def test_float32():
    z = np.array([[1e4, -3.0], [0.25, -1e4]], dtype=np.float32)
    y = np.array([[0.0, 1.0], [0.5, 1.0]], dtype=np.float32)
    loss = numnet.BCEWithLogitsLoss()
    assert loss(z, y) == pytest.approx(reference_loss(z.astype(float), y.astype(float)), rel=1e-6)
    grad = loss.backward()
    assert grad.dtype == np.float32
    np.testing.assert_allclose(grad, reference_grad(z.astype(float), y.astype(float)), rtol=1e-6)


def test_errors():
    loss = numnet.BCEWithLogitsLoss()
    with pytest.raises(
        ValueError,
        match=r"BCEWithLogitsLoss: target must lie in \[0, 1\], got values from 0 to 1.5",
    ):
        loss(np.array([0.3, 5.0]), np.array([0.0, 1.5]))
    with pytest.raises(
        ValueError,
        match=r"BCEWithLogitsLoss: target shape \(1, 2\) does not match prediction shape \(2,\)",
    ):
        loss(np.array([0.3, 5.0]), np.array([[0.0, 1.0]]))
    with pytest.raises(
        TypeError, match="BCEWithLogitsLoss: target must have dtype float32 or float64"
    ):
        loss(np.array([0.3, 5.0]), np.array([0, 1]))
    with pytest.raises(RuntimeError, match="BCEWithLogitsLoss: backward"):
        numnet.BCEWithLogitsLoss().backward()


# ----------------------------------------------------------------------------------------
# Options: pos_weight, reduction, and backward(dloss)
# ----------------------------------------------------------------------------------------
def reference_terms(z, y, pos_weight=1.0):
    """−(c y log σ(z) + (1 − y) log(1 − σ(z))) element by element, in decimal arithmetic."""
    c = np.broadcast_to(pos_weight, np.shape(z))
    out = []
    for v, t, w in zip(np.ravel(z), np.ravel(y), np.ravel(c), strict=True):
        e = (-decimal.Decimal(float(v))).exp()
        log_s, log_not_s = (1 / (1 + e)).ln(), (e / (1 + e)).ln()
        t, w = decimal.Decimal(float(t)), decimal.Decimal(float(w))
        out.append(float(-(w * t * log_s + (1 - t) * log_not_s)))
    return np.reshape(out, np.shape(z))


POS_WEIGHTS = [None, [0.5, 2.0, 3.0], [[2.5]], "per element"]


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("pos_weight", POS_WEIGHTS)
def test_every_option_forward_and_backward(rng, reduction, pos_weight):
    z, y = rng.normal(size=(4, 3)) * 4, rng.uniform(0, 1, size=(4, 3))
    z[0] = [1e4, -1e4, 40.0]
    if isinstance(pos_weight, str):
        pos_weight = rng.uniform(0, 3, size=(4, 3))
    loss = numnet.BCEWithLogitsLoss(reduction=reduction, pos_weight=pos_weight)
    value = loss(z, y)
    terms = reference_terms(z, y, 1.0 if pos_weight is None else np.asarray(pos_weight))
    if reduction == "none":
        assert value.shape == (4, 3)
        np.testing.assert_allclose(value, terms, rtol=1e-14, atol=1e-300)
    else:
        expected = math.fsum(terms.ravel()) / (z.size if reduction == "mean" else 1)
        assert value == pytest.approx(expected, rel=1e-14)
    dloss = rng.normal(size=(4, 3)) if reduction == "none" else -0.6
    z[0] = [3.0, -3.0, 1.0]  # finite differences of logits at ±1e4 lose every digit to rounding
    loss(z, y)
    grad = loss.backward(dloss)
    options = {"reduction": reduction, "pos_weight": pos_weight}
    numeric = numnet.numerical_gradient(
        lambda: float(np.sum(numnet.BCEWithLogitsLoss(**options)(z, y) * dloss)), z
    )
    assert numnet.relative_error(grad, numeric) < 1e-8


def test_pos_weight_gradient_formula_at_extreme_logits():
    """∂ℓ/∂z = (1 + (c − 1) y) σ(z) − c y, with σ(±1e4) = 1 or 0 exactly; no warning."""
    z = np.array([[1e4, -1e4], [-1e4, 1e4]])
    y = np.array([[0.0, 1.0], [0.5, 1.0]])
    loss = numnet.BCEWithLogitsLoss(pos_weight=[2.0, 3.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value = loss(z, y)
        grad = loss.backward()
    assert value == pytest.approx((1e4 + 3e4 + 2 * 0.5 * 1e4 + 0.0) / 4, rel=1e-15)
    np.testing.assert_allclose(grad, [[1 / 4, -3 / 4], [-1 / 4, 0.0]], rtol=1e-15, atol=1e-300)


def test_pos_weight_one_is_no_weight(rng):
    z, y = rng.normal(size=(3, 2)), rng.uniform(0, 1, size=(3, 2))
    plain, weighted = numnet.BCEWithLogitsLoss(), numnet.BCEWithLogitsLoss(pos_weight=[1.0, 1.0])
    assert weighted(z, y) == pytest.approx(plain(z, y), rel=1e-15)
    np.testing.assert_allclose(weighted.backward(), plain.backward(), rtol=1e-15)


def test_pos_weight_errors():
    loss = numnet.BCEWithLogitsLoss(pos_weight=[1.0, 2.0, 3.0])
    with pytest.raises(
        ValueError,
        match=r"BCEWithLogitsLoss: pos_weight of shape \(3,\) does not broadcast to the target "
        r"shape \(4, 2\) \(expected e.g. one weight per class along the last axis: shape \(2,\)\)",
    ):
        loss(np.zeros((4, 2)), np.zeros((4, 2)))
    with pytest.raises(ValueError, match=r"pos_weight of shape \(2, 1, 1\) does not broadcast"):
        numnet.BCEWithLogitsLoss(pos_weight=np.ones((2, 1, 1)))(np.zeros((4, 2)), np.zeros((4, 2)))
    with pytest.raises(ValueError, match="BCEWithLogitsLoss: pos_weight must be >= 0"):
        numnet.BCEWithLogitsLoss(pos_weight=[-1.0])
    with pytest.raises(ValueError, match="BCEWithLogitsLoss: pos_weight contains NaN"):
        numnet.BCEWithLogitsLoss(pos_weight=[np.nan])
    with pytest.raises(ValueError, match="BCEWithLogitsLoss: reduction must be"):
        numnet.BCEWithLogitsLoss(reduction="elementwise_mean")
    loss = numnet.BCEWithLogitsLoss(reduction="none")
    loss(np.zeros((2, 2)), np.zeros((2, 2)))
    with pytest.raises(
        ValueError, match=r"BCEWithLogitsLoss: expected upstream gradient dloss of shape \(2, 2\)"
    ):
        loss.backward(0.5)
    assert repr(numnet.BCEWithLogitsLoss(pos_weight=[2])) == "BCEWithLogitsLoss(pos_weight=[2.0])"
