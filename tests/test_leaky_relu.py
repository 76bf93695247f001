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


@pytest.mark.parametrize(
    ("slope", "error", "message"),
    [
        (float("nan"), ValueError, "LeakyReLU: negative_slope must be finite, got nan"),
        (float("-inf"), ValueError, "LeakyReLU: negative_slope must be finite, got -inf"),
        ("x", TypeError, "LeakyReLU: negative_slope must be a real number, got 'x'"),
        (False, TypeError, "LeakyReLU: negative_slope must be a real number, got False"),
        (np.array([0.1]), TypeError, "LeakyReLU: negative_slope must be a real number"),
    ],
)
def test_bad_negative_slope_is_a_clear_error(slope, error, message):
    with pytest.raises(error, match=message):
        numnet.LeakyReLU(slope)


def test_any_finite_slope_like_pytorch(rng):
    x = rng.normal(size=(3, 4))
    for slope in (np.float32(0.2), 0, -0.5, 2):
        layer = numnet.LeakyReLU(negative_slope=slope)
        assert isinstance(layer.negative_slope, float)
        np.testing.assert_allclose(layer(x), np.where(x > 0, x, float(slope) * x), rtol=1e-15)


def test_extreme_inputs_are_silent():
    layer = numnet.LeakyReLU(0.01)
    y = layer(np.array([-1e300, -1e4, 1e4, 1e300]))
    np.testing.assert_allclose(y, [-1e298, -100.0, 1e4, 1e300], rtol=1e-15)  # one rounding
