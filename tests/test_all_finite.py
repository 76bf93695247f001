"""numnet._validate.all_finite, the NaN/infinity check every layer, loss and optimiser uses.

Large contiguous arrays are checked through their sum of squares first; these tests make sure
that shortcut never hides a bad entry and never rejects a good one."""

import numpy as np
import pytest

from numnet._validate import all_finite

BAD = [np.nan, np.inf, -np.inf]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("size", [5, 65_535, 65_536, 200_001])
@pytest.mark.parametrize("bad", BAD, ids=["nan", "inf", "-inf"])
@pytest.mark.parametrize("where", [0, -1, "middle"])
def test_one_bad_entry_anywhere_is_found(dtype, size, bad, where):
    x = np.random.default_rng(0).standard_normal(size).astype(dtype)
    x[size // 2 if where == "middle" else where] = bad
    assert all_finite(x) is False
    assert all_finite(x.reshape(-1, 1)) is False


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_huge_finite_entries_whose_squares_overflow_are_accepted(dtype):
    x = np.full(70_000, np.finfo(dtype).max / 2, dtype=dtype)  # x · x is inf, every entry finite
    x[::2] *= -1
    assert all_finite(x) is True


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_inf_and_minus_inf_together_are_found(dtype):
    x = np.zeros(70_000, dtype=dtype)
    x[3], x[7] = np.inf, -np.inf  # a plain sum would give nan; the squares give inf
    assert all_finite(x) is False


def test_non_contiguous_arrays_are_checked_entry_by_entry():
    x = np.zeros((512, 512))
    x[5, 5] = np.nan
    assert all_finite(x[:, ::2]) is True  # column 5 is not in the view
    assert all_finite(x[::1, 1::2]) is False
    assert all_finite(x.T) is False
