"""GELU(approximate='none' | 'tanh'): x Φ(x), as torch.nn.GELU.

The references are the definitions evaluated one value at a time with Python's math module:
Φ(x) = ½ (1 + erf(x/√2)) (math.erfc in the left tail, where 1 + erf loses its digits) and
the tanh formula of Hendrycks and Gimpel.
"""

import math

import numpy as np
import pytest

import numnet
from numnet.activations import erfc

EXTREMES = np.array([-1e4, -100.0, -40.0, -10.0, -1e-8, 0.0, 1e-8, 10.0, 40.0, 100.0, 1e4])


def cdf(v):
    return 0.5 * math.erfc(-v / math.sqrt(2))


def reference_value(v, approximate):
    if approximate == "none":
        return v * cdf(v)
    if abs(v) > 1e3:  # the tanh is ±1 exactly; v³ would only lose digits
        return max(v, 0.0)
    u = math.sqrt(2 / math.pi) * (v + 0.044715 * v**3)
    return 0.5 * v * (1 + math.tanh(u))


def reference(x, approximate="none"):
    values = [reference_value(float(v), approximate) for v in np.ravel(x)]
    return np.array(values).reshape(np.shape(x))


def reference_derivative(x):
    """Φ(x) + x φ(x)."""
    return np.array(
        [cdf(v) + v * math.exp(-v * v / 2) / math.sqrt(2 * math.pi) for v in np.ravel(x)]
    ).reshape(np.shape(x))


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_forward_matches_the_definition(rng, approximate):
    x = rng.normal(size=(5, 6)) * 3
    np.testing.assert_allclose(
        numnet.GELU(approximate)(x), reference(x, approximate), rtol=1e-14, atol=1e-300
    )


def test_exact_backward_is_cdf_plus_x_times_density(rng):
    x, dy = rng.normal(size=(4, 5)) * 3, rng.normal(size=(4, 5))
    layer = numnet.GELU()
    layer(x)
    np.testing.assert_allclose(layer.backward(dy), dy * reference_derivative(x), rtol=1e-13)


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gradcheck(rng, approximate):
    x = rng.normal(size=(3, 4)) * 2
    assert numnet.gradcheck(numnet.GELU(approximate=approximate), x).ok


def test_tanh_approximation_is_close_to_the_exact_gelu(rng):
    """Hendrycks and Gimpel's approximation differs from x Φ(x) by less than 5e-4."""
    x = np.linspace(-6, 6, 1001)
    gap = np.abs(numnet.GELU("tanh")(x) - numnet.GELU()(x))
    assert 1e-5 < gap.max() < 5e-4


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_extreme_inputs_are_finite_exact_and_silent(approximate):
    layer = numnet.GELU(approximate)
    y = layer(EXTREMES)  # RuntimeWarnings are errors in the test configuration
    dx = layer.backward(np.ones_like(EXTREMES))
    np.testing.assert_allclose(y, reference(EXTREMES, approximate), rtol=1e-14, atol=1e-300)
    assert y[0] == 0 and y[-1] == 1e4
    assert np.isfinite(dx).all() and dx[0] == 0 and dx[-1] == 1
    np.testing.assert_allclose(dx[[4, 5, 6]], 0.5, rtol=1e-7)


def test_left_tail_keeps_its_relative_accuracy():
    """x Φ(x) at x = −30 is about −1e-196: 1 + erf(x/√2) would give exactly 0 there."""
    x = np.array([-5.0, -15.0, -30.0])
    np.testing.assert_allclose(numnet.GELU()(x), reference(x), rtol=1e-13)
    assert numnet.GELU()(x)[-1] < 0


def test_erfc_matches_math_erfc():
    """Cody's rational approximations, on all three intervals and both signs."""
    x = np.concatenate([np.linspace(-7, 27, 3401), [0.46875, -0.46875, 4.0, -4.0, 1e4, -1e4]])
    expected = np.array([math.erfc(v) for v in x])
    normal = expected > 1e-300  # compare subnormal results absolutely
    np.testing.assert_allclose(erfc(x)[normal], expected[normal], rtol=4e-15)
    np.testing.assert_allclose(erfc(x)[~normal], expected[~normal], rtol=0, atol=1e-300)


def test_float32_stays_float32(rng):
    x = (rng.normal(size=(3, 4)) * 3).astype(np.float32)
    for approximate in ("none", "tanh"):
        layer = numnet.GELU(approximate)
        y = layer(x)
        assert y.dtype == np.float32
        assert layer.backward(np.ones_like(x)).dtype == np.float32
        np.testing.assert_allclose(y, reference(x.astype(float), approximate), rtol=1e-6, atol=1e-7)


def test_bad_arguments_and_input():
    with pytest.raises(ValueError, match="GELU: approximate must be 'none' or 'tanh', got 'erf'"):
        numnet.GELU(approximate="erf")
    with pytest.raises(TypeError, match="GELU: input must have dtype float32 or float64"):
        numnet.GELU()(np.array([1, 2]))
    with pytest.raises(RuntimeError, match="GELU: backward"):
        numnet.GELU().backward(np.ones(2))


def test_repr():
    assert repr(numnet.GELU()) == "GELU(approximate='none')"
    assert repr(numnet.GELU(approximate="tanh")) == "GELU(approximate='tanh')"
