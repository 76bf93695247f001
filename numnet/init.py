"""Weight initialisers.

Each returns a new array of the given ``shape`` (float64 unless ``dtype`` says otherwise),
drawn from ``rng`` (see :mod:`numnet.random`). Fan-in and fan-out follow the book's shapes:
a dense weight is ``(in_features, out_features)``; a convolution weight is
``(out_channels, in_channels, kh, kw)``. :func:`initialize` re-initialises every weight of a
model with one of them.

The scales come from ``derivations/initialisation.py``: a pre-activation
``z = Σᵢ wᵢ xᵢ`` over ``fan_in`` inputs has ``Var(z) = fan_in · Var(w) · E[x²]``, so

- ``Var(w) = 1 / fan_in`` keeps ``Var(z) = 1`` for standardised inputs (``E[x²] = 1``);
- He: after a (leaky) ReLU ``E[x²] = (1 + a²) Var(z_prev) / 2``, so ``Var(w) = 2 / ((1 + a²) fan_in)``;
- Xavier/Glorot: the backward pass wants ``1 / fan_out``; the compromise is
  ``Var(w) = 2 / (fan_in + fan_out)``;
- a uniform ``U(−b, b)`` has variance ``b² / 3``, so ``b = √3 · std``.
"""

import numpy as np

from numnet._validate import check_number
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
    std = check_number("init.normal", "std", std, low=0)
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


def he_normal(shape, rng=None, dtype=np.float64, *, negative_slope=0.0):
    """He (Kaiming) normal for (leaky) ReLU layers: std ``sqrt(2 / ((1 + a²) fan_in))``.

    ``negative_slope`` is the Leaky ReLU slope ``a`` (0 for ReLU), as PyTorch's
    ``kaiming_normal_(a=...)`` with ``mode='fan_in'``.
    """
    return normal(shape, he_std(fans(shape)[0], negative_slope), rng, dtype)


def he_uniform(shape, rng=None, dtype=np.float64, *, negative_slope=0.0):
    """He (Kaiming) uniform: ``U(-b, b)`` with ``b = sqrt(3) · he_std = sqrt(6 / ((1 + a²) fan_in))``."""
    b = np.sqrt(3.0) * he_std(fans(shape)[0], negative_slope)
    return uniform(shape, -b, b, rng, dtype)


def he_std(fan_in, negative_slope=0.0):
    """``sqrt(2 / ((1 + a²) fan_in))``: the std that keeps ``E[z²]`` constant through (leaky) ReLUs."""
    return float(np.sqrt(2.0 / ((1.0 + negative_slope**2) * fan_in)))


def default_uniform(shape, fan_in, rng=None, dtype=np.float64):
    """PyTorch's default for ``Linear``/``Conv2d`` weights and biases: ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))``."""
    bound = 1.0 / np.sqrt(fan_in)
    return uniform(shape, -bound, bound, rng, dtype)


#: Names accepted by :func:`initialize`, each a function ``(shape, rng, dtype, **options)``.
SCHEMES = {
    "zeros": lambda shape, rng, dtype: zeros(shape, dtype),
    "normal": lambda shape, rng, dtype, std=0.01: normal(shape, std, rng, dtype),
    "xavier_uniform": lambda shape, rng, dtype, gain=1.0: xavier_uniform(shape, gain, rng, dtype),
    "xavier_normal": lambda shape, rng, dtype, gain=1.0: xavier_normal(shape, gain, rng, dtype),
    "he_normal": lambda shape, rng, dtype, negative_slope=0.0: he_normal(
        shape, rng, dtype, negative_slope=negative_slope
    ),
    "he_uniform": lambda shape, rng, dtype, negative_slope=0.0: he_uniform(
        shape, rng, dtype, negative_slope=negative_slope
    ),
}


def _weighted_modules(module):
    """``module`` and all its sub-modules that have a 2-D or 4-D ``weight`` (Linear, Conv2d)."""
    weight = getattr(module, "weight", None)
    if weight is not None and getattr(weight, "data", np.empty(0)).ndim in (2, 4):
        yield module
    for child in module.children():
        yield from _weighted_modules(child)


def initialize(model, scheme, rng=None, **options):
    """Re-initialise every dense and convolution weight of ``model`` in place; biases become 0.

    Parameters
    ----------
    model : numnet.Module
        E.g. a ``Sequential``; every sub-module with a 2-D (dense) or 4-D (conv) ``weight``
        is re-initialised. Other parameters (e.g. batch-norm ``weight``) are left alone.
    scheme : str
        One of ``"zeros"``, ``"normal"`` (option ``std``, default 0.01), ``"xavier_uniform"``,
        ``"xavier_normal"`` (option ``gain``), ``"he_normal"``, ``"he_uniform"`` (option
        ``negative_slope``).
    rng : None, int or numpy.random.Generator
        One generator is used for all layers, in order, so a seed fixes the whole model.

    Returns
    -------
    model
        The same model, for chaining.

    Examples
    --------
    >>> import numnet
    >>> net = numnet.Sequential(numnet.Linear(4, 8), numnet.ReLU(), numnet.Linear(8, 1))
    >>> _ = numnet.init.initialize(net, "he_normal", rng=0)
    """
    if scheme not in SCHEMES:
        raise ValueError(f"init.initialize: unknown scheme {scheme!r}; choose from {list(SCHEMES)}")
    rng = get_rng(rng)
    layers = list(_weighted_modules(model))
    if not layers:
        raise ValueError(f"init.initialize: {type(model).__name__} has no dense or conv weight")
    for layer in layers:
        w = layer.weight
        w.data = SCHEMES[scheme](w.data.shape, rng, w.data.dtype, **options)
        w.zero_grad()
        if getattr(layer, "bias", None) is not None:
            layer.bias.data = np.zeros_like(layer.bias.data)
            layer.bias.zero_grad()
    return model
