import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from naive_conv import maxpool2d_backward, maxpool2d_forward

import numnet


@st.composite
def pool_cases(draw):
    """Random windows: square or not, overlapping (stride < kernel), tiling, or with gaps;
    padding up to half the kernel."""
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    sh, sw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    ph, pw = draw(st.integers(0, kh // 2)), draw(st.integers(0, kw // 2))
    h, w = draw(st.integers(max(1, kh - 2 * ph), 9)), draw(st.integers(max(1, kw - 2 * pw), 9))
    n, c = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    return (n, c, h, w), (kh, kw), (sh, sw), (ph, pw)


@settings(max_examples=60, deadline=None)
@given(pool_cases(), st.integers(0, 2**16), st.booleans())
def test_fast_matches_naive_loops(case, seed, integer_values):
    """Also with small integers, so that windows often hold tied maxima."""
    shape, k, s, p = case
    rng = np.random.default_rng(seed)
    x = rng.integers(-2, 3, size=shape).astype(float) if integer_values else rng.normal(size=shape)
    pool = numnet.MaxPool2d(k, s, p)
    y = pool(x)
    np.testing.assert_array_equal(y, maxpool2d_forward(x, k, s, p))
    dy = rng.normal(size=y.shape)
    # Overlapping windows (stride < kernel) add several dy's into one entry of dx, and the fast
    # and the naive code add them in different orders. Floating-point addition is not
    # associative: a sum of m terms of size at most M may differ by about m * eps * m * M
    # between two orders. That bound, with m the most windows that can share one entry, is
    # the tolerance; with tiling windows (m = 1) the comparison is exact.
    m = -(-k[0] // s[0]) * -(-k[1] // s[1])
    atol = m * m * np.finfo(np.float64).eps * np.abs(dy).max()
    np.testing.assert_allclose(
        pool.backward(dy), maxpool2d_backward(x, dy, k, s, p), rtol=0, atol=atol
    )


@settings(max_examples=10, deadline=None)
@given(pool_cases(), st.integers(0, 2**16))
def test_gradcheck_random_shapes(case, seed):
    shape, k, s, p = case
    x = np.random.default_rng(seed).permutation(np.prod(shape)).reshape(shape) / 7.0  # distinct
    result = numnet.gradcheck(numnet.MaxPool2d(k, s, p), x)
    assert result.ok, result


def test_tie_goes_to_the_first_maximum_in_row_major_order():
    x = np.array([[[[1.0, 3.0, 5.0, 0.0], [3.0, 2.0, 5.0, 5.0]]]])  # windows: 3 at (0,1),(1,0)
    pool = numnet.MaxPool2d(2)
    np.testing.assert_array_equal(pool(x), [[[[3.0, 5.0]]]])
    dx = pool.backward(np.array([[[[10.0, 20.0]]]]))
    np.testing.assert_array_equal(dx, [[[[0.0, 10.0, 20.0, 0.0], [0.0, 0.0, 0.0, 0.0]]]])


def test_padding_is_minus_infinity_never_zero():
    """All-negative input with padding 1: a zero padding would win every border window."""
    x = -np.arange(1.0, 10.0).reshape(1, 1, 3, 3)
    pool = numnet.MaxPool2d(2, padding=1)  # windows start at rows/columns -1 and 1
    np.testing.assert_array_equal(pool(x)[0, 0], [[-1.0, -2.0], [-4.0, -5.0]])
    dx = pool.backward(np.array([[[[1.0, 2.0], [3.0, 4.0]]]]))
    np.testing.assert_array_equal(dx[0, 0], [[1.0, 2.0, 0.0], [3.0, 4.0, 0.0], [0.0, 0.0, 0.0]])


def test_overlapping_windows_accumulate():
    """A 3×3 input whose centre is the maximum of all four 2×2 windows (stride 1)."""
    x = np.array([[[[1.0, 2.0, 3.0], [4.0, 9.0, 5.0], [6.0, 7.0, 8.0]]]])
    pool = numnet.MaxPool2d(2, stride=1)
    np.testing.assert_array_equal(pool(x), np.full((1, 1, 2, 2), 9.0))
    dx = pool.backward(np.array([[[[1.0, 2.0], [3.0, 4.0]]]]))
    expected = np.zeros((1, 1, 3, 3))
    expected[0, 0, 1, 1] = 10.0
    np.testing.assert_array_equal(dx, expected)


def test_stride_defaults_to_kernel_size_and_edges_are_dropped(rng):
    pool = numnet.MaxPool2d((2, 3))
    assert pool.stride == (2, 3)
    x = rng.normal(size=(2, 3, 5, 7))
    y = pool(x)
    assert y.shape == (2, 3, 2, 2)
    dx = pool.backward(np.ones_like(y))
    assert not dx[:, :, 4, :].any() and not dx[:, :, :, 6].any()  # rows/cols in no window
    assert dx.sum() == y.size


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_float32_and_float64(rng, dtype):
    x = rng.normal(size=(2, 2, 6, 6)).astype(dtype)
    pool = numnet.MaxPool2d(3, 2)
    y = pool(x)
    dx = pool.backward(np.ones_like(y))
    assert y.dtype == dx.dtype == dtype
    np.testing.assert_array_equal(y, maxpool2d_forward(x, (3, 3), (2, 2)))


def test_the_widest_window_keeps_its_offsets_exact():
    """Offsets inside a window are kept as uint8: 256 columns is the widest window, and its
    last offset, 255, must come out right; a wider kernel is refused, not wrapped around."""
    x = np.zeros((1, 1, 2, 256))
    x[0, 0, 1, 255] = 1.0
    pool = numnet.MaxPool2d((2, 256))
    np.testing.assert_array_equal(pool(x), [[[[1.0]]]])
    np.testing.assert_array_equal(pool.backward(np.array([[[[5.0]]]])), 5.0 * x)
    with pytest.raises(ValueError, match=r"MaxPool2d: kernel_size must be at most 256.*\(1, 257\)"):
        numnet.MaxPool2d((1, 257))


def test_the_pool_output_is_not_a_view_of_the_input(rng):
    x = rng.normal(size=(1, 1, 4, 4))
    y = numnet.MaxPool2d(2)(x)
    before = y.copy()
    x[...] = 100.0
    np.testing.assert_array_equal(y, before)


@pytest.mark.parametrize(
    ("pool", "x", "message"),
    [
        (numnet.MaxPool2d(2), np.zeros((4, 4)), r"\(N, C, H, W\), got \(4, 4\)"),
        (numnet.MaxPool2d(2), np.zeros((1, 4, 4)), r"got \(1, 4, 4\)"),
        (numnet.MaxPool2d(5), np.zeros((1, 1, 4, 8)), "kernel 5×5 is larger"),
    ],
)
def test_bad_input_is_a_clear_error(pool, x, message):
    with pytest.raises(ValueError, match=message) as info:
        pool(x)
    assert "MaxPool2d" in str(info.value)


def test_bad_arguments_and_backward_checks(rng):
    for bad in (0, (2, 0), "2", (1, 2, 3)):
        with pytest.raises(ValueError, match="MaxPool2d"):
            numnet.MaxPool2d(bad)
    with pytest.raises(ValueError, match="MaxPool2d: stride"):
        numnet.MaxPool2d(2, stride=0)
    with pytest.raises(ValueError, match=r"MaxPool2d: padding must be at most half"):
        numnet.MaxPool2d(3, padding=2)
    with pytest.raises(ValueError, match=r"MaxPool2d: padding must be at most half"):
        numnet.MaxPool2d((4, 1), padding=(2, 1))
    with pytest.raises(ValueError, match="MaxPool2d: padding"):
        numnet.MaxPool2d(2, padding=-1)
    pool = numnet.MaxPool2d(2)
    with pytest.raises(RuntimeError, match="MaxPool2d: backward"):
        pool.backward(np.zeros((1, 1, 2, 2)))
    pool(rng.normal(size=(1, 1, 4, 4)))
    with pytest.raises(ValueError, match="MaxPool2d"):
        pool.backward(np.zeros((1, 1, 4, 4)))
