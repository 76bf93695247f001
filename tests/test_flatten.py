import numpy as np
import pytest

import numnet


def test_forward_is_row_major_channel_then_row_then_column():
    x = np.arange(2 * 3 * 2 * 2, dtype=float).reshape(2, 3, 2, 2)
    y = numnet.Flatten()(x)
    assert y.shape == (2, 12)
    for n in range(2):
        expected = [x[n, c, i, j] for c in range(3) for i in range(2) for j in range(2)]
        np.testing.assert_array_equal(y[n], expected)


def test_backward_reshapes_back(rng):
    flat = numnet.Flatten()
    x = rng.normal(size=(3, 2, 4, 5))
    flat(x)
    dy = rng.normal(size=(3, 40))
    dx = flat.backward(dy)
    assert dx.shape == x.shape
    np.testing.assert_array_equal(dx.reshape(3, -1), dy)


def test_gradcheck_inside_a_small_cnn(rng):
    model = numnet.Sequential(
        numnet.Conv2d(2, 3, 3, padding=1, rng=rng),
        numnet.ReLU(),
        numnet.MaxPool2d(2),
        numnet.Flatten(),
        numnet.Linear(3 * 2 * 2, 2, rng=rng),
    )
    result = numnet.gradcheck(model, rng.normal(size=(2, 2, 4, 4)))
    assert result.ok, result


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtypes(dtype):
    flat = numnet.Flatten()
    y = flat(np.zeros((2, 3, 4), dtype=dtype))
    assert y.dtype == flat.backward(np.ones_like(y)).dtype == dtype


def test_errors(rng):
    flat = numnet.Flatten()
    with pytest.raises(ValueError, match=r"Flatten: .*at least 2 axes, got \(5,\)"):
        flat(np.zeros(5))
    with pytest.raises(RuntimeError, match="Flatten: backward"):
        numnet.Flatten().backward(np.zeros((1, 4)))
    flat(rng.normal(size=(2, 2, 2)))
    with pytest.raises(ValueError, match=r"Flatten.*\(2, 4\)"):
        flat.backward(np.zeros((4, 2)))


def test_an_empty_batch_keeps_the_feature_count():
    flat = numnet.Flatten()
    y = flat(np.zeros((0, 3, 4)))
    assert y.shape == (0, 12)  # as torch.nn.Flatten
    assert flat.backward(np.zeros((0, 12))).shape == (0, 3, 4)


def test_backward_checks_dy_before_using_it(rng):
    flat = numnet.Flatten()
    flat(rng.normal(size=(2, 3, 4)))
    with pytest.raises(
        TypeError, match="Flatten: upstream gradient must be a numpy array, got NoneType"
    ):
        flat.backward(None)
    with pytest.raises(ValueError, match=r"Flatten: expected upstream gradient of shape \(2, 12\)"):
        flat.backward(np.zeros((2, 3, 4)))
