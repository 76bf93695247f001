"""Activation functions: sigmoid, tanh, ReLU and Leaky ReLU, and why deep sigmoid nets fade.

Each derivative is derived from the definition, then tied to the numnet module whose
``backward`` uses it.
"""

import sympy as sp

import numnet
from derivations import derivation
from derivations.core import Derivation, prove_equal
from derivations.functions import leaky_relu, relu, sigma
from derivations.ties import elementwise_grad

x = sp.Symbol("x", real=True)
u = sp.Symbol("u", real=True)
half, quarter = sp.Rational(1, 2), sp.Rational(1, 4)


@derivation
def sigmoid():
    d = Derivation(
        "sigmoid",
        "Sigmoid: σ'(x) = σ(x)(1 − σ(x))",
        "Differentiate σ(x) = 1/(1 + e⁻ˣ) and write the result in terms of σ itself, "
        "so that backward can reuse the output saved by forward.",
    )
    s = 1 / (1 + sp.exp(-x))
    claim = d.chain(
        (sp.Derivative(s, x), "definition of σ"),
        (sp.exp(-x) / (1 + sp.exp(-x)) ** 2, "chain rule on (1 + e⁻ˣ)⁻¹"),
        (sp.Mul(s, 1 - s, evaluate=False), "e⁻ˣ/(1 + e⁻ˣ) = 1 − 1/(1 + e⁻ˣ)"),
        (sigma(x) * (1 - sigma(x)), "name it: σ(x)(1 − σ(x))"),
        lhs=r"\sigma'(x)",
    )
    d.fact(
        prove_equal(sp.diff(sigma(x), x), sp.diff(s, x)) == "symbolic",
        "so the rule σ' = σ(1 − σ) that later derivations use for σ is proved",
        tex=r"\frac{d}{dx}\sigma(x) = \sigma(x)\,(1 - \sigma(x))",
    )
    numnet_grad, loss = elementwise_grad(numnet.Sigmoid)
    d.tie(claim, [x], numnet_grad, "Sigmoid.backward", loss=loss, wrt=[x])
    return d


@derivation
def sigmoid_max_slope():
    d = Derivation(
        "sigmoid_max_slope",
        "The sigmoid's slope is at most 1/4, reached at x = 0",
        "Write σ' as a function of u = σ(x) ∈ (0, 1) and complete the square.",
    )
    d.chain(
        (u * (1 - u), "σ' = u(1 − u) with u = σ(x)"),
        (quarter - (u - half) ** 2, "complete the square"),
        lhs=r"\sigma'(x)",
    )
    d.fact(
        quarter - (u - half) ** 2 <= quarter,
        "a square is never negative",
        tex=r"\sigma'(x) = \tfrac14 - \left(u - \tfrac12\right)^2 \le \tfrac14",
    )
    d.fact(
        sp.Eq((1 / (1 + sp.exp(-x))).subs(x, 0), half),
        "so the bound is reached where σ(x) = 1/2, at x = 0",
        tex=r"\sigma(0) = \tfrac{1}{1 + e^{0}} = \tfrac12",
    )
    return d


@derivation
def tanh():
    d = Derivation(
        "tanh",
        "Tanh: tanh'(x) = 1 − tanh²(x)",
        "The quotient rule on tanh = sinh/cosh, then cosh² − sinh² = 1.",
    )
    claim = d.chain(
        (sp.Derivative(sp.sinh(x) / sp.cosh(x), x), "tanh = sinh / cosh"),
        ((sp.cosh(x) ** 2 - sp.sinh(x) ** 2) / sp.cosh(x) ** 2, "quotient rule"),
        (1 - sp.tanh(x) ** 2, "divide through by cosh²"),
        lhs=r"\tanh'(x)",
    )
    numnet_grad, loss = elementwise_grad(numnet.Tanh)
    d.tie(claim, [x], numnet_grad, "Tanh.backward", loss=loss, wrt=[x])
    return d


@derivation
def tanh_is_scaled_sigmoid():
    d = Derivation(
        "tanh_is_scaled_sigmoid",
        "tanh(x) = 2σ(2x) − 1, so tanh is a zero-centred sigmoid with range (−1, 1)",
    )
    d.chain(
        (sp.tanh(x), "definition"),
        ((sp.exp(x) - sp.exp(-x)) / (sp.exp(x) + sp.exp(-x)), "in exponentials"),
        ((1 - sp.exp(-2 * x)) / (1 + sp.exp(-2 * x)), "divide by eˣ"),
        (2 / (1 + sp.exp(-2 * x)) - 1, "1 − e⁻²ˣ = 2 − (1 + e⁻²ˣ)"),
        (2 * sigma(2 * x) - 1, "recognise σ(2x)"),
        lhs=r"\tanh(x)",
    )
    d.fact(sp.Eq(sp.Limit(sp.tanh(x), x, sp.oo), 1), "tanh → 1 as x → ∞")
    d.fact(sp.Eq(sp.Limit(sp.tanh(x), x, -sp.oo), -1), "tanh → −1 as x → −∞")
    d.fact(
        sp.Eq(sp.diff(sp.tanh(x), x).subs(x, 0), 4 * sp.diff(1 / (1 + sp.exp(-x)), x).subs(x, 0)),
        "tanh'(0) = 1 is four times σ'(0) = 1/4: the real reason tanh trains faster",
        tex=r"\tanh'(0) = 1 = 4\,\sigma'(0)",
    )
    return d


@derivation
def relu_grad():
    d = Derivation(
        "relu_grad",
        "ReLU: derivative 1 for x > 0 and 0 for x < 0 (and 0 at x = 0 by convention)",
        "ReLU is not differentiable at 0; any value in [0, 1] is a subgradient there. "
        "numnet, like PyTorch, uses 0.",
    )
    claim = d.chain(
        (sp.Derivative(relu(x), x), "ReLU(x) = max(0, x)"),
        (sp.Piecewise((0, x <= 0), (1, True)), "differentiate each piece; take 0 at x = 0"),
        lhs=r"\operatorname{ReLU}'(x)",
    )
    numnet_grad, loss = elementwise_grad(numnet.ReLU)
    d.tie(claim, [x], numnet_grad, "ReLU.backward", loss=loss, wrt=[x])
    d.tie(claim, [x], numnet_grad, "ReLU.backward at 0", sample=lambda rng: [0.0])
    return d


@derivation
def leaky_relu_grad():
    a = sp.Symbol("a", positive=True)
    slope = 0.01
    d = Derivation(
        "leaky_relu_grad",
        "Leaky ReLU: derivative 1 for x > 0 and a for x ≤ 0",
        "A small slope a for negative inputs keeps a gradient flowing where ReLU has none.",
    )
    claim = d.chain(
        (sp.Derivative(leaky_relu(x, a), x), "x for x > 0, a·x otherwise"),
        (sp.Piecewise((a, x <= 0), (1, True)), "differentiate each piece; take a at x = 0"),
        lhs=r"\operatorname{LeakyReLU}_a'(x)",
    )
    numnet_grad, loss = elementwise_grad(lambda: numnet.LeakyReLU(slope))
    at_slope = claim.subs(a, slope)
    d.tie(at_slope, [x], numnet_grad, "LeakyReLU.backward", loss=loss, wrt=[x])
    d.tie(at_slope, [x], numnet_grad, "LeakyReLU.backward at 0", sample=lambda rng: [0.0])
    return d


@derivation
def vanishing_gradient():
    depth = 3
    d = Derivation(
        "vanishing_gradient",
        f"Through {depth} stacked sigmoids the gradient shrinks by at least (1/4)^{depth}",
        "The chain rule multiplies one σ' per layer, and each σ' is at most 1/4 "
        "(sigmoid_max_slope). The same argument holds for any depth L: (1/4)^L.",
    )
    a = [x]
    for _ in range(depth):
        a.append(sigma(a[-1]))
    product = sp.Mul(*[sigma(a[k]) * (1 - sigma(a[k])) for k in range(depth)])
    claim = d.chain(
        (sp.Derivative(a[-1], x), f"{depth} sigmoids composed"),
        (product, "chain rule: one σ'(a_k) = σ(a_k)(1 − σ(a_k)) per layer"),
        lhs=r"\frac{d a_3}{d x}",
    )
    d.fact(
        sp.Mul(*[quarter] * depth) == quarter**depth,
        "each factor is at most 1/4 (sigmoid_max_slope), so the product is at most (1/4)^3",
        tex=r"\left|\frac{d a_3}{d x}\right| \le \left(\tfrac14\right)^3 = \tfrac{1}{64}",
    )
    stack = lambda: numnet.Sequential(*[numnet.Sigmoid() for _ in range(depth)])  # noqa: E731
    numnet_grad, loss = elementwise_grad(stack)
    d.tie(claim, [x], numnet_grad, "Sequential(Sigmoid ×3).backward", loss=loss, wrt=[x])
    return d
