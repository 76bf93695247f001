"""The squared-error loss: the ½ form of many courses, and numnet's mean over the batch."""

import numpy as np
import sympy as sp

import numnet
from derivations import derivation
from derivations.core import Derivation
from derivations.indexed import index, instance_matrix, size
from derivations.matrices import symbol_matrix
from derivations.printing import ordered, product

yhat, y = sp.Symbol(r"\hat{y}", real=True), sp.Symbol("y", real=True)
N = size("N")
n, j = index("n"), index("j")
Yhat, Y = sp.IndexedBase(r"\hat{y}", real=True), sp.IndexedBase("y", real=True)


@derivation
def mse_half():
    half = sp.Rational(1, 2)
    loss = half * ordered(y, -yhat) ** 2
    d = Derivation(
        "mse_half",
        "The squared error with a factor ½: its gradient is the error itself",
        (
            "Many courses write the loss of one prediction ",
            yhat,
            " with target y as ",
            sp.Eq(sp.Symbol("L"), loss, evaluate=False),
            ": the ½ cancels the 2 of the power rule.",
        ),
    )
    d.chain(
        sp.Derivative(loss, yhat),
        (
            product(half, 2, ordered(y, -yhat), -1),
            "chain rule: the outer square, then the inner −ŷ",
        ),
        (ordered(yhat, -y), "½ · 2 = 1, and the sign turns y − ŷ around"),
    )
    return d


@derivation
def mse_mean():
    loss = product(1 / N, sp.Sum(ordered(Yhat[n], -Y[n]) ** 2, (n, 1, N)))
    d = Derivation(
        "mse_mean",
        "The mean squared error over a batch: the gradient is 2(ŷ − y)/N",
        (
            "numnet's MSELoss, like PyTorch's, is the mean over the N predictions, without ½: ",
            sp.Eq(sp.Symbol("L"), loss, evaluate=False),
            ". Its gradient is the ½ form's ŷ − y, scaled by 2/N.",
        ),
        sizes="every N",
        ranges={n: (1, N), j: (1, N)},
    )
    claim = d.chain(
        sp.Derivative(loss, Yhat[j]),
        (product(2 / N, ordered(Yhat[j], -Y[j])), ("only the term n = j depends on ", Yhat[j])),
    )
    rows = 3
    arrays = {Yhat: symbol_matrix("p", rows, 1), Y: symbol_matrix("t", rows, 1)}
    at = dict(sizes={N: rows}, arrays=arrays)
    instance = instance_matrix(d.unfold(claim), (j, rows), (sp.Symbol("_"), 1), **at)

    def run(v, dtype=np.float64):
        loss = numnet.MSELoss()
        v = np.asarray(v, dtype=dtype)
        value = loss(v[:rows].reshape(rows, 1), v[rows:].reshape(rows, 1))
        return loss, value

    d.tie(
        instance,
        list(arrays[Yhat]) + list(arrays[Y]),
        lambda v, dtype=np.float64: run(v, dtype)[0].backward(),
        "MSELoss.backward",
        loss=lambda v: run(v)[1],
        wrt=list(arrays[Yhat]),
    )
    return d
