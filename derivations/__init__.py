"""SymPy derivations of every gradient the book uses, each checked and tied to numnet.

>>> import derivations
>>> d = derivations.get("sigmoid")      # build (once) and return a Derivation
>>> d.check().level
'general'

Each module in this package (``activations.py``, ``dense.py``, …) defines builder functions
decorated with :func:`derivation`; :func:`names` lists them in book order.
"""

import functools
import importlib
import math
import pkgutil
from pathlib import Path

from derivations.core import Derivation, prove_equal

__all__ = ["Derivation", "chapter", "derivation", "get", "names", "prove_equal"]

_BUILDERS = {}

#: Modules in the order the book teaches them, each with the chapter (``book/<name>.md``) that
#: shows its derivations; any other module follows alphabetically.
BOOK_ORDER = {
    "activations": "activations",
    "toolbox_activations": "activations",
    "dense": "dense",
    "mse": "dense",
    "backprop": "backprop",
    "softmax": "softmax",
    "classification_losses": "losses",
    "toolbox_losses": "losses",
    "finite_differences": "gradient_checking",
    "initialisation": "initialisation",
    "momentum": "optimisation",
    "optimisers": "optimisation",
    "penalties": "regularisation",
    "dropout": "regularisation",
    "batchnorm": "regularisation",
    "normalisation": "regularisation",
    "convolution": "convolution",
    "pooling": "pooling",
    "toolbox_pooling": "pooling",
    "conv_backward": "conv_backward",
}
#: The chapters in the order of the book (``_toc.yml``): derivations are numbered in this order.
CHAPTER_ORDER = [
    "notation",
    "activations",
    "dense",
    "backprop",
    "softmax",
    "losses",
    "gradient_checking",
    "initialisation",
    "optimisation",
    "training",
    "regularisation",
    "convolution",
    "pooling",
    "conv_backward",
]
#: Derivations shown in another chapter than their module's.
SHOWN_IN = {"column_convention": "notation"}
_MODULE_OF = {}


def derivation(builder):
    """Register ``builder`` (a function returning a :class:`Derivation`) under its name."""
    _BUILDERS[builder.__name__] = builder
    _MODULE_OF[builder.__name__] = builder.__module__.rsplit(".", 1)[-1]
    return builder


def chapter(name):
    """The chapter (``book/<chapter>.md``) that shows derivation ``name``."""
    _discover()
    return SHOWN_IN.get(name) or BOOK_ORDER.get(_MODULE_OF[name], _MODULE_OF[name])


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
    order = list(BOOK_ORDER)
    for name in sorted(found, key=lambda m: (order.index(m) if m in order else len(order), m)):
        importlib.import_module(f"{__name__}.{name}")
    return True


#: The book's chapters, next to this package in the repository (absent in a plain install).
BOOK = Path(__file__).resolve().parent.parent / "book"


@functools.cache
def _chapter_text(chapter):
    path = BOOK / f"{chapter}.md"
    return path.read_text(encoding="utf-8") if path.exists() else ""


def names():
    """Names of all derivations in the order the book shows them: chapter by chapter, and
    within a chapter in the order its ``derivations.get("name")`` cells appear (definition
    order for any it does not show by name)."""
    _discover()

    def position(name):
        ch = chapter(name)
        at = _chapter_text(ch).find(f'derivations.get("{name}")')
        return (
            CHAPTER_ORDER.index(ch) if ch in CHAPTER_ORDER else len(CHAPTER_ORDER),
            at if at >= 0 else math.inf,
        )

    return sorted(_BUILDERS, key=position)


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
    d.chapter = chapter(name)
    return d
