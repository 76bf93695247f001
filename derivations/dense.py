"""Dense layers: the gradients of ``Y = XW + 1b`` for every batch size and width, why stacked
linear layers collapse into one, and the column convention of many courses.

The general derivations use index notation (``x_{ni}``, sums over symbolic N, D, H) and are tied
to numnet at N = 2, D = 3, H = 2; the matrix identities use matrix symbols of any size.
"""

import numpy as np
import sympy as sp

import numnet
from derivations import derivation
from derivations.core import Derivation
from derivations.indexed import index, instance_matrix, size
from derivations.matrices import symbol_matrix
from derivations.printing import product
from derivations.ties import tie_module

N, D, H = size("N"), size("D"), size("H")
n, n2, m, i, j, k = (index(s) for s in ("n", "n'", "m", "i", "j", "k"))
x, w, b, y = (sp.IndexedBase(s, real=True) for s in ("x", "w", "b", "y"))
delta = sp.IndexedBase(r"\delta", real=True)


@derivation
def dense_layer():
    d = Derivation(
        "dense_layer",
        "The dense layer's gradients: weights, bias and input",
        (
            "A dense layer maps a batch X (N × D) to Y = XW + 1b (N × H). For any loss L, let ",
            sp.Eq(delta[n, k], sp.Derivative(sp.Symbol("L"), y[n, k]), evaluate=False),
            " be the upstream gradient. L depends on the parameters only through Y, so by the "
            "chain rule it changes with each of them as S = Σ δ y does with δ held fixed; "
            "we differentiate S.",
        ),
        sizes="every N, D and H",
        ranges={n: (1, N), n2: (1, N), m: (1, D), i: (1, D), k: (1, H), j: (1, H)},
    )
    d.define(y, sp.Lambda((n, k), sp.Sum(x[n, m] * w[m, k], (m, 1, D)) + b[k]))
    S = sp.Sum(delta[n2, k] * y[n2, k], (k, 1, H), (n2, 1, N))
    dW = d.chain(
        sp.Derivative(S, w[i, j]),
        (
            sp.Sum(product(x[n2, i], delta[n2, j]), (n2, 1, N)),
            ("only k = j, m = i survive: entry (i, j) of ", _XT_delta),
        ),
    )
    db = d.chain(
        sp.Derivative(S, b[j]),
        (sp.Sum(delta[n2, j], (n2, 1, N)), "only k = j survives: the column sums of δ"),
    )
    dX = d.chain(
        sp.Derivative(S, x[n, i]),
        (
            sp.Sum(product(delta[n, k], w[i, k]), (k, 1, H)),
            ("only n′ = n, m = i survive: entry (n, i) of ", _delta_WT),
        ),
    )
    rows, ins, outs = 2, 3, 2
    arrays = {
        x: symbol_matrix("x", rows, ins),
        w: symbol_matrix("w", ins, outs),
        b: symbol_matrix("b", 1, outs),
        delta: symbol_matrix(r"\delta", rows, outs),
    }
    at = dict(sizes={N: rows, D: ins, H: outs}, arrays=arrays)
    claims = {
        "weight": (instance_matrix(d.unfold(dW), (i, ins), (j, outs), **at), arrays[w]),
        "bias": (instance_matrix(d.unfold(db), (k, 1), (j, outs), **at), arrays[b]),
        "input": (instance_matrix(d.unfold(dX), (n, rows), (i, ins), **at), arrays[x]),
    }

    def build(values, dtype=np.float64):
        xv, wv, bv, dy = np.split(np.asarray(values, dtype=dtype), np.cumsum([6, 6, 2]))
        layer = numnet.Linear(ins, outs).astype(dtype)
        layer.weight.data, layer.bias.data = wv.reshape(ins, outs), bv
        return layer, xv.reshape(rows, ins), dy.reshape(rows, outs)

    inputs = [s for array in arrays.values() for s in array]
    tie_module(d, inputs, build, "Linear", claims)
    return d


_X = sp.MatrixSymbol("X", N, D)
_W = sp.MatrixSymbol("W", D, H)
_delta = sp.MatrixSymbol(r"\delta", N, H)
_XT_delta, _delta_WT = _X.T * _delta, _delta * _W.T


@derivation
def linear_collapse():
    d_in = size("d")
    W1, W2 = sp.MatrixSymbol("W_1", d_in, d_in), sp.MatrixSymbol("W_2", d_in, d_in)
    b1, b2, v = (sp.MatrixSymbol(s, d_in, 1) for s in ("b_1", "b_2", "x"))
    d = Derivation(
        "linear_collapse",
        "Two linear layers without an activation are one linear layer",
        "In the column convention (a sample is a column x), two layers without a nonlinearity "
        "between them compute one affine map: a single weight matrix and a single bias. The "
        "order of the product matters: matrices do not commute.",
        sizes="every size d of square weights",
    )
    d.chain(
        W2 * (W1 * v + b1) + b2,
        (
            sp.MatAdd(W2 * W1 * v, W2 * b1, b2, evaluate=False),
            ("distribute ", W2, ": one weight matrix ", W2 * W1, " and one bias ", W2 * b1 + b2),
        ),
    )
    d.fact(
        sp.Ne(W2 * W1 * v, W1 * W2 * v, evaluate=False),
        "a common mistake is to expand the product in the other order: the two differ",
    )
    return d


@derivation
def column_convention():
    Xc, Wc, bc, dc = (
        sp.MatrixSymbol("X_c", D, N),
        sp.MatrixSymbol("W_c", H, D),
        sp.MatrixSymbol("b_c", H, 1),
        sp.MatrixSymbol(r"\delta_c", H, N),
    )
    ones = sp.MatrixSymbol(r"\mathbf{1}", N, 1)
    d = Derivation(
        "column_convention",
        "The column convention is the transpose of the row convention",
        "Many courses store samples as columns: their input is the transpose of ours, and so "
        "are their weights, bias and upstream gradient. Transposing our forward pass gives "
        "theirs, and transposing our weight gradient gives theirs.",
        sizes="every N, D and H",
    )
    d.define(Xc, _X.T)
    d.define(Wc, _W.T)
    d.define(bc, sp.MatrixSymbol("b", 1, H).T)
    d.define(dc, _delta.T)
    d.chain(
        sp.Transpose(_X * _W + ones * sp.MatrixSymbol("b", 1, H)),
        (
            _W.T * _X.T + sp.MatrixSymbol("b", 1, H).T * ones.T,
            "the transpose of a product reverses it",
        ),
        (Wc * Xc + bc * ones.T, "their names for the transposes"),
    )
    d.chain(
        sp.Transpose(_XT_delta),
        (_delta.T * _X, "the transpose of a product reverses it"),
        (dc * Xc.T, "their names for the transposes"),
    )
    return d
