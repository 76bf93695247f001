"""The squared-error loss in the reports' form ½(t − out)² and in numnet's batch-mean form."""

import sympy as sp

import numnet
from derivations import derivation
from derivations.core import Derivation
from derivations.matrices import gradient, symbol_matrix


@derivation
def mse_half():
    out, t = sp.symbols("out t", real=True)
    d = Derivation(
        "mse_half",
        "Squared error with ½: ∂L/∂out = out − t",
        "The reports (000 Q3) use L = ½(t − out)²; the ½ cancels the 2 from the power rule.",
    )
    d.chain(
        (sp.Derivative(sp.Rational(1, 2) * (t - out) ** 2, out), "L = ½(t − out)²"),
        (-(t - out), "chain rule: ½ · 2(t − out) · (−1)"),
        (out - t, "rearrange"),
        lhs=r"\frac{\partial L}{\partial \mathrm{out}}",
    )
    return d


@derivation
def mse_mean():
    n = 3
    p, t = symbol_matrix("p", n, 1), symbol_matrix("t", n, 1)
    d = Derivation(
        "mse_mean",
        "Mean squared error: ∂L/∂p = 2(p − t)/n",
        f"numnet's MSELoss, like PyTorch's, is the mean over all n elements without ½ (here n = {n}). "
        "Its gradient is the ½-form's gradient out − t scaled by 2/n.",
    )
    L = sum((p - t).applyfunc(lambda r: r**2)) / n
    claim = d.chain(
        (gradient(L, p), "differentiate L = (1/n) Σ (p_i − t_i)² with respect to each p_i"),
        (sp.Rational(2, n) * (p - t), "factor out 2/n"),
        lhs=r"\frac{\partial L}{\partial p}",
    )

    def run(v):
        loss = numnet.MSELoss()
        value = loss(v[:n].reshape(n, 1), v[n:].reshape(n, 1))
        return loss, value

    d.tie(
        claim,
        list(p) + list(t),
        lambda v: run(v)[0].backward(),
        "MSELoss.backward",
        loss=lambda v: run(v)[1],
        wrt=list(p),
    )
    return d
