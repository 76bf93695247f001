"""An activation acts on each entry alone, so its Jacobian is diagonal and backward is δ ⊙ g′(z).

The values and the Jacobian are numnet's ``Sigmoid`` forward and backward.
"""

import numpy as np

import numnet
from diagrams.style import (
    BACKWARD,
    INK,
    PAD,
    SMALL,
    arrow,
    canvas,
    column,
    grid,
    number,
    text,
)

Z = np.array([-2.0, -0.5, 0.5, 2.0])


def jacobian(module, z):
    """The Jacobian ∂a/∂z of ``module`` at one sample ``z``, from its backward pass.

    ``backward`` of the unit vector e_j returns e_jᵀ (∂a/∂z), which is row j: ∂a_j/∂z.
    """
    rows = []
    for j in range(z.size):
        module(z[None])
        rows.append(module.backward(np.eye(z.size)[j][None])[0])  # row j: ∂a_j/∂z
    return np.array(rows)


def elementwise(z=Z):
    """z → σ → a entry by entry, and the diagonal Jacobian ∂a/∂z."""
    a = numnet.Sigmoid()(z[None])[0]
    jac = jacobian(numnet.Sigmoid(), z)
    k = z.size
    fig, ax = canvas(6.4, 3.6)
    cell, top = 0.55, 3.05

    column(ax, z, 0.3, top, cell, "$z$", digits=1)
    for i in range(k):
        y = top - (i + 0.5) * cell
        arrow(ax, (0.3 + cell + 0.08, y), (1.75, y), color=INK, lw=1.3)
        text(ax, 1.3, y + 0.12, r"$\sigma$", size=SMALL)
    column(ax, a, 1.85, top, cell, "$a$", digits=2)

    x0 = 3.6
    shade = [[None if i == j else PAD for j in range(k)] for i in range(k)]
    grid(
        ax,
        jac,
        x0,
        top,
        0.6,
        fill=shade,
        fmt=number,
        size=SMALL,
        title=r"Jacobian $\partial a/\partial z$",
    )
    text(
        ax,
        3.2,
        0.2,
        r"diagonal: $a_i$ depends on $z_i$ only, so $\partial L/\partial z = \delta \odot "
        r"\sigma'(z)$",
        size=SMALL + 1,
        color=BACKWARD,
    )
    return fig
