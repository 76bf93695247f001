"""Inverted dropout: the expectation that makes evaluation mode the identity, the variance it
adds, its backward pass, and the drop-versus-keep mix-up of report 004.

One unit ``x`` and its mask ``m``: the layer applies the same rule to every entry independently.
"""

import numpy as np
import sympy as sp
from sympy.stats import Bernoulli, Expectation

import numnet
from derivations import derivation
from derivations.core import Derivation

x = sp.Symbol("x", real=True)
p = sp.Symbol("p", positive=True)  # drop probability, 0 < p < 1
m_sym = sp.Symbol("m", nonnegative=True)  # one drawn mask value, 0 or 1
keep = 1 - p
mask = Bernoulli("m", keep)  # 1 (keep) with probability 1 − p
half = sp.Rational(1, 2)


@derivation
def dropout_expectation():
    d = Derivation(
        "dropout_expectation",
        "Inverted dropout keeps the expected activation: E[m x / (1 − p)] = x",
        "While training, each unit is kept (m = 1) with probability q = 1 − p and dropped "
        "(m = 0) with probability p, and the kept ones are divided by q. On average the output "
        "equals the input, so at evaluation time the layer is simply the identity; the price is "
        "extra variance, which grows without bound as p → 1.",
    )
    y = mask * x / keep
    claim = d.chain(
        (Expectation(y), "y = m x / q with m ∼ Bernoulli(q), q = 1 − p"),
        (
            keep * (x / keep) + p * 0,
            "m = 1 with probability 1 − p, m = 0 with probability p",
            rf"\left({sp.latex(keep)}\right) \cdot {sp.latex(x / keep)} + p \cdot 0",
        ),
        (x, "the factor 1 − p cancels"),
        lhs=r"\operatorname{E}[y]",
    )
    d.chain(
        (
            Expectation(y**2) - Expectation(y) ** 2,
            "Var[y] = E[y²] − E[y]²",
            f"{sp.latex(Expectation(y**2))} - {sp.latex(Expectation(y) ** 2)}",
        ),
        (
            keep * (x / keep) ** 2 - x**2,
            "E[y²] = (1 − p) (x/(1 − p))², E[y] = x",
            rf"\left({sp.latex(keep)}\right) \left({sp.latex(x / keep)}\right)^{{2}} - x^{{2}}",
        ),
        (x**2 * p / (1 - p), "common denominator 1 − p"),
        lhs=r"\operatorname{Var}[y]",
    )

    def evaluation_mode(values):
        return numnet.Dropout(p=values[1]).eval()(np.array([values[0]]))

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
        "Dropout backward: ∂y/∂x = m / (1 − p), with the mask of the forward pass",
        "The mask is drawn once per forward pass and then held fixed, so y = m x/(1 − p) is "
        "linear in x. The backward pass must reuse that very mask (drawing a new one would "
        "send gradient through units that did not contribute to the output).",
    )
    claim = d.chain(
        (sp.Derivative(m_sym * x / keep, x), "y = m x / (1 − p) with this forward's mask m"),
        (m_sym / keep, "m and p do not depend on x"),
        lhs=r"\frac{\partial y}{\partial x}",
    )

    def sample(rng):
        """A random x and p, a seed, and the mask m that numnet's forward draws with that seed."""
        value, drop, seed = rng.uniform(0.5, 3.0), rng.uniform(0.1, 0.9), rng.integers(2**31)
        kept = numnet.Dropout(drop, rng=int(seed))(np.array([value]))[0] != 0
        return [value, drop, float(kept), float(seed)]

    def layer_output(values):
        layer = numnet.Dropout(values[1], rng=int(values[3]))
        return layer, layer(np.array([values[0]]))

    def numnet_grad(values):
        layer, y = layer_output(values)
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
        "Common mistake (report 004): keeping units with the drop rate p gives E[y] = p x/(1 − p)",
        "Report 004 names its argument dropout_rate but uses it as the keep probability. Mixing "
        "the two conventions, a mask that keeps with probability p (the drop rate) scaled by "
        "1/(1 − p) as for inverted dropout, changes the expected activation by the factor "
        "p/(1 − p). At the default p = 1/2 the two conventions coincide, so the mistake is "
        "invisible there and appears as soon as p is changed.",
    )
    wrong_mask = Bernoulli("m", p)
    d.chain(
        (Expectation(wrong_mask * x / keep), "m ∼ Bernoulli(p): keeps with the drop rate"),
        (p * x / keep, "m = 1 with probability p"),
        lhs=r"\operatorname{E}[y]",
    )
    d.fact(
        sp.solveset(sp.Eq(p / keep, 1), p, sp.Interval.open(0, 1)) == sp.FiniteSet(half),
        "p/(1 − p) = 1 only at p = 1/2: any other rate scales the activations wrongly",
        tex=sp.latex(sp.Eq(p / keep, 1)) + r"\iff p = \tfrac12",
    )
    d.fact(
        sp.Eq((p / keep).subs(p, sp.Rational(1, 5)), sp.Rational(1, 4)),
        "with p = 0.2 the expected activation is a quarter of the input",
        tex=r"\left." + sp.latex(p / keep) + r"\right|_{p = 1/5} = \tfrac14",
    )
    return d
