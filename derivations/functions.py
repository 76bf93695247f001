"""The book's named functions as SymPy objects that print as their names.

``sigma(x)`` prints as ``σ(x)`` in every rendered step, yet the checker sees its definition:
``expr.rewrite("numeric")`` (used by :func:`derivations.core.concrete`) writes each one out.
Only ``sigma`` carries a derivative rule, σ' = σ(1 − σ), so that deep compositions stay
small; the ``sigmoid`` derivation proves that rule from the definition (its last fact).
"""

import sympy as sp


class sigma(sp.Function):  # noqa: N801 - printed name
    """The logistic sigmoid ``1 / (1 + e^{-x})``."""

    def _eval_rewrite_as_numeric(self, x, **kwargs):
        return 1 / (1 + sp.exp(-x))

    _eval_rewrite_as_exp = _eval_rewrite_as_numeric

    def fdiff(self, argindex=1):
        s = sigma(self.args[0])
        return s * (1 - s)  # proved in derivations/activations.py::sigmoid

    def _latex(self, printer):
        return r"\sigma\left(%s\right)" % printer._print(self.args[0])


class relu(sp.Function):  # noqa: N801
    """``max(0, x)``, written as a piecewise function whose boundary ``x = 0`` is explicit."""

    def _eval_rewrite_as_numeric(self, x, **kwargs):
        return sp.Piecewise((0, x <= 0), (x, True))

    def _latex(self, printer):
        return r"\operatorname{ReLU}\left(%s\right)" % printer._print(self.args[0])


class leaky_relu(sp.Function):  # noqa: N801
    """``x`` for ``x > 0`` and ``a x`` otherwise (``a`` is the negative slope)."""

    def _eval_rewrite_as_numeric(self, x, a, **kwargs):
        return sp.Piecewise((a * x, x <= 0), (x, True))

    def _latex(self, printer):
        x, a = (printer._print(arg) for arg in self.args)
        return r"\operatorname{LeakyReLU}_{%s}\left(%s\right)" % (a, x)
