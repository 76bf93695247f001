"""The squared-error loss: the ½ form of many courses, and numnet's mean over all elements."""

import numpy as np
import sympy as sp

import numnet
from derivations import derivation
from derivations.core import Derivation
from derivations.indexed import index, instance_matrix, size
from derivations.matrices import symbol_matrix
from derivations.printing import ordered, product

yhat, y = sp.Symbol(r"\hat{y}", real=True), sp.Symbol("y", real=True)
P = size("P")  # the number of elements of the prediction: N for one output per sample
i, j = index("i"), index("j")
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
            sp.Eq(sp.Symbol(r"\ell"), loss, evaluate=False),
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
    loss = product(1 / P, sp.Sum(ordered(Yhat[i], -Y[i]) ** 2, (i, 1, P)))
    d = Derivation(
        "mse_mean",
        "The mean squared error: the gradient is 2(ŷ − y)/P, with P the number of elements",
        (
            "numnet's MSELoss, like PyTorch's, is the mean over all P elements of the "
            "prediction, without ½: P = N for one output per sample, NK for an N × K output. "
            "With the elements numbered 1 to P, ",
            sp.Eq(sp.Symbol("L"), loss, evaluate=False),
            ". Its gradient is the ½ form's ŷ − y, scaled by 2/P.",
        ),
        sizes="every number of elements P",
        ranges={i: (1, P), j: (1, P)},
    )
    claim = d.chain(
        sp.Derivative(loss, Yhat[j]),
        (product(2 / P, ordered(Yhat[j], -Y[j])), ("only the term i = j depends on ", Yhat[j])),
    )
    # Tie at P = 4: a 2 × 2 prediction (two samples, two outputs), so that numnet must divide
    # by the number of elements, not by the number of samples.
    rows, cols = 2, 2
    elements = rows * cols
    arrays = {Yhat: symbol_matrix("p", elements, 1), Y: symbol_matrix("t", elements, 1)}
    at = dict(sizes={P: elements}, arrays=arrays)
    instance = instance_matrix(d.unfold(claim), (j, elements), (sp.Symbol("_"), 1), **at)

    def run(v, dtype=np.float64):
        loss = numnet.MSELoss()
        v = np.asarray(v, dtype=dtype)
        value = loss(v[:elements].reshape(rows, cols), v[elements:].reshape(rows, cols))
        return loss, value

    d.tie(
        instance,
        list(arrays[Yhat]) + list(arrays[Y]),
        lambda v, dtype=np.float64: run(v, dtype)[0].backward(),
        "MSELoss.backward on a 2 × 2 prediction",
        loss=lambda v: run(v)[1],
        wrt=list(arrays[Yhat]),
    )
    return d
