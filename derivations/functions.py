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

    def _latex(self, printer, exp=None):
        return _power(r"\sigma\left(%s\right)" % printer._print(self.args[0]), exp)


class relu(sp.Function):  # noqa: N801
    """``max(0, x)``, written as a piecewise function whose boundary ``x = 0`` is explicit."""

    def _eval_rewrite_as_numeric(self, x, **kwargs):
        return sp.Piecewise((0, x <= 0), (x, True))

    def _latex(self, printer, exp=None):
        return _power(r"\operatorname{ReLU}\left(%s\right)" % printer._print(self.args[0]), exp)


class leaky_relu(sp.Function):  # noqa: N801
    """``x`` for ``x > 0`` and ``a x`` otherwise (``a`` is the negative slope)."""

    def _eval_rewrite_as_numeric(self, x, a, **kwargs):
        return sp.Piecewise((a * x, x <= 0), (x, True))

    def _latex(self, printer, exp=None):
        x, a = (printer._print(arg) for arg in self.args)
        return _power(r"\operatorname{LeakyReLU}_{%s}\left(%s\right)" % (a, x), exp)


def _power(tex, exp):
    """``f(x)`` raised to ``exp`` (SymPy's printer passes the exponent of ``f(x)**2``)."""
    return tex if exp is None else r"%s^{%s}" % (tex, exp)


class sigma_prime(sp.Function):  # noqa: N801
    """The sigmoid's derivative ``σ'(x) = σ(x)(1 − σ(x))`` (proved in the sigmoid's derivation)."""

    def _eval_rewrite_as_numeric(self, x, **kwargs):
        s = 1 / (1 + sp.exp(-x))
        return s * (1 - s)

    def _latex(self, printer, exp=None):
        return _power(r"\sigma'\left(%s\right)" % printer._print(self.args[0]), exp)
