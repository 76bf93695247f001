"""Backpropagation: one layer's three gradients for every size, and a two-layer network.

A layer computes ``z_nk = Σ_m a_nm w_mk + b_k`` and ``a'_nk = g(z_nk)``. Given the upstream
gradient ``δ_nk = ∂L/∂a'_nk``, the chain rule gives the gradients of its weights and bias and
the gradient it passes down, ``∂L/∂a_nm``: the δ of the layer below. That recursion, applied
from the loss back to the input, is backpropagation; :func:`backprop_layer` proves it for every
N, D, H and any differentiable g, :func:`backprop_equations` proves the same three gradients as
matrix formulas (SymPy's matrix calculus, every N, D, H) and runs them, layer by layer, through
a three-layer numnet network, and :func:`two_layer_backprop` follows a whole network at small
sizes, where SymPy can also differentiate the loss directly.
"""

import numpy as np
import sympy as sp
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

import numnet
from derivations import derivation
from derivations.core import Derivation
from derivations.functions import sigma, sigma_prime
from derivations.indexed import index, instance_matrix, size
from derivations.matrices import gradient, symbol_matrix
from derivations.printing import ordered
from derivations.ties import tie_module

N, D, H = size("N"), size("D"), size("H")
n, n2, m, i, j, k = (index(s) for s in ("n", "n'", "m", "i", "j", "k"))
a, w, b, z = (sp.IndexedBase(s, real=True) for s in ("a", "w", "b", "z"))
delta = sp.IndexedBase(r"\delta", real=True)
g = sp.Function("g")
_xi = sp.Symbol("xi")


def g_prime(arg):
    """``g'(arg)``: the derivative of the activation, evaluated at ``arg``."""
    return sp.Subs(sp.Derivative(g(_xi), _xi), _xi, arg)


@derivation
def backprop_layer():
    d = Derivation(
        "backprop_layer",
        "One layer of backpropagation: the weight, bias and input gradients",
        "A layer takes activations a (N × D) to z = aW + 1b and then to g(z) (N × H). The loss "
        "L depends on w_ij, b_j or a_ni only through the layer's outputs, and δ_nk = ∂L/∂g(z_nk) "
        "is what the layer above sends down. By the chain rule, L changes with each of them as "
        "the sum S = Σ δ g(z) does with δ held fixed, so we differentiate S.",
        sizes="every N, D, H and every differentiable g",
        ranges={n: (1, N), n2: (1, N), m: (1, D), i: (1, D), k: (1, H), j: (1, H)},
    )
    d.define(z, sp.Lambda((n, k), sp.Sum(a[n, m] * w[m, k], (m, 1, D)) + b[k]))
    S = sp.Sum(delta[n2, k] * g(z[n2, k]), (k, 1, H), (n2, 1, N))
    dW = d.chain(
        sp.Derivative(S, w[i, j]),
        (
            sp.Sum(
                delta[n2, k] * g_prime(z[n2, k]) * sp.Derivative(z[n2, k], w[i, j]),
                (k, 1, H),
                (n2, 1, N),
            ),
            "chain rule: local gradient g′ times upstream gradient δ",
        ),
        (
            sp.Sum(a[n2, i] * g_prime(z[n2, j]) * delta[n2, j], (n2, 1, N)),
            ("z changes with ", w[i, j], " only in column j, by ", a[n2, i]),
        ),
    )
    db = d.chain(
        sp.Derivative(S, b[j]),
        (
            sp.Sum(g_prime(z[n2, j]) * delta[n2, j], (n2, 1, N)),
            ("the chain rule again: ", b[j], " adds to column j of z in every row"),
        ),
    )
    da = d.chain(
        sp.Derivative(S, a[n, i]),
        (
            sp.Sum(
                delta[n2, k] * g_prime(z[n2, k]) * sp.Derivative(z[n2, k], a[n, i]),
                (k, 1, H),
                (n2, 1, N),
            ),
            "chain rule",
        ),
        (
            sp.Sum(g_prime(z[n, k]) * delta[n, k] * w[i, k], (k, 1, H)),
            ("only row n of z depends on ", a[n, i], ", through the weights ", w[i, k]),
        ),
    )
    # Tie at N = 2, D = 3, H = 2 with g = tanh to Sequential(Linear, Tanh), numnet's layer pair.
    sizes = {N: 2, D: 3, H: 2}
    arrays = {
        a: symbol_matrix("a", 2, 3),
        w: symbol_matrix("w", 3, 2),
        b: symbol_matrix("b", 1, 2),
        delta: symbol_matrix(r"\delta", 2, 2),
    }
    at = dict(sizes=sizes, arrays=arrays, functions={g: sp.tanh})
    unfold = d.unfold
    claims = {
        "weight": (instance_matrix(unfold(dW), (i, 3), (j, 2), **at), arrays[w]),
        "bias": (instance_matrix(unfold(db), (k, 1), (j, 2), **at), arrays[b]),
        "input": (instance_matrix(unfold(da), (n, 2), (i, 3), **at), arrays[a]),
    }
    inputs = [s for array in arrays.values() for s in array]

    def build(values, dtype=np.float64):
        x_, w_, b_, dy = np.split(np.asarray(values, dtype=dtype), np.cumsum([6, 6, 2]))
        layer = numnet.Linear(3, 2).astype(dtype)
        layer.weight.data, layer.bias.data = w_.reshape(3, 2), b_
        return _LinearTanh(layer), x_.reshape(2, 3), dy.reshape(2, 2)

    tie_module(d, inputs, build, "Sequential(Linear, Tanh)", claims)
    return d


class _LinearTanh(numnet.Sequential):
    """``Sequential(layer, Tanh())`` that exposes the layer's parameters as its own."""

    def __init__(self, layer):
        super().__init__(layer, numnet.Tanh())
        self.weight, self.bias = layer.weight, layer.bias


# ----------------------------------------------------------------------------------------
# The equations of backpropagation, in matrices
# ----------------------------------------------------------------------------------------
class activation(sp.Function):  # noqa: N801 - printed name
    """A generic differentiable activation ``g``; SymPy differentiates it to ``g'``."""

    def fdiff(self, argindex=1):
        return activation_prime(self.args[0])

    def _latex(self, printer, exp=None):
        return r"g\left(%s\right)" % printer._print(self.args[0])


class activation_prime(sp.Function):  # noqa: N801
    """``g'``, the derivative of :class:`activation`."""

    def _latex(self, printer, exp=None):
        return r"g'\left(%s\right)" % printer._print(self.args[0])


class _Entrywise(ElementwiseApplyFunction):
    """A function applied entry by entry, whose derivative SymPy writes with a fixed variable.

    SymPy's matrix calculus writes the derivative of ``g`` applied entry by entry as
    ``Lambda(d, g'(d))`` with a fresh dummy ``d`` each time, and two such lambdas never compare
    equal. Here the derivative is still SymPy's, bound to the one variable ``ξ``, so that the
    derived ``g'(z)`` and the one written in the claim are the same expression.
    """

    def _get_function_fdiff(self):
        return sp.Lambda(_xi, self.function(_xi).diff(_xi))


def entrywise(function, matrix):
    """``function`` applied to every entry of ``matrix``, printed ``function(matrix)``.

    ``g`` is an :class:`_Entrywise`, so that its derivative comes out bound to ``ξ``; any other
    function (``g'`` in a claim) is written as SymPy writes that derivative: the same class and
    the same ``ξ``, so that the claim and the derived result compare equal.
    """
    kind = _Entrywise if function is activation else ElementwiseApplyFunction
    return kind(sp.Lambda(_xi, function(_xi)), matrix)


@derivation
def backprop_equations():
    A, W, b = (
        sp.MatrixSymbol("a^{(l-1)}", N, D),
        sp.MatrixSymbol("W^{(l)}", D, H),
        sp.MatrixSymbol("b^{(l)}", 1, H),
    )
    Z, A_out = sp.MatrixSymbol("z^{(l)}", N, H), sp.MatrixSymbol("a^{(l)}", N, H)
    up, up_z = sp.MatrixSymbol(r"\delta^{(l)}", N, H), sp.MatrixSymbol(r"\delta_z^{(l)}", N, H)
    down = sp.MatrixSymbol(r"\delta^{(l-1)}", N, D)
    # braces make SymPy's canonical order of the sum aW + 1b the order a reader expects
    one = sp.MatrixSymbol(r"{\mathbf{1}}", N, 1)
    grad_a = sp.MatrixSymbol(r"\frac{\partial L}{\partial a^{(l)}}", N, H)
    d = Derivation(
        "backprop_equations",
        "The equations of backpropagation, in matrices",
        (
            "Layer l takes the activations ",
            A,
            " (N × D) of the layer below to ",
            Z,
            " and ",
            A_out,
            " (N × H). The loss L depends on ",
            W,
            ", ",
            b,
            " and ",
            A,
            " only through ",
            A_out,
            ", and the layer above sends down the upstream gradient ",
            sp.Eq(up, grad_a, evaluate=False),
            ". By the chain rule, L changes with each of them as the sum of the entries of ",
            sp.HadamardProduct(up, A_out),
            ", which is ",
            sp.Trace(up.T * A_out),
            ", does with ",
            up,
            " held fixed (the definitions at the bottom). SymPy's matrix calculus "
            "differentiates that sum with N, D and H left as symbols.",
        ),
        sizes="every N, D, H and every differentiable g",
    )
    d.define(Z, A * W + one * b)
    d.define(A_out, entrywise(activation, Z))
    d.define(up_z, sp.HadamardProduct(up, entrywise(activation_prime, Z)))
    total = sp.Trace(up.T * A_out)  # the sum of the entries of δ ⊙ a
    grad_W = sp.MatrixSymbol(r"\frac{\partial L}{\partial W^{(l)}}", D, H)
    grad_b = sp.MatrixSymbol(r"\frac{\partial L}{\partial b^{(l)}}", 1, H)
    for gradient_, wrt in [(grad_W, W), (grad_b, b), (down, A)]:
        d.define(gradient_, sp.Derivative(total, wrt), show=False)
    weight = d.chain(
        grad_W,
        (
            A.T * up_z,
            (
                "the weight gradient: the layer's input, transposed, times ",
                up_z,
                " (entry by entry, the first sum of the one-layer derivation)",
            ),
        ),
    )
    bias = d.chain(grad_b, (one.T * up_z, ("the bias gradient: the column sums of ", up_z)))
    recursion = d.chain(
        down,
        (
            up_z * W.T,
            "the gradient the layer sends down, which is the upstream gradient of layer l − 1: "
            "the same four lines then run for layer l − 1, from l = M (the last layer of a network "
            "of M layers) down to l = 1",
        ),
    )
    _tie_three_layers(d, (A, W, b, up, one), A_out, weight, bias, recursion)
    return d


def _tie_three_layers(d, symbols, forward, weight, bias, recursion):
    """Run the displayed formulas through Linear, Tanh, Linear, Tanh, Linear + MSELoss.

    SymPy computes every layer's gradients from the derivation's own formulas (the forward
    pass, the weight and bias gradients and the recursion), at N = 2 samples and widths
    3 → 2 → 2 → 1, with g = tanh in the first two layers and g(z) = z in the last. Each is
    tied to numnet's ``Sequential.backward`` and to finite differences of numnet's loss.
    """
    A, W, b, up, one = symbols
    rows, widths = 2, [3, 2, 2, 1]
    layers = [
        (symbol_matrix(f"w^{{({l})}}", fan_in, fan_out), symbol_matrix(f"b^{{({l})}}", 1, fan_out))
        for l, (fan_in, fan_out) in enumerate(zip(widths[:-1], widths[1:], strict=True), start=1)
    ]
    X, Y = symbol_matrix("x", rows, widths[0]), symbol_matrix("y", rows, widths[-1])
    parts = [X, *(matrix for layer in layers for matrix in layer), Y]
    t = sp.Symbol("t", real=True)

    def with_derivative(f):
        """``(g, g')`` for the activation ``f`` of ``t``; SymPy differentiates it."""
        return sp.Lambda(t, f), sp.Lambda(t, sp.diff(f, t))

    functions = [with_derivative(sp.tanh(t)), with_derivative(sp.tanh(t)), with_derivative(t)]

    def at(formula, a, layer, g, delta=None):
        """``formula`` for one layer: its input ``a``, parameters, activation and upstream δ."""
        (w, bias), sizes = layer, {N: a.rows, D: a.cols, H: layer[0].cols}
        explicit = {A: a, W: w, b: bias, one: sp.ones(a.rows, 1)}
        if delta is not None:
            explicit[up] = delta
        e = d.unfold(formula).subs(sizes)
        e = e.xreplace({s.subs(sizes): v for s, v in explicit.items()}).doit()
        return sp.Matrix(e).replace(activation, g[0]).replace(activation_prime, g[1])

    activations = [X]
    for layer, g in zip(layers, functions, strict=True):
        activations.append(at(forward, activations[-1], layer, g))
    # δ of the network's output: SymPy's derivative of the mean squared error
    prediction = symbol_matrix("p", rows, widths[-1])
    mse = sum((prediction - Y).applyfunc(lambda e: e**2)) / len(Y)
    delta = gradient(mse, prediction).xreplace(dict(zip(prediction, activations[-1], strict=True)))
    claims = {}
    for l in range(len(layers), 0, -1):  # l = M, …, 1
        a, layer, g = activations[l - 1], layers[l - 1], functions[l - 1]
        claims[l] = at(weight, a, layer, g, delta), at(bias, a, layer, g, delta)
        delta = at(recursion, a, layer, g, delta)
    # every gradient in one column, layer 1 first: W⁽¹⁾, b⁽¹⁾, W⁽²⁾, …
    claim = sp.Matrix([entry for l in sorted(claims) for grad in claims[l] for entry in grad])
    params = [s for layer in layers for matrix in layer for s in matrix]

    def build(values, dtype=np.float64):
        sizes = np.cumsum([len(p) for p in parts])[:-1]
        x, *params, y = (
            v.reshape(p.shape)
            for v, p in zip(np.split(np.asarray(values, dtype=dtype), sizes), parts, strict=True)
        )
        linears = []
        for w, bias in zip(params[::2], params[1::2], strict=True):
            linear = numnet.Linear(*w.shape).astype(dtype)
            linear.weight.data, linear.bias.data = w, bias.ravel()
            linears.append(linear)
        model = numnet.Sequential(linears[0], numnet.Tanh(), linears[1], numnet.Tanh(), linears[2])
        mse = numnet.MSELoss()
        return model, mse, mse(model(x), y)

    def numnet_grads(values, dtype=np.float64):
        model, mse, _ = build(values, dtype)
        model.backward(mse.backward())
        linears = model[0], model[2], model[4]
        return np.concatenate([g.grad.ravel() for m in linears for g in (m.weight, m.bias)])

    d.tie(
        claim,
        [s for p in parts for s in p],
        numnet_grads,
        "Sequential(Linear, Tanh, Linear, Tanh, Linear) + MSELoss: every weight and bias gradient",
        loss=lambda v: build(v)[2],
        wrt=params,
    )


@derivation
def two_layer_backprop():
    rows, ins, hidden = 2, 2, 2
    d1 = sp.MatrixSymbol(r"\delta_{z,1}", rows, hidden)  # ∂L/∂Z₁
    d2 = sp.MatrixSymbol(r"\delta_2", rows, 1)  # ∂L/∂Ŷ
    d = Derivation(
        "two_layer_backprop",
        "Backpropagation through a two-layer network",
        (
            "The network Z₁ = XW₁ + 1b₁, A₁ = σ(Z₁), Ŷ = A₁W₂ + 1b₂ with the mean squared error "
            "L = (1/N) Σ (Ŷ − Y)². ",
            d2,
            " = ∂L/∂Ŷ is the upstream gradient of the output layer (which has no activation, "
            "so it is also ∂L/∂Z₂), and ",
            d1,
            " = ∂L/∂Z₁ is the gradient of the hidden layer's pre-activation, the ",
            sp.MatrixSymbol(r"\delta_z^{(1)}", rows, hidden),
            " of the equations of backpropagation. Each gradient below is first computed by "
            "SymPy directly from L, entry by entry, and then shown equal to the backpropagation "
            "formula.",
        ),
        at=f"N = {rows} samples, D = {ins} inputs, {hidden} hidden units, 1 output",
    )
    X, W1, b1, W2, b2, Y = (
        sp.MatrixSymbol(name, r, c)
        for name, r, c in [
            ("X", rows, ins),
            ("W_1", ins, hidden),
            ("b_1", 1, hidden),
            ("W_2", hidden, 1),
            ("b_2", 1, 1),
            ("Y", rows, 1),
        ]
    )
    one = sp.MatrixSymbol(r"\mathbf{1}", rows, 1)
    Z1, A1, Yhat = (
        sp.MatrixSymbol(s, rows, c) for s, c in [("Z_1", hidden), ("A_1", hidden), (r"\hat{Y}", 1)]
    )
    Nsym = sp.Symbol("N", positive=True)
    explicit = {
        X: symbol_matrix("x", rows, ins),
        W1: symbol_matrix("u", ins, hidden),
        b1: symbol_matrix("c", 1, hidden),
        W2: symbol_matrix("v", hidden, 1),
        b2: symbol_matrix("e", 1, 1),
        Y: symbol_matrix("y", rows, 1),
    }
    for symbol, value in explicit.items():
        d.define(symbol, value, show=False)
    d.define(one, sp.ones(rows, 1), show=False)
    d.define(Nsym, rows, show=False)
    d.define(Z1, X * W1 + one * b1)
    d.define(A1, Z1.applyfunc(sigma))
    d.define(Yhat, A1 * W2 + one * b2)
    d.define(d2, 2 / Nsym * ordered(Yhat, -Y))
    d.define(
        d1,
        sp.HadamardProduct(d2 * W2.T, Z1.applyfunc(sigma_prime)),
    )
    L = sum((d.unfold(Yhat) - explicit[Y]).applyfunc(lambda r: r**2)) / rows
    grads = {}
    for name, target, formula, why in [
        ("W_2", W2, A1.T * d2, "the dense layer's weight gradient, with A₁ as its input"),
        ("b_2", b2, one.T * d2, ("the column sums of ", d2)),
        (
            "W_1",
            W1,
            X.T * d1,
            ("the dense layer's weight gradient, with ", d1, " as its upstream gradient"),
        ),
        ("b_1", b1, one.T * d1, ("the column sums of ", d1)),
    ]:
        direct = sp.MatrixSymbol(r"\frac{\partial L}{\partial %s}" % name, *target.shape)
        d.define(direct, gradient(L, explicit[target]), show=False)
        grads[name] = d.chain(direct, (formula, why))

    def build(values, dtype=np.float64):
        x, u, c, v, e, y = np.split(np.asarray(values, dtype=dtype), np.cumsum([4, 4, 2, 2, 1]))
        first, second = (
            numnet.Linear(ins, hidden).astype(dtype),
            numnet.Linear(hidden, 1).astype(dtype),
        )
        first.weight.data, first.bias.data = u.reshape(ins, hidden), c
        second.weight.data, second.bias.data = v.reshape(hidden, 1), e
        model = numnet.Sequential(first, numnet.Sigmoid(), second)
        mse = numnet.MSELoss()
        value = mse(model(x.reshape(rows, ins)), y.reshape(rows, 1))
        return model, mse, value

    def backward(values, dtype=np.float64, which=0):
        model, mse, _ = build(values, dtype)
        model.backward(mse.backward())
        layer, attribute = [(2, "weight"), (2, "bias"), (0, "weight"), (0, "bias")][which]
        return getattr(model[layer], attribute).grad

    inputs = [s for value in explicit.values() for s in value]
    for which, (name, target) in enumerate([("W_2", W2), ("b_2", b2), ("W_1", W1), ("b_1", b1)]):
        d.tie(
            d.unfold(grads[name]),
            inputs,
            lambda v, dtype=np.float64, which=which: backward(v, dtype, which),
            f"Sequential(Linear, Sigmoid, Linear) + MSELoss: ∂L/∂{name}",
            loss=lambda v: build(v)[2],
            wrt=list(explicit[target]),
        )
    return d
