"""A dense layer as matrix shapes: Y = XW + 1b forward, and its three gradients backward.

The shapes drawn are the shapes numnet produces (a ``Linear(D, H)`` on a batch of ``N``).
"""

import numpy as np

import numnet
from diagrams.style import ACCENTS, BACKWARD, FORWARD, INK, SMALL, canvas, grid, text

# Light tints, one per sample (row), so that row n of X can be followed into row n of Y.
ROWS = ("#c9daf0", "#f6d5bf", "#cdeedb", "#e3d3ee")


def dense_shapes(n=4, d=3, h=2):
    """Shapes ``{name: shape}`` of a ``Linear(d, h)`` forward and backward on a batch of ``n``."""
    layer = numnet.Linear(d, h, rng=0)
    x = np.zeros((n, d))
    y = layer(x)
    dx = layer.backward(np.ones_like(y))
    return {
        "X": x.shape,
        "W": layer.weight.shape,
        "b": (1, *layer.bias.shape),
        "Y": y.shape,
        "delta": y.shape,
        "dW": layer.weight.grad.shape,
        "db": (1, *layer.bias.grad.shape),
        "dX": dx.shape,
    }


def _block(ax, shape, x0, y0, cell, fill, label, colour=INK, rows=None):
    """An empty matrix of ``shape`` with its name and shape written under it; returns its width."""
    r, c = shape
    fills = [[rows[i % len(rows)]] * c for i in range(r)] if rows else fill
    grid(ax, [[None] * c] * r, x0, y0, cell, fill=fills, fmt=None, edge=colour, lw=1.2)
    text(ax, x0 + c * cell / 2, y0 - r * cell - 0.22, label, color=colour, size=SMALL + 1)
    text(ax, x0 + c * cell / 2, y0 - r * cell - 0.5, f"{r}×{c}", color=colour, size=SMALL)
    return c * cell


def dense_forward(n=4, d=3, h=2):
    """Y = X W + 1b with the shapes N×D · D×H + (1×H, added to every row) = N×H."""
    s = dense_shapes(n, d, h)
    fig, ax = canvas(6.0, 2.3)
    cell, top, x = 0.36, 2.2, 0.15
    mid = top - n * cell / 2

    x += _block(ax, s["X"], x, top, cell, None, "$X$", rows=ROWS) + 0.3
    text(ax, x - 0.15, mid, "·", size=20)
    x += _block(ax, s["W"], x, top - (n - d) * cell / 2, cell, "#eeeeee", "$W$") + 0.4
    text(ax, x - 0.2, mid, "+", size=18)
    x += _block(ax, s["b"], x, top - (n - 1) * cell / 2, cell, "#eeeeee", "$b$") + 0.45
    text(ax, x - 0.22, mid, "=", size=18)
    _block(ax, s["Y"], x, top, cell, None, "$Y$", rows=ROWS)
    text(
        ax,
        3.0,
        0.12,
        "one row per sample: row $n$ of $X$ gives row $n$ of $Y$; $b$ is added to every row",
        size=SMALL,
    )
    return fig


def dense_backward(n=4, d=3, h=2):
    """The three gradients of a dense layer as shape products, δ = ∂L/∂Y of shape N×H."""
    s = dense_shapes(n, d, h)
    fig, ax = canvas(6.0, 5.5)
    cell = 0.3
    lines = (  # (result label, result shape, [(factor label, shape, colour), ...])
        (
            r"$\partial L/\partial W$",
            s["dW"],
            [("$X^T$", s["X"][::-1], FORWARD), (r"$\delta$", s["delta"], BACKWARD)],
        ),
        (
            r"$\partial L/\partial b$",
            s["db"],
            [("$1^T$", (1, n), INK), (r"$\delta$", s["delta"], BACKWARD)],
        ),
        (
            r"$\partial L/\partial X$",
            s["dX"],
            [(r"$\delta$", s["delta"], BACKWARD), ("$W^T$", s["W"][::-1], FORWARD)],
        ),
    )
    top = 5.35
    notes = (
        f"sums over the\n{n} samples",
        f"sums over the\n{n} samples",
        f"sums over the\n{h} outputs",
    )
    for (result, shape, factors), note in zip(lines, notes, strict=True):
        height = max(f[1][0] for f in factors) * cell
        mid = top - height / 2
        x = 0.1
        x += _block(ax, shape, x, mid + shape[0] * cell / 2, cell, "#fbe3d2", result, BACKWARD)
        text(ax, x + 0.25, mid, "=", size=18)
        x += 0.5
        for k, (label, fshape, colour) in enumerate(factors):
            tint = (
                "#fbe3d2" if colour == BACKWARD else ("#d6e3f3" if colour == FORWARD else "#eeeeee")
            )
            x += _block(ax, fshape, x, mid + fshape[0] * cell / 2, cell, tint, label, colour)
            if k == 0:
                text(ax, x + 0.2, mid, "·", size=20)
                x += 0.4
        text(ax, x + 0.3, mid, note, size=SMALL, ha="left", color=ACCENTS[2])
        top -= height + 0.8
    return fig
