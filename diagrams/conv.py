"""Convolution: a window sliding over a padded input, im2col, and the backward pass.

Every number drawn comes from numnet: the output size from ``numnet.conv.conv_output_size``,
the matrix of patches from ``numnet.conv.im2col`` and the input gradient from
``Conv2d.backward``.
"""

import numpy as np

import numnet
from diagrams.style import (
    ACCENTS,
    BACKWARD,
    FORWARD,
    INK,
    PAD,
    SMALL,
    TITLE,
    arrow,
    canvas,
    grid,
    outline,
    text,
)
from numnet.conv import conv_output_size, im2col


def _tint(colour, amount=0.25):
    """``colour`` mixed with white: ``amount`` of the colour, the rest white."""
    rgb = np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)]) / 255
    return tuple(1 - amount * (1 - rgb))


def conv_window(n=5, k=3, p=1, s=2):
    """A ``k × k`` window at two successive positions over an ``n × n`` input padded by ``p``.

    Shows the padding shaded, the window moved by the stride ``s``, the output grid with the two
    cells those positions produce, and the output size ⌊(n + 2p − k)/s⌋ + 1 with the numbers.
    """
    out = conv_output_size(n, k, s, p)
    size = n + 2 * p
    cell = min(0.4, 2.9 / size)
    fig, ax = canvas(6.2, cell * size + 1.75)
    top = cell * size + 1.0

    shade = [
        [PAD if min(i, j) < p or max(i, j) >= n + p else None for j in range(size)]
        for i in range(size)
    ]
    grid(ax, [[None] * size] * size, 0.1, top, cell, fill=shade, fmt=None, edge=INK)
    text(ax, 0.1 + cell * size / 2, top + 0.5, f"input {n}×{n}, padding {p}", size=TITLE)
    for position, colour, inset in ((0, FORWARD, 0.03), (1, BACKWARD, -0.03)):
        x0 = 0.1 + position * s * cell
        outline(ax, x0 + 0.03 + inset, top - 0.03 - inset, k * cell - 0.06, k * cell - 0.06, colour)
    # The stride: how far the window's left edge moved.
    y_stride = top + 0.15
    arrow(ax, (0.1 + 0.03, y_stride), (0.1 + s * cell + 0.03, y_stride), color=INK, lw=1.5)
    text(ax, 0.1 + s * cell + 0.12, y_stride, f"stride {s}", ha="left", size=SMALL)

    # The output grid: the two window positions produce its first two cells.
    x_out = 0.1 + cell * size + 1.1
    fill = [[None] * out for _ in range(out)]
    fill[0][0], fill[0][1] = _tint(FORWARD, 0.6), _tint(BACKWARD, 0.6)
    out_cell = 0.45
    grid(ax, [[None] * out] * out, x_out, top, out_cell, fill=fill, fmt=None)
    text(ax, x_out + out_cell * out / 2, top + 0.5, f"output {out}×{out}", size=TITLE)
    arrow(ax, (x_out - 0.9, top - cell * size / 2), (x_out - 0.15, top - cell * size / 2))
    text(ax, x_out - 0.52, top - cell * size / 2 + 0.22, f"kernel {k}×{k}", size=SMALL)

    formula = (
        rf"$\lfloor (n + 2p - k)/s \rfloor + 1 = \lfloor ({n} + 2\cdot{p} - {k})/{s} \rfloor + 1"
        rf" = {out}$"
    )
    text(ax, 3.1, 0.3, formula, size=14)
    return fig


def im2col_example(n=3, k=2):
    """An ``n × n`` input holding 1, 2, …, and its patches as columns (numnet's im2col)."""
    x = np.arange(1.0, n * n + 1).reshape(1, 1, n, n)
    return x[0, 0], im2col(x, k)


def im2col_figure(n=3, k=2):
    """The ``k × k`` patches of a small input become the columns of one matrix, colours matching."""
    x, cols = im2col_example(n, k)
    out = n - k + 1
    fig, ax = canvas(6.4, 3.5)
    top = 2.9

    cell = 0.45
    grid(ax, x, 0.1, top - 0.2, cell)
    text(ax, 0.1 + cell * n / 2, top + 0.25, "input", size=TITLE)

    # The patches, in the order im2col lays them out (row by row over window positions).
    small = 0.36
    x_patch = 0.1 + cell * n + 0.55
    for index in range(out * out):
        i, j = divmod(index, out)
        colour = ACCENTS[index % len(ACCENTS)]
        x0, y0 = x_patch + j * (k * small + 0.2), top - i * (k * small + 0.35)
        patch = x[i : i + k, j : j + k]
        grid(ax, patch, x0, y0, small, fill=_tint(colour), edge=colour, size=SMALL, lw=1.5)
    text(ax, x_patch + out * (k * small + 0.2) / 2 - 0.1, top + 0.25, "patches", size=TITLE)

    # The matrix of columns: column c is patch c, read row by row.
    x_matrix = x_patch + out * (k * small + 0.2) + 0.55
    fill = [
        [_tint(ACCENTS[c % len(ACCENTS)]) for c in range(cols.shape[1])]
        for _ in range(cols.shape[0])
    ]
    grid(ax, cols, x_matrix, top, 0.4, fill=fill, size=SMALL, title="im2col")
    arrow(ax, (x_matrix - 0.5, top - 0.8), (x_matrix - 0.1, top - 0.8))
    text(
        ax,
        x_matrix + 0.8,
        top - 0.4 * cols.shape[0] - 0.3,
        f"{cols.shape[0]}×{cols.shape[1]}: one column per patch",
        size=SMALL,
    )
    text(
        ax,
        3.2,
        0.25,
        rf"$y = \mathrm{{row}}(W)\,\cdot$ im2col$(x)$: a (1×{k * k}) · ({k * k}×{out * out})"
        " product",
        size=SMALL,
    )
    return fig


def conv_backward_example(n=5, k=3, s=2):
    """δ, the kernel and the input gradient of a stride-``s`` convolution, from numnet.

    Returns ``(delta, weight, dx)``; ``dx`` is ``Conv2d.backward(delta)``.
    """
    out = conv_output_size(n, k, s)
    delta = np.arange(1.0, out * out + 1).reshape(out, out)
    weight = np.array([[1.0, 0.0, 2.0], [0.0, 1.0, 0.0], [-1.0, 0.0, 1.0]])[:k, :k]
    layer = numnet.Conv2d(1, 1, k, stride=s, bias=False)
    layer.weight.data[...] = weight
    layer(np.zeros((1, 1, n, n)))
    dx = layer.backward(delta[None, None])[0, 0]
    return delta, weight, dx


def dilate(a, s):
    """Insert ``s − 1`` zeros between neighbouring entries of a 2-D array."""
    rows, cols = a.shape
    out = np.zeros(((rows - 1) * s + 1, (cols - 1) * s + 1))
    out[::s, ::s] = a
    return out


def conv_backward_figure(n=5, k=3, s=2):
    """dx = pad_{k−1}(dilate_s δ) ⋆ rot180(W): every step drawn, the result from numnet."""
    delta, weight, dx = conv_backward_example(n, k, s)
    dilated = dilate(delta, s)
    padded = np.pad(dilated, k - 1)
    rotated = weight[::-1, ::-1]
    fig, ax = canvas(6.4, 6.55)

    def show(a, x0, y0, c, title, colour=INK, zeros=True):
        """``a`` as a grid with zeros shaded (and left blank unless ``zeros``)."""
        values = [[None if (v == 0 and not zeros) else v for v in row] for row in a]
        shade = [[PAD if v == 0 else None for v in row] for row in a]
        grid(
            ax,
            values,
            x0,
            y0,
            c,
            fill=shade,
            size=SMALL,
            title=title,
            title_size=SMALL + 1,
            title_color=colour,
        )

    def step(x0, x1, y, label):
        arrow(ax, (x0, y), (x1, y))
        text(ax, (x0 + x1) / 2, y + 0.22, label, size=SMALL)

    # Top row: δ → dilate → pad.
    cell, top = 0.4, 6.1
    show(delta, 0.1, top, cell, r"$\delta$", BACKWARD)
    step(0.1 + cell * delta.shape[1] + 0.1, 1.7, top - cell, f"dilate$_{s}$")
    show(dilated, 1.8, top, cell, f"dilated {dilated.shape[0]}×{dilated.shape[1]}")
    step(1.8 + cell * dilated.shape[1] + 0.1, 3.8, top - 1.5 * cell, f"pad$_{{{k - 1}}}$")
    pc = 0.34
    show(padded, 3.9, top, pc, f"padded {padded.shape[0]}×{padded.shape[1]}", zeros=False)
    outline(ax, 3.9 + 0.03, top - 0.03, k * pc - 0.06, k * pc - 0.06, FORWARD)

    # Bottom row: rotate the kernel, slide it over the padded grid, read off ∂L/∂x.
    low = 3.1
    show(weight, 0.1, low, cell, "$W$")
    step(0.1 + cell * k + 0.1, 2.3, low - 1.5 * cell, "rot180")
    grid(ax, rotated, 2.4, low, cell, fill=_tint(FORWARD), edge=FORWARD, size=SMALL, lw=1.5)
    text(ax, 2.4 + 1.5 * cell, low + 0.25, "rot180$(W)$", size=SMALL + 1, color=FORWARD)
    text(
        ax,
        2.4 + 1.5 * cell,
        low - k * cell - 0.3,
        "slide over the\npadded grid (⋆)",
        size=SMALL,
        va="top",
    )
    dc = 0.4
    x_dx = 6.3 - dc * dx.shape[1]
    grid(ax, dx, x_dx, low, dc, size=SMALL)
    text(
        ax,
        x_dx + dc * dx.shape[1] / 2,
        low + 0.25,
        r"$\partial L/\partial x$",
        size=SMALL + 1,
        color=BACKWARD,
    )
    outline(ax, x_dx + 0.02, low - 0.02, dc - 0.04, dc - 0.04, FORWARD)
    text(
        ax,
        3.2,
        0.3,
        r"$\partial L/\partial x = \mathrm{pad}_{k-1}(\mathrm{dilate}_s\,\delta)"
        r" \star \mathrm{rot180}(W)$",
        size=14,
    )
    return fig
