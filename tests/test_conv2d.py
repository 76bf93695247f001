import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from naive_conv import conv2d_backward, conv2d_forward

import numnet
from numnet.conv import col2im, im2col


@st.composite
def conv_cases(draw):
    """Random layer and input: stride 1–3, padding 0–2, 'same' or 'valid', dilation 1–2,
    non-square inputs and kernels."""
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    dh, dw = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    padding = draw(st.sampled_from(["pair", "pair", "same", "valid"]))
    sh, sw = (1, 1) if padding == "same" else (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    if padding == "pair":
        padding = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    pads = reference_padding(padding, (kh, kw), (dh, dw))
    h = draw(st.integers(max(1, dh * (kh - 1) + 1 - sum(pads[0])), 8))
    w = draw(st.integers(max(1, dw * (kw - 1) + 1 - sum(pads[1])), 8))
    n, c, o = draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(1, 4))
    bias = draw(st.booleans())
    return dict(n=n, c=c, o=o, h=h, w=w, k=(kh, kw), s=(sh, sw), p=padding, d=(dh, dw), bias=bias)


def reference_padding(padding, kernel_size, dilation):
    """((top, bottom), (left, right)) for the loops, from PyTorch's documented rule: 'same'
    pads d·(k − 1) in all per axis, the odd one at the bottom/right."""
    if padding == "valid":
        return (0, 0), (0, 0)
    if padding == "same":
        totals = [d * (k - 1) for k, d in zip(kernel_size, dilation, strict=True)]
        return tuple((t // 2, t - t // 2) for t in totals)
    return tuple((p, p) for p in padding)


def make(case, seed, dtype=np.float64):
    rng = np.random.default_rng(seed)
    layer = numnet.Conv2d(
        case["c"],
        case["o"],
        case["k"],
        case["s"],
        case["p"],
        case.get("d", 1),
        bias=case["bias"],
        rng=rng,
    ).astype(dtype)
    x = rng.normal(size=(case["n"], case["c"], case["h"], case["w"])).astype(dtype)
    return layer, x, rng


@settings(max_examples=60, deadline=None)
@given(conv_cases(), st.integers(0, 2**16))
def test_fast_matches_naive_loops(case, seed):
    layer, x, rng = make(case, seed)
    b = None if layer.bias is None else layer.bias.data
    pads = reference_padding(case["p"], case["k"], case["d"])
    y = layer(x)
    np.testing.assert_allclose(
        y,
        conv2d_forward(x, layer.weight.data, b, case["s"], pads, case["d"]),
        rtol=1e-12,
        atol=1e-12,
    )
    dy = rng.normal(size=y.shape)
    dx = layer.backward(dy)
    dx_ref, dw_ref, db_ref = conv2d_backward(x, layer.weight.data, dy, case["s"], pads, case["d"])
    np.testing.assert_allclose(dx, dx_ref, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(layer.weight.grad, dw_ref, rtol=1e-12, atol=1e-12)
    if layer.bias is not None:
        np.testing.assert_allclose(layer.bias.grad, db_ref, rtol=1e-12, atol=1e-12)


@settings(max_examples=12, deadline=None)
@given(conv_cases(), st.integers(0, 2**16))
def test_gradcheck_random_shapes(case, seed):
    layer, x, _ = make(case, seed)
    result = numnet.gradcheck(layer, x)
    assert result.ok, result


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_float32_and_float64(dtype):
    case = dict(n=2, c=3, o=4, h=7, w=6, k=(3, 2), s=(2, 1), p=(1, 0), d=(1, 1), bias=True)
    layer, x, rng = make(case, 0, dtype)
    y = layer(x)
    dy = rng.normal(size=y.shape).astype(dtype)
    dx = layer.backward(dy)
    assert y.dtype == dx.dtype == layer.weight.grad.dtype == layer.bias.grad.dtype == dtype
    x64, w64, dy64 = (a.astype(np.float64) for a in (x, layer.weight.data, dy))
    tol = dict(rtol=1e-5, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(y, conv2d_forward(x64, w64, layer.bias.data, (2, 1), (1, 0)), **tol)
    dx_ref, dw_ref, db_ref = conv2d_backward(x64, w64, dy64, (2, 1), (1, 0))
    np.testing.assert_allclose(dx, dx_ref, **tol)
    np.testing.assert_allclose(layer.weight.grad, dw_ref, **tol)
    np.testing.assert_allclose(layer.bias.grad, db_ref, **tol)


def test_is_cross_correlation_like_pytorch():
    """A kernel that is 1 only at its top-left picks the top-left pixel of each window."""
    layer = numnet.Conv2d(1, 1, 2, bias=False)
    layer.weight.data = np.array([[[[1.0, 0.0], [0.0, 0.0]]]])
    x = np.arange(9.0).reshape(1, 1, 3, 3)
    np.testing.assert_array_equal(layer(x)[0, 0], [[0, 1], [3, 4]])


def test_same_padding_puts_the_odd_one_at_the_bottom_right():
    """Kernel 2, 'same': one row and one column of zeros in all, after the input (PyTorch's
    rule), so the tap at offset (1, 1) reads x[i + 1, j + 1] and 0 past the last row/column."""
    layer = numnet.Conv2d(1, 1, 2, padding="same", bias=False)
    layer.weight.data = np.array([[[[0.0, 0.0], [0.0, 1.0]]]])
    x = np.arange(12.0).reshape(1, 1, 3, 4)
    expected = np.zeros((3, 4))
    expected[:2, :3] = x[0, 0, 1:, 1:]
    np.testing.assert_array_equal(layer(x)[0, 0], expected)
    layer.weight.data = np.array([[[[1.0, 0.0], [0.0, 0.0]]]])  # the top-left tap: y = x
    np.testing.assert_array_equal(layer(x), x)


@pytest.mark.parametrize(("k", "d"), [(1, 1), (3, 1), (4, 1), (3, 2), (2, 3), ((2, 5), (3, 1))])
def test_same_keeps_the_size_and_valid_is_no_padding(k, d, rng):
    x = rng.normal(size=(1, 2, 6, 7))
    assert numnet.Conv2d(2, 3, k, padding="same", dilation=d)(x).shape == (1, 3, 6, 7)
    valid = numnet.Conv2d(2, 3, k, padding="valid", dilation=d, rng=0)
    np.testing.assert_array_equal(valid(x), numnet.Conv2d(2, 3, k, dilation=d, rng=0)(x))


def test_dilation_spreads_the_taps():
    """Kernel 2×2 with dilation 2: the tap at (1, 1) reads x[i + 2, j + 2]."""
    layer = numnet.Conv2d(1, 1, 2, dilation=2, bias=False)
    layer.weight.data = np.array([[[[0.0, 0.0], [0.0, 1.0]]]])
    x = np.arange(20.0).reshape(1, 1, 4, 5)
    np.testing.assert_array_equal(layer(x)[0, 0], x[0, 0, 2:, 2:])


@settings(max_examples=40, deadline=None)
@given(
    st.integers(1, 12), st.integers(1, 4), st.integers(1, 3), st.integers(0, 2), st.integers(1, 3)
)
def test_output_size_counts_the_window_positions(n, k, s, p, d):
    """⌊(n + 2p − d(k − 1) − 1)/s⌋ + 1 = the number of starts 0, s, 2s, … whose last tap
    (at start + d(k − 1)) still lies in the padded input."""
    span = d * (k - 1) + 1
    assume(span <= n + 2 * p)
    starts = len(range(0, n + 2 * p - span + 1, s))
    layer = numnet.Conv2d(1, 1, k, stride=s, padding=p, dilation=d)
    assert layer(np.zeros((1, 1, n, 1 + d * (k - 1)))).shape[2] == starts


def test_output_size_of_the_reports_example():
    """225×225 input, 64 filters 5×5, stride 4, no padding -> 56×56×64 (report 003)."""
    layer = numnet.Conv2d(3, 64, 5, stride=4)
    assert layer(np.zeros((1, 3, 225, 225))).shape == (1, 64, 56, 56)


def test_parameters_and_pytorch_default_init():
    layer = numnet.Conv2d(4, 8, (3, 5), rng=0)
    assert layer.weight.shape == (8, 4, 3, 5) and layer.bias.shape == (8,)
    bound = 1 / np.sqrt(4 * 3 * 5)
    assert np.abs(layer.weight.data).max() <= bound
    assert np.abs(layer.weight.data).max() > 0.9 * bound
    assert np.abs(layer.bias.data).max() <= bound
    np.testing.assert_array_equal(layer.weight.data, numnet.Conv2d(4, 8, (3, 5), rng=0).weight.data)
    assert numnet.Conv2d(1, 2, 3, bias=False).bias is None
    assert len(numnet.Conv2d(1, 2, 3, bias=False).parameters()) == 1


def test_gradients_accumulate_and_parameters_are_read_live(rng):
    layer = numnet.Conv2d(2, 3, 2, padding=1, rng=rng)
    x = rng.normal(size=(2, 2, 4, 4))
    dy = rng.normal(size=layer(x).shape)
    layer.backward(dy)
    once = layer.weight.grad.copy()
    layer(x)
    layer.backward(dy)
    np.testing.assert_allclose(layer.weight.grad, 2 * once)
    layer.weight.data = 2 * layer.weight.data  # reassigned, not mutated
    np.testing.assert_allclose(
        layer(x), conv2d_forward(x, layer.weight.data, layer.bias.data, (1, 1), (1, 1))
    )


def test_no_input_gradient_when_nobody_needs_it(rng):
    """First layer of Sequential.backward(dy, input_grad=False): weight gradients only."""
    model = numnet.Sequential(numnet.Conv2d(2, 3, 3, rng=rng), numnet.Flatten())
    x = rng.normal(size=(2, 2, 5, 5))
    dy = rng.normal(size=model(x).shape)
    assert model.backward(dy, input_grad=False) is None
    without = model[0].weight.grad.copy()
    model.zero_grad()
    model(x)
    assert model.backward(dy).shape == x.shape
    np.testing.assert_array_equal(model[0].weight.grad, without)


def test_reused_buffers_never_leak_into_returned_arrays(rng):
    layer = numnet.Conv2d(2, 3, 3, padding=1, rng=rng)
    x1, x2 = rng.normal(size=(2, 2, 5, 5)), rng.normal(size=(2, 2, 5, 5))
    y1 = layer(x1)
    y1_copy = y1.copy()
    dx1 = layer.backward(np.ones_like(y1))
    dx1_copy = dx1.copy()
    layer(x2)
    layer.backward(np.full_like(y1, 2.0))
    np.testing.assert_array_equal(y1, y1_copy)
    np.testing.assert_array_equal(dx1, dx1_copy)
    # a different batch size after a forward of another shape still matches the loops
    x3 = rng.normal(size=(3, 2, 4, 6))
    np.testing.assert_allclose(
        layer(x3), conv2d_forward(x3, layer.weight.data, layer.bias.data, (1, 1), (1, 1))
    )


def test_im2col_and_col2im_are_adjoint(rng):
    """<im2col(x), G> = <x, col2im(G)> for every x and G: col2im is the transpose of im2col."""
    x = rng.normal(size=(2, 3, 5, 7))
    cols = im2col(x, (2, 3), (2, 1), (1, 2))
    g = rng.normal(size=cols.shape)
    back = col2im(g, x.shape, (2, 3), (2, 1), (1, 2))
    np.testing.assert_allclose(np.sum(cols * g), np.sum(x * back), rtol=1e-12)


@pytest.mark.parametrize(
    ("layer", "x", "error", "message"),
    [
        (
            numnet.Conv2d(1, 1, 5),
            np.zeros((1, 1, 3, 3)),
            ValueError,
            "larger than the padded input",
        ),
        (numnet.Conv2d(1, 1, 5, padding=1), np.zeros((1, 1, 2, 9)), ValueError, "4×11"),
        (
            numnet.Conv2d(1, 1, 3, dilation=3),
            np.zeros((1, 1, 6, 9)),
            ValueError,
            "spans 7×7.*larger than the padded input 6×9",
        ),
        (numnet.Conv2d(3, 1, 3), np.zeros((2, 4, 8, 8)), ValueError, r"\(N, 3, H, W\)"),
        (numnet.Conv2d(3, 1, 3), np.zeros((3, 8, 8)), ValueError, r"got \(3, 8, 8\)"),
        (numnet.Conv2d(1, 1, 1), np.zeros((1, 1, 2, 2), dtype=np.float32), TypeError, "float64"),
        (
            numnet.Conv2d(1, 1, 1),
            np.zeros((1, 1, 2, 2), dtype=int),
            TypeError,
            "float32 or float64",
        ),
    ],
)
def test_bad_input_is_a_clear_error(layer, x, error, message):
    with pytest.raises(error, match=message) as info:
        layer(x)
    assert "Conv2d" in str(info.value)


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(kernel_size=0),
        dict(kernel_size=(3, 3, 3)),
        dict(kernel_size=2.5),
        dict(kernel_size=3, stride=0),
        dict(kernel_size=3, padding=-1),
        dict(kernel_size=3, padding=(1, True)),
        dict(kernel_size=3, padding="full"),
        dict(kernel_size=3, padding="same", stride=2),
        dict(kernel_size=3, padding="same", stride=(1, 2)),
        dict(kernel_size=3, dilation=0),
        dict(kernel_size=3, dilation=(1, 2, 3)),
    ],
)
def test_bad_constructor_arguments(kwargs):
    with pytest.raises(ValueError, match="Conv2d"):
        numnet.Conv2d(1, 1, **kwargs)


def test_same_with_stride_names_the_rule():
    with pytest.raises(ValueError, match="padding='same' needs stride 1"):
        numnet.Conv2d(1, 1, 3, stride=2, padding="same")


def test_backward_checks(rng):
    layer = numnet.Conv2d(1, 2, 3)
    with pytest.raises(RuntimeError, match="Conv2d: backward"):
        layer.backward(np.zeros((1, 2, 2, 2)))
    layer(rng.normal(size=(1, 1, 4, 4)))
    with pytest.raises(ValueError, match=r"Conv2d.*\(1, 2, 2, 2\)"):
        layer.backward(np.zeros((1, 2, 3, 3)))
