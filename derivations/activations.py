"""Activation functions: sigmoid, tanh, ReLU and Leaky ReLU, and why deep sigmoid nets fade.

Each derivative starts from the function's definition (the first line is checked against it),
is written in the form numnet's ``backward`` uses, and is tied to that ``backward``.
"""

import sympy as sp

import numnet
from derivations import derivation
from derivations.core import Derivation
from derivations.functions import leaky_relu, relu, sigma
from derivations.printing import ordered, product
from derivations.ties import elementwise_grad

x = sp.Symbol("x", real=True)
u = sp.Symbol("u", real=True)
a = sp.Symbol("a", positive=True)
half, quarter = sp.Rational(1, 2), sp.Rational(1, 4)
sigmoid_of_x = 1 / (1 + sp.exp(-x))


def slope(f):
    """``f'(x)``: the derivative of ``f`` with respect to x, unevaluated (printed d/dx f)."""
    return sp.Derivative(f, x)


@derivation
def sigmoid():
    d = Derivation(
        "sigmoid",
        (
            "The derivative of the sigmoid: ",
            sp.Eq(slope(sigma(x)), product(sigma(x), 1 - sigma(x))),
        ),
        (
            "Differentiate ",
            sp.Eq(sigma(x), sigmoid_of_x, evaluate=False),
            " and write the result in terms of σ itself, so that backward can reuse the "
            "output that forward saved.",
        ),
    )
    claim = d.chain(
        slope(sigma(x)),
        (slope(sigmoid_of_x), "definition of σ"),
        (sp.exp(-x) / (1 + sp.exp(-x)) ** 2, ("chain rule on ", (1 + sp.exp(-x)) ** -1)),
        (
            product(sigmoid_of_x, sp.exp(-x) / (1 + sp.exp(-x))),
            "split the fraction into two factors",
        ),
        (
            product(sigmoid_of_x, 1 - sigmoid_of_x),
            ("because ", sp.Eq(sp.exp(-x) / (1 + sp.exp(-x)), 1 - sigmoid_of_x, evaluate=False)),
        ),
        (product(sigma(x), 1 - sigma(x)), "name each factor σ"),
    )
    numnet_grad, loss = elementwise_grad(numnet.Sigmoid)
    d.tie(claim, [x], numnet_grad, "Sigmoid.backward", loss=loss, wrt=[x])
    return d


@derivation
def sigmoid_max_slope():
    d = Derivation(
        "sigmoid_max_slope",
        ("The sigmoid's slope is at most ", quarter, ", reached at ", sp.Eq(x, 0)),
        (
            "Write σ′ with ",
            sp.Eq(u, sigma(x), evaluate=False),
            ", a number in (0, 1), and complete the square.",
        ),
    )
    d.define(u, sigma(x))
    d.chain(
        slope(sigma(x)),
        (product(sigma(x), 1 - sigma(x)), "the derivative of the sigmoid"),
        (product(u, 1 - u), ("write ", u, " for ", sigma(x))),
        (ordered(quarter, -((u - half) ** 2)), "complete the square"),
    )
    d.fact(
        sp.Le(ordered(quarter, -((u - half) ** 2)), quarter, evaluate=False),
        "a square is never negative",
    )
    d.fact(
        sp.Eq(sigma(0), half, evaluate=False),
        ("the bound is reached where ", sp.Eq(u, half), ", at x = 0"),
    )
    return d


@derivation
def tanh():
    d = Derivation(
        "tanh",
        ("The derivative of tanh: ", sp.Eq(slope(sp.tanh(x)), 1 - sp.tanh(x) ** 2)),
        "The quotient rule on tanh = sinh / cosh, then cosh² − sinh² = 1.",
    )
    claim = d.chain(
        slope(sp.tanh(x)),
        (slope(sp.sinh(x) / sp.cosh(x)), "definition of tanh"),
        (ordered(sp.cosh(x) ** 2, -(sp.sinh(x) ** 2)) / sp.cosh(x) ** 2, "quotient rule"),
        (1 - (sp.sinh(x) / sp.cosh(x)) ** 2, "divide each term by cosh²"),
        (1 - sp.tanh(x) ** 2, "sinh / cosh = tanh"),
    )
    numnet_grad, loss = elementwise_grad(numnet.Tanh)
    d.tie(claim, [x], numnet_grad, "Tanh.backward", loss=loss, wrt=[x])
    return d


@derivation
def tanh_is_scaled_sigmoid():
    d = Derivation(
        "tanh_is_scaled_sigmoid",
        ("tanh is a rescaled sigmoid: ", sp.Eq(sp.tanh(x), 2 * sigma(2 * x) - 1)),
        "So tanh has the sigmoid's S shape, stretched to the range (−1, 1) and centred on 0.",
    )
    d.chain(
        sp.tanh(x),
        ((sp.exp(x) - sp.exp(-x)) / (sp.exp(x) + sp.exp(-x)), "definition of tanh"),
        ((1 - sp.exp(-2 * x)) / (1 + sp.exp(-2 * x)), ("divide above and below by ", sp.exp(x))),
        (
            2 / (1 + sp.exp(-2 * x)) - 1,
            ("write ", 1 - sp.exp(-2 * x), " as ", ordered(2, -(1 + sp.exp(-2 * x)))),
        ),
        (2 * sigma(2 * x) - 1, ("recognise ", sigma(2 * x))),
    )
    d.fact(sp.Eq(sp.Limit(sp.tanh(x), x, sp.oo), 1, evaluate=False), "the upper end of the range")
    d.fact(sp.Eq(sp.Limit(sp.tanh(x), x, -sp.oo), -1, evaluate=False), "the lower end of the range")
    d.fact(
        sp.Eq(sp.Subs(slope(sp.tanh(x)), x, 0), 1, evaluate=False),
        "tanh's slope at 0 …",
    )
    d.fact(
        sp.Eq(sp.Subs(slope(sigma(x)), x, 0), quarter, evaluate=False),
        "… is four times the sigmoid's. Steeper slopes and outputs centred on 0 are why tanh "
        "networks usually train faster than sigmoid ones.",
    )
    return d


@derivation
def relu_grad():
    d = Derivation(
        "relu_grad",
        "The derivative of ReLU: 1 for x > 0, 0 for x < 0",
        "ReLU is not differentiable at 0: every slope in [0, 1] is a subgradient there. numnet, "
        "like PyTorch, uses 0.",
    )
    claim = d.chain(
        slope(relu(x)),
        (slope(sp.Piecewise((0, x <= 0), (x, True))), "definition: ReLU(x) = max(0, x)"),
        (
            sp.Piecewise((0, x <= 0), (1, True)),
            "differentiate each piece; at the kink x = 0 take 0",
        ),
    )
    numnet_grad, loss = elementwise_grad(numnet.ReLU)
    d.tie(claim, [x], numnet_grad, "ReLU.backward", loss=loss, wrt=[x])
    d.tie(claim, [x], numnet_grad, "ReLU.backward at 0", sample=lambda rng: [0.0])
    return d


@derivation
def leaky_relu_grad():
    negative_slope = 0.01
    d = Derivation(
        "leaky_relu_grad",
        ("The derivative of Leaky ReLU: 1 for x > 0, ", a, " for x ≤ 0"),
        ("A small slope ", a, " for negative inputs keeps a gradient flowing where ReLU has none."),
    )
    claim = d.chain(
        slope(leaky_relu(x, a)),
        (
            slope(sp.Piecewise((a * x, x <= 0), (x, True))),
            ("definition: x for x > 0, ", a * x, " otherwise"),
        ),
        (sp.Piecewise((a, x <= 0), (1, True)), ("differentiate each piece; at the kink take ", a)),
    )
    numnet_grad, loss = elementwise_grad(lambda: numnet.LeakyReLU(negative_slope))
    at_slope = claim.subs(a, negative_slope)
    d.tie(at_slope, [x], numnet_grad, "LeakyReLU.backward", loss=loss, wrt=[x])
    d.tie(at_slope, [x], numnet_grad, "LeakyReLU.backward at 0", sample=lambda rng: [0.0])
    return d


@derivation
def vanishing_gradient():
    depth = 3
    layers = [x]
    for _ in range(depth):
        layers.append(sigma(layers[-1]))
    d = Derivation(
        "vanishing_gradient",
        f"Through {depth} stacked sigmoids, the chain rule multiplies {depth} slopes",
        (
            "Each factor below is the sigmoid's slope, at most 1/4 (see the sigmoid's maximum "
            f"slope), so the gradient through {depth} layers is at most (1/4)^{depth} = "
            f"1/{4**depth}, and through M layers at most (1/4)^M.",
        ),
        at=f"{depth} layers",
    )
    claim = d.chain(
        slope(layers[-1]),
        (
            sp.Mul(
                *[product(sigma(layers[k]), 1 - sigma(layers[k])) for k in reversed(range(depth))],
                evaluate=False,
            ),
            "chain rule: one factor σ(1 − σ) per layer, evaluated at that layer's input",
        ),
    )
    stack = lambda: numnet.Sequential(*[numnet.Sigmoid() for _ in range(depth)])  # noqa: E731
    numnet_grad, loss = elementwise_grad(stack)
    d.tie(claim, [x], numnet_grad, f"Sequential(Sigmoid ×{depth}).backward", loss=loss, wrt=[x])
    return d
