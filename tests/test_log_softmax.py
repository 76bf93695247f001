"""LogSoftmax(dim): z − log Σ_j e^{z_j} along dim, as torch.nn.LogSoftmax.

The reference is the definition evaluated naively (no shift) in 50-digit decimal arithmetic,
where exp(10000) is an ordinary number.
"""

import decimal
import warnings

import numpy as np
import pytest

import numnet

decimal.getcontext().prec = 50

EXTREME = np.array(
    [[1e4, 0.0, -1e4], [-1e4, -1e4 + 1, -1e4 + 2], [1e4, 1e4, 1e4], [800.0, 799.0, -3.0]]
)


def reference_row(row):
    total = sum(decimal.Decimal(float(v)).exp() for v in row)
    return [float(decimal.Decimal(float(v)) - total.ln()) for v in row]


def test_forward_matches_the_definition(rng):
    z = rng.normal(size=(5, 6)) * 4
    expected = [reference_row(row) for row in z]
    np.testing.assert_allclose(numnet.LogSoftmax()(z), expected, rtol=1e-13)
    np.testing.assert_allclose(numnet.LogSoftmax(dim=1)(z), expected, rtol=1e-13)


@pytest.mark.parametrize("dim", [0, 1, 2, -1, -3])
def test_any_dim(rng, dim):
    z = rng.normal(size=(3, 4, 5))
    y = numnet.LogSoftmax(dim)(z)
    np.testing.assert_allclose(y, np.apply_along_axis(reference_row, dim, z), rtol=1e-13)
    np.testing.assert_allclose(np.exp(y).sum(axis=dim), 1.0, rtol=1e-14)
    assert numnet.LogSoftmax(axis=dim).dim == dim


def test_extreme_logits_are_finite_exact_and_silent():
    layer = numnet.LogSoftmax()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = layer(EXTREME)
        dx = layer.backward(np.ones_like(EXTREME))
    np.testing.assert_allclose(y, [reference_row(r) for r in EXTREME], rtol=1e-13)
    assert y[0, 2] == -2e4  # log(softmax) would be log(0) = −inf here
    assert np.isfinite(dx).all()


@pytest.mark.parametrize("dim", [0, 1])
def test_gradcheck(rng, dim):
    assert numnet.gradcheck(numnet.LogSoftmax(dim), rng.normal(size=(4, 5)) * 2).ok


def test_backward_equals_the_jacobian_product(rng):
    """∂y_i/∂z_j = δ_ij − p_j, so dz = dy − p Σ dy; J built from the definition."""
    z, dy = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    layer = numnet.LogSoftmax()
    layer(z)
    dx = layer.backward(dy)
    for n in range(3):
        p = np.exp(z[n]) / np.exp(z[n]).sum()
        jacobian = np.eye(4) - p[None, :]  # row i: ∂y_i/∂z
        np.testing.assert_allclose(dx[n], jacobian.T @ dy[n], rtol=1e-13, atol=1e-15)


def test_then_nll_equals_cross_entropy(rng):
    z, labels = rng.normal(size=(6, 5)) * 3, rng.integers(0, 5, size=6)
    log_softmax, nll, ce = numnet.LogSoftmax(), numnet.NLLLoss(), numnet.CrossEntropyLoss()
    assert nll(log_softmax(z), labels) == pytest.approx(ce(z, labels), rel=1e-14)
    dz = log_softmax.backward(nll.backward())
    np.testing.assert_allclose(dz, ce.backward(), rtol=1e-12, atol=1e-16)


def test_float32_stays_float32():
    z = np.array([[1e4, 0.0, -1e4], [0.5, 0.25, -1.0]], dtype=np.float32)
    layer = numnet.LogSoftmax()
    y = layer(z)
    assert y.dtype == np.float32 and layer.backward(np.ones_like(y)).dtype == np.float32
    np.testing.assert_allclose(y, [reference_row(r) for r in z.astype(float)], rtol=1e-6)


def test_bad_arguments_and_input():
    with pytest.raises(ValueError, match=r"LogSoftmax: dim=2 is out of range for an input with 2"):
        numnet.LogSoftmax(dim=2)(np.zeros((2, 3)))
    with pytest.raises(
        ValueError,
        match=r"LogSoftmax: expected at least one entry along dim=-1, got an input of shape \(4, 0\)",
    ):
        numnet.LogSoftmax()(np.zeros((4, 0)))
    with pytest.raises(TypeError, match="LogSoftmax: dim must be an int, got 1.0"):
        numnet.LogSoftmax(1.0)
    with pytest.raises(ValueError, match="LogSoftmax: got dim=0 and axis=1; pass only one"):
        numnet.LogSoftmax(dim=0, axis=1)
    with pytest.raises(TypeError, match="LogSoftmax: input must have dtype float32 or float64"):
        numnet.LogSoftmax()(np.array([[1, 2]]))


def test_backward_checks_and_repr():
    layer = numnet.LogSoftmax()
    with pytest.raises(RuntimeError, match="LogSoftmax: backward"):
        layer.backward(np.zeros((2, 3)))
    layer(np.zeros((2, 3)))
    with pytest.raises(
        ValueError, match=r"LogSoftmax: expected upstream gradient of shape \(2, 3\)"
    ):
        layer.backward(np.zeros((3, 2)))
    assert repr(numnet.LogSoftmax(dim=0)) == "LogSoftmax(dim=0)"
