"""Inverted dropout: the expectation that makes evaluation mode the identity, the variance it
adds, its backward pass, and the common mix-up of the drop and the keep probability.

One unit ``x`` and its mask ``m``: the layer applies the same rule to every entry independently.
"""

import numpy as np
import sympy as sp
from sympy.stats import Bernoulli, Expectation, Variance

import numnet
from derivations import derivation
from derivations.core import Derivation
from derivations.printing import ordered, product

x = sp.Symbol("x", real=True)
p = sp.Symbol(r"p_{\text{drop}}", positive=True)  # the drop probability, 0 < p < 1
q = sp.Symbol("q", positive=True)  # the keep probability q = 1 − p
m_sym = sp.Symbol("m", nonnegative=True)  # one drawn mask value, 0 or 1
half = sp.Rational(1, 2)


def keep_mask():
    """The mask m ∼ Bernoulli(q): 1 (keep) with probability q = 1 − p."""
    return Bernoulli("m", 1 - p)


@derivation
def dropout_expectation():
    d = Derivation(
        "dropout_expectation",
        "Inverted dropout keeps the expected activation",
        (
            "While training, each unit is kept (m = 1) with probability ",
            sp.Eq(q, 1 - p),
            " and dropped (m = 0) with the drop probability ",
            p,
            ", and the kept ones are divided by q. On average the output equals the input, so "
            "at evaluation time the layer is the identity; the price is extra variance, which "
            "grows without bound as ",
            p,
            " → 1.",
        ),
    )
    d.define(q, 1 - p)
    y = keep_mask() * x / q
    claim = d.chain(
        Expectation(y),
        (
            ordered(product(q, x / q), product(p, 0)),
            ("m = 1 with probability q, m = 0 with probability ", p),
        ),
        (x, "q cancels"),
    )
    d.chain(
        Variance(y),
        (ordered(Expectation(y**2), -(Expectation(y) ** 2)), "the variance is E[y²] − E[y]²"),
        (ordered(product(q, (x / q) ** 2), -(x**2)), "as above, with y² in place of y"),
        (product(x**2, p / q), ("common denominator ", sp.Eq(q, 1 - p))),
    )

    def evaluation_mode(values, dtype=np.float64):
        return numnet.Dropout(p=values[1]).eval()(np.array([values[0]], dtype=dtype))

    d.tie(
        claim,
        [x, p],
        evaluation_mode,
        "Dropout.eval() forward",
        sample=lambda rng: [rng.uniform(-3, 3), rng.uniform(0.05, 0.95)],
    )
    return d


@derivation
def dropout_backward():
    d = Derivation(
        "dropout_backward",
        "The dropout layer's backward pass uses the forward pass's mask",
        "The mask is drawn once per forward pass and then held fixed, so y = m x / q is linear in "
        "x. The backward pass must reuse that very mask: drawing a new one would send gradient "
        "through units that did not contribute to the output.",
    )
    d.define(q, 1 - p)
    claim = d.chain(
        sp.Derivative(m_sym * x / q, x),
        (m_sym / q, "the mask m and the keep probability q do not depend on x"),
    )

    def sample(rng):
        """A random x and p, a seed, and the mask m that numnet's forward draws with that seed."""
        value, drop, seed = rng.uniform(0.5, 3.0), rng.uniform(0.1, 0.9), rng.integers(2**31)
        kept = numnet.Dropout(drop, rng=int(seed))(np.array([value]))[0] != 0
        return [value, drop, float(kept), float(seed)]

    def layer_output(values, dtype=np.float64):
        layer = numnet.Dropout(values[1], rng=int(values[3]))
        return layer, layer(np.array([values[0]], dtype=dtype))

    def numnet_grad(values, dtype=np.float64):
        layer, y = layer_output(values, dtype)
        return layer.backward(np.ones_like(y))

    d.tie(
        claim,
        [x, p, m_sym, sp.Symbol("seed")],
        numnet_grad,
        "Dropout.backward",
        loss=lambda v: float(layer_output(v)[1].sum()),
        wrt=[x],
        sample=sample,
    )
    return d


@derivation
def dropout_keep_vs_drop():
    d = Derivation(
        "dropout_keep_vs_drop",
        "A common mistake: keeping units with the drop probability",
        (
            "Mixing the two conventions — a mask that keeps a unit with the drop probability ",
            p,
            " but scales by 1/q as inverted dropout does — changes the expected activation by "
            "the factor ",
            p / q,
            ". At ",
            sp.Eq(p, half),
            " the two conventions coincide, so the mistake is invisible there and appears as "
            "soon as the drop probability changes.",
        ),
    )
    d.define(q, 1 - p)
    wrong = Bernoulli("m", p) * x / q
    d.chain(
        Expectation(wrong),
        (product(p / q, x), ("m = 1 with probability ", p, ": the wrong mask")),
    )
    ratio = p / (1 - p)
    d.fact(
        sp.Eq(sp.Subs(ratio, p, half), 1, evaluate=False),
        ("at ", sp.Eq(p, half), " the mistake does no harm …"),
    )
    d.fact(
        sp.Eq(sp.Subs(ratio, p, sp.Rational(1, 5)), sp.Rational(1, 4), evaluate=False),
        (
            "… but with ",
            sp.Eq(p, sp.Rational(1, 5)),
            " the expected activation is a quarter of the input",
        ),
    )
    return d
