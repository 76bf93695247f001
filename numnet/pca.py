"""Principal component analysis through the singular value decomposition of the centred data.

Fit on the training split only, then apply the same ``mean`` and ``components_`` to validation
and test data (like :class:`numnet.data.Standardizer`): the held-out data must not shape the
projection.

Examples
--------
>>> import numpy as np, numnet
>>> x = np.array([[0.0, 0.0], [2.0, 2.0], [4.0, 4.0], [1.0, 3.0], [3.0, 1.0]])
>>> pca = numnet.PCA(n_components=1).fit(x)
>>> pca.explained_variance_ratio_        # the diagonal holds 4/5 of the variance
array([0.8])
>>> pca.transform(np.array([[2.0, 2.0]]))  # the mean projects to 0
array([[0.]])
"""

import numpy as np

from numnet._validate import check_float, check_positive_int, shape_str


class PCA:
    """Project rows onto the ``n_components`` directions of largest variance.

    Parameters
    ----------
    n_components : int
        Number of principal components ``k`` to keep, ``1 <= k <= min(N, features)``.

    Attributes
    ----------
    mean_ : ndarray, shape (features,)
        Mean of the training rows.
    components_ : ndarray, shape (k, features)
        Orthonormal rows: the principal directions, by decreasing variance. The sign of each
        row is fixed so that its entry of largest magnitude is positive (an SVD determines a
        direction only up to sign).
    singular_values_ : ndarray, shape (k,)
        The ``k`` largest singular values of the centred training data.
    explained_variance_ : ndarray, shape (k,)
        Variance of the training data along each component, ``s² / (N − 1)`` (scikit-learn's
        convention: the unbiased sample variance).
    explained_variance_ratio_ : ndarray, shape (k,)
        Each component's share of the total variance, ``s_i² / Σ_j s_j²`` over *all*
        singular values; it sums to 1 when ``k`` equals the rank of the data. Data with no
        variance at all (identical rows) get ratios of 0, without a warning.

    Notes
    -----
    With the centred training data ``X_c = X − mean`` of shape ``(N, D)`` and its thin SVD
    ``X_c = U S Vᵀ``, the components are the first ``k`` rows of ``Vᵀ`` (the eigenvectors of
    the covariance ``X_cᵀ X_c / (N − 1)``, with eigenvalues ``s² / (N − 1)``)::

        transform(x)         = (x − mean) @ components_.T            (M, D) -> (M, k)
        inverse_transform(z) = z @ components_ + mean                (M, k) -> (M, D)

    With ``k = D`` (and ``N > D``) the round trip is exact; with fewer components it is the
    closest rank-``k`` reconstruction of the training rows in squared error (Eckart–Young), and
    its squared error summed over the training rows equals the sum of the discarded ``s²``.
    """

    mean_ = None
    components_ = None

    def __init__(self, n_components):
        self.n_components = check_positive_int("PCA", n_components, "n_components")

    def fit(self, x):
        """Learn ``mean_`` and ``components_`` from training rows ``x`` of shape ``(N, D)``; returns ``self``."""
        x = check_float("PCA", x, name="x")
        if x.ndim != 2 or len(x) < 2:
            raise ValueError(
                f"PCA: expected x of shape (N, features) with N >= 2, got {shape_str(x.shape)}"
            )
        n, d = x.shape
        if self.n_components > min(n, d):
            raise ValueError(
                f"PCA: n_components = {self.n_components} must be <= min(N, features) = "
                f"{min(n, d)} for x of shape {shape_str(x.shape)}"
            )
        mean = x.mean(axis=0)
        _, s, vt = np.linalg.svd(x - mean, full_matrices=False)
        components = vt[: self.n_components].copy()  # keep k rows, not the whole (D, D)
        largest = np.abs(components).argmax(axis=1)
        components *= np.sign(components[np.arange(len(components)), largest])[:, None]

        squared = s * s
        total = squared.sum()
        self.mean_ = mean
        self.components_ = components
        self.singular_values_ = s[: self.n_components]
        self.explained_variance_ = squared[: self.n_components] / (n - 1)
        self.explained_variance_ratio_ = (
            squared[: self.n_components] / total
            if total > 0
            else np.zeros_like(self.singular_values_)
        )
        return self

    def _checked(self, x, name):
        if self.components_ is None:
            raise RuntimeError("PCA: call fit(x_train) before transform or inverse_transform")
        x = check_float("PCA", x, name=name)
        width = self.components_.shape[1] if name == "x" else self.n_components
        if x.ndim != 2 or x.shape[1] != width:
            raise ValueError(
                f"PCA: expected {name} of shape (N, {width}), got {shape_str(x.shape)}"
            )
        return x

    def transform(self, x):
        """Coordinates along the components: ``x`` (M, D) -> ``z`` (M, k)."""
        x = self._checked(x, "x")
        return (x - self.mean_) @ self.components_.T

    def fit_transform(self, x):
        return self.fit(x).transform(x)

    def inverse_transform(self, z):
        """Back to the input space: ``z`` (M, k) -> reconstruction (M, D)."""
        z = self._checked(z, "z")
        return z @ self.components_ + self.mean_

    def __repr__(self):
        fitted = "" if self.components_ is None else f", features={self.components_.shape[1]}"
        return f"PCA(n_components={self.n_components}{fitted})"
