import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import numnet


def reference(x):
    return np.vectorize(lambda v: 1 / (1 + math.exp(-v)) if v > -700 else 0.0)(x)


def test_forward_matches_definition(rng):
    x = rng.normal(scale=5, size=(6, 4))
    np.testing.assert_allclose(numnet.Sigmoid()(x), reference(x), rtol=1e-14)


def test_extreme_inputs_are_finite_without_warnings():
    y = numnet.Sigmoid()(np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0]))  # RuntimeWarning = error
    assert np.all(np.isfinite(y))
    assert y[0] == 0.0 and y[2] == 0.5 and y[4] == 1.0


def test_backward_is_sigma_times_one_minus_sigma(rng):
    x, dy = rng.normal(size=(3, 5)), rng.normal(size=(3, 5))
    layer = numnet.Sigmoid()
    s = reference(x)
    layer(x)
    np.testing.assert_allclose(layer.backward(dy), dy * s * (1 - s), rtol=1e-13)


@given(st.integers(1, 4), st.integers(1, 5))
def test_gradcheck_random_shapes(n, k):
    x = np.random.default_rng(n * 10 + k).normal(size=(n, k))
    assert numnet.gradcheck(numnet.Sigmoid(), x).ok


def test_float32_stays_float32(rng):
    x = rng.normal(size=(4, 3)).astype(np.float32)
    layer = numnet.Sigmoid()
    assert layer(x).dtype == np.float32
    assert layer.backward(np.ones_like(x)).dtype == np.float32


@pytest.mark.parametrize("bad", [np.array([1, 2]), np.array([np.nan]), "text"])
def test_bad_input_names_the_layer(bad):
    with pytest.raises((TypeError, ValueError), match="Sigmoid"):
        numnet.Sigmoid()(bad)


def test_backward_before_forward():
    with pytest.raises(RuntimeError, match="Sigmoid: backward"):
        numnet.Sigmoid().backward(np.ones(3))
