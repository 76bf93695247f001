import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import numnet


def reference_forward(x, w, b):
    """Row by row, feature by feature: y[n, j] = Σ_i x[n, i] w[i, j] + b[j]."""
    n_samples, n_in = x.shape
    y = np.zeros((n_samples, w.shape[1]))
    for n in range(n_samples):
        for j in range(w.shape[1]):
            y[n, j] = sum(x[n, i] * w[i, j] for i in range(n_in)) + b[j]
    return y


def test_forward_matches_loops(rng):
    layer = numnet.Linear(4, 3, rng=rng)
    x = rng.normal(size=(5, 4))
    np.testing.assert_allclose(
        layer(x), reference_forward(x, layer.weight.data, layer.bias.data), rtol=1e-13
    )


def test_backward_matches_formulas(rng):
    layer = numnet.Linear(4, 3, rng=rng)
    x, dy = rng.normal(size=(5, 4)), rng.normal(size=(5, 3))
    layer(x)
    dx = layer.backward(dy)
    np.testing.assert_allclose(layer.weight.grad, x.T @ dy, rtol=1e-13)
    np.testing.assert_allclose(layer.bias.grad, dy.sum(axis=0), rtol=1e-13)
    np.testing.assert_allclose(dx, dy @ layer.weight.data.T, rtol=1e-13)


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 5), st.integers(1, 6), st.integers(1, 6), st.booleans())
def test_gradcheck_random_shapes(n, n_in, n_out, bias):
    rng = np.random.default_rng(n + 7 * n_in + 49 * n_out)
    layer = numnet.Linear(n_in, n_out, bias=bias, rng=rng)
    assert numnet.gradcheck(layer, rng.normal(size=(n, n_in))).ok


def test_gradients_accumulate_until_zero_grad(rng):
    layer = numnet.Linear(2, 2, rng=rng)
    x, dy = rng.normal(size=(3, 2)), rng.normal(size=(3, 2))
    for _ in range(2):
        layer(x)
        layer.backward(dy)
    np.testing.assert_allclose(layer.weight.grad, 2 * x.T @ dy)
    layer.zero_grad()
    assert not layer.weight.grad.any()


def test_init_is_pytorch_uniform_and_seeded():
    a, b = numnet.Linear(100, 50, rng=3), numnet.Linear(100, 50, rng=3)
    np.testing.assert_array_equal(a.weight.data, b.weight.data)
    assert a.weight.shape == (100, 50) and a.bias.shape == (50,)
    assert np.abs(a.weight.data).max() <= 0.1 and np.abs(a.weight.data).max() > 0.09


def test_reads_reassigned_parameters_float32(rng):
    layer = numnet.Linear(3, 2, rng=rng)
    for p in layer.parameters():
        p.data = p.data.astype(np.float32)
    x = rng.normal(size=(4, 3)).astype(np.float32)
    y = layer(x)
    assert y.dtype == np.float32
    assert layer.backward(np.ones_like(y)).dtype == np.float32
    assert layer.weight.grad.dtype == np.float32


def test_no_bias():
    layer = numnet.Linear(3, 2, bias=False)
    assert layer.bias is None and len(layer.parameters()) == 1


@pytest.mark.parametrize(
    ("x", "error", "message"),
    [
        (np.ones((2, 4)), ValueError, r"Linear: expected input of shape \(N, 3\), got \(2, 4\)"),
        (np.ones(3), ValueError, r"Linear: expected input of shape \(N, 3\), got \(3,\)"),
        (np.ones((2, 3), dtype=int), TypeError, "Linear: input must have dtype float32 or float64"),
        (
            np.ones((2, 3), dtype=np.float32),
            TypeError,
            "Linear: input has dtype float32 but the parameters are float64",
        ),
        (np.array([[1.0, np.nan, 0.0]]), ValueError, "Linear: input contains NaN"),
    ],
)
def test_bad_input(x, error, message):
    with pytest.raises(error, match=message):
        numnet.Linear(3, 2)(x)


def test_bad_construction_and_backward_order():
    with pytest.raises(ValueError, match="Linear: in_features must be a positive integer"):
        numnet.Linear(0, 2)
    with pytest.raises(RuntimeError, match="Linear: backward"):
        numnet.Linear(2, 2).backward(np.ones((1, 2)))
