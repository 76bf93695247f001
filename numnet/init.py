"""Weight initialisers.

Each returns a new array of the given ``shape`` (float64 unless ``dtype`` says otherwise),
drawn from ``rng`` (see :mod:`numnet.random`). Fan-in and fan-out follow the book's shapes:
a dense weight is ``(in_features, out_features)``; a convolution weight is
``(out_channels, in_channels, kh, kw)``.
"""

import numpy as np

from numnet.random import get_rng


def fans(shape):
    """Return ``(fan_in, fan_out)`` of a dense ``(in, out)`` or conv ``(out, in, kh, kw)`` weight."""
    if len(shape) == 2:
        return shape[0], shape[1]
    if len(shape) == 4:
        field = shape[2] * shape[3]
        return shape[1] * field, shape[0] * field
    raise ValueError(f"init: expected a 2-D dense or 4-D conv weight shape, got {shape}")


def zeros(shape, dtype=np.float64):
    """All zeros. For weights this never breaks the symmetry between units."""
    return np.zeros(shape, dtype=dtype)


def uniform(shape, low, high, rng=None, dtype=np.float64):
    """Uniform on ``[low, high)``."""
    return get_rng(rng).uniform(low, high, size=shape).astype(dtype, copy=False)


def normal(shape, std=1.0, rng=None, dtype=np.float64):
    """Normal with mean 0 and standard deviation ``std`` (the reports' "×0.1", "×0.01")."""
    return (std * get_rng(rng).standard_normal(shape)).astype(dtype, copy=False)


def xavier_uniform(shape, gain=1.0, rng=None, dtype=np.float64):
    """Glorot uniform: ``U(-a, a)`` with ``a = gain * sqrt(6 / (fan_in + fan_out))``."""
    fan_in, fan_out = fans(shape)
    a = gain * np.sqrt(6.0 / (fan_in + fan_out))
    return uniform(shape, -a, a, rng, dtype)


def xavier_normal(shape, gain=1.0, rng=None, dtype=np.float64):
    """Glorot normal: std ``gain * sqrt(2 / (fan_in + fan_out))``."""
    fan_in, fan_out = fans(shape)
    return normal(shape, gain * np.sqrt(2.0 / (fan_in + fan_out)), rng, dtype)


def he_normal(shape, rng=None, dtype=np.float64):
    """He (Kaiming) normal for ReLU layers: std ``sqrt(2 / fan_in)``."""
    return normal(shape, np.sqrt(2.0 / fans(shape)[0]), rng, dtype)


def he_uniform(shape, rng=None, dtype=np.float64):
    """He (Kaiming) uniform for ReLU layers: ``U(-a, a)`` with ``a = sqrt(6 / fan_in)``."""
    a = np.sqrt(6.0 / fans(shape)[0])
    return uniform(shape, -a, a, rng, dtype)


def default_uniform(shape, fan_in, rng=None, dtype=np.float64):
    """PyTorch's default for ``Linear``/``Conv2d`` weights and biases: ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))``."""
    bound = 1.0 / np.sqrt(fan_in)
    return uniform(shape, -bound, bound, rng, dtype)
