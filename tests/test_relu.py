import numpy as np

import numnet


def test_forward_and_backward_match_definition(rng):
    x, dy = rng.normal(size=(4, 5)), rng.normal(size=(4, 5))
    layer = numnet.ReLU()
    np.testing.assert_array_equal(layer(x), np.where(x > 0, x, 0))
    np.testing.assert_array_equal(layer.backward(dy), np.where(x > 0, dy, 0))


def test_gradient_at_zero_is_zero_like_pytorch():
    layer = numnet.ReLU()
    layer(np.array([0.0, -0.0]))
    np.testing.assert_array_equal(layer.backward(np.ones(2)), [0.0, 0.0])


def test_gradcheck_away_from_zero(rng):
    x = rng.uniform(0.1, 2, size=(3, 4)) * rng.choice([-1, 1], size=(3, 4))
    assert numnet.gradcheck(numnet.ReLU(), x).ok
