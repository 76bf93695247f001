"""ELU(alpha): x for x > 0, α (eˣ − 1) otherwise, as torch.nn.ELU (reference: math.expm1)."""

import math

import numpy as np
import pytest

import numnet

EXTREMES = np.array([-1e4, -800.0, -50.0, -1e-9, 0.0, 1e-9, 50.0, 800.0, 1e4])


def reference(x, alpha):
    return np.array([v if v > 0 else alpha * math.expm1(v) for v in np.ravel(x)]).reshape(
        np.shape(x)
    )


def reference_derivative(x, alpha):
    return np.array([1.0 if v > 0 else alpha * math.exp(v) for v in np.ravel(x)]).reshape(
        np.shape(x)
    )


@pytest.mark.parametrize("alpha", [1.0, 0.3, 2.5])
def test_forward_and_backward_match_the_definition(rng, alpha):
    x, dy = rng.normal(size=(5, 4)) * 3, rng.normal(size=(5, 4))
    layer = numnet.ELU(alpha=alpha)
    np.testing.assert_allclose(layer(x), reference(x, alpha), rtol=1e-15)
    np.testing.assert_allclose(layer.backward(dy), dy * reference_derivative(x, alpha), rtol=1e-15)


@pytest.mark.parametrize("alpha", [1.0, 0.5])
def test_gradcheck_away_from_zero(rng, alpha):
    x = rng.uniform(0.1, 3, size=(3, 4)) * rng.choice([-1, 1], size=(3, 4))
    assert numnet.gradcheck(numnet.ELU(alpha), x).ok


def test_gradient_at_zero_is_alpha_like_pytorch():
    layer = numnet.ELU(alpha=0.7)
    assert layer(np.zeros(1))[0] == 0
    np.testing.assert_array_equal(layer.backward(np.ones(1)), [0.7])


def test_default_alpha_is_one_and_the_left_limit_is_minus_alpha():
    layer = numnet.ELU()
    assert layer.alpha == 1.0
    np.testing.assert_array_equal(numnet.ELU(alpha=2.0)(np.array([-1e4])), [-2.0])


def test_extreme_inputs_are_finite_exact_and_silent():
    layer = numnet.ELU(alpha=1.5)
    y = layer(EXTREMES)  # RuntimeWarnings are errors in the test configuration
    dx = layer.backward(np.ones_like(EXTREMES))
    np.testing.assert_allclose(y, reference(EXTREMES, 1.5), rtol=1e-15)
    np.testing.assert_allclose(dx, reference_derivative(EXTREMES, 1.5), rtol=1e-15, atol=1e-300)


def test_float32_stays_float32(rng):
    x = rng.normal(size=(3, 4)).astype(np.float32)
    layer = numnet.ELU()
    assert layer(x).dtype == np.float32
    assert layer.backward(np.ones_like(x)).dtype == np.float32


@pytest.mark.parametrize(
    ("alpha", "error", "message"),
    [
        (float("nan"), ValueError, "ELU: alpha must be finite, got nan"),
        (float("inf"), ValueError, "ELU: alpha must be finite, got inf"),
        ("1.0", TypeError, "ELU: alpha must be a real number, got '1.0'"),
        (True, TypeError, "ELU: alpha must be a real number, got True"),
        (None, TypeError, "ELU: alpha must be a real number, got None"),
    ],
)
def test_bad_alpha(alpha, error, message):
    with pytest.raises(error, match=message):
        numnet.ELU(alpha=alpha)


def test_backward_checks_and_repr():
    with pytest.raises(RuntimeError, match="ELU: backward"):
        numnet.ELU().backward(np.ones(2))
    layer = numnet.ELU()
    layer(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"ELU: expected upstream gradient of shape \(2, 3\)"):
        layer.backward(np.zeros((3, 2)))
    assert repr(numnet.ELU(alpha=0.5)) == "ELU(alpha=0.5)"
