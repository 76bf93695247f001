import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import numnet


def reference_forward(x, gamma, beta, eps):
    """Feature by feature, sample by sample, with the biased batch variance."""
    n, c = x.shape
    y = np.zeros_like(x)
    for j in range(c):
        mean = sum(x[i, j] for i in range(n)) / n
        var = sum((x[i, j] - mean) ** 2 for i in range(n)) / n
        for i in range(n):
            y[i, j] = gamma[j] * (x[i, j] - mean) / np.sqrt(var + eps) + beta[j]
    return y


def reference_running_stats(batches, momentum):
    """The defining update, starting from mean 0 and variance 1, with the unbiased variance."""
    running_mean, running_var = np.zeros(batches[0].shape[1]), np.ones(batches[0].shape[1])
    for x in batches:
        running_mean = (1 - momentum) * running_mean + momentum * x.mean(axis=0)
        running_var = (1 - momentum) * running_var + momentum * x.var(axis=0, ddof=1)
    return running_mean, running_var


def layer_with_random_affine(rng, c, **kwargs):
    layer = numnet.BatchNorm1d(c, **kwargs)
    layer.weight.data = rng.normal(size=c)
    layer.bias.data = rng.normal(size=c)
    return layer


def test_defaults_and_parameters():
    layer = numnet.BatchNorm1d(4)
    assert layer.eps == 1e-5 and layer.momentum == 0.1
    np.testing.assert_array_equal(layer.weight.data, np.ones(4))
    np.testing.assert_array_equal(layer.bias.data, np.zeros(4))
    np.testing.assert_array_equal(layer.running_mean, np.zeros(4))
    np.testing.assert_array_equal(layer.running_var, np.ones(4))
    assert layer.parameters() == [layer.weight, layer.bias]  # running stats are not trained


def test_train_forward_matches_loops(rng):
    layer = layer_with_random_affine(rng, 3, eps=1e-3)
    x = rng.normal(2.0, 3.0, size=(7, 3))
    expected = reference_forward(x, layer.weight.data, layer.bias.data, 1e-3)
    np.testing.assert_allclose(layer(x), expected, rtol=1e-12, atol=1e-12)


def test_running_statistics_follow_the_defining_formula(rng):
    layer = numnet.BatchNorm1d(3, momentum=0.3)
    batches = [rng.normal(1.0, 2.0, size=(n, 3)) for n in (4, 9, 2, 6)]
    for x in batches:
        layer(x)
    mean, var = reference_running_stats(batches, 0.3)
    np.testing.assert_allclose(layer.running_mean, mean, rtol=1e-13)
    np.testing.assert_allclose(layer.running_var, var, rtol=1e-13)


def test_running_variance_is_unbiased_not_biased(rng):
    x = rng.normal(size=(4, 2))
    layer = numnet.BatchNorm1d(2, momentum=1.0)  # running stats = the last batch's
    layer(x)
    np.testing.assert_allclose(layer.running_var, x.var(axis=0, ddof=1), rtol=1e-13)
    assert not np.allclose(layer.running_var, x.var(axis=0))


def test_eval_uses_running_statistics_and_leaves_them_alone(rng):
    layer = layer_with_random_affine(rng, 3)
    layer.running_mean = rng.normal(size=3)
    layer.running_var = rng.uniform(0.5, 2.0, size=3)
    before = layer.running_mean.copy(), layer.running_var.copy()
    layer.eval()
    x = rng.normal(size=(5, 3))
    x_hat = (x - before[0]) / np.sqrt(before[1] + layer.eps)
    expected = layer.weight.data * x_hat + layer.bias.data
    np.testing.assert_allclose(layer(x), expected, rtol=1e-13)
    np.testing.assert_array_equal(layer.running_mean, before[0])
    np.testing.assert_array_equal(layer.running_var, before[1])
    assert layer(x[:1]).shape == (1, 3)  # a single sample is fine in evaluation mode


def test_train_backward_matches_the_derived_formula(rng):
    layer = layer_with_random_affine(rng, 4)
    x, dy = rng.normal(size=(6, 4)), rng.normal(size=(6, 4))
    layer(x)
    dx = layer.backward(dy)
    n, gamma = x.shape[0], layer.weight.data
    std = np.sqrt(x.var(axis=0) + layer.eps)
    x_hat = (x - x.mean(axis=0)) / std
    expected = gamma / (n * std) * (n * dy - dy.sum(0) - x_hat * (dy * x_hat).sum(0))
    np.testing.assert_allclose(dx, expected, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(layer.weight.grad, (dy * x_hat).sum(0), rtol=1e-12)
    np.testing.assert_allclose(layer.bias.grad, dy.sum(0), rtol=1e-12)
    np.testing.assert_allclose(dx.sum(axis=0), 0, atol=1e-12)


@settings(max_examples=20, deadline=None)
@given(st.integers(3, 6), st.integers(1, 4), st.booleans())
def test_gradcheck_train_and_eval(n, c, training):
    rng = np.random.default_rng(n + 10 * c)
    layer = layer_with_random_affine(rng, c, eps=1e-3)
    layer.running_mean = rng.normal(size=c)
    layer.running_var = rng.uniform(0.5, 2.0, size=c)
    layer.train(training)
    assert numnet.gradcheck(layer, rng.normal(1.0, 2.0, size=(n, c))).ok


def test_gradcheck_two_samples(rng):
    """With N = 2, x̂ = ±√(v/(v + ε)) hardly depends on x when ε ≪ v: the gradient is O(ε)
    and finite differences lose their relative accuracy, so check it where ε is not small."""
    layer = layer_with_random_affine(rng, 3, eps=0.5)
    assert numnet.gradcheck(layer, rng.normal(size=(2, 3))).ok


def test_gradcheck_catches_a_wrong_backward(rng, monkeypatch):
    """The check used above can fail: drop the x̂ Σ dy x̂ term and it does."""
    layer = layer_with_random_affine(rng, 2)
    x = rng.normal(size=(5, 2))
    original = numnet.BatchNorm1d.backward

    def without_variance_term(self, dy):
        cache = self._caches[-1]  # the cache that original() is about to use up
        dx = original(self, dy)
        return dx + cache["x_hat"] * (dy * self.weight.data * cache["x_hat"]).sum(0) * (
            cache["inv_std"] / dy.shape[0]
        )

    monkeypatch.setattr(numnet.BatchNorm1d, "backward", without_variance_term)
    assert not numnet.gradcheck(layer, x).ok


def test_constant_feature_gives_beta_and_finite_gradients():
    layer = numnet.BatchNorm1d(2)
    layer.bias.data[:] = [0.5, -1.0]
    x = np.column_stack([np.full(4, 3.0), np.arange(4.0)])
    y = layer(x)
    np.testing.assert_allclose(y[:, 0], 0.5)
    assert np.isfinite(layer.backward(np.ones_like(y))).all()


def test_gradients_accumulate_until_zero_grad(rng):
    layer = numnet.BatchNorm1d(2)
    x, dy = rng.normal(size=(5, 2)), rng.normal(size=(5, 2))
    layer(x)
    layer.backward(dy)
    once = layer.weight.grad.copy()
    layer(x)
    layer.backward(dy)
    np.testing.assert_allclose(layer.weight.grad, 2 * once)
    layer.zero_grad()
    assert not layer.weight.grad.any()


def test_float32(rng):
    layer = numnet.BatchNorm1d(3).astype(np.float32)
    x = rng.normal(size=(8, 3)).astype(np.float32)
    y = layer(x)
    assert y.dtype == np.float32 and layer.running_var.dtype == np.float32
    assert layer.backward(np.ones_like(y)).dtype == np.float32
    assert layer.weight.grad.dtype == np.float32
    np.testing.assert_allclose(
        y, reference_forward(x.astype(np.float64), np.ones(3), np.zeros(3), 1e-5), atol=1e-5
    )
    layer.eval()
    assert layer(x).dtype == np.float32


@pytest.mark.parametrize(
    ("x", "error", "message"),
    [
        (
            np.ones((4, 2)),
            ValueError,
            r"BatchNorm1d: expected input of shape \(N, 3\), got \(4, 2\)",
        ),
        (np.ones(3), ValueError, r"BatchNorm1d: expected input of shape \(N, 3\), got \(3,\)"),
        (np.ones((2, 3, 5)), ValueError, r"expected input of shape \(N, 3\), got \(2, 3, 5\)"),
        (np.ones((1, 3)), ValueError, "BatchNorm1d: expected more than 1 value per channel"),
        (np.ones((2, 3), dtype=np.float32), TypeError, "BatchNorm1d: input has dtype float32"),
        (np.array([[1.0, np.inf, 0.0]] * 2), ValueError, "BatchNorm1d: input contains NaN"),
    ],
)
def test_bad_input(x, error, message):
    with pytest.raises(error, match=message):
        numnet.BatchNorm1d(3)(x)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"num_features": 0}, ValueError, "num_features must be a positive integer"),
        ({"num_features": 2, "eps": -1e-5}, ValueError, "eps must be >= 0, got -1e-05"),
        ({"num_features": 2, "eps": np.inf}, ValueError, "eps must be finite"),
        (
            {"num_features": 2, "momentum": 1.5},
            ValueError,
            r"momentum must be in \[0, 1\], got 1.5",
        ),
        ({"num_features": 2, "momentum": None}, TypeError, "momentum must be a real number"),
    ],
)
def test_bad_construction(kwargs, error, message):
    with pytest.raises(error, match=f"BatchNorm1d: {message}"):
        numnet.BatchNorm1d(**kwargs)


def test_backward_before_forward_and_wrong_gradient_shape():
    with pytest.raises(RuntimeError, match="BatchNorm1d: backward"):
        numnet.BatchNorm1d(2).backward(np.ones((3, 2)))
    layer = numnet.BatchNorm1d(2)
    layer(np.ones((3, 2)))
    with pytest.raises(ValueError, match=r"expected upstream gradient of shape \(3, 2\)"):
        layer.backward(np.ones((2, 3)))
