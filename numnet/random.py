"""One seeded random generator for the whole library, like ``torch.manual_seed``.

Every function that draws random numbers takes ``rng=None``: ``None`` means the library's
default generator (seeded with 0 at import, reseeded by :func:`manual_seed`), an ``int`` means
a fresh ``numpy.random.default_rng(seed)``, and a ``numpy.random.Generator`` is used as given.
"""

import numpy as np

_default = np.random.default_rng(0)


def manual_seed(seed):
    """Reseed the default generator so that a script gives identical numbers run to run."""
    global _default
    _default = np.random.default_rng(seed)


def get_rng(rng=None):
    """Resolve ``rng`` (``None``, an ``int`` seed or a ``Generator``) to a ``Generator``."""
    if rng is None:
        return _default
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool):
        return np.random.default_rng(int(rng))
    raise TypeError(f"rng must be None, an int seed or a numpy Generator, got {type(rng).__name__}")
