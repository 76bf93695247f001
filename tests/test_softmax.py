"""Softmax (module) and the functions softmax, log_softmax, logsumexp.

The reference is the definition exp(z_i) / Σ_j exp(z_j), evaluated naively (no shift) in
50-digit decimal arithmetic, where exp(10000) is an ordinary number.
"""

import decimal
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import numnet
from numnet.softmax import softmax

decimal.getcontext().prec = 50


def reference_softmax_row(row):
    exps = [decimal.Decimal(float(v)).exp() for v in row]
    total = sum(exps)
    return [float(e / total) for e in exps]


def reference_logsumexp_row(row):
    return float(sum(decimal.Decimal(float(v)).exp() for v in row).ln())


def reference_log_softmax_row(row):
    total = sum(decimal.Decimal(float(v)).exp() for v in row)
    return [float(decimal.Decimal(float(v)) - total.ln()) for v in row]


EXTREME = np.array(
    [
        [1e4, 0.0, -1e4],
        [-1e4, -1e4 + 1, -1e4 + 2],
        [1e4, 1e4, 1e4],
        [800.0, 799.0, -3.0],
        [0.1, -0.2, 0.3],
    ]
)


def test_forward_matches_the_definition(rng):
    z = rng.normal(size=(6, 5)) * 3
    expected = np.array([reference_softmax_row(row) for row in z])
    np.testing.assert_allclose(numnet.Softmax()(z), expected, rtol=1e-13, atol=0)


def test_extreme_logits_are_finite_exact_and_silent():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        p = numnet.Softmax()(EXTREME)
        logp = numnet.log_softmax(EXTREME)
        lse = numnet.logsumexp(EXTREME)
    expected = np.array([reference_softmax_row(row) for row in EXTREME])
    np.testing.assert_allclose(p, expected, rtol=1e-13, atol=1e-300)
    expected_log = np.array([reference_log_softmax_row(row) for row in EXTREME])
    np.testing.assert_allclose(logp, expected_log, rtol=1e-13)
    assert np.isfinite(logp).all()  # log(softmax) would be log(0) = -inf here
    np.testing.assert_allclose(lse, [reference_logsumexp_row(row) for row in EXTREME], rtol=1e-15)


def test_naive_formula_fails_where_numnet_does_not():
    """The reason for the shift: exp(1000) overflows in float64."""
    z = np.array([1000.0, 0.0, -1000.0])
    with np.errstate(over="ignore", invalid="ignore"):
        naive = np.exp(z) / np.exp(z).sum()
        shifted_by_min = np.exp(z - z.min()) / np.exp(z - z.min()).sum()
    assert np.isnan(naive).any() and np.isnan(shifted_by_min).any()
    np.testing.assert_allclose(softmax(z), reference_softmax_row(z), rtol=1e-15, atol=1e-300)


def test_log_softmax_and_logsumexp_match_the_definition(rng):
    z = rng.normal(size=(4, 7)) * 5
    np.testing.assert_allclose(
        numnet.log_softmax(z), [reference_log_softmax_row(r) for r in z], rtol=1e-13
    )
    np.testing.assert_allclose(
        numnet.logsumexp(z), [reference_logsumexp_row(r) for r in z], rtol=1e-14
    )
    assert numnet.logsumexp(z, keepdims=True).shape == (4, 1)
    np.testing.assert_allclose(
        numnet.logsumexp(z, axis=0), [reference_logsumexp_row(c) for c in z.T], rtol=1e-14
    )


def test_axis_argument(rng):
    z = rng.normal(size=(3, 4, 5))
    for axis in (0, 1, 2, -1):
        p = numnet.Softmax(axis=axis)(z)
        np.testing.assert_allclose(p.sum(axis=axis), 1.0, rtol=1e-14)
        expected = np.apply_along_axis(reference_softmax_row, axis, z)
        np.testing.assert_allclose(p, expected, rtol=1e-13)


def test_backward_matches_finite_differences(rng):
    z = rng.normal(size=(4, 5))
    assert numnet.gradcheck(numnet.Softmax(), z).ok
    assert numnet.gradcheck(numnet.Softmax(axis=0), z).ok


def test_backward_equals_full_jacobian_product(rng):
    """Jᵀ dy with J built entry by entry by central differences of the forward pass."""
    z, dy = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    layer = numnet.Softmax()
    layer(z)
    dx = layer.backward(dy)
    h = 1e-6
    for n in range(3):
        jac = np.empty((4, 4))
        for j in range(4):
            up, down = z[n].copy(), z[n].copy()
            up[j] += h
            down[j] -= h
            jac[:, j] = (softmax(up) - softmax(down)) / (2 * h)  # column j: ∂p/∂z_j
        np.testing.assert_allclose(dx[n], jac.T @ dy[n], rtol=1e-7, atol=1e-9)


def test_diagonal_only_jacobian_is_wrong(rng):
    """Report 001's p_i(1 − p_i) alone: its product with dy differs from backward."""
    z, dy = rng.normal(size=(2, 3)), rng.normal(size=(2, 3))
    layer = numnet.Softmax()
    p = layer(z)
    assert numnet.relative_error(layer.backward(dy), p * (1 - p) * dy) > 0.1


@settings(max_examples=60, deadline=None)
@given(
    hnp.arrays(
        np.float64,
        hnp.array_shapes(min_dims=2, max_dims=2, max_side=6),
        elements=st.floats(-1e4, 1e4),
    ),
    st.floats(-1e3, 1e3),
)
def test_rows_sum_to_one_and_shift_invariance(z, c):
    p = numnet.Softmax()(z)
    assert np.all((p >= 0) & (p <= 1))
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-13)
    shifts = c * np.arange(1, len(z) + 1)[:, None]  # a different constant per row
    np.testing.assert_allclose(numnet.Softmax()(z + shifts), p, rtol=1e-9, atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(
    hnp.arrays(np.float64, (3, 4), elements=st.floats(-50, 50)),
    hnp.arrays(np.float64, (3, 4), elements=st.floats(-10, 10)),
)
def test_backward_rows_sum_to_zero(z, dy):
    """Softmax outputs always sum to 1, so no input change can change that sum: Σ_i dx_i = 0."""
    layer = numnet.Softmax()
    layer(z)
    dx = layer.backward(dy)
    np.testing.assert_allclose(dx.sum(axis=1), 0.0, atol=1e-12 * (1 + np.abs(dy).max()))


def test_float32_keeps_its_dtype():
    z = np.array([[1e4, 0.0, -1e4], [0.5, 0.25, -1.0]], dtype=np.float32)
    layer = numnet.Softmax()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        p = layer(z)
        dx = layer.backward(np.ones_like(p))
    assert p.dtype == np.float32 and dx.dtype == np.float32
    np.testing.assert_allclose(
        p, [reference_softmax_row(r) for r in z.astype(np.float64)], rtol=1e-6
    )


def test_bad_input():
    with pytest.raises(TypeError, match="Softmax: input must have dtype float32 or float64"):
        numnet.Softmax()(np.array([[1, 2, 3]]))
    with pytest.raises(ValueError, match="Softmax: input contains NaN"):
        numnet.Softmax()(np.array([[1.0, np.nan]]))
    with pytest.raises(ValueError, match="Softmax: dim=2 is out of range for an input with 2"):
        numnet.Softmax(axis=2)(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="Softmax: dim=-1 is out of range"):
        numnet.Softmax()(np.float64(1.0))
    with pytest.raises(TypeError, match="Softmax: dim must be an int, got 1.0"):
        numnet.Softmax(axis=1.0)
    with pytest.raises(TypeError, match="Softmax: dim must be an int, got True"):
        numnet.Softmax(True)


def test_empty_class_axis_is_a_clear_error():
    """(N, 0): no entry to normalise; NumPy's own error would not name the layer."""
    with pytest.raises(
        ValueError,
        match=r"Softmax: expected at least one entry along dim=-1, got an input of shape \(3, 0\)",
    ):
        numnet.Softmax()(np.zeros((3, 0)))
    assert numnet.Softmax()(np.zeros((0, 4))).shape == (0, 4)  # no samples is fine


def test_dim_is_the_pytorch_name_of_axis(rng):
    z = rng.normal(size=(3, 4))
    for dim in (0, 1, -1):
        np.testing.assert_array_equal(numnet.Softmax(dim)(z), numnet.Softmax(axis=dim)(z))
        np.testing.assert_array_equal(numnet.Softmax(dim=dim)(z), softmax(z, dim))
        assert numnet.Softmax(dim=dim).axis == dim
    assert numnet.Softmax().dim == -1
    assert numnet.Softmax(dim=1, axis=1).dim == 1
    with pytest.raises(ValueError, match="Softmax: got dim=0 and axis=1; pass only one of them"):
        numnet.Softmax(dim=0, axis=1)


def test_backward_checks():
    layer = numnet.Softmax()
    with pytest.raises(RuntimeError, match="Softmax: backward"):
        layer.backward(np.zeros((2, 3)))
    layer(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"Softmax: expected upstream gradient of shape \(2, 3\)"):
        layer.backward(np.zeros((3, 2)))


def test_repr():
    assert repr(numnet.Softmax(axis=0)) == "Softmax(dim=0)"
