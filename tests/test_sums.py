import numpy as np
import pytest

from numnet._sums import column_sums, row_means, row_sums


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(1, 1), (3, 64), (257, 5), (0, 4)])
def test_sums_match_numpy(rng, dtype, shape):
    """Matrix-vector products add in another order than NumPy's pairwise sums: equal up to
    rounding, dtype and shape kept."""
    a = rng.normal(size=shape).astype(dtype)
    tol = 10 * np.finfo(dtype).eps * max(1, np.abs(a).sum(initial=0))
    for ours, expected in (
        (row_sums(a), a.sum(axis=1)),
        (row_means(a), a.mean(axis=1)),
        (column_sums(a), a.sum(axis=0)),
    ):
        assert ours.dtype == dtype and ours.shape == expected.shape
        np.testing.assert_allclose(ours, expected, rtol=0, atol=tol)
