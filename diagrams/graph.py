"""The computational graph of a two-layer network, and the one-node picture of backpropagation.

:func:`two_layer_example` runs a tiny network of scalars through numnet (forward and backward);
:func:`two_layer_graph` draws it with the forward values in blue on the left of each arrow and
the gradients in orange on the right, each written as *local gradient × upstream gradient*.
"""

import numpy as np

import numnet
from diagrams.style import BACKWARD, FORWARD, INK, SMALL, arrow, box, canvas, number, text


def two_layer_example(x=2.0, w1=0.5, b1=-0.5, w2=2.0, b2=-0.5, y=1.0):
    """Forward and backward through Linear(1,1) → Sigmoid → Linear(1,1) → MSELoss, in numnet.

    Returns
    -------
    dict of float
        ``x, W1, b1, z1, a1, W2, b2, y_hat, y, L`` (forward) and ``dy_hat, da1, dz1, dx, dW1,
        db1, dW2, db2`` (each ``dv`` is ∂L/∂v from numnet's backward), plus the local
        gradients ``dsigma`` = σ′(z₁) and ``dloss`` = ∂L/∂ŷ for an upstream gradient of 1.
    """
    first, second = numnet.Linear(1, 1), numnet.Linear(1, 1)
    first.weight.data[...], first.bias.data[...] = w1, b1
    second.weight.data[...], second.bias.data[...] = w2, b2
    sigmoid, mse = numnet.Sigmoid(), numnet.MSELoss()

    xs, target = np.array([[x]]), np.array([[y]])
    z1 = first(xs)
    a1 = sigmoid(z1)
    y_hat = second(a1)
    loss = mse(y_hat, target)

    dy_hat = mse.backward()  # ∂L/∂ŷ (the upstream gradient of L itself is 1)
    da1 = second.backward(dy_hat)
    dz1 = sigmoid.backward(da1)
    dx = first.backward(dz1)
    local = numnet.Sigmoid()
    local(z1)
    dsigma = local.backward(np.ones_like(z1))  # σ′(z₁): the local gradient alone

    values = {
        "x": xs,
        "W1": first.weight.data,
        "b1": first.bias.data,
        "z1": z1,
        "a1": a1,
        "W2": second.weight.data,
        "b2": second.bias.data,
        "y_hat": y_hat,
        "y": target,
        "L": loss,
        "dy_hat": dy_hat,
        "da1": da1,
        "dz1": dz1,
        "dx": dx,
        "dW1": first.weight.grad,
        "db1": first.bias.grad,
        "dW2": second.weight.grad,
        "db2": second.bias.grad,
        "dsigma": dsigma,
        "dloss": dy_hat,
    }
    return {name: float(np.asarray(v).item()) for name, v in values.items()}


def _paren(value):
    """A factor in a product: negative numbers in parentheses."""
    s = number(value, 3)
    return f"({s})" if value < 0 else s


def two_layer_graph(**example):
    """The graph x → Linear(W₁, b₁) → σ → Linear(W₂, b₂) → MSE → L with numnet's numbers.

    Keyword arguments are passed to :func:`two_layer_example`.
    """
    v = two_layer_example(**example)
    fig, ax = canvas(6.4, 7.55)
    col, down = 1.85, 0.13  # the chain's x position; half the gap between the two arrows
    n = lambda name: number(v[name], 3)  # noqa: E731

    text(ax, 0.05, 7.37, "forward", color=FORWARD, ha="left", weight="bold")
    text(
        ax,
        2.25,
        7.37,
        "backward: local gradient × upstream",
        color=BACKWARD,
        ha="left",
        weight="bold",
    )

    # Nodes from top to bottom: (y, label) of each box; None marks a plain value node.
    ys = {"x": 6.95, "lin1": 5.75, "sig": 4.4, "lin2": 3.05, "mse": 1.7, "L": 0.35}
    text(ax, col, ys["x"], "$x$", size=15)
    box(ax, col, ys["lin1"], 1.5, 0.5, "Linear $W_1, b_1$")
    box(ax, col, ys["sig"], 1.5, 0.5, r"$\sigma$")
    box(ax, col, ys["lin2"], 1.5, 0.5, "Linear $W_2, b_2$")
    box(ax, col, ys["mse"], 1.5, 0.5, "MSE loss")
    text(ax, col, ys["L"], "$L$", size=15)

    # Edges: (from, to, forward label, backward formula, backward numbers).
    edges = [
        (
            "x",
            "lin1",
            f"$x$ = {n('x')}",
            r"$\partial L/\partial x = W_1 \cdot \partial L/\partial z_1$",
            f"= {_paren(v['W1'])} × {_paren(v['dz1'])} = {n('dx')}",
        ),
        (
            "lin1",
            "sig",
            f"$z_1$ = {n('z1')}",
            r"$\partial L/\partial z_1 = \sigma'(z_1) \cdot \partial L/\partial a_1$",
            f"= {_paren(v['dsigma'])} × {_paren(v['da1'])} = {n('dz1')}",
        ),
        (
            "sig",
            "lin2",
            f"$a_1$ = {n('a1')}",
            r"$\partial L/\partial a_1 = W_2 \cdot \partial L/\partial \hat{y}$",
            f"= {_paren(v['W2'])} × {_paren(v['dy_hat'])} = {n('da1')}",
        ),
        (
            "lin2",
            "mse",
            rf"$\hat{{y}}$ = {n('y_hat')}",
            r"$\partial L/\partial \hat{y} = 2(\hat{y} - y) \cdot 1$",
            f"= {_paren(v['dloss'])} × 1 = {n('dy_hat')}",
        ),
        ("mse", "L", f"$L$ = {n('L')}", r"$\partial L/\partial L = 1$", ""),
    ]
    for start, end, forward, formula, numbers in edges:
        top = ys[start] - (0.25 if start != "x" else 0.2)
        bottom = ys[end] + (0.25 if end != "L" else 0.2)
        arrow(ax, (col - down, top), (col - down, bottom), color=FORWARD)
        arrow(ax, (col + down, bottom), (col + down, top), color=BACKWARD, dashed=True)
        middle = (top + bottom) / 2
        text(ax, col - 0.3, middle, forward, color=FORWARD, ha="right")
        if numbers:
            text(ax, col + 0.35, middle + 0.14, formula, color=BACKWARD, ha="left", size=SMALL)
            text(ax, col + 0.35, middle - 0.16, numbers, color=BACKWARD, ha="left", size=SMALL)
        else:
            text(ax, col + 0.35, middle, formula, color=BACKWARD, ha="left", size=SMALL)

    # Parameters enter the dense layers from the left; their gradients leave to the right.
    for layer, i, inp, up in (("lin1", 1, "x", "z_1"), ("lin2", 2, "a1", r"\hat{y}")):
        y0 = ys[layer]
        text(
            ax,
            0.05,
            y0 + 0.13,
            f"$W_{i}$ = {number(v[f'W{i}'])}",
            color=FORWARD,
            ha="left",
            size=SMALL,
        )
        text(
            ax,
            0.05,
            y0 - 0.17,
            f"$b_{i}$ = {number(v[f'b{i}'])}",
            color=FORWARD,
            ha="left",
            size=SMALL,
        )
        source = "x" if inp == "x" else "a_1"
        text(
            ax,
            col + 0.85,
            y0 + 0.13,
            rf"$\partial L/\partial W_{i} = {source} \cdot \partial L/\partial {up}$"
            f" = {n(f'dW{i}')}",
            color=BACKWARD,
            ha="left",
            size=SMALL,
        )
        text(
            ax,
            col + 0.85,
            y0 - 0.17,
            rf"$\partial L/\partial b_{i} = \partial L/\partial {up}$ = {n(f'db{i}')}",
            color=BACKWARD,
            ha="left",
            size=SMALL,
        )
    text(ax, col - 0.85, ys["mse"], f"$y$ = {n('y')}", color=FORWARD, ha="right")
    return fig


def one_node():
    """One node z = f(x, w) of a graph: forward in, local gradients inside, δ back out."""
    fig, ax = canvas(6.4, 3.0)
    cx, cy = 3.2, 1.55
    box(ax, cx, cy, 1.7, 1.15, "", lw=2)
    text(ax, cx, cy + 0.3, "$z = f(x, w)$", size=14)
    text(ax, cx, cy - 0.05, "local gradients", size=SMALL, color=INK)
    text(ax, cx, cy - 0.33, r"$\partial z/\partial x,\ \partial z/\partial w$", size=SMALL)

    # Forward: x and w come in from the left, z leaves to the right (blue, above).
    for dy, name in ((0.42, "x"), (-0.42, "w")):
        arrow(ax, (0.75, cy + dy + 0.08), (cx - 0.85, cy + dy + 0.08), color=FORWARD)
        text(ax, 0.6, cy + dy + 0.08, f"${name}$", color=FORWARD, ha="right", size=14)
        # Backward: the downstream gradients leave to the left (orange, below).
        arrow(ax, (cx - 0.85, cy + dy - 0.1), (0.75, cy + dy - 0.1), color=BACKWARD, dashed=True)
    text(
        ax,
        0.1,
        cy + 0.42 - 0.35,
        r"$\partial L/\partial x = \partial z/\partial x \cdot \delta$",
        color=BACKWARD,
        ha="left",
        size=SMALL,
    )
    text(
        ax,
        0.1,
        cy - 0.42 - 0.38,
        r"$\partial L/\partial w = \partial z/\partial w \cdot \delta$",
        color=BACKWARD,
        ha="left",
        size=SMALL,
    )
    arrow(ax, (cx + 0.85, cy + 0.12), (5.6, cy + 0.12), color=FORWARD)
    text(ax, 5.7, cy + 0.12, "$z$", color=FORWARD, ha="left", size=14)
    arrow(ax, (5.6, cy - 0.12), (cx + 0.85, cy - 0.12), color=BACKWARD, dashed=True)
    text(ax, 4.9, cy - 0.45, r"$\delta = \partial L/\partial z$", color=BACKWARD, size=SMALL)
    text(ax, 4.9, cy - 0.75, "upstream", color=BACKWARD, size=SMALL)
    text(ax, 1.5, 0.12, "downstream = local × upstream", color=BACKWARD, size=SMALL)
    text(ax, cx, 2.8, "forward: values flow right", color=FORWARD, size=SMALL)
    text(ax, cx, 2.52, "backward: gradients flow left", color=BACKWARD, size=SMALL)
    return fig
