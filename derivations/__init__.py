"""SymPy derivations of every gradient the book uses, each checked and tied to numnet.

>>> import derivations
>>> d = derivations.get("sigmoid")      # build (once) and return a Derivation
>>> d.check().level
'symbolic'

Each module in this package (``activations.py``, ``dense.py``, …) defines builder functions
decorated with :func:`derivation`; :func:`names` lists them in book order.
"""

import functools
import importlib
import pkgutil

from derivations.core import Derivation, prove_equal

__all__ = ["Derivation", "derivation", "get", "names", "prove_equal"]

_BUILDERS = {}

#: Modules in the order the book teaches them; any other module follows alphabetically.
BOOK_ORDER = [
    "activations",
    "dense",
    "mse",
    "backprop",
    "softmax",
    "classification_losses",
    "finite_differences",
    "initialisation",
    "momentum",
    "penalties",
    "dropout",
    "batchnorm",
    "convolution",
    "pooling",
    "conv_backward",
]


def derivation(builder):
    """Register ``builder`` (a function returning a :class:`Derivation`) under its name."""
    _BUILDERS[builder.__name__] = builder
    return builder


@functools.cache
def _discover():
    found = [m.name for m in pkgutil.iter_modules(__path__)]
    found = [
        m
        for m in found
        if m
        not in {
            "core",
            "functions",
            "matrices",
            "ties",
            "printing",
            "proving",
            "indexed",
            "__main__",
        }
        and not m.startswith("_")
    ]
    for name in sorted(
        found, key=lambda m: (BOOK_ORDER.index(m) if m in BOOK_ORDER else len(BOOK_ORDER), m)
    ):
        importlib.import_module(f"{__name__}.{name}")
    return True


def names():
    """Names of all derivations, grouped by module in the book's order."""
    _discover()
    return list(_BUILDERS)


@functools.cache
def get(name):
    """Build and return the derivation ``name`` (built once per process)."""
    _discover()
    if name not in _BUILDERS:
        raise KeyError(f"no derivation named {name!r}; known: {', '.join(_BUILDERS)}")
    d = _BUILDERS[name]()
    if d.name != name:
        raise ValueError(f"builder {name!r} returned a derivation named {d.name!r}")
    d.number = names().index(name) + 1
    return d
