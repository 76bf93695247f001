"""Finite differences: why the central difference is the one to check gradients with.

Taylor's theorem gives the error of the forward difference (order h) and of the central one
(order h²); rounding adds an error of order ε/h, which sets the best h. The relative error
that ``numnet.gradcheck`` prints is then worked out for the central difference.

The Taylor expansions are written with the values ``f, f', f'', f'''`` at x as symbols and a
remainder ``r h⁴``; for a cubic the remainder is 0, which makes the error formula exact, so it
can be tied to ``numnet.numerical_gradient`` at random points.
"""

import numpy as np
import sympy as sp

import numnet
from derivations import derivation
from derivations.core import Derivation

x = sp.Symbol("x", real=True)
h = sp.Symbol("h", positive=True)
f0, f1, f2, f3 = sp.symbols("f(x) f'(x) f''(x) f'''(x)", real=True)
r_plus, r_minus = sp.symbols("r_+ r_-", real=True)
eps, M = sp.symbols("varepsilon M", positive=True)


def _in_order(*terms):
    """A sum that keeps (and prints) its terms in the order given."""
    return sp.Add(*terms, evaluate=False)


def _step(expr, why):
    """A chain step whose LaTeX keeps the written order of the terms (same expression)."""
    return (expr, why, sp.latex(expr, order="none"))


def _taylor(step, remainder):
    """``f(x + step)`` to third order plus ``remainder · h⁴``, terms in rising powers."""
    return _in_order(f0, f1 * step, f2 * step**2 / 2, f3 * step**3 / 6, remainder * h**4)


def _cubic_difference(method):
    """numnet's finite-difference error for the cubic with derivatives f', f'', f''' at x."""

    def numnet_error(values):
        x0, step, d1, d2, d3 = values
        point = np.array([x0])

        def cubic():
            t = point[0] - x0
            return d1 * t + d2 * t**2 / 2 + d3 * t**3 / 6

        return numnet.numerical_gradient(cubic, point, h=step, method=method)[0] - d1

    return numnet_error


@derivation
def forward_difference_error():
    d = Derivation(
        "forward_difference_error",
        "The forward difference (f(x+h) − f(x))/h is off by h f''(x)/2 + O(h²): first order",
        "Expand f(x + h) by Taylor's theorem; everything up to f'(x) cancels, and the first "
        "term left is proportional to h.",
    )
    claim = d.chain(
        _step(
            _in_order(_in_order(_taylor(h, r_plus), -f0) / h, -f1),
            "Taylor expansion of f(x+h), remainder r₊h⁴",
        ),
        _step(
            _in_order(f2 * h / 2, f3 * h**2 / 6, r_plus * h**3),
            "f(x) and f'(x) cancel; divide by h",
        ),
        lhs=r"\frac{f(x+h) - f(x)}{h} - f'(x)",
    )
    d.fact(
        sp.Eq(sp.limit(claim / h, h, 0), f2 / 2),
        "error / h → f''(x)/2: halving h halves the error (slope 1 on a log-log plot)",
        tex=r"\lim_{h\to 0} \frac{\text{error}}{h} = \frac{f''(x)}{2}",
    )
    d.tie(
        claim.subs(r_plus, 0),
        [x, h, f1, f2, f3],
        _cubic_difference("forward"),
        "numerical_gradient(method='forward'), cubic f",
    )
    return d


@derivation
def central_difference_error():
    d = Derivation(
        "central_difference_error",
        "The central difference (f(x+h) − f(x−h))/2h is off by h² f'''(x)/6 + O(h³): second order",
        "Expand f(x + h) and f(x − h); the even terms f and f''h²/2 cancel in the difference, "
        "so the first error term is proportional to h².",
    )
    claim = d.chain(
        _step(
            _in_order(_in_order(_taylor(h, r_plus), -_taylor(-h, r_minus)) / (2 * h), -f1),
            "Taylor for f(x+h) and f(x−h), remainders r₊h⁴ and r₋h⁴",
        ),
        _step(
            _in_order(f3 * h**2 / 6, (r_plus - r_minus) * h**3 / 2),
            "even powers cancel; divide by 2h",
        ),
        lhs=r"\frac{f(x+h) - f(x-h)}{2h} - f'(x)",
    )
    d.fact(
        sp.Eq(sp.limit(claim / h**2, h, 0), f3 / 6),
        "error / h² → f'''(x)/6: halving h quarters the error (slope 2 on a log-log plot)",
        tex=r"\lim_{h\to 0} \frac{\text{error}}{h^2} = \frac{f'''(x)}{6}",
    )
    d.tie(
        claim.subs({r_plus: 0, r_minus: 0}),
        [x, h, f1, f2, f3],
        _cubic_difference("central"),
        "numerical_gradient(method='central'), cubic f",
    )
    return d


@derivation
def gradcheck_relative_error():
    d = Derivation(
        "gradcheck_relative_error",
        "Relative error of a central-difference check, and the best step h ≈ (3ε/M)^(1/3)",
        "numnet.relative_error(a, b) = max|a − b| / max(|a|, |b|) is scale-free: it does not "
        "change when the loss is multiplied by a constant. For one positive derivative checked "
        "with the central difference ĝ = f' + f'''h²/6 it is worked out below. In floating point "
        "each f evaluation also carries a rounding error of about ε|f| (ε ≈ 1.1e-16), which the "
        "difference divides by h: the total error bound M h²/6 + ε/h (M bounds |f'''|, |f| taken "
        "as 1) is smallest at the h found in the second chain — about 7e-6 for M = 1, so the "
        "customary h = 1e-6 is close to the best.",
    )
    g_hat = f1 + f3 * h**2 / 6
    positive = {f1: sp.Symbol("f'(x)", positive=True), f3: sp.Symbol("f'''(x)", positive=True)}
    d1, d3 = positive[f1], positive[f3]
    claim = d.chain(
        (
            sp.Abs(_in_order(g_hat.subs(positive), -d1), evaluate=False)
            / sp.Max(sp.Abs(g_hat.subs(positive)), sp.Abs(d1, evaluate=False), evaluate=False),
            "definition, with the central estimate ĝ = f' + f'''h²/6",
        ),
        ((d3 * h**2 / 6) / (d1 + d3 * h**2 / 6), "f', f''' > 0: ĝ is the larger of the two"),
        (d3 * h**2 / (6 * d1 + d3 * h**2), "multiply through by 6"),
        lhs=r"\frac{|\hat g - f'(x)|}{\max(|\hat g|, |f'(x)|)}",
    )
    total = M * h**2 / 6 + eps / h
    best = d.chain(
        (sp.Derivative(total, h), "total error: truncation M h²/6 plus rounding ε/h"),
        (M * h / 3 - eps / h**2, "differentiate"),
        lhs=r"\frac{d E}{d h}",
    )
    h_star = sp.cbrt(3 * eps / M)
    d.fact(
        sp.solve(sp.Eq(best, 0), h) == [h_star],
        "dE/dh = 0 only at h* = (3ε/M)^(1/3), where E is smallest (d²E/dh² > 0)",
        tex=r"\frac{dE}{dh} = 0 \iff h^\ast = \left(\frac{3\varepsilon}{M}\right)^{1/3}",
    )
    d.fact(
        sp.diff(total, h, 2).subs(h, h_star).is_positive,
        "the second derivative is positive there: a minimum",
        tex=r"\left.\frac{d^2E}{dh^2}\right|_{h^\ast} > 0",
    )

    def numnet_relative_error(values):
        step, dd1, dd3 = values
        return numnet.relative_error(np.array([dd1 + dd3 * step**2 / 6]), np.array([dd1]))

    d.tie(claim, [h, d1, d3], numnet_relative_error, "relative_error")
    return d
