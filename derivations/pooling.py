"""Max pooling: the pooled tables of report 000's Question 2, and the gradient of a maximum."""

import numpy as np
import sympy as sp

import numnet
from derivations import derivation
from derivations.convolution import REPORT_MAPS, REPORT_POOLED, as_array, tex_matrix
from derivations.core import Derivation


def max_pool(m, k=2):
    """Non-overlapping k×k max pooling of a SymPy matrix (windows past the edge dropped)."""
    return sp.Matrix(
        m.rows // k, m.cols // k, lambda i, j: sp.Max(*m[k * i : k * i + k, k * j : k * j + k])
    )


@derivation
def maxpool_hand_question():
    d = Derivation(
        "maxpool_hand_question",
        "Report 000, Question 2: 2×2 max pooling (stride 2) of the three maps",
        "Each 4×4 map splits into four 2×2 blocks; pooling keeps the largest entry of each.",
    )
    for k, (m, pooled) in enumerate(zip(REPORT_MAPS, REPORT_POOLED, strict=True), 1):
        d.chain(
            (
                max_pool(m),
                "the maximum of each 2×2 block",
                rf"\operatorname{{maxpool}}_{{2\times2}}{tex_matrix(m)}",
            ),
            (pooled, f"the report's pooled table {k}"),
            lhs=rf"\operatorname{{maxpool}}(M_{k})",
        )
    d.tie(
        sp.Matrix([list(pooled) for pooled in REPORT_POOLED]),
        [],
        lambda v: numnet.MaxPool2d(2)(np.stack([as_array(m) for m in REPORT_MAPS])[None])[0],
        "MaxPool2d(2) on the three maps",
    )
    return d


@derivation
def maxpool_backward():
    a, b, c, e = sp.symbols("a b c d", real=True)
    u, v, w = sp.symbols("u v w", positive=True)
    window = (a, b, c, e)
    d = Derivation(
        "maxpool_backward",
        "Max-pool backward: the gradient goes to the position of the maximum",
        "One 2×2 window with entries a, b (top row) and c, d (bottom row), output "
        "y = max(a, b, c, d). SymPy differentiates max with the unit step θ "
        "(θ(z) = 1 for z > 0, 0 for z < 0).",
    )
    grad = sp.Matrix([sp.diff(sp.Max(*window), s) for s in window])
    claim = d.chain(
        (sp.Matrix([sp.Derivative(sp.Max(*window), s) for s in window]), "y = max(a, b, c, d)"),
        (
            grad,
            "∂ max(s, m)/∂s = θ(s − m), m the largest other entry: 1 if s is above "
            "every other entry, 0 if below",
        ),
        lhs=r"\nabla_{(a, b, c, d)}\, y",
    )
    d.fact(
        sp.Eq(grad.subs(e, c - w).subs(c, b - v).subs(b, a - u), sp.Matrix([1, 0, 0, 0])),
        "where a is the largest (b = a − u, c = b − v, d = c − w with u, v, w > 0), the "
        "gradient is (1, 0, 0, 0): all of dy goes to a, nothing to the others (max is "
        "symmetric in b, c, d, so their order does not matter)",
        tex=r"\nabla y\,\big|_{a > b > c > d} = (1, 0, 0, 0)",
    )
    d.fact(
        sp.Eq(sp.Heaviside(0), sp.Rational(1, 2)),
        "at a tie the maximum has no derivative; SymPy's θ(0) = 1/2 is one subgradient. "
        "numnet, like PyTorch, gives all of dy to the first maximum in row-major order",
        tex=r"\theta(0) = \tfrac12",
    )

    def numnet_grad(values):
        pool = numnet.MaxPool2d(2)
        pool(np.asarray(values, dtype=np.float64).reshape(1, 1, 2, 2))
        return pool.backward(np.ones((1, 1, 1, 1)))

    def value(values):
        return float(
            numnet.MaxPool2d(2)(np.asarray(values, dtype=np.float64).reshape(1, 1, 2, 2))[
                0, 0, 0, 0
            ]
        )

    d.tie(claim, list(window), numnet_grad, "MaxPool2d.backward", loss=value, wrt=list(window))
    return d
