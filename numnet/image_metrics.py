"""Image quality metrics: peak signal-to-noise ratio (PSNR).

Examples
--------
>>> import numpy as np, numnet
>>> reference = np.array([[0.0, 9.0], [9.0, 3.0]])   # pixels in [0, 10]
>>> numnet.psnr(reference, reference + 1.0, data_range=10)  # MSE 1 -> 10·log10(10² / 1)
20.0
>>> numnet.psnr(reference, reference, data_range=10)  # identical images
inf
"""

import numpy as np

from numnet._validate import check_float, shape_str


def _as_float(x, name):
    """Integer and boolean images (e.g. ``uint8``) become float64 *before* any subtraction:
    ``uint8`` arithmetic wraps around (``3 − 5 = 254``)."""
    if isinstance(x, np.ndarray) and (np.issubdtype(x.dtype, np.integer) or x.dtype == bool):
        x = x.astype(np.float64)
    return check_float("psnr", x, name=name)


def psnr(reference, reconstruction, data_range, *, per_sample=False):
    """Peak signal-to-noise ratio in decibels, ``10 · log10(data_range² / MSE)``.

    Parameters
    ----------
    reference, reconstruction : ndarray, same shape (N, ...)
        Float, integer or boolean arrays; integers are converted to float64 first.
    data_range : float
        Peak-to-peak range the pixels *can* take: 1 for images scaled to [0, 1], 255 for
        8-bit images, 16 for scikit-learn's raw digits. It is not guessed from the data:
        the same reconstruction scores ``20 · log10(255) ≈ 48.1`` dB more with ``255`` than
        with ``1``.
    per_sample : bool, default False
        False: one number from the MSE over all elements (scikit-image's
        ``peak_signal_noise_ratio``). True: one PSNR per row (the MSE of each sample over its
        remaining axes), shape ``(N,)``.

    Returns
    -------
    float, or ndarray of shape (N,) when ``per_sample``
        ``inf`` where the MSE is 0 (identical images), without a warning.

    Notes
    -----
    The mean of per-sample PSNRs is at least the PSNR of the mean MSE (−log is convex, Jensen's
    inequality), so say which of the two a reported "average PSNR" is.
    """
    reference = _as_float(reference, "reference")
    reconstruction = _as_float(reconstruction, "reconstruction")
    if reference.shape != reconstruction.shape:
        raise ValueError(
            f"psnr: reference of shape {shape_str(reference.shape)} and reconstruction of shape "
            f"{shape_str(reconstruction.shape)} must have the same shape"
        )
    if reference.size == 0:
        raise ValueError(f"psnr: got empty images of shape {shape_str(reference.shape)}")
    if per_sample and reference.ndim < 2:
        raise ValueError(
            f"psnr: per_sample=True needs images of shape (N, ...) with at least 2 axes, "
            f"got {shape_str(reference.shape)}"
        )
    if (
        isinstance(data_range, (bool, np.bool_))
        or not isinstance(data_range, (int, float, np.integer, np.floating))
        or not np.isfinite(data_range)
        or data_range <= 0
    ):
        raise ValueError(f"psnr: data_range must be a finite number > 0, got {data_range!r}")

    diff = reference.astype(np.float64) - reconstruction.astype(np.float64)
    axes = tuple(range(1, diff.ndim)) if per_sample else None
    mse = np.mean(diff * diff, axis=axes)
    exact = mse == 0
    safe_mse = np.where(exact, 1.0, mse)  # avoids log10(x / 0) and its RuntimeWarning
    value = np.where(exact, np.inf, 10.0 * np.log10(float(data_range) ** 2 / safe_mse))
    return value if per_sample else float(value)
