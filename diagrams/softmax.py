"""Softmax couples every output to every logit; cross-entropy after softmax has gradient ŷ − y.

The probabilities and the Jacobian are numnet's ``Softmax``; the gradient is numnet's
``CrossEntropyLoss.backward``.
"""

import numpy as np

import numnet
from diagrams.activation import jacobian
from diagrams.style import (
    BACKWARD,
    FORWARD,
    HIGHLIGHT,
    INK,
    MUTED,
    SMALL,
    arrow,
    canvas,
    column,
    grid,
    number,
    text,
)

Z = np.array([2.0, 1.0, 0.1])


def softmax_jacobian(z=Z):
    """z → softmax → ŷ with every arrow, and the full Jacobian J = ∂ŷ/∂z."""
    y_hat = numnet.Softmax()(z[None])[0]
    jac = jacobian(numnet.Softmax(), z)
    k = z.size
    fig, ax = canvas(6.4, 3.35)
    cell, top = 0.6, 2.8

    column(ax, z, 0.3, top, cell, "$z$", digits=1)
    for i in range(k):
        for j in range(k):
            start = (0.3 + cell + 0.08, top - (i + 0.5) * cell)
            end = (1.85, top - (j + 0.5) * cell)
            arrow(ax, start, end, color=INK if i == j else MUTED, lw=1.2)
    column(ax, y_hat, 1.95, top, cell, r"$\hat{y}$", digits=2)

    x0 = 3.6
    grid(
        ax,
        jac,
        x0,
        top,
        0.7,
        fmt=number,
        size=SMALL,
        title=r"Jacobian $J = \partial \hat{y}/\partial z$",
    )
    text(
        ax,
        3.2,
        0.2,
        r"every $\hat{y}_i$ depends on every $z_j$: no zeros in $J$",
        size=SMALL + 1,
        color=BACKWARD,
    )
    return fig


def cross_entropy_example(z=Z, label=0):
    """``(ŷ, y, grad)`` for one sample: softmax, one-hot target, numnet's ∂L/∂z."""
    loss = numnet.CrossEntropyLoss()
    loss(z[None], np.array([label]))
    grad = loss.backward()[0]
    y_hat = numnet.Softmax()(z[None])[0]
    return y_hat, np.eye(z.size)[label], grad


def cross_entropy_gradient(z=Z, label=0):
    """Logits, probabilities, the one-hot target and ∂L/∂z = ŷ − y, with the push it gives."""
    y_hat, y, grad = cross_entropy_example(z, label)
    k = z.size
    fig, ax = canvas(6.2, 4.0)
    cell = 0.75
    x0 = 2.75
    rows = (
        ("logits $z$", z, FORWARD, 1),
        (r"softmax $\hat{y}$", y_hat, FORWARD, 2),
        ("target $y$ (one-hot)", y, INK, 0),
        (r"$\partial L/\partial z = \hat{y} - y$", grad, BACKWARD, 2),
    )
    top = 3.85
    for name, values, colour, digits in rows:
        fill = [[HIGHLIGHT if j == label else None for j in range(k)]]
        grid(
            ax,
            values[None],
            x0,
            top,
            cell,
            fill=fill,
            fmt=lambda v, d=digits: number(v, d),
            size=SMALL + 1,
            color=colour,
        )
        text(ax, x0 - 0.15, top - cell / 2, name, ha="right", color=colour, size=SMALL + 1)
        top -= cell + 0.05
    for j in range(k):  # gradient descent moves each z_j against its gradient
        xc, length = x0 + (j + 0.5) * cell, 0.4
        start, end = (xc, top), (xc, top - length)
        arrow(ax, *((end, start) if grad[j] < 0 else (start, end)), color=BACKWARD, lw=2.2)
    text(
        ax,
        3.1,
        0.15,
        "a gradient-descent step on $z$: the true class up, the others down",
        size=SMALL,
    )
    return fig
