import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from naive_conv import avgpool2d_backward, avgpool2d_forward

import numnet


@st.composite
def pool_cases(draw):
    """Random windows: square or not, overlapping, tiling or with gaps; padding ≤ kernel/2."""
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    sh, sw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    ph, pw = draw(st.integers(0, kh // 2)), draw(st.integers(0, kw // 2))
    h, w = draw(st.integers(max(1, kh - 2 * ph), 9)), draw(st.integers(max(1, kw - 2 * pw), 9))
    n, c = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    return (n, c, h, w), (kh, kw), (sh, sw), (ph, pw)


@settings(max_examples=60, deadline=None)
@given(pool_cases(), st.integers(0, 2**16))
def test_fast_matches_naive_loops(case, seed):
    shape, k, s, p = case
    rng = np.random.default_rng(seed)
    x = rng.normal(size=shape)
    pool = numnet.AvgPool2d(k, s, p)
    y = pool(x)
    # A window sum of m = kh·kw ≤ 16 terms of size ≤ max|x|, added in another order (columns
    # first, then rows) than the loops' np.sum, may differ by about m · eps · m · max|x|;
    # divided by m, by m · eps · max|x| ≤ 16 · eps · max|x|.
    tol = 16 * np.finfo(float).eps * np.abs(x).max()
    np.testing.assert_allclose(y, avgpool2d_forward(x, k, s, p), rtol=0, atol=tol)
    dy = rng.normal(size=y.shape)
    # dx adds one dy/(kh·kw) per window holding the pixel (at most 16), in another order.
    tol = 16 * np.finfo(float).eps * np.abs(dy).max()
    np.testing.assert_allclose(pool.backward(dy), avgpool2d_backward(x, dy, k, s, p), atol=tol)


@settings(max_examples=10, deadline=None)
@given(pool_cases(), st.integers(0, 2**16))
def test_gradcheck_random_shapes(case, seed):
    shape, k, s, p = case
    x = np.random.default_rng(seed).normal(size=shape)
    result = numnet.gradcheck(numnet.AvgPool2d(k, s, p), x)
    assert result.ok, result


def test_a_hand_worked_example_with_padding():
    """3×3 input, 2×2 windows, stride 2, padding 1: every window holds one, two or four
    pixels and three, two or no zeros of padding, and still divides by 4."""
    x = np.arange(1.0, 10.0).reshape(1, 1, 3, 3)
    pool = numnet.AvgPool2d(2, padding=1)
    np.testing.assert_array_equal(pool(x)[0, 0], [[1 / 4, (2 + 3) / 4], [(4 + 7) / 4, 28 / 4]])
    dx = pool.backward(np.array([[[[4.0, 8.0], [12.0, 16.0]]]]))
    np.testing.assert_array_equal(dx[0, 0], [[1.0, 2.0, 2.0], [3.0, 4.0, 4.0], [3.0, 4.0, 4.0]])


def test_overlapping_windows_accumulate_and_edges_are_dropped():
    x = np.zeros((1, 1, 3, 4))
    pool = numnet.AvgPool2d(2, stride=1)
    assert pool(x).shape == (1, 1, 2, 3)
    dx = pool.backward(np.ones((1, 1, 2, 3)))
    # how many of the 2×3 windows hold each pixel, each giving 1/4
    np.testing.assert_array_equal(
        dx[0, 0], np.array([[1, 2, 2, 1], [2, 4, 4, 2], [1, 2, 2, 1]]) / 4
    )
    edges = numnet.AvgPool2d(2)
    edges(np.ones((1, 1, 5, 5)))
    assert not edges.backward(np.ones((1, 1, 2, 2)))[0, 0, 4].any()  # row 4 is in no window


def test_stride_defaults_to_kernel_size():
    pool = numnet.AvgPool2d((2, 3))
    assert pool.stride == (2, 3) and pool.padding == (0, 0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_float32_and_float64(rng, dtype):
    x = rng.normal(size=(2, 2, 6, 6)).astype(dtype)
    pool = numnet.AvgPool2d(3, 2, 1)
    y = pool(x)
    dx = pool.backward(np.ones_like(y))
    assert y.dtype == dx.dtype == dtype
    # float32 sums of ≤ 9 terms of size ≤ 5: errors of a few eps32 · 9 · 5
    expected = avgpool2d_forward(x.astype(np.float64), (3, 3), (2, 2), (1, 1))
    np.testing.assert_allclose(y, expected, atol=50 * np.finfo(dtype).eps)


@pytest.mark.parametrize(
    ("pool", "x", "message"),
    [
        (numnet.AvgPool2d(2), np.zeros((4, 4)), r"\(N, C, H, W\), got \(4, 4\)"),
        (numnet.AvgPool2d(5), np.zeros((1, 1, 4, 8)), "kernel 5×5 is larger"),
        (numnet.AvgPool2d(4, padding=1), np.zeros((1, 1, 1, 8)), "padded input 3×10"),
    ],
)
def test_bad_input_is_a_clear_error(pool, x, message):
    with pytest.raises(ValueError, match=message) as info:
        pool(x)
    assert "AvgPool2d" in str(info.value)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(kernel_size=0), "kernel_size must be a positive int"),
        (dict(kernel_size=2, stride=0), "stride must be a positive int"),
        (dict(kernel_size=2, padding=-1), "padding must be a non-negative int"),
        (dict(kernel_size=3, padding=2), r"padding must be at most half the kernel size"),
        (
            dict(kernel_size=(2, 4), padding=(1, 3)),
            r"padding must be at most half.*got padding \(1, 3\) for kernel_size \(2, 4\)",
        ),
    ],
)
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=f"AvgPool2d: {message}"):
        numnet.AvgPool2d(**kwargs)


def test_backward_checks(rng):
    pool = numnet.AvgPool2d(2)
    with pytest.raises(RuntimeError, match="AvgPool2d: backward"):
        pool.backward(np.zeros((1, 1, 2, 2)))
    pool(rng.normal(size=(1, 1, 4, 4)))
    with pytest.raises(ValueError, match=r"AvgPool2d.*\(1, 1, 2, 2\)"):
        pool.backward(np.zeros((1, 1, 4, 4)))
