"""PCA against an eigen-decomposition of the covariance written out here, against scikit-learn
(when installed), the round trip, the fit-on-training-only contract, and bad input."""

import doctest

import numpy as np
import pytest

import numnet.pca
from numnet import PCA


def correlated_data(rng, n=200, d=6):
    """Rows with clearly distinct variances along random directions (no ties in the spectrum)."""
    scales = np.array([5.0, 3.0, 2.0, 1.0, 0.5, 0.2])[:d]
    rotation, _ = np.linalg.qr(rng.standard_normal((d, d)))
    return (rng.standard_normal((n, d)) * scales) @ rotation.T + rng.standard_normal(d)


def covariance_eig(x):
    """Reference: eigenvalues and eigenvectors of the sample covariance, largest first."""
    n, d = x.shape
    mean = [sum(x[i, j] for i in range(n)) / n for j in range(d)]
    cov = np.zeros((d, d))
    for a in range(d):
        for b in range(d):
            cov[a, b] = sum((x[i, a] - mean[a]) * (x[i, b] - mean[b]) for i in range(n)) / (n - 1)
    values, vectors = np.linalg.eigh(cov)
    order = np.argsort(values)[::-1]
    return values[order], vectors[:, order].T  # rows are eigenvectors


def assert_same_up_to_sign(rows, reference_rows, rtol=1e-7, atol=1e-9):
    for row, ref in zip(rows, reference_rows, strict=True):
        sign = np.sign(row @ ref)
        np.testing.assert_allclose(row, sign * ref, rtol=rtol, atol=atol)


def test_matches_the_eigendecomposition_of_the_covariance(rng):
    x = correlated_data(rng)
    values, vectors = covariance_eig(x)
    pca = PCA(3).fit(x)
    np.testing.assert_allclose(pca.mean_, x.sum(axis=0) / len(x), rtol=1e-12)
    assert_same_up_to_sign(pca.components_, vectors[:3])
    np.testing.assert_allclose(pca.explained_variance_, values[:3], rtol=1e-10)
    np.testing.assert_allclose(pca.explained_variance_ratio_, values[:3] / values.sum(), rtol=1e-10)
    np.testing.assert_allclose(pca.components_ @ pca.components_.T, np.eye(3), atol=1e-12)


def test_transform_is_the_projection_onto_the_reference_eigenvectors(rng):
    x = correlated_data(rng)
    x_new = rng.standard_normal((7, 6))
    _, vectors = covariance_eig(x)
    pca = PCA(2).fit(x)
    z = pca.transform(x_new)
    mean = x.mean(axis=0)
    for j in range(2):
        reference = np.array(
            [sum((row[i] - mean[i]) * vectors[j, i] for i in range(6)) for row in x_new]
        )
        sign = np.sign(pca.components_[j] @ vectors[j])
        np.testing.assert_allclose(z[:, j], sign * reference, rtol=1e-9, atol=1e-12)


def test_components_have_their_largest_entry_positive(rng):
    pca = PCA(6).fit(correlated_data(rng))
    rows = np.arange(6)
    assert np.all(pca.components_[rows, np.abs(pca.components_).argmax(axis=1)] > 0)


def test_agrees_with_scikit_learn(rng):
    sklearn_decomposition = pytest.importorskip("sklearn.decomposition")
    x = correlated_data(rng, n=300)
    ours = PCA(4).fit(x)
    theirs = sklearn_decomposition.PCA(n_components=4, svd_solver="full").fit(x)
    assert_same_up_to_sign(ours.components_, theirs.components_)
    np.testing.assert_allclose(ours.explained_variance_, theirs.explained_variance_, rtol=1e-10)
    np.testing.assert_allclose(
        ours.explained_variance_ratio_, theirs.explained_variance_ratio_, rtol=1e-10
    )
    np.testing.assert_allclose(ours.singular_values_, theirs.singular_values_, rtol=1e-10)
    signs = np.sign(np.sum(ours.components_ * theirs.components_, axis=1))
    np.testing.assert_allclose(ours.transform(x), theirs.transform(x) * signs, atol=1e-9)


def test_all_components_reconstruct_exactly_and_ratios_sum_to_one(rng):
    x = correlated_data(rng)
    pca = PCA(6).fit(x)
    np.testing.assert_allclose(pca.inverse_transform(pca.transform(x)), x, atol=1e-12)
    assert pca.explained_variance_ratio_.sum() == pytest.approx(1.0, abs=1e-12)
    assert np.all(np.diff(pca.explained_variance_ratio_) <= 0)


def test_truncated_reconstruction_error_is_the_discarded_variance(rng):
    x = correlated_data(rng)
    values, _ = covariance_eig(x)
    pca = PCA(2).fit(x)
    squared_error = np.sum((pca.inverse_transform(pca.transform(x)) - x) ** 2)
    assert squared_error == pytest.approx((len(x) - 1) * values[2:].sum(), rel=1e-9)


def test_fit_uses_only_the_data_it_is_given(rng):
    x_train, x_test = correlated_data(rng), correlated_data(rng) + 100.0
    pca = PCA(2).fit(x_train)
    refit = PCA(2).fit(x_train.copy())
    pca.transform(x_test)
    np.testing.assert_array_equal(pca.mean_, refit.mean_)
    assert np.abs(pca.transform(x_test).mean(axis=0)).max() > 10  # the test mean is not removed


def test_float32_stays_float32(rng):
    x = correlated_data(rng).astype(np.float32)
    pca = PCA(3).fit(x)
    assert pca.components_.dtype == np.float32 and pca.transform(x).dtype == np.float32
    reference = PCA(3).fit(x.astype(np.float64))
    assert_same_up_to_sign(pca.components_, reference.components_, rtol=1e-3, atol=1e-4)


def test_identical_rows_give_zero_ratios_without_a_warning():
    x = np.ones((4, 3))
    pca = PCA(2).fit(x)  # RuntimeWarnings are errors in this suite
    np.testing.assert_array_equal(pca.explained_variance_ratio_, [0.0, 0.0])
    np.testing.assert_array_equal(pca.transform(x), np.zeros((4, 2)))


@pytest.mark.parametrize("n_components", [0, -1, 2.0, True, "3"])
def test_bad_n_components(n_components):
    with pytest.raises(ValueError, match="PCA: n_components"):
        PCA(n_components)


def test_bad_input_names_pca_and_the_shapes(rng):
    with pytest.raises(
        ValueError, match=r"PCA: n_components = 4 must be <= min\(N, features\) = 3"
    ):
        PCA(4).fit(rng.standard_normal((10, 3)))
    with pytest.raises(
        ValueError, match=r"PCA: expected x of shape \(N, features\) with N >= 2, got \(5,\)"
    ):
        PCA(1).fit(np.arange(5.0))
    with pytest.raises(ValueError, match=r"N >= 2, got \(1, 3\)"):
        PCA(1).fit(np.ones((1, 3)))
    with pytest.raises(TypeError, match="PCA: x must have dtype float32 or float64"):
        PCA(1).fit(np.ones((4, 3), dtype=np.int64))
    x_bad = np.ones((4, 3))
    x_bad[1, 2] = np.nan
    with pytest.raises(ValueError, match="PCA: x contains NaN"):
        PCA(1).fit(x_bad)
    with pytest.raises(RuntimeError, match="PCA: call fit"):
        PCA(1).transform(np.ones((2, 3)))
    pca = PCA(2).fit(rng.standard_normal((10, 3)))
    with pytest.raises(ValueError, match=r"PCA: expected x of shape \(N, 3\), got \(2, 4\)"):
        pca.transform(np.ones((2, 4)))
    with pytest.raises(ValueError, match=r"PCA: expected z of shape \(N, 2\), got \(2, 3\)"):
        pca.inverse_transform(np.ones((2, 3)))


def test_docstring_examples():
    assert doctest.testmod(numnet.pca).failed == 0


def test_more_components_than_samples_is_refused(rng):
    with pytest.raises(ValueError, match=r"n_components = 4 must be <= min\(N, features\) = 3"):
        PCA(4).fit(rng.normal(size=(3, 10)))
    assert PCA(3).fit(rng.normal(size=(3, 10))).components_.shape == (3, 10)
