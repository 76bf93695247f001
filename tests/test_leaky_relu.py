import numpy as np
import pytest

import numnet


@pytest.mark.parametrize("slope", [0.01, 0.2])
def test_forward_and_backward_match_definition(rng, slope):
    x, dy = rng.normal(size=(4, 5)), rng.normal(size=(4, 5))
    layer = numnet.LeakyReLU(negative_slope=slope)
    np.testing.assert_allclose(layer(x), np.where(x > 0, x, slope * x), rtol=1e-15)
    np.testing.assert_allclose(layer.backward(dy), np.where(x > 0, dy, slope * dy), rtol=1e-15)


def test_default_slope_and_gradient_at_zero():
    layer = numnet.LeakyReLU()
    assert layer.negative_slope == 0.01
    layer(np.zeros(1))
    np.testing.assert_array_equal(layer.backward(np.ones(1)), [0.01])


def test_gradcheck(rng):
    x = rng.uniform(0.1, 2, size=(3, 4)) * rng.choice([-1, 1], size=(3, 4))
    assert numnet.gradcheck(numnet.LeakyReLU(0.1), x).ok
