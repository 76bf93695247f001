"""Max pooling: the forward pass keeps each window's maximum, the backward pass routes δ there.

The input gradient is numnet's ``MaxPool2d.backward``; one window holds a tie, and δ goes to
its first maximum in row-major order (PyTorch's rule).
"""

import numpy as np

import numnet
from diagrams.style import (
    BACKWARD,
    FORWARD,
    HIGHLIGHT,
    INK,
    MUTED,
    PAD,
    SMALL,
    TITLE,
    arrow,
    canvas,
    grid,
    outline,
    text,
)

X = np.array([[1.0, 3, 2, 0], [5, 2, 7, 7], [4, 0, 1, 3], [2, 6, 8, 2]])  # a tie of 7s
DELTA = np.array([[1.0, 2], [3, 4]])


def maxpool_example(x=X, delta=DELTA):
    """``(y, dx)`` of a 2×2 max pool with stride 2, forward and backward in numnet."""
    pool = numnet.MaxPool2d(2)
    y = pool(x[None, None])[0, 0]
    dx = pool.backward(delta[None, None])[0, 0]
    return y, dx


def _windows(ax, x0, y0, cell, rows, cols):
    """Thick outlines around the 2×2 windows of a grid."""
    for i in range(0, rows, 2):
        for j in range(0, cols, 2):
            outline(ax, x0 + j * cell, y0 - i * cell, 2 * cell, 2 * cell, INK, lw=2.5)


def maxpool_routing(x=X, delta=DELTA):
    """Forward: x → y (maxima highlighted). Backward: δ → dx, δ at the first maximum, 0 elsewhere."""
    y, dx = maxpool_example(x, delta)
    fig, ax = canvas(5.4, 5.9)
    cell, big = 0.5, 4 * 0.5
    x_left, x_right = 0.2, 3.6
    top, low = 5.2, 2.5

    is_max = np.zeros_like(x, dtype=bool)
    for i in range(0, 4, 2):
        for j in range(0, 4, 2):
            window = x[i : i + 2, j : j + 2]
            is_max[i : i + 2, j : j + 2] = window == window.max()
    first = dx != 0  # where numnet sent δ
    fill = [
        [HIGHLIGHT if first[i, j] else (PAD if is_max[i, j] else None) for j in range(4)]
        for i in range(4)
    ]

    # Forward row.
    grid(ax, x, x_left, top, cell, fill=fill)
    _windows(ax, x_left, top, cell, 4, 4)
    text(ax, x_left + big / 2, top + 0.3, "input $x$", size=TITLE, color=FORWARD)
    arrow(ax, (x_left + big + 0.2, top - cell * 2), (x_right - 0.2, top - cell * 2), FORWARD)
    text(
        ax,
        (x_left + big + x_right) / 2,
        top - 2 * cell + 0.25,
        "max of\neach 2×2",
        size=SMALL,
        va="bottom",
    )
    grid(ax, y, x_right, top - cell, cell, fill=HIGHLIGHT)
    text(ax, x_right + cell, top - cell + 0.3, "$y$", size=TITLE, color=FORWARD)

    # Backward row: δ comes in from the right, dx leaves to the left.
    grid(ax, delta, x_right, low - cell, cell, color=BACKWARD)
    text(ax, x_right + cell, low - cell + 0.3, r"$\delta$", size=TITLE, color=BACKWARD)
    arrow(
        ax,
        (x_right - 0.2, low - cell * 2),
        (x_left + big + 0.2, low - cell * 2),
        BACKWARD,
        dashed=True,
    )
    text(
        ax,
        (x_left + big + x_right) / 2,
        low - 2 * cell + 0.25,
        "route to\nthe max",
        size=SMALL,
        va="bottom",
    )
    values = [[dx[i, j] if first[i, j] else 0 for j in range(4)] for i in range(4)]
    grid(
        ax,
        values,
        x_left,
        low,
        cell,
        fill=[[HIGHLIGHT if f else None for f in r] for r in first],
        fmt=None,
    )
    for i in range(4):
        for j in range(4):
            colour = BACKWARD if first[i, j] else MUTED
            text(
                ax,
                x_left + (j + 0.5) * cell,
                low - (i + 0.5) * cell,
                f"{dx[i, j]:.0f}",
                color=colour,
            )
    _windows(ax, x_left, low, cell, 4, 4)
    text(ax, x_left + big / 2, low + 0.3, r"$\partial L/\partial x$", size=TITLE, color=BACKWARD)
    text(
        ax,
        2.7,
        0.05,
        "grey: a tied maximum (two 7s); δ goes to the first\n"
        "maximum in row-major order, as in PyTorch",
        size=SMALL,
        va="bottom",
    )
    return fig
