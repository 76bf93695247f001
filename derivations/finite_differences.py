"""Finite differences: why the central difference is the one to check gradients with.

Taylor's theorem gives the error of the forward difference (order h) and of the central one
(order h²), for every step h and every smooth f; rounding adds an error of order ε/h, which
sets the best h. The relative error that ``numnet.gradcheck`` prints is then worked out for
the central difference.

Taylor's theorem is the premise: ``f(x ± h)`` is defined as its expansion to third order plus
a remainder ``r± h⁴`` (``r± = f⁗(ξ±)/24`` for some ξ± between x and x ± h, bounded as h → 0).
For a cubic f the remainders are 0, which makes the error formulas exact, so they are tied to
``numnet.numerical_gradient`` at random points.
"""

import numpy as np
import sympy as sp

import numnet
from derivations import derivation
from derivations.core import Derivation
from derivations.printing import ordered, product

x = sp.Symbol("x", real=True)
h = sp.Symbol("h", positive=True)
f = sp.Function("f", real=True)
error = sp.Function("e", real=True)
r_plus, r_minus = sp.symbols("r_+ r_-", real=True)
eps, M = sp.symbols("varepsilon M", positive=True)
#: The values of f's first three derivatives at x (Taylor's coefficients).
d1, d2, d3 = sp.symbols(["f'(x)", "f''(x)", "f'''(x)"], real=True)
x_plus_h, x_minus_h = ordered(x, h), ordered(x, -h)


def taylor(sign, remainder):
    """Taylor's theorem for ``f(x + sign·h)``: three derivative terms and ``remainder · h⁴``."""
    odd = (lambda t: t) if sign > 0 else (lambda t: -t)
    return ordered(
        f(x),
        odd(product(h, d1)),
        product(h**2 / 2, d2),
        odd(product(h**3 / 6, d3)),
        remainder * h**4,
    )


def numbers(expr):
    """``expr`` for a cubic f: the remainders are 0."""
    return expr.doit().subs({r_plus: 0, r_minus: 0})


def _cubic_difference(method):
    """numnet's finite-difference error for the cubic with derivatives d1, d2, d3 at x."""

    def numnet_error(values):
        x0, step, g1, g2, g3 = values
        point = np.array([x0])

        def cubic():
            t = point[0] - x0
            return g1 * t + g2 * t**2 / 2 + g3 * t**3 / 6

        return numnet.numerical_gradient(cubic, point, h=step, method=method)[0] - g1

    return numnet_error


@derivation
def forward_difference_error():
    d = Derivation(
        "forward_difference_error",
        "The forward difference is off by a term proportional to h: first order",
        (
            "Expand ",
            f(x_plus_h),
            " by Taylor's theorem, with a remainder ",
            r_plus * h**4,
            " whose factor ",
            r_plus,
            " stays bounded as h → 0. In the error ",
            error(h),
            " of the forward difference everything up to ",
            d1,
            " cancels, and the first term left is proportional to h.",
        ),
        sizes="every step h > 0 and every smooth f",
    )
    d.define(error(h), ordered((f(x_plus_h) - f(x)) / h, -d1))
    d.define(f(x_plus_h), taylor(1, r_plus))
    d.chain(
        error(h),
        (
            ordered(ordered(product(h, d1), h**2 / 2 * d2, h**3 / 6 * d3, r_plus * h**4) / h, -d1),
            ("Taylor's theorem: ", f(x), " cancels"),
        ),
        (
            ordered(h / 2 * d2, h**2 / 6 * d3, r_plus * h**3),
            ("divide by h: ", d1, " cancels"),
        ),
    )
    d.fact(
        sp.Eq(sp.Limit(error(h) / h, h, 0), d2 / 2, evaluate=False),
        "so halving a small h halves the error: first order",
    )
    d.tie(
        numbers(d.unfold(error(h))),
        [x, h, d1, d2, d3],
        _cubic_difference("forward"),
        "numerical_gradient(method='forward'), cubic f",
    )
    return d


@derivation
def central_difference_error():
    d = Derivation(
        "central_difference_error",
        "The central difference is off by a term proportional to h²: second order",
        (
            "Expand ",
            f(x_plus_h),
            " and ",
            f(x_minus_h),
            " by Taylor's theorem, with remainders ",
            r_plus * h**4,
            " and ",
            r_minus * h**4,
            " (bounded factors). The even terms cancel in the difference, so the first term "
            "of the error ",
            error(h),
            " of the central difference is proportional to h².",
        ),
        sizes="every step h > 0 and every smooth f",
    )
    d.define(error(h), ordered((f(x_plus_h) - f(x_minus_h)) / (2 * h), -d1))
    d.define(f(x_plus_h), taylor(1, r_plus))
    d.define(f(x_minus_h), taylor(-1, r_minus))
    d.chain(
        error(h),
        (
            ordered(
                ordered(product(2 * h, d1), h**3 / 3 * d3, (r_plus - r_minus) * h**4) / (2 * h),
                -d1,
            ),
            ("Taylor's theorem: ", f(x), " and the ", h**2, " terms cancel"),
        ),
        (
            ordered(h**2 / 6 * d3, product(h**3 / 2, ordered(r_plus, -r_minus))),
            ("divide by 2h: ", d1, " cancels"),
        ),
    )
    d.fact(
        sp.Eq(sp.Limit(error(h) / h**2, h, 0), d3 / 6, evaluate=False),
        "so halving a small h quarters the error: second order",
    )
    d.tie(
        numbers(d.unfold(error(h))),
        [x, h, d1, d2, d3],
        _cubic_difference("central"),
        "numerical_gradient(method='central'), cubic f",
    )
    return d


@derivation
def gradcheck_relative_error():
    g1, g3 = sp.Symbol("f'(x)", positive=True), sp.Symbol("f'''(x)", positive=True)
    g_hat, h_best = sp.Symbol(r"\hat{g}", positive=True), sp.Symbol("h^{*}", positive=True)
    E = sp.Function("E")
    d = Derivation(
        "gradcheck_relative_error",
        "The relative error of a central-difference check, and the best step h",
        (
            "numnet.relative_error(a, b) divides the largest absolute difference of a and b by "
            "the largest absolute value in either: it does not change when the loss is "
            "multiplied by a constant. It is worked out first for one derivative ",
            g1,
            " > 0 and its central estimate ",
            g_hat,
            " (exact for a cubic f, with ",
            g3,
            " > 0). In floating point each value of f also carries a rounding error of about "
            "ε|f|, which the difference divides by h. With |f| ≈ 1 and M a bound on the third "
            "derivative, the total error bound ",
            E(h),
            " is smallest at the step ",
            h_best,
            " where its slope changes sign.",
        ),
        sizes="every step h > 0",
    )
    d.define(g_hat, ordered(g1, h**2 / 6 * g3))
    claim = d.chain(
        sp.Abs(ordered(g_hat, -g1), evaluate=False)
        / sp.Max(sp.Abs(g_hat, evaluate=False), sp.Abs(g1, evaluate=False), evaluate=False),
        ((h**2 / 6 * g3) / g_hat, ("both are positive, and ", g_hat, " is the larger")),
        ((h**2 * g3) / ordered(6 * g1, h**2 * g3), "multiply above and below by 6"),
    )
    d.define(E(h), ordered(M * h**2 / 6, eps / h))
    d.define(h_best, sp.Pow(3 * eps / M, sp.Rational(1, 3), evaluate=False))
    d.chain(
        sp.Derivative(E(h), h),
        (ordered(M * h / 3, -eps / h**2), "differentiate truncation and rounding"),
        (
            product(M / (3 * h**2), ordered(h**3, -(h_best**3))),
            ("factor: the slope is 0 only at ", h_best),
        ),
    )
    d.fact(
        sp.Gt(sp.Subs(sp.Derivative(E(h), (h, 2)), h, h_best), 0, evaluate=False),
        "the slope changes from negative to positive: a minimum",
    )

    def numnet_relative_error(values):
        step, dd1, dd3 = values
        return numnet.relative_error(np.array([dd1 + dd3 * step**2 / 6]), np.array([dd1]))

    d.tie(claim, [h, g1, g3], numnet_relative_error, "relative_error")
    return d
