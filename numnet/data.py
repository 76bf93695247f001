"""Data helpers that need NumPy only: labels, one-hot rows, standardisation, splits, minibatches.

Rows are samples everywhere: ``x`` has shape ``(N, ...)`` and ``y`` has ``N`` rows. Random
choices (shuffling, splitting, oversampling) take ``rng`` like the rest of the library
(see :mod:`numnet.random`), so a fixed seed gives the same split and the same batches.

Examples
--------
>>> import numpy as np, numnet
>>> x, y = np.arange(20.0).reshape(10, 2), np.array([0, 1] * 5)
>>> (x_tr, y_tr), (x_va, y_va), (x_te, y_te) = numnet.data.train_val_test_split(
...     x, y, val_fraction=0.2, test_fraction=0.2, rng=0)
>>> np.bincount(y_va), np.bincount(y_te)
(array([1, 1]), array([1, 1]))
"""

import numpy as np

from numnet._validate import check_float, check_positive_int, shape_str
from numnet.random import get_rng


def check_labels(who, labels, num_classes=None, name="labels"):
    """Return ``labels`` as a 1-D ``int64`` array of class indices in ``[0, num_classes)``.

    Integer and boolean arrays are accepted; floats are refused (a float target usually means
    one-hot rows or probabilities, which must be turned into labels on purpose).
    """
    labels = np.asarray(labels)
    if labels.dtype == bool or labels.size == 0:  # an empty list has no integer dtype
        labels = labels.astype(np.int64)
    if not np.issubdtype(labels.dtype, np.integer):
        raise TypeError(
            f"{who}: {name} must be integer class indices, got dtype {labels.dtype} "
            f"(one-hot rows: use y.argmax(axis=1); 0/1 floats: use y.astype(int))"
        )
    if labels.ndim != 1:
        raise ValueError(f"{who}: {name} must be 1-D of shape (N,), got {shape_str(labels.shape)}")
    if labels.size and labels.min() < 0:
        raise ValueError(f"{who}: {name} must be >= 0, got {labels.min()}")
    if num_classes is not None:
        num_classes = check_positive_int(who, num_classes, "num_classes")
        if labels.size and labels.max() >= num_classes:
            raise ValueError(
                f"{who}: {name} must be < num_classes = {num_classes}, got {labels.max()}"
            )
    return labels.astype(np.int64, copy=False)


def check_same_length(who, x, y, names=("x", "y")):
    """Raise unless ``x`` and ``y`` have the same number of rows (samples)."""
    if len(x) != len(y):
        raise ValueError(
            f"{who}: {names[0]} has {len(x)} rows but {names[1]} has {len(y)}; "
            f"they must hold one row per sample"
        )


def one_hot(labels, num_classes=None, dtype=np.float64):
    """Rows of zeros with a single 1 at each label.

    Parameters
    ----------
    labels : int array, shape (N,)
    num_classes : int, optional
        Number of columns ``K``; defaults to ``labels.max() + 1``.

    Returns
    -------
    ndarray, shape (N, K)
    """
    labels = check_labels("one_hot", labels, num_classes)
    if num_classes is None:
        num_classes = int(labels.max(initial=-1)) + 1
    rows = np.zeros((labels.size, num_classes), dtype=dtype)
    rows[np.arange(labels.size), labels] = 1
    return rows


class Standardizer:
    """Shift and scale each feature to mean 0 and standard deviation 1 *on the training split*.

    Fit on the training data only, then apply the same ``mean`` and ``scale`` to validation and
    test data: statistics of the held-out data must not leak into the model.
    A constant feature (standard deviation 0) gets ``scale = 1``, so it maps to 0, not to NaN.

    Attributes
    ----------
    mean, scale : ndarray, shape (features...)
        Set by :meth:`fit`; ``scale`` is the population standard deviation (``ddof=0``).

    Examples
    --------
    >>> x_train, x_test = np.array([[1.0, 5.0], [3.0, 5.0]]), np.array([[2.0, 7.0]])
    >>> s = Standardizer().fit(x_train)
    >>> s.transform(x_train), s.transform(x_test)
    (array([[-1.,  0.],
           [ 1.,  0.]]), array([[0., 2.]]))
    """

    mean = None
    scale = None

    def fit(self, x):
        """Learn ``mean`` and ``scale`` from ``x`` of shape ``(N, features...)``; returns ``self``."""
        x = check_float("Standardizer", x)
        if x.ndim < 2 or len(x) < 1:
            raise ValueError(
                f"Standardizer: expected x of shape (N, features) with N >= 1, got {shape_str(x.shape)}"
            )
        self.mean = x.mean(axis=0)
        std = x.std(axis=0)
        self.scale = np.where(std > 0, std, 1.0).astype(x.dtype)
        return self

    def _checked(self, x):
        if self.mean is None:
            raise RuntimeError("Standardizer: call fit(x_train) before transform")
        x = check_float("Standardizer", x)
        if x.shape[1:] != self.mean.shape:
            raise ValueError(
                f"Standardizer: fitted on features of shape {shape_str(self.mean.shape)}, "
                f"got rows of shape {shape_str(x.shape[1:])}"
            )
        return x

    def transform(self, x):
        """``(x − mean) / scale``, same shape and dtype as ``x``."""
        x = self._checked(x)
        return ((x - self.mean) / self.scale).astype(x.dtype, copy=False)

    def fit_transform(self, x):
        return self.fit(x).transform(x)

    def inverse_transform(self, z):
        """``z · scale + mean``: back to the original units."""
        z = self._checked(z)
        return (z * self.scale + self.mean).astype(z.dtype, copy=False)

    def __repr__(self):
        fitted = "unfitted" if self.mean is None else f"features={self.mean.shape}"
        return f"Standardizer({fitted})"


def _share(counts, total):
    """Split the integer ``total`` over groups in proportion to ``counts`` (largest remainder).

    Every group gets ``floor(total · count / sum)`` and the leftover units go to the groups
    with the largest remainders, so the shares add up to exactly ``total``.
    """
    counts = np.asarray(counts, dtype=np.int64)
    exact = total * counts / counts.sum()
    shares = np.floor(exact).astype(np.int64)
    leftover = int(total - shares.sum())
    order = np.argsort(-(exact - shares), kind="stable")
    shares[order[:leftover]] += 1
    return shares


def train_val_test_split(x, y, *, val_fraction=0.15, test_fraction=0.15, stratify=True, rng=None):
    """Shuffle and split ``(x, y)`` into training, validation and test sets.

    Parameters
    ----------
    x : ndarray, shape (N, ...)
    y : ndarray, shape (N,) or (N, ...)
        Integer class labels when ``stratify`` is True; anything with ``N`` rows otherwise
        (use ``stratify=False`` for regression targets).
    val_fraction, test_fraction : float
        Shares of the data for validation and test, each in ``[0, 1)``; ``round(N · fraction)``
        samples go to each (``val_fraction=0`` gives an empty validation set).
    stratify : bool, default True
        Give each class the same share in all three sets as in the whole data (up to rounding:
        the per-class counts are allocated by largest remainder so the totals are exact).
    rng : None, int or numpy.random.Generator

    Returns
    -------
    (x_train, y_train), (x_val, y_val), (x_test, y_test)
        Each set is in random order.
    """
    who = "train_val_test_split"
    x, y = np.asarray(x), np.asarray(y)
    check_same_length(who, x, y)
    for name, f in (("val_fraction", val_fraction), ("test_fraction", test_fraction)):
        if not 0 <= f < 1:
            raise ValueError(f"{who}: {name} must be in [0, 1), got {f!r}")
    n = len(y)
    n_val, n_test = round(n * val_fraction), round(n * test_fraction)
    if n - n_val - n_test < 1:
        raise ValueError(
            f"{who}: val_fraction + test_fraction = {val_fraction + test_fraction} "
            f"leaves no training samples out of {n}"
        )
    rng = get_rng(rng)

    if stratify:
        labels = check_labels(who, y, name="y (stratify=True needs class labels)")
        classes = np.flatnonzero(np.bincount(labels))
        members = [rng.permutation(np.flatnonzero(labels == c)) for c in classes]
        sizes = [len(m) for m in members]
        val_shares, test_shares = _share(sizes, n_val), _share(sizes, n_test)
        parts = ([], [], [])
        for m, nv, nt in zip(members, val_shares, test_shares, strict=True):
            parts[1].append(m[:nv])
            parts[2].append(m[nv : nv + nt])
            parts[0].append(m[nv + nt :])
        index = [rng.permutation(np.concatenate(p)) for p in parts]
    else:
        order = rng.permutation(n)
        index = [order[n_val + n_test :], order[:n_val], order[n_val : n_val + n_test]]
    return tuple((x[i], y[i]) for i in index)


def minibatches(x, y=None, *, batch_size=32, shuffle=True, rng=None, drop_last=False):
    """Yield ``(x_batch, y_batch)`` (or ``x_batch`` alone if ``y`` is None) covering the data once.

    Parameters
    ----------
    x : ndarray, shape (N, ...)
    y : ndarray with N rows, optional
    batch_size : int
        Rows per batch, ``1 <= batch_size <= N``; the last batch is smaller when
        ``batch_size`` does not divide ``N`` (skipped if ``drop_last``).
    shuffle : bool, default True
        Visit the rows in a fresh random order (drawn from ``rng``) on every call.
    """
    who = "minibatches"
    batch_size = check_positive_int(who, batch_size, "batch_size")
    n = len(x)
    if y is not None:
        check_same_length(who, x, y)
    if batch_size > n:
        raise ValueError(f"{who}: batch_size {batch_size} is larger than the {n} samples")
    order = get_rng(rng).permutation(n) if shuffle else None
    stop = n - n % batch_size if drop_last else n
    for start in range(0, stop, batch_size):
        if order is None:
            rows = slice(start, start + batch_size)
        else:
            rows = order[start : start + batch_size]
        yield x[rows] if y is None else (x[rows], y[rows])


def class_weights(labels, num_classes=None):
    """ "Balanced" class weights ``N / (K · n_c)``: rare classes count more, the mean weight is 1.

    Returns an array of shape ``(K,)``; a class with no samples gets weight 0.
    """
    labels = check_labels("class_weights", labels, num_classes)
    counts = np.bincount(labels, minlength=num_classes or 0)
    weights = np.zeros(counts.size)
    present = counts > 0
    weights[present] = labels.size / (present.sum() * counts[present])
    return weights


def oversample(x, y, rng=None):
    """Class-balanced resampling: repeat each class's rows until every class is as big as the largest.

    A class with ``n_c`` rows keeps all of them and gets ``max_count − n_c`` more drawn at random
    from its own rows (whole copies first, then a random remainder without replacement). The
    result is shuffled. Use it on the training split only.

    Returns
    -------
    x_balanced, y_balanced : ndarrays with ``K · max_count`` rows
    """
    labels = check_labels("oversample", y)
    check_same_length("oversample", x, labels)
    rng = get_rng(rng)
    counts = np.bincount(labels)
    target = counts.max()
    picked = []
    for c in np.flatnonzero(counts):
        members = np.flatnonzero(labels == c)
        copies, remainder = divmod(target, members.size)
        picked += [np.tile(members, copies), rng.choice(members, remainder, replace=False)]
    index = rng.permutation(np.concatenate(picked))
    return np.asarray(x)[index], np.asarray(y)[index]
