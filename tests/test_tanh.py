import math

import numpy as np
import pytest

import numnet


def test_forward_matches_math_tanh(rng):
    x = rng.normal(scale=3, size=(5, 4))
    np.testing.assert_allclose(numnet.Tanh()(x), np.vectorize(math.tanh)(x), rtol=1e-14)


def test_backward_is_one_minus_tanh_squared(rng):
    x, dy = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    layer = numnet.Tanh()
    layer(x)
    np.testing.assert_allclose(layer.backward(dy), dy * (1 - np.tanh(x) ** 2), rtol=1e-13)


def test_tanh_is_a_scaled_sigmoid(rng):
    x = rng.normal(size=20)
    np.testing.assert_allclose(numnet.Tanh()(x), 2 * numnet.Sigmoid()(2 * x) - 1, atol=1e-15)


def test_gradcheck(rng):
    assert numnet.gradcheck(numnet.Tanh(), rng.normal(size=(3, 4))).ok


def test_extremes():
    y = numnet.Tanh()(np.array([-1e4, 1e4]))
    np.testing.assert_array_equal(y, [-1.0, 1.0])


def test_upstream_shape_mismatch():
    layer = numnet.Tanh()
    layer(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"Tanh: expected upstream gradient of shape \(2, 3\)"):
        layer.backward(np.ones((3, 2)))
