"""Softplus(beta, threshold): log(1 + e^{βx})/β, and x where βx > threshold (torch.nn.Softplus).

The reference evaluates the definition one value at a time in 50-digit decimal arithmetic,
where e^{βx} does not overflow.
"""

import decimal
import math

import numpy as np
import pytest

import numnet

decimal.getcontext().prec = 50

EXTREMES = np.array([-1e4, -800.0, -50.0, -1e-9, 0.0, 1e-9, 19.0, 21.0, 50.0, 800.0, 1e4])


def reference(x, beta=1.0, threshold=20.0):
    def f(v):
        if v * beta > threshold:
            return v
        z = decimal.Decimal(v) * decimal.Decimal(beta)
        return float((1 + z.exp()).ln() / decimal.Decimal(beta))

    return np.array([f(float(v)) for v in np.ravel(x)]).reshape(np.shape(x))


def reference_derivative(x, beta=1.0, threshold=20.0):
    """σ(βx), and 1 above the threshold."""

    def f(v):
        if v * beta > threshold:
            return 1.0
        z = decimal.Decimal(v) * decimal.Decimal(beta)
        return float(1 / (1 + (-z).exp()))

    return np.array([f(float(v)) for v in np.ravel(x)]).reshape(np.shape(x))


@pytest.mark.parametrize(("beta", "threshold"), [(1.0, 20.0), (2.0, 5.0), (0.5, 1.0)])
def test_forward_and_backward_match_the_definition(rng, beta, threshold):
    x, dy = rng.normal(size=(6, 5)) * 6, rng.normal(size=(6, 5))
    layer = numnet.Softplus(beta=beta, threshold=threshold)
    np.testing.assert_allclose(layer(x), reference(x, beta, threshold), rtol=1e-14, atol=1e-300)
    np.testing.assert_allclose(
        layer.backward(dy), dy * reference_derivative(x, beta, threshold), rtol=1e-14
    )


@pytest.mark.parametrize(("beta", "threshold"), [(1.0, 20.0), (3.0, 2.0)])
def test_gradcheck_away_from_the_threshold(rng, beta, threshold):
    x = rng.uniform(-2, 2, size=(3, 4))
    x[0, 0], x[0, 1] = 2.0 * threshold / beta, -5.0  # one input in the linear part
    assert numnet.gradcheck(numnet.Softplus(beta, threshold), x).ok


def test_linear_above_the_threshold_like_pytorch():
    """At βx > threshold the output is x itself (a jump of ~e^{−threshold}/β there)."""
    layer = numnet.Softplus(beta=2.0, threshold=3.0)
    x = np.array([1.5, 1.5000001, 4.0])
    y = layer(x)
    assert y[1] == x[1] and y[2] == x[2]
    assert y[0] == pytest.approx(math.log1p(math.exp(3.0)) / 2, rel=1e-15)
    np.testing.assert_array_equal(layer.backward(np.ones(3))[1:], [1.0, 1.0])


def test_extreme_inputs_are_finite_exact_and_silent():
    layer = numnet.Softplus()
    y = layer(EXTREMES)  # RuntimeWarnings are errors in the test configuration
    dx = layer.backward(np.ones_like(EXTREMES))
    np.testing.assert_allclose(y, reference(EXTREMES), rtol=1e-15, atol=1e-300)
    np.testing.assert_allclose(dx, reference_derivative(EXTREMES), rtol=1e-15, atol=1e-300)
    big = numnet.Softplus(threshold=1e6)  # no linear shortcut: still no overflow
    np.testing.assert_array_equal(big(np.array([1e4, -1e4])), [1e4, 0.0])


def test_float32_stays_float32(rng):
    x = (rng.normal(size=(3, 4)) * 5).astype(np.float32)
    layer = numnet.Softplus(beta=2.0)
    y = layer(x)
    assert y.dtype == np.float32
    assert layer.backward(np.ones_like(x)).dtype == np.float32
    np.testing.assert_allclose(y, reference(x.astype(float), 2.0), rtol=1e-6)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"beta": 0.0}, ValueError, "Softplus: beta must be > 0, got 0.0"),
        ({"beta": -1.0}, ValueError, "Softplus: beta must be > 0, got -1.0"),
        ({"beta": float("nan")}, ValueError, "Softplus: beta must be finite, got nan"),
        ({"beta": "2"}, TypeError, "Softplus: beta must be a real number, got '2'"),
        ({"threshold": float("inf")}, ValueError, "Softplus: threshold must be finite, got inf"),
        ({"threshold": None}, TypeError, "Softplus: threshold must be a real number, got None"),
    ],
)
def test_bad_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        numnet.Softplus(**kwargs)


def test_backward_before_forward_and_repr():
    with pytest.raises(RuntimeError, match="Softplus: backward"):
        numnet.Softplus().backward(np.ones(2))
    assert repr(numnet.Softplus(beta=2, threshold=5)) == "Softplus(beta=2.0, threshold=5.0)"
