"""Max pooling: the pooled tables of report 000's Question 2, and the gradient of a maximum,
with numnet's rule at ties (all of δ to the first maximum in row-major order, as PyTorch)."""

import itertools

import numpy as np
import sympy as sp

import numnet
from derivations import derivation
from derivations.convolution import GIVEN_MAPS, GIVEN_POOLED, as_array
from derivations.core import Derivation
from derivations.functions import maxpool, same


def max_pool(m, k=2):
    """Non-overlapping k×k max pooling of a SymPy matrix (windows past the edge dropped)."""
    return sp.Matrix(
        m.rows // k, m.cols // k, lambda i, j: sp.Max(*m[k * i : k * i + k, k * j : k * j + k])
    )


@derivation
def maxpool_hand_question():
    d = Derivation(
        "maxpool_hand_question",
        "The hand-worked convolution question: 2×2 max pooling (stride 2) of the three maps",
        "Each 4×4 map M_k (in the box below) splits into four 2×2 blocks; pooling keeps the "
        "largest entry of each.",
    )
    for i, (given, pooled) in enumerate(zip(GIVEN_MAPS, GIVEN_POOLED, strict=True), 1):
        m = sp.MatrixSymbol(f"M_{i}", 4, 4)
        d.define(m, sp.ImmutableMatrix(given), show=False)
        d.chain(maxpool(m, 2), (sp.ImmutableMatrix(pooled), f"the question's pooled table {i}"))
    d.tie(
        sp.Matrix([list(pooled) for pooled in GIVEN_POOLED]),
        [],
        lambda v: numnet.MaxPool2d(2)(np.stack([as_array(m) for m in GIVEN_MAPS])[None])[0],
        "MaxPool2d(2) on the three maps",
    )
    return d


# One 2×2 window, entries x1 x2 (top row) and x3 x4 (bottom row): row-major order.
X = sp.symbols("x_1:5", real=True)
Y = sp.Symbol("y", real=True)
U = sp.symbols("u v w", positive=True)


def first_maximum(xs):
    """``[g_1, …]``: 1 at the first maximum of ``xs`` in order, 0 elsewhere (numnet's rule).

    ``g_i = 1`` when ``x_i`` is above every earlier entry and at least every later one.
    """
    return [
        sp.Piecewise(
            (
                1,
                sp.And(
                    *(xs[i] > xs[j] for j in range(i)),
                    *(xs[i] >= xs[j] for j in range(i + 1, len(xs))),
                ),
            ),
            (0, True),
        )
        for i in range(len(xs))
    ]


class first_max(sp.Function):  # noqa: N801
    """``g_i``: 1 if ``x_i`` is the first maximum of ``x_1, …`` in order, else 0 (numnet's rule).

    ``first_max(i, x_1, …, x_K)``; written out (``rewrite("numeric")``, or at numbers) it is
    1 when ``x_i`` is above every earlier entry and at least every later one.
    """

    @classmethod
    def eval(cls, i, *xs):
        if i.is_Integer and all(x.is_number for x in xs):
            return sp.Integer(1) if first_maximum(xs)[int(i) - 1] == 1 else sp.Integer(0)

    def _eval_rewrite_as_numeric(self, i, *xs, **kwargs):
        return first_maximum(xs)[int(i) - 1]

    def _latex(self, printer, exp=None):
        return "g_{%s}" % printer._print(self.args[0])


@derivation
def maxpool_backward():
    d = Derivation(
        "maxpool_backward",
        "Max-pool backward: δ goes to the first maximum of its window",
        (
            "One 2×2 window with entries x₁, x₂ (top row) and x₃, x₄ (bottom row), and ",
            sp.Eq(Y, sp.Max(*X), evaluate=False),
            ". Where one entry is the only maximum, max is differentiable: it moves with that "
            "entry one for one and not with the others. At a tie of two or more entries it has "
            "no derivative; its subgradients are exactly the convex combinations of the tied "
            "entries' unit vectors (weights ≥ 0 adding up to 1). numnet, like PyTorch, picks "
            "one of them: all of δ to the first maximum in row-major order. As a vector g: "
            "g_i = 1 when x_i is above every earlier entry and at least every later one, "
            "else 0. Below, g is checked for every pattern of ties of four entries (each "
            "in {0, 1, 2}), and tied to numnet at ties of 2, 3 and 4 equal entries.",
        ),
    )
    d.define(Y, sp.Max(*X))
    others = {X[1]: X[0] - U[0], X[2]: X[0] - U[0] - U[1], X[3]: X[0] - U[0] - U[1] - U[2]}
    at_top = (tuple(others), tuple(others.values()))
    d.fact(
        sp.Eq(sp.Subs(sp.Derivative(Y, X[0]), *at_top), 1, evaluate=False),
        "x₁ > x₂ > x₃ > x₄ (u, v, w > 0): y moves with x₁",
    )
    d.fact(
        sp.Eq(sp.Subs(sp.Derivative(Y, X[1]), *at_top), 0, evaluate=False),
        "and not with x₂ (nor x₃, x₄: max is symmetric)",
    )
    g = [first_max(i, *X) for i in range(1, 5)]
    picked = sp.Add(*(gi * xi for gi, xi in zip(g, X, strict=True)))
    grid = {xi: range(3) for xi in X}  # every pattern of ties among 4 entries
    d.enumerate(same(picked, sp.Max(*X)), grid, "g picks a maximal entry")
    d.enumerate(same(sp.Add(*g), 1), grid, "and exactly one")
    # The rule tied to numnet on a 4×4 input: four windows, with ties of 2, 3 and 4 equal
    # entries and no tie, each at random positions, in float64 and float32.
    xs = sp.Matrix(4, 4, lambda i, j: sp.Symbol(f"x_{{{i + 1}{j + 1}}}", real=True))
    windows = [list(xs[2 * a : 2 * a + 2, 2 * b : 2 * b + 2]) for a in (0, 1) for b in (0, 1)]
    rule = sp.zeros(4, 4)
    for (a, b), win in zip(itertools.product((0, 1), (0, 1)), windows, strict=True):
        for e, gi in enumerate(first_maximum(win)):
            rule[2 * a + e // 2, 2 * b + e % 2] = gi

    def sample(rng):
        patterns = [[5, 5, 1, 0], [5, 5, 5, 1], [3, 3, 3, 3], [4, 2, 1, 0]]  # ties of 2, 3, 4
        blocks = [rng.permutation(pt) + rng.integers(-3, 4) for pt in patterns]
        x = np.zeros((4, 4))
        for (a, b), block in zip(itertools.product((0, 1), (0, 1)), blocks, strict=True):
            x[2 * a : 2 * a + 2, 2 * b : 2 * b + 2] = block.reshape(2, 2)
        return x.ravel()

    def numnet_grad(values, dtype=np.float64):
        pool = numnet.MaxPool2d(2)
        pool(np.asarray(values, dtype=dtype).reshape(1, 1, 4, 4))
        return pool.backward(np.ones((1, 1, 2, 2), dtype=dtype))

    d.tie(rule, list(xs), numnet_grad, "MaxPool2d.backward at exact ties", sample=sample)
    return d
