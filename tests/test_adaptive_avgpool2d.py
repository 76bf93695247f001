import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from naive_conv import adaptive_avgpool2d_backward, adaptive_avgpool2d_forward

import numnet

sizes = st.one_of(st.integers(1, 6), st.none())


@settings(max_examples=60, deadline=None)
@given(
    st.integers(1, 3),
    st.integers(1, 3),
    st.integers(1, 9),
    st.integers(1, 9),
    sizes,
    sizes,
    st.integers(0, 2**16),
)
def test_fast_matches_naive_loops(n, c, h, w, out_h, out_w, seed):
    """Output sizes below, equal to and above the input size (windows overlap or repeat)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, c, h, w))
    pool = numnet.AdaptiveAvgPool2d((out_h, out_w))
    y = pool(x)
    out = (h if out_h is None else out_h, w if out_w is None else out_w)
    assert y.shape == (n, c, *out)
    # Means of ≤ 81 values: x · (1/count) summed by BLAS vs np.mean, both within a few
    # 81 · eps · max|x| of the exact mean.
    tol = 81 * np.finfo(float).eps * np.abs(x).max()
    np.testing.assert_allclose(y, adaptive_avgpool2d_forward(x, out), rtol=0, atol=tol)
    dy = rng.normal(size=y.shape)
    # each pixel receives ≤ 36 shares dy / count, summed in different orders
    tol = 36 * np.finfo(float).eps * np.abs(dy).max()
    np.testing.assert_allclose(pool.backward(dy), adaptive_avgpool2d_backward(x, dy), atol=tol)


@settings(max_examples=10, deadline=None)
@given(st.integers(1, 7), st.integers(1, 7), sizes, sizes, st.integers(0, 2**16))
def test_gradcheck_random_shapes(h, w, out_h, out_w, seed):
    x = np.random.default_rng(seed).normal(size=(2, 2, h, w))
    result = numnet.gradcheck(numnet.AdaptiveAvgPool2d((out_h, out_w)), x)
    assert result.ok, result


def test_global_average_pooling(rng):
    """Output size 1: one mean per channel; each pixel's gradient is dy / (H·W)."""
    x = rng.normal(size=(3, 4, 5, 6))
    pool = numnet.AdaptiveAvgPool2d(1)
    np.testing.assert_allclose(pool(x)[:, :, 0, 0], x.mean(axis=(2, 3)), rtol=1e-13)
    dy = rng.normal(size=(3, 4, 1, 1))
    np.testing.assert_allclose(pool.backward(dy), np.broadcast_to(dy / 30, x.shape), rtol=1e-13)


def test_windows_follow_pytorchs_start_and_end_rule():
    """5 rows into 3: [⌊0⌋, ⌈5/3⌉) = [0, 2), [⌊5/3⌋, ⌈10/3⌉) = [1, 4), [⌊10/3⌋, 5) = [3, 5):
    rows 1 and 3 lie in two windows each."""
    x = np.array([1.0, 2.0, 4.0, 8.0, 16.0]).reshape(1, 1, 5, 1)
    pool = numnet.AdaptiveAvgPool2d((3, 1))
    np.testing.assert_allclose(pool(x)[0, 0, :, 0], [3 / 2, 14 / 3, 24 / 2], rtol=1e-15)
    dx = pool.backward(np.ones((1, 1, 3, 1)))
    np.testing.assert_allclose(dx[0, 0, :, 0], [1 / 2, 1 / 2 + 1 / 3, 1 / 3, 1 / 3 + 1 / 2, 1 / 2])


def test_input_size_equal_to_output_size_is_the_identity(rng):
    x = rng.normal(size=(2, 3, 4, 5))
    pool = numnet.AdaptiveAvgPool2d((4, None))
    np.testing.assert_array_equal(pool(x), x)
    assert pool.output_size == (4, None)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_float32_and_float64(rng, dtype):
    x = rng.normal(size=(2, 3, 7, 5)).astype(dtype)
    pool = numnet.AdaptiveAvgPool2d((3, 2))
    y = pool(x)
    assert y.dtype == pool.backward(np.ones_like(y)).dtype == dtype
    expected = adaptive_avgpool2d_forward(x.astype(np.float64), (3, 2))
    np.testing.assert_allclose(y, expected, atol=20 * np.finfo(dtype).eps * np.abs(x).max())


@pytest.mark.parametrize("bad", [0, -1, (2, 0), (1, 2, 3), 1.5, "2", True])
def test_bad_output_size(bad):
    with pytest.raises(ValueError, match="AdaptiveAvgPool2d: output_size must be"):
        numnet.AdaptiveAvgPool2d(bad)


def test_bad_input_and_backward_checks(rng):
    pool = numnet.AdaptiveAvgPool2d(2)
    with pytest.raises(ValueError, match=r"AdaptiveAvgPool2d: expected input of shape"):
        pool(np.zeros((3, 4, 4)))
    with pytest.raises(TypeError, match="AdaptiveAvgPool2d"):
        pool(np.zeros((1, 1, 4, 4), dtype=int))
    with pytest.raises(RuntimeError, match="AdaptiveAvgPool2d: backward"):
        pool.backward(np.zeros((1, 1, 2, 2)))
    pool(rng.normal(size=(1, 1, 4, 4)))
    with pytest.raises(ValueError, match=r"AdaptiveAvgPool2d.*\(1, 1, 2, 2\)"):
        pool.backward(np.zeros((1, 1, 4, 4)))
