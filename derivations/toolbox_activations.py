"""The newer activations: GELU (exact and tanh forms), ELU and Softplus.

Each derivative starts from the function's definition (the first line is checked against it),
ends in the form numnet's ``backward`` uses, and is tied to that ``backward`` in float64 and
float32 and to finite differences of numnet's forward.
"""

import numpy as np
import sympy as sp

import numnet
from derivations import derivation
from derivations.core import Derivation
from derivations.functions import sigma
from derivations.printing import ordered, product

x = sp.Symbol("x", real=True)
u = sp.Symbol("u", real=True)
alpha = sp.Symbol("alpha", positive=True)
beta = sp.Symbol("beta", positive=True)
kappa = sp.Symbol("kappa", positive=True)
half = sp.Rational(1, 2)
KAPPA = sp.Rational(44715, 1000000)  # numnet.activations.GELU_KAPPA = 0.044715


class Phi(sp.Function):  # noqa: N801 - printed name
    """The standard normal CDF ``Φ(x) = ½(1 + erf(x/√2))``."""

    def _eval_rewrite_as_numeric(self, arg, **kwargs):
        return (1 + sp.erf(arg / sp.sqrt(2))) / 2

    def _latex(self, printer, exp=None):
        tex = r"\Phi\left(%s\right)" % printer._print(self.args[0])
        return tex if exp is None else r"%s^{%s}" % (tex, exp)


class phi(sp.Function):  # noqa: N801
    """The standard normal density ``φ(x) = e^{−x²/2}/√(2π)``."""

    def _eval_rewrite_as_numeric(self, arg, **kwargs):
        return sp.exp(-(arg**2) / 2) / sp.sqrt(2 * sp.pi)

    def _latex(self, printer, exp=None):
        tex = r"\varphi\left(%s\right)" % printer._print(self.args[0])
        return tex if exp is None else r"%s^{%s}" % (tex, exp)


class _Named(sp.Function):
    """An activation printed by its name: ``GELU(x)``, ``ELU_α(x)``, …"""

    label = ""

    def _latex(self, printer, exp=None):
        x_, *params = (printer._print(a) for a in self.args)
        sub = "_{%s}" % ",".join(params) if params else ""
        tex = r"\operatorname{%s}%s\left(%s\right)" % (self.label, sub, x_)
        return tex if exp is None else r"%s^{%s}" % (tex, exp)


class gelu(_Named):  # noqa: N801
    label = "GELU"

    def _eval_rewrite_as_numeric(self, arg, **kwargs):
        return arg * Phi(arg).rewrite("numeric")


class gelu_tanh(_Named):  # noqa: N801
    label = "GELU_{tanh}"

    def _eval_rewrite_as_numeric(self, arg, k, **kwargs):
        return half * arg * (1 + sp.tanh(sp.sqrt(2 / sp.pi) * (arg + k * arg**3)))

    def _latex(self, printer, exp=None):
        return r"\operatorname{GELU}_{\tanh}\left(%s\right)" % printer._print(self.args[0])


class elu(_Named):  # noqa: N801
    label = "ELU"

    def _eval_rewrite_as_numeric(self, arg, a, **kwargs):
        return sp.Piecewise((a * (sp.exp(arg) - 1), arg <= 0), (arg, True))


class softplus(_Named):  # noqa: N801
    label = "Softplus"

    def _eval_rewrite_as_numeric(self, arg, b, **kwargs):
        return sp.log(1 + sp.exp(b * arg)) / b


def slope(f):
    return sp.Derivative(f, x)


def _elementwise(make):
    """``(numnet, loss)`` for a module built from the tie's parameters ``values[1:]``."""

    def numnet_grad(values, dtype=np.float64):
        m = make(*values[1:])
        y = m(np.asarray(values[:1], dtype=dtype))
        return m.backward(np.ones_like(y))

    def loss(values):
        return float(make(*values[1:])(np.asarray(values[:1], dtype=np.float64)).sum())

    return numnet_grad, loss


@derivation
def gelu_grad():
    d = Derivation(
        "gelu_grad",
        ("The derivative of GELU: ", sp.Eq(slope(gelu(x)), ordered(Phi(x), x * phi(x)))),
        (
            "GELU scales its input by the probability Φ(x) that a standard normal variable "
            "lies below it: ",
            sp.Eq(gelu(x), x * Phi(x), evaluate=False),
            ", with ",
            sp.Eq(Phi(x), Phi(x).rewrite("numeric"), evaluate=False),
            " the normal CDF and ",
            sp.Eq(phi(x), phi(x).rewrite("numeric"), evaluate=False),
            " its density.",
        ),
    )
    claim = d.chain(
        slope(gelu(x)),
        (slope(x * Phi(x)), "definition of GELU"),
        (ordered(Phi(x), x * slope(Phi(x))), "product rule"),
        (ordered(Phi(x), x * phi(x)), "the CDF's derivative is the density"),
    )
    d.fact(
        sp.Eq(sp.Subs(slope(gelu(x)), x, 0), half, evaluate=False),
        "at 0 the slope is ½, like the average of ReLU's two slopes",
    )
    numnet_grad, loss = _elementwise(numnet.GELU)
    d.tie(claim, [x], numnet_grad, "GELU.backward", loss=loss, wrt=[x])
    return d


@derivation
def gelu_tanh_grad():
    d = Derivation(
        "gelu_tanh_grad",
        "The derivative of GELU's tanh approximation",
        (
            "The approximation replaces Φ(x) by ",
            product(half, 1 + sp.tanh(u)),
            " with ",
            sp.Eq(u, sp.sqrt(2 / sp.pi) * ordered(x, kappa * x**3), evaluate=False),
            " and κ = 0.044715 (numnet's and PyTorch's GELU(approximate='tanh')).",
        ),
    )
    d.define(u, sp.sqrt(2 / sp.pi) * ordered(x, kappa * x**3))
    du = sp.sqrt(2 / sp.pi) * ordered(1, 3 * kappa * x**2)
    u_of_x = sp.sqrt(2 / sp.pi) * ordered(x, kappa * x**3)
    claim = d.chain(
        slope(gelu_tanh(x, kappa)),
        (slope(product(half * x, 1 + sp.tanh(u_of_x))), "definition"),
        (
            ordered(
                product(half, 1 + sp.tanh(u)),
                product(half * x, 1 - sp.tanh(u) ** 2, du),
            ),
            ("product rule; ", sp.Eq(slope(sp.tanh(x)), 1 - sp.tanh(x) ** 2)),
        ),
    )
    numnet_grad, loss = _elementwise(lambda: numnet.GELU(approximate="tanh"))
    d.tie(
        d.unfold(claim).subs(kappa, KAPPA),
        [x],
        numnet_grad,
        "GELU(approximate='tanh').backward",
        loss=loss,
        wrt=[x],
    )
    return d


@derivation
def elu_grad():
    d = Derivation(
        "elu_grad",
        ("The derivative of ELU: 1 for x > 0, ", alpha * sp.exp(x), " for x ≤ 0"),
        (
            "ELU is x for x > 0 and ",
            alpha * (sp.exp(x) - 1),
            " otherwise: negative outputs down to −α pull the mean activation towards 0, "
            "and the slope never vanishes abruptly. At the kink numnet, like PyTorch, takes "
            "the left slope α.",
        ),
    )
    claim = d.chain(
        slope(elu(x, alpha)),
        (
            slope(sp.Piecewise((alpha * (sp.exp(x) - 1), x <= 0), (x, True))),
            "definition of ELU",
        ),
        (
            sp.Piecewise((alpha * sp.exp(x), x <= 0), (1, True)),
            "differentiate each piece; at the kink take the left one",
        ),
    )
    d.fact(
        sp.Eq(alpha * sp.exp(x), ordered(alpha * (sp.exp(x) - 1), alpha), evaluate=False),
        "for x ≤ 0 the slope is the output plus α: backward can reuse the output",
    )
    numnet_grad, loss = _elementwise(lambda a: numnet.ELU(alpha=float(a)))
    d.tie(claim, [x, alpha], numnet_grad, "ELU(α).backward", loss=loss, wrt=[x])
    d.tie(
        claim,
        [x, alpha],
        numnet_grad,
        "ELU(α).backward at 0",
        sample=lambda rng: [0.0, rng.uniform(0.2, 3)],
    )
    return d


@derivation
def softplus_grad():
    d = Derivation(
        "softplus_grad",
        (
            "The derivative of Softplus is a sigmoid: ",
            sp.Eq(slope(softplus(x, beta)), sigma(beta * x)),
        ),
        (
            "Softplus ",
            sp.Eq(softplus(x, beta), softplus(x, beta).rewrite("numeric"), evaluate=False),
            " is a smooth ReLU; a larger β makes it sharper. (numnet, like PyTorch, returns x "
            "itself where βx > 20, where the two differ by less than e⁻²⁰/β.)",
        ),
    )
    claim = d.chain(
        slope(softplus(x, beta)),
        (slope(sp.log(1 + sp.exp(beta * x)) / beta), "definition of Softplus"),
        (sp.exp(beta * x) / (1 + sp.exp(beta * x)), "chain rule; β cancels"),
        (1 / (1 + sp.exp(-beta * x)), ("divide above and below by ", sp.exp(beta * x))),
        (sigma(beta * x), "the sigmoid of βx"),
    )
    numnet_grad, loss = _elementwise(lambda b: numnet.Softplus(beta=float(b)))
    d.tie(claim, [x, beta], numnet_grad, "Softplus(β).backward", loss=loss, wrt=[x])
    return d
