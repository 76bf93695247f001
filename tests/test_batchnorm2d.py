import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import numnet


def reference_forward(x, gamma, beta, eps):
    """Channel by channel, pixel by pixel, with the biased variance over N·H·W values."""
    n, c, h, w = x.shape
    y = np.zeros_like(x)
    for k in range(c):
        values = [x[i, k, u, v] for i in range(n) for u in range(h) for v in range(w)]
        mean = sum(values) / len(values)
        var = sum((v - mean) ** 2 for v in values) / len(values)
        for i in range(n):
            for u in range(h):
                for v in range(w):
                    y[i, k, u, v] = gamma[k] * (x[i, k, u, v] - mean) / np.sqrt(var + eps) + beta[k]
    return y


def reference_backward(x, dy, gamma, eps):
    """The chain rule written out for one channel's m values x̂ = (x − μ)/σ̂:
    dx = γ/σ̂ · (dy − mean(dy) − x̂ · mean(dy · x̂)), as (m, C) BatchNorm1d of the pixels."""
    c = x.shape[1]
    rows = x.transpose(0, 2, 3, 1).reshape(-1, c)  # one row per pixel, one column per channel
    drows = dy.transpose(0, 2, 3, 1).reshape(-1, c)
    std = np.sqrt(rows.var(axis=0) + eps)
    x_hat = (rows - rows.mean(axis=0)) / std
    dx = gamma / std * (drows - drows.mean(0) - x_hat * (drows * x_hat).mean(0))
    dx = dx.reshape(x.shape[0], x.shape[2], x.shape[3], c).transpose(0, 3, 1, 2)
    return dx, (drows * x_hat).sum(0), drows.sum(0)


def random_layer(rng, c, **kwargs):
    layer = numnet.BatchNorm2d(c, **kwargs)
    layer.weight.data = rng.normal(size=c)
    layer.bias.data = rng.normal(size=c)
    return layer


def test_defaults_and_parameters():
    layer = numnet.BatchNorm2d(4)
    assert layer.eps == 1e-5 and layer.momentum == 0.1
    np.testing.assert_array_equal(layer.weight.data, np.ones(4))
    np.testing.assert_array_equal(layer.bias.data, np.zeros(4))
    np.testing.assert_array_equal(layer.running_mean, np.zeros(4))
    np.testing.assert_array_equal(layer.running_var, np.ones(4))
    assert layer.parameters() == [layer.weight, layer.bias]


def test_shares_its_code_with_batchnorm1d():
    from numnet.batchnorm import _BatchNorm

    assert issubclass(numnet.BatchNorm1d, _BatchNorm) and issubclass(numnet.BatchNorm2d, _BatchNorm)


@settings(max_examples=20, deadline=None)
@given(
    st.integers(1, 3), st.integers(1, 3), st.integers(1, 4), st.integers(1, 4), st.integers(0, 99)
)
def test_train_forward_and_backward_match_the_loops(n, c, h, w, seed):
    rng = np.random.default_rng(seed)
    if n * h * w < 2:
        h = 2
    layer = random_layer(rng, c, eps=1e-3)
    x = rng.normal(1.0, 2.0, size=(n, c, h, w))
    y = layer(x)
    np.testing.assert_allclose(
        y, reference_forward(x, layer.weight.data, layer.bias.data, 1e-3), rtol=1e-11, atol=1e-11
    )
    dy = rng.normal(size=y.shape)
    dx = layer.backward(dy)
    dx_ref, dgamma_ref, dbeta_ref = reference_backward(x, dy, layer.weight.data, 1e-3)
    np.testing.assert_allclose(dx, dx_ref, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(layer.weight.grad, dgamma_ref, rtol=1e-11, atol=1e-12)
    np.testing.assert_allclose(layer.bias.grad, dbeta_ref, rtol=1e-11, atol=1e-12)


def test_running_statistics_use_the_unbiased_variance_over_n_h_w(rng):
    layer = numnet.BatchNorm2d(3, momentum=0.3)
    mean, var = np.zeros(3), np.ones(3)
    for n, h, w in [(2, 3, 4), (1, 2, 2), (3, 1, 5)]:
        x = rng.normal(1.0, 2.0, size=(n, 3, h, w))
        layer(x)
        per_channel = x.transpose(1, 0, 2, 3).reshape(3, -1)
        mean = 0.7 * mean + 0.3 * per_channel.mean(axis=1)
        var = 0.7 * var + 0.3 * per_channel.var(axis=1, ddof=1)
    np.testing.assert_allclose(layer.running_mean, mean, rtol=1e-13)
    np.testing.assert_allclose(layer.running_var, var, rtol=1e-13)


def test_eval_uses_running_statistics(rng):
    layer = random_layer(rng, 2)
    layer.running_mean = rng.normal(size=2)
    layer.running_var = rng.uniform(0.5, 2.0, size=2)
    layer.eval()
    x = rng.normal(size=(1, 2, 3, 3))  # one sample is fine in evaluation mode
    scale = layer.weight.data / np.sqrt(layer.running_var + layer.eps)
    expected = (x - layer.running_mean[:, None, None]) * scale[:, None, None]
    expected += layer.bias.data[:, None, None]
    np.testing.assert_allclose(layer(x), expected, rtol=1e-13)
    dy = rng.normal(size=x.shape)
    np.testing.assert_allclose(layer.backward(dy), dy * scale[:, None, None], rtol=1e-13)


@settings(max_examples=12, deadline=None)
@given(st.integers(1, 3), st.integers(1, 3), st.integers(2, 3), st.booleans())
def test_gradcheck_train_and_eval(n, c, h, training):
    rng = np.random.default_rng(n + 10 * c + 100 * h)
    layer = random_layer(rng, c, eps=1e-2)
    layer.running_mean = rng.normal(size=c)
    layer.running_var = rng.uniform(0.5, 2.0, size=c)
    layer.train(training)
    result = numnet.gradcheck(layer, rng.normal(1.0, 2.0, size=(n, c, h, 3)))
    assert result.ok, result


@pytest.mark.parametrize("training", [True, False])
def test_backward_leaves_the_output_alone(rng, training):
    """Backward works in place in the memory of its cache; the output must not change."""
    layer = numnet.BatchNorm2d(3)
    layer.weight.data = rng.normal(size=3)
    layer.train(training)
    x, dy = rng.normal(size=(2, 3, 4, 5)), rng.normal(size=(2, 3, 4, 5))
    y = layer(x)
    before = y.copy()
    dx = layer.backward(dy)
    np.testing.assert_array_equal(y, before)
    layer.running_mean, layer.running_var = np.zeros(3), np.ones(3)
    layer(x)
    np.testing.assert_allclose(layer.backward(dy), dx, rtol=1e-14, atol=1e-14)


def test_float32(rng):
    layer = numnet.BatchNorm2d(3).astype(np.float32)
    x = rng.normal(size=(4, 3, 5, 5)).astype(np.float32)
    y = layer(x)
    assert y.dtype == layer.running_var.dtype == np.float32
    assert layer.backward(np.ones_like(y)).dtype == layer.weight.grad.dtype == np.float32
    expected = reference_forward(x.astype(np.float64), np.ones(3), np.zeros(3), 1e-5)
    np.testing.assert_allclose(y, expected, atol=1e-5)  # ~ eps32 · |x̂| ≤ 4, and the sums


@pytest.mark.parametrize(
    ("x", "error", "message"),
    [
        (np.ones((2, 4, 3, 3)), ValueError, r"expected input of shape \(N, 3, H, W\), got"),
        (np.ones((2, 3)), ValueError, r"expected input of shape \(N, 3, H, W\), got \(2, 3\)"),
        (np.ones((1, 3, 1, 1)), ValueError, "expected more than 1 value per channel"),
        (np.ones((2, 3, 2, 2), dtype=np.float32), TypeError, "input has dtype float32"),
        (np.full((2, 3, 2, 2), np.nan), ValueError, "input contains NaN"),
    ],
)
def test_bad_input(x, error, message):
    with pytest.raises(error, match=f"BatchNorm2d: {message}"):
        numnet.BatchNorm2d(3)(x)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"num_features": 0}, "num_features must be a positive integer"),
        ({"num_features": 2, "eps": -1.0}, "eps must be >= 0, got -1.0"),
        ({"num_features": 2, "momentum": 2.0}, r"momentum must be in \[0, 1\], got 2.0"),
    ],
)
def test_bad_construction(kwargs, message):
    with pytest.raises(ValueError, match=f"BatchNorm2d: {message}"):
        numnet.BatchNorm2d(**kwargs)


def test_backward_checks():
    with pytest.raises(RuntimeError, match="BatchNorm2d: backward"):
        numnet.BatchNorm2d(2).backward(np.ones((2, 2, 2, 2)))
    layer = numnet.BatchNorm2d(2)
    layer(np.ones((2, 2, 3, 3)))
    with pytest.raises(ValueError, match=r"upstream gradient of shape \(2, 2, 3, 3\)"):
        layer.backward(np.ones((2, 2, 3, 2)))
