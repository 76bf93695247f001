"""Training: finite differences, why equal weights stay equal, a momentum step, the loop.

Slopes come from numnet's ``Tanh`` (forward and backward), the gradients of the symmetric
network from numnet's backward, and the momentum step from ``numnet.SGD``.
"""

import matplotlib.patches as mpatches
import numpy as np

import numnet
from diagrams.style import (
    ACCENTS,
    BACKWARD,
    DPI,
    FORWARD,
    INK,
    MUTED,
    SIZE,
    SMALL,
    TITLE,
    Diagram,
    arrow,
    box,
    canvas,
    grid,
    number,
    text,
)


def finite_difference_example(x=0.3, h=0.7):
    """``f(x − h), f(x), f(x + h)`` and the exact slope f′(x) of f = tanh, from numnet."""
    tanh = numnet.Tanh()
    values = tanh(np.array([[x - h, x, x + h]]))[0]
    exact = tanh.backward(np.array([[0.0, 1.0, 0.0]]))[0, 1]
    return values, exact


def finite_differences(x=0.3, h=0.7):
    """The tangent of tanh at x, the forward-difference and the central-difference secants."""
    (below, at, above), exact = finite_difference_example(x, h)
    forward = (above - at) / h
    central = (above - below) / (2 * h)
    fig = Diagram(figsize=(6.0, 3.9), dpi=DPI)
    ax = fig.add_subplot()
    grid_x = np.linspace(x - 1.6 * h, x + 1.6 * h, 200)
    ax.plot(grid_x, np.tanh(grid_x), color=INK, lw=2.5, label="$f = \\tanh$")

    span = np.array([x - 1.4 * h, x + 1.4 * h])
    lines = (
        (exact, at, x, FORWARD, "-", f"tangent: $f'(x)$ = {number(exact, 3)}"),
        (forward, at, x, BACKWARD, "--", f"forward difference: {number(forward, 3)}"),
        (
            central,
            below + central * h,
            x,
            ACCENTS[2],
            "-.",
            f"central difference: {number(central, 3)}",
        ),
    )
    for slope, y0, x0, colour, style, label in lines:
        ax.plot(span, y0 + slope * (span - x0), color=colour, ls=style, lw=2, label=label)
    ax.plot([x - h, x, x + h], [below, at, above], "o", color=INK, ms=7)
    ax.set_xticks([x - h, x, x + h], ["$x - h$", "$x$", "$x + h$"], fontsize=SIZE)
    ax.set_yticks([])
    for side in ("right", "top"):
        ax.spines[side].set_visible(False)
    ax.legend(fontsize=SMALL, loc="upper left", frameon=False)
    ax.set_title(f"slopes at $x$ = {x:g} with $h$ = {h:g}", fontsize=SIZE)
    fig.tight_layout()
    return fig


def symmetry_example(value=0.5, x=(1.0, 2.0), y=1.0):
    """Linear(2, 2) → Sigmoid → Linear(2, 1) with every weight ``value``, biases 0.

    Returns ``(hidden, dW1)``: the two hidden activations and ∂L/∂W₁ (2×2) from numnet.
    """
    first, second = numnet.Linear(2, 2), numnet.Linear(2, 1)
    for layer in (first, second):
        layer.weight.data[...] = value
        layer.bias.data[...] = 0.0
    model = numnet.Sequential(first, numnet.Sigmoid(), second)
    loss = numnet.MSELoss()
    loss(model(np.array([x])), np.array([[y]]))
    model.backward(loss.backward())
    hidden = numnet.Sigmoid()(first(np.array([x])))[0]
    return hidden, first.weight.grad.copy()


def symmetry(value=0.5):
    """Two hidden units that start equal compute the same value and get equal gradients."""
    hidden, dw1 = symmetry_example(value)
    fig, ax = canvas(6.4, 3.4)
    r = 0.27
    inputs = [(0.5, 2.3), (0.5, 1.0)]
    units = [(2.3, 2.3), (2.3, 1.0)]
    out = (3.9, 1.65)
    colours = (ACCENTS[0], ACCENTS[2])
    for j, (ux, uy) in enumerate(units):
        for ix, iy in inputs:
            arrow(ax, (ix + r, iy), (ux - r, uy), color=colours[j], lw=1.6)
        arrow(ax, (ux + r, uy), (out[0] - r, out[1]), color=MUTED, lw=1.6)
    for i, (ix, iy) in enumerate(inputs):
        ax.add_patch(mpatches.Circle((ix, iy), r, facecolor="white", edgecolor=INK, lw=1.5))
        text(ax, ix, iy, f"$x_{i + 1}$", size=SIZE)
    for j, (ux, uy) in enumerate(units):
        ax.add_patch(mpatches.Circle((ux, uy), r, facecolor="white", edgecolor=colours[j], lw=2.5))
        text(
            ax,
            ux,
            uy + r + 0.18,
            f"$a_{j + 1}$ = {number(hidden[j], 3)}",
            size=SMALL,
            color=colours[j],
        )
    ax.add_patch(mpatches.Circle(out, r, facecolor="white", edgecolor=INK, lw=1.5))
    text(ax, *out, r"$\hat{y}$", size=SIZE)
    text(ax, 2.2, 3.2, f"every weight starts at {value:g}", size=SMALL + 1)

    x0, top, cell = 4.75, 2.4, 0.7
    fill = [[colours[j] + "40" for j in range(2)] for _ in range(2)]
    grid(ax, dw1, x0, top, cell, fill=fill, fmt=lambda v: number(v, 3), size=SMALL)
    text(ax, x0 + cell, top + 0.3, r"$\partial L/\partial W_1$", size=TITLE, color=BACKWARD)
    text(
        ax,
        x0 + cell,
        top - 2 * cell - 0.3,
        "equal columns:\nthe units stay twins",
        size=SMALL,
        va="top",
    )
    return fig


def momentum_example(lr=0.1, beta=0.9, g_before=(-5.0, 0.0), g_now=(-1.0, 2.5)):
    """Two steps of ``numnet.SGD(momentum=beta)`` on a weight w starting at 0.

    Returns ``(m_before, g_now, step)``: the buffer m after the first step, the second
    gradient, and the second step w_{t+1} − w_t as numnet applied it.
    """
    w = numnet.Parameter(np.zeros(2))
    opt = numnet.SGD([w], lr=lr, momentum=beta)
    w.grad = np.array(g_before)
    opt.step()
    m_before = opt.momentum_buffers[0].copy()
    start = w.data.copy()
    w.grad = np.array(g_now)
    opt.step()
    return m_before, np.array(g_now), w.data - start


def momentum_step(lr=0.1, beta=0.9):
    """One momentum step as a sum of two arrows: −ηβ m_{t−1} (keep going) and −η g_t."""
    m_before, g_now, step = momentum_example(lr, beta)
    fig, ax = canvas(6.2, 3.7)
    scale = 8.0  # inches per unit of w
    w0 = np.array([0.4, 3.2])
    keep = w0 + scale * (-lr * beta * m_before)
    new = w0 + scale * step
    sgd = w0 + scale * (-lr * g_now)
    arrow(ax, w0, keep, color=MUTED, lw=2.5)
    arrow(ax, keep, new, color=BACKWARD, lw=2.5)
    arrow(ax, w0, sgd, color=BACKWARD, lw=1.5, dashed=True)
    arrow(ax, w0, new, color=FORWARD, lw=3.5)
    ax.plot(*w0, "o", color=INK, ms=7)
    text(ax, w0[0], w0[1] + 0.25, "$w_t$", size=SIZE)
    text(ax, new[0] + 0.15, new[1], "$w_{t+1}$", size=SIZE, ha="left")
    text(
        ax,
        (w0[0] + keep[0]) / 2,
        keep[1] + 0.22,
        r"$-\eta\beta\, m_{t-1}$: keep going",
        size=SMALL,
        color=MUTED,
    )
    text(
        ax,
        (keep[0] + new[0]) / 2 + 0.12,
        (keep[1] + new[1]) / 2,
        r"$-\eta\, g_t$",
        size=SMALL,
        color=BACKWARD,
        ha="left",
    )
    text(
        ax,
        sgd[0] + 0.1,
        sgd[1] - 0.15,
        "plain SGD\nwould stop here",
        size=SMALL,
        color=BACKWARD,
        ha="left",
        va="top",
    )
    text(
        ax,
        3.1,
        0.5,
        r"$w_{t+1} - w_t = -\eta\,(\beta m_{t-1} + g_t) = -\eta\, m_t$",
        size=SIZE,
        color=FORWARD,
    )
    text(ax, 3.1, 0.12, f"η = {lr:g}, β = {beta:g}: the step numnet.SGD takes", size=SMALL)
    return fig


def training_loop():
    """The five lines of a training step, repeated for every minibatch of every epoch."""
    fig, ax = canvas(6.4, 3.7)
    steps = (
        ("optimizer.zero_grad()", "forget old\ngradients", MUTED),
        ("output = model(x_batch)", "forward pass", FORWARD),
        ("loss = loss_fn(output, y_batch)", "the loss L", FORWARD),
        ("model.backward(loss_fn.backward())", "δ back through\nevery layer", BACKWARD),
        ("optimizer.step()", "w ← w − η · w.grad", ACCENTS[2]),
    )
    top, gap = 3.35, 0.68
    for i, (code, why, colour) in enumerate(steps):
        y = top - i * gap
        box(ax, 2.35, y, 3.6, 0.46, "", color=colour, lw=1.8)
        text(ax, 0.65, y, code, size=SMALL, family="monospace", ha="left", color=INK)
        text(ax, 4.27, y, why, size=SMALL, ha="left", color=colour)
        if i:
            arrow(ax, (2.35, y + gap - 0.23), (2.35, y + 0.23), color=INK, lw=1.3)
    bottom = top - (len(steps) - 1) * gap
    arrow(ax, (0.5, bottom), (0.5, top), color=INK, lw=1.8, rad=-0.25)
    text(ax, 0.1, (top + bottom) / 2, "next batch", size=SMALL, rotation=90)
    return fig
