import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import numnet


def reference_forward(x, k, gamma, beta, eps):
    """Sample by sample: flatten the last k axes, normalise with the biased variance."""
    lead, tail = x.shape[: x.ndim - k], x.shape[x.ndim - k :]
    rows = x.reshape(-1, int(np.prod(tail)))
    y = np.zeros_like(rows)
    for i, row in enumerate(rows):
        mean = sum(row) / len(row)
        var = sum((v - mean) ** 2 for v in row) / len(row)
        y[i] = (row - mean) / np.sqrt(var + eps)
    y = y.reshape(*lead, *tail)
    return y * gamma + beta


def reference_backward(x, dy, k, gamma, eps):
    """dx from the Jacobian of one sample's normalisation, built entry by entry:
    ∂x̂_i/∂x_j = (δ_ij − 1/D − x̂_i x̂_j / D) / σ̂."""
    tail = x.shape[x.ndim - k :]
    d = int(np.prod(tail))
    rows, drows = x.reshape(-1, d), (dy * gamma).reshape(-1, d)
    dx = np.zeros_like(rows)
    for r, (row, g) in enumerate(zip(rows, drows, strict=True)):
        std = np.sqrt(row.var() + eps)
        x_hat = (row - row.mean()) / std
        jac = np.array(
            [
                [((i == j) - 1 / d - x_hat[i] * x_hat[j] / d) / std for j in range(d)]
                for i in range(d)
            ]
        )
        dx[r] = g @ jac
    return dx.reshape(x.shape)


@st.composite
def cases(draw):
    lead = draw(st.lists(st.integers(1, 3), min_size=0, max_size=2))
    tail = draw(st.lists(st.integers(1, 4), min_size=1, max_size=2))
    return tuple(lead), tuple(tail), draw(st.booleans()), draw(st.booleans())


@settings(max_examples=40, deadline=None)
@given(cases(), st.integers(0, 2**16))
def test_forward_and_backward_match_the_loops(case, seed):
    lead, tail, affine, bias = case
    rng = np.random.default_rng(seed)
    layer = numnet.LayerNorm(tail, eps=1e-3, elementwise_affine=affine, bias=bias)
    gamma, beta = np.ones(tail), np.zeros(tail)
    if affine:
        gamma = layer.weight.data = rng.normal(size=tail)
        if bias:
            beta = layer.bias.data = rng.normal(size=tail)
    x = rng.normal(1.0, 2.0, size=lead + tail)
    y = layer(x)
    k = len(tail)
    np.testing.assert_allclose(
        y, reference_forward(x, k, gamma, beta, 1e-3), rtol=1e-11, atol=1e-11
    )
    dy = rng.normal(size=y.shape)
    dx = layer.backward(dy)
    np.testing.assert_allclose(dx, reference_backward(x, dy, k, gamma, 1e-3), rtol=1e-9, atol=1e-11)
    samples = tuple(range(len(lead)))
    x_hat = reference_forward(x, k, 1.0, 0.0, 1e-3)
    if affine:
        np.testing.assert_allclose(layer.weight.grad, (dy * x_hat).sum(axis=samples), atol=1e-11)
        if bias:
            np.testing.assert_allclose(layer.bias.grad, dy.sum(axis=samples), atol=1e-12)


@settings(max_examples=12, deadline=None)
@given(cases(), st.integers(0, 2**16))
def test_gradcheck(case, seed):
    lead, tail, affine, bias = case
    rng = np.random.default_rng(seed)
    if int(np.prod(tail)) < 2:  # one value: x̂ = 0 whatever x, a zero gradient
        tail = (*tail[:-1], 2)
    layer = numnet.LayerNorm(tail, eps=1e-2, elementwise_affine=affine, bias=bias)
    if affine:
        layer.weight.data = rng.normal(size=tail)
    result = numnet.gradcheck(layer, rng.normal(size=lead + tail))
    assert result.ok, result


@pytest.mark.parametrize(("affine", "bias"), [(False, False), (True, False), (True, True)])
def test_backward_leaves_the_output_alone(rng, affine, bias):
    """Backward works in place in the memory of its cache: the output that forward returned
    (never that memory itself) must not change, and a second use of the layer is unaffected."""
    layer = numnet.LayerNorm(5, elementwise_affine=affine, bias=bias)
    x, dy = rng.normal(size=(2, 3, 5)), rng.normal(size=(2, 3, 5))
    y = layer(x)
    before = y.copy()
    dx = layer.backward(dy)
    np.testing.assert_array_equal(y, before)
    np.testing.assert_array_equal(layer(x), before)
    np.testing.assert_allclose(layer.backward(dy), dx, rtol=1e-15, atol=0)


def test_parameters_and_defaults():
    layer = numnet.LayerNorm(4)
    assert layer.normalized_shape == (4,) and layer.eps == 1e-5
    np.testing.assert_array_equal(layer.weight.data, np.ones(4))
    np.testing.assert_array_equal(layer.bias.data, np.zeros(4))
    assert layer.parameters() == [layer.weight, layer.bias]
    assert numnet.LayerNorm((2, 3)).weight.shape == (2, 3)
    bare = numnet.LayerNorm(4, elementwise_affine=False)
    assert bare.weight is None and bare.bias is None and bare.parameters() == []
    assert len(numnet.LayerNorm(4, bias=False).parameters()) == 1


def test_normalises_each_sample_not_each_feature(rng):
    """Shifting and scaling one sample leaves its output alone (BatchNorm's would not)."""
    layer = numnet.LayerNorm(5, eps=0.0)
    x = rng.normal(size=(3, 5))
    y = layer(x)
    np.testing.assert_allclose(y.mean(axis=1), 0, atol=1e-15)
    np.testing.assert_allclose(y.var(axis=1), 1, rtol=1e-13)
    x2 = x.copy()
    x2[1] = 10 * x2[1] + 3
    np.testing.assert_allclose(layer(x2), y, atol=1e-13)


def test_same_in_training_and_evaluation(rng):
    layer = numnet.LayerNorm(3)
    x = rng.normal(size=(2, 3))
    np.testing.assert_array_equal(layer.eval()(x), layer.train()(x))


def test_gradients_accumulate(rng):
    layer = numnet.LayerNorm(3)
    x, dy = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    layer(x)
    layer.backward(dy)
    once = layer.weight.grad.copy()
    layer(x)
    layer.backward(dy)
    np.testing.assert_allclose(layer.weight.grad, 2 * once)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_float32_and_float64(rng, dtype):
    layer = numnet.LayerNorm(6).astype(dtype)
    x = rng.normal(size=(3, 6)).astype(dtype)
    y = layer(x)
    assert y.dtype == layer.backward(np.ones_like(y)).dtype == layer.weight.grad.dtype == dtype
    expected = reference_forward(x.astype(np.float64), 1, 1.0, 0.0, 1e-5)
    np.testing.assert_allclose(y, expected, atol=20 * np.finfo(dtype).eps)  # |x̂| ≤ √6


@pytest.mark.parametrize(
    ("x", "error", "message"),
    [
        (np.ones((2, 4, 2)), ValueError, r"expected input of shape \(\*, 4, 3\), got \(2, 4, 2\)"),
        (np.ones(3), ValueError, r"expected input of shape \(\*, 4, 3\), got \(3,\)"),
        (np.ones((4, 3), dtype=np.float32), TypeError, "input has dtype float32"),
        (np.full((4, 3), np.inf), ValueError, "input contains NaN or infinity"),
    ],
)
def test_bad_input(x, error, message):
    with pytest.raises(error, match=f"LayerNorm: {message}"):
        numnet.LayerNorm((4, 3))(x)


@pytest.mark.parametrize("bad", [0, (), (3, 0), 2.5, "4", (2, None)])
def test_bad_normalized_shape(bad):
    with pytest.raises(ValueError, match="LayerNorm: normalized_shape must be"):
        numnet.LayerNorm(bad)


def test_bad_eps_and_backward_checks():
    with pytest.raises(ValueError, match="LayerNorm: eps must be"):
        numnet.LayerNorm(3, eps=-1.0)
    layer = numnet.LayerNorm(3)
    with pytest.raises(RuntimeError, match="LayerNorm: backward"):
        layer.backward(np.ones((2, 3)))
    layer(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"LayerNorm.*\(2, 3\)"):
        layer.backward(np.ones((3, 3)))
