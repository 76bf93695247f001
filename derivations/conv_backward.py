"""Backpropagation through a convolution: report 000's Question 3 (stride 2, a generic
activation g, corrected), and the general backward pass with stride and padding.
"""

import numpy as np
import sympy as sp

import numnet
from derivations import derivation
from derivations.convolution import correlate, dilate, pad, rot180
from derivations.core import Derivation
from derivations.functions import relu, sigma
from derivations.matrices import symbol_matrix
from derivations.ties import tie_module

# ----------------------------------------------------------------------------------------
# Report 000, Question 3: x (4×4) -> C = x ⋆ f (stride 2) -> Y = g(C) -> out = W·vec(Y)
#                         -> L = ½ (t − out)²
# ----------------------------------------------------------------------------------------
g = sp.Function("g")
X = symbol_matrix("x", 4, 4)
F = symbol_matrix("f", 2, 2)
W = sp.Matrix([sp.symbols("W1:5", real=True)])  # a row, as in the report
t = sp.Symbol("t", real=True)
C_EXPR = list(correlate(X, F, stride=2))  # [C11, C12, C21, C22], linear in x and f
C_SYM = list(symbol_matrix("C", 2, 2))
Y_SYM = sp.Matrix(sp.symbols("Y1:5", real=True))
OUT = sp.Symbol(r"\text{out}", real=True)
INPUTS = list(X) + list(F) + list(W) + [t]
# Which pixel multiplies f_ab in window k: the partial derivative ∂C_k/∂f_ab.
PIXEL = [[sp.diff(c, fab) for c in C_EXPR] for fab in F]


def g_prime(arg, act=g):
    """``act'`` at ``arg``, as SymPy writes it after the chain rule."""
    xi = sp.Dummy("xi")
    return sp.Subs(sp.Derivative(act(xi), xi), xi, arg).doit()


def loss(act=g):
    """L as a function of every input symbol."""
    out = sum(W[k] * act(C_EXPR[k]) for k in range(4))
    return sp.Rational(1, 2) * (t - out) ** 2


def show(expr, act=g):
    """LaTeX of ``expr`` with the report's names: C_k for the window sums, g'(C_k), out."""
    out_expr = sum(W[k] * act(C_SYM[k]) for k in range(4))
    names = dict(zip(C_EXPR, C_SYM, strict=True))
    e = expr.xreplace(names) if hasattr(expr, "xreplace") else expr
    e = e.replace(
        lambda a: (
            isinstance(a, (sp.Subs, sp.Derivative)) and a.atoms(sp.core.function.AppliedUndef)
        ),
        lambda a: sp.Function("g'")(a.point[0] if isinstance(a, sp.Subs) else a.variables[0]),
    )
    e = e.subs(out_expr, OUT).subs(sum(W[k] * Y_SYM[k] for k in range(4)), OUT)
    return sp.latex(e)


def partials(variables, rows, cols):
    """LaTeX of the matrix [∂L/∂v] for the display of a chain's first line."""
    names = [sp.Symbol(r"\frac{\partial L}{\partial %s}" % sp.latex(v)) for v in variables]
    return sp.latex(sp.Matrix(rows, cols, names))


def df_claim(act_prime, act=g):
    """(out − t) · Σ_k W_k · act_prime(C_k) · (pixel under f_ab in window k); with
    ``act_prime = g`` it is the report's version."""
    out = sum(W[k] * act(C_EXPR[k]) for k in range(4))
    rows = [
        (out - t) * sum(W[k] * act_prime(C_EXPR[k]) * PIXEL[i][k] for k in range(4))
        for i in range(4)
    ]
    return sp.Matrix(2, 2, rows)


@derivation
def conv_stride2_hand_question():
    d = Derivation(
        "conv_stride2_hand_question",
        "Report 000, Question 3: gradients of a stride-2 convolution, a generic activation g "
        "and a dense output",
        "x is 4×4, f is 2×2, stride 2, no padding, so C = x ⋆ f is 2×2; Y = g(C); "
        "out = W·vec(Y) = W1 Y1 + … + W4 Y4; L = ½(t − out)². g is a SymPy function with no "
        "formula, so every step holds for any activation. out abbreviates W1 g(C11) + … + "
        "W4 g(C22).",
    )
    o = OUT
    d.chain(
        (sp.Derivative(sp.Rational(1, 2) * (t - o) ** 2, o), "L = ½(t − out)²"),
        (o - t, "chain rule: ½ · 2(t − out) · (−1)"),
        lhs=r"d\text{out}",
    )
    loss_y = sp.Rational(1, 2) * (t - (W * Y_SYM)[0]) ** 2
    dout_y = (W * Y_SYM)[0] - t
    d.chain(
        (
            sp.Matrix([sp.Derivative(loss_y, y) for y in Y_SYM]),
            "L = ½(t − W1 Y1 − … − W4 Y4)²",
            partials(Y_SYM, 4, 1),
        ),
        (dout_y * W.T, "∂out/∂Y_k = W_k, so dY = dout · Wᵀ", show(dout_y * W.T)),
        lhs=r"dY",
    )
    d.chain(
        (
            sp.Matrix([[sp.Derivative(loss_y, w) for w in W]]),
            "the same L, as a function of W",
            partials(W, 1, 4),
        ),
        (dout_y * Y_SYM.T, "∂out/∂W_k = Y_k, so dW = dout · Yᵀ", show(dout_y * Y_SYM.T)),
        lhs=r"dW",
    )
    loss_c = sp.Rational(1, 2) * (t - sum(W[k] * g(C_SYM[k]) for k in range(4))) ** 2
    dout_c = sum(W[k] * g(C_SYM[k]) for k in range(4)) - t
    dc = sp.Matrix([dout_c * W[k] * sp.diff(g(C_SYM[k]), C_SYM[k]) for k in range(4)])
    d.chain(
        (
            sp.Matrix([sp.Derivative(loss_c, c) for c in C_SYM]),
            "L = ½(t − W1 g(C11) − … − W4 g(C22))²",
            partials(C_SYM, 4, 1),
        ),
        (dc, "dC = dY ⊙ g'(C): the derivative g', not g", show(dc)),
        lhs=r"dC",
    )
    full = loss()
    correct = df_claim(g_prime)
    d.chain(
        (
            sp.Matrix(2, 2, [sp.Derivative(full, fab) for fab in F]),
            "L as a function of x, f, W and t",
            partials(F, 2, 2),
        ),
        (
            correct,
            "chain rule through the four C_k; ∂C_k/∂f_ab is the pixel under f_ab",
            show(correct),
        ),
        lhs=r"df",
    )
    report = df_claim(g)  # the report's sums, with g(C_k) where g'(C_k) belongs
    point = dict(zip(INPUTS, [sp.Rational(k % 7 - 3, 4) for k in range(len(INPUTS))], strict=True))
    gap = (report - correct)[0, 0].subs(g, sp.Lambda(sp.Symbol("u"), sp.tanh(sp.Symbol("u"))))
    gap_value = gap.doit().subs(point).evalf(30)
    d.fact(
        abs(gap_value) > 1e-3,
        f"the report's df_11 (g in place of g') is wrong: with g = tanh, at the point "
        f"x_ij, f_ij, W_k, t = (k mod 7 − 3)/4 in order, it is off by {float(gap_value):.4f}",
        tex=r"df_{11}^{\text{report}} - df_{11} \ne 0 \quad (g = \tanh)",
    )
    with_exp = (report - correct).subs(g, sp.Lambda(sp.Symbol("u"), sp.exp(sp.Symbol("u"))))
    d.fact(
        sp.expand(with_exp.doit()) == sp.zeros(2, 2),
        "the two agree only for an activation that is its own derivative, such as g = exp",
        tex=r"df^{\text{report}} = df \quad (g = \exp)",
    )
    return d


def numnet_pipeline(make_activation):
    """``(grad_f, loss)`` callables for a tie: numnet's Conv2d → activation → Flatten → Linear."""

    def run(values):
        x, f, w, target = values[:16], values[16:20], values[20:24], values[24]
        conv = numnet.Conv2d(1, 1, 2, stride=2, bias=False)
        conv.weight.data = f.reshape(1, 1, 2, 2).copy()
        dense = numnet.Linear(4, 1, bias=False)
        dense.weight.data = w.reshape(4, 1).copy()
        model = numnet.Sequential(conv, make_activation(), numnet.Flatten(), dense)
        out = model(x.reshape(1, 1, 4, 4))
        mse = numnet.MSELoss()  # mean of (out − t)² over one element: L = ½ · MSE
        value = 0.5 * mse(out, np.array([[target]]))
        model.backward(0.5 * mse.backward())
        return conv.weight.grad.ravel(), value

    return (lambda v: run(v)[0]), (lambda v: run(v)[1])


@derivation
def conv_stride2_activations():
    d = Derivation(
        "conv_stride2_activations",
        "Report 000, Question 3 with g = σ, tanh and ReLU, checked against numnet",
        "The filter gradient of conv_stride2_hand_question with g' written out for each "
        "activation. numnet computes it with Conv2d(1, 1, 2, stride=2) → activation → "
        "Flatten → Linear(4, 1) → ½·MSELoss, all backward passes written by hand.",
    )
    cases = [
        (sigma, lambda c: sigma(c) * (1 - sigma(c)), numnet.Sigmoid, r"\sigma", "σ' = σ(1 − σ)"),
        (sp.tanh, lambda c: 1 - sp.tanh(c) ** 2, numnet.Tanh, r"\tanh", "tanh' = 1 − tanh²"),
        (
            relu,
            lambda c: sp.Piecewise((0, c <= 0), (1, True)),
            numnet.ReLU,
            "ReLU",
            "ReLU' = 1 for C > 0, else 0",
        ),
    ]
    for act, act_prime, module, name, why in cases:
        full = loss(act)
        claim = df_claim(act_prime, act)
        claim = d.chain(
            (
                sp.Matrix(2, 2, [sp.Derivative(full, fab) for fab in F]),
                "L with this activation in place of g",
                partials(F, 2, 2),
            ),
            (claim, f"the corrected df with {why}", show(claim, act)),
            lhs=rf"df\big|_{{g = {name}}}",
        )
        grad, value = numnet_pipeline(module)
        d.tie(
            claim,
            INPUTS,
            grad,
            f"{module.__name__}: Conv2d.backward (weight.grad)",
            loss=value,
            wrt=list(F),
        )
    return d


# ----------------------------------------------------------------------------------------
# The general backward pass, with stride and padding
# ----------------------------------------------------------------------------------------


@derivation
def conv_backward_general():
    h = w = 5
    k, stride, padding = 3, 2, 1
    ho = (h + 2 * padding - k) // stride + 1
    d = Derivation(
        "conv_backward_general",
        "Convolution backward: dx is a full correlation with the rotated kernel, dw a "
        "correlation of the input with the upstream gradient, db a sum",
        f"A {h}×{w} input x, a {k}×{k} kernel K and bias b, stride {stride}, padding "
        f"{padding}, so the output y is {ho}×{ho}. δ is the upstream gradient dL/dy, so "
        "L = Σ δ_ij y_ij + (terms without x, K, b). With stride s, the gradient first gets "
        "s − 1 zeros between its entries (dilate_s δ): that puts each δ_ij back at the "
        "position of its window.",
    )
    x, kern = symbol_matrix("x", h, w), symbol_matrix("K", k, k)
    b = sp.Symbol("b", real=True)
    delta = symbol_matrix(r"\delta", ho, ho)
    y = correlate(pad(x, padding), kern, stride) + b * sp.ones(ho, ho)
    L = sum(delta[i, j] * y[i, j] for i in range(ho) for j in range(ho))
    spread = dilate(delta, stride)  # (s(Ho − 1) + 1) square
    # Full correlation: pad by k − 1, correlate with the rotated kernel; then drop the padding
    # (and any rows of the padded input that no window reached).
    full = correlate(pad(spread, k - 1), rot180(kern))
    dx = full[padding : padding + h, padding : padding + w]
    if dx.shape != (h, w):  # the last rows/cols of the padded input were in no window
        dx = dx.row_join(sp.zeros(dx.rows, w - dx.cols)).col_join(sp.zeros(h - dx.rows, w))
    claim_dx = d.chain(
        (
            sp.Matrix(h, w, lambda i, j: sp.Derivative(L, x[i, j])),
            "L = Σ δ_ij y_ij, differentiated entry by entry",
            r"\left[\frac{\partial}{\partial x_{ij}} \sum_{i'j'} \delta_{i'j'}\, y_{i'j'}\right]",
        ),
        (
            dx,
            "each x_ij collects δ times the kernel entry that met it, over every window",
            r"\operatorname{crop}_{p}\Big(\operatorname{pad}_{k-1}(\operatorname{dilate}_s \delta)"
            r" \star \operatorname{rot}_{180} K\Big)",
        ),
        lhs=r"\frac{\partial L}{\partial x}",
    )
    d.chain(
        (
            sp.Derivative(L, x[1, 1]),
            "one entry, written out",
            r"\frac{\partial}{\partial x_{22}} \sum_{ij} \delta_{ij}\, y_{ij}",
        ),
        (dx[1, 1], "x_22 lies in four windows, under a different kernel entry in each"),
        lhs=r"\frac{\partial L}{\partial x_{22}}",
    )
    dw = correlate(pad(x, padding), spread)[:k, :k]
    claim_dw = d.chain(
        (
            sp.Matrix(k, k, lambda a, c: sp.Derivative(L, kern[a, c])),
            "L = Σ δ_ij y_ij, differentiated entry by entry",
            r"\left[\frac{\partial}{\partial K_{ab}} \sum_{ij} \delta_{ij}\, y_{ij}\right]",
        ),
        (
            dw,
            "K_ab meets xpad[i·s + a, j·s + b] in window (i, j)",
            r"\operatorname{pad}_p(x) \star \operatorname{dilate}_s \delta",
        ),
        lhs=r"\frac{\partial L}{\partial K}",
    )
    d.chain(
        (
            sp.Derivative(L, kern[0, 0]),
            "one entry, written out",
            r"\frac{\partial}{\partial K_{11}} \sum_{ij} \delta_{ij}\, y_{ij}",
        ),
        (dw[0, 0], "the top-left kernel entry meets the top-left pixel of every window"),
        lhs=r"\frac{\partial L}{\partial K_{11}}",
    )
    claim_db = d.chain(
        (
            sp.Derivative(L, b),
            "L = Σ δ_ij y_ij",
            r"\frac{\partial}{\partial b} \sum_{ij} \delta_{ij}\, y_{ij}",
        ),
        (sum(delta), "b is added to every output", r"\sum_{i,j} \delta_{ij}"),
        lhs=r"\frac{\partial L}{\partial b}",
    )
    inputs = list(x) + list(kern) + [b] + list(delta)
    n_x, n_k = h * w, k * k

    def build(values):
        layer = numnet.Conv2d(1, 1, k, stride=stride, padding=padding)
        layer.weight.data = values[n_x : n_x + n_k].reshape(1, 1, k, k).copy()
        layer.bias.data = values[n_x + n_k : n_x + n_k + 1].copy()
        x_num = values[:n_x].reshape(1, 1, h, w)
        return layer, x_num, values[n_x + n_k + 1 :].reshape(1, 1, *delta.shape)

    claims = {"input": (claim_dx, x), "weight": (claim_dw, kern), "bias": (claim_db, [b])}
    tie_module(d, inputs, build, "Conv2d", claims)
    return d


@derivation
def conv_backward_channels():
    n_samples, c_in, c_out, h, k = 2, 2, 2, 3, 2
    ho = h - k + 1
    d = Derivation(
        "conv_backward_channels",
        "Convolution backward with channels and a batch: sums over output channels and samples",
        f"A batch of {n_samples} inputs with {c_in} channels of {h}×{h}, {c_out} filters of "
        f"{c_in}×{k}×{k} and a bias each, stride 1, no padding. y^(n,o) = Σ_c x^(n,c) ⋆ "
        "K^(o,c) + b_o, and L = Σ δ^(n,o) · y^(n,o) summed over every entry. Each input "
        "channel feeds every output channel, and every sample uses the same filters.",
    )
    x = [
        [symbol_matrix(f"x^{{({n + 1}{c + 1})}}", h, h) for c in range(c_in)]
        for n in range(n_samples)
    ]
    kern = [
        [symbol_matrix(f"K^{{({o + 1}{c + 1})}}", k, k) for c in range(c_in)] for o in range(c_out)
    ]
    delta = [
        [symbol_matrix(f"\\delta^{{({n + 1}{o + 1})}}", ho, ho) for o in range(c_out)]
        for n in range(n_samples)
    ]
    b = sp.symbols(f"b1:{c_out + 1}", real=True)
    L = 0
    for n in range(n_samples):
        for o in range(c_out):
            y = sum((correlate(x[n][c], kern[o][c]) for c in range(c_in)), b[o] * sp.ones(ho, ho))
            L += sum(delta[n][o][i, j] * y[i, j] for i in range(ho) for j in range(ho))

    def stack(blocks):
        return sp.Matrix.vstack(*blocks)

    claim_dx = d.chain(
        (
            stack(
                x[n][c].applyfunc(lambda v: sp.Derivative(L, v))
                for n in range(n_samples)
                for c in range(c_in)
            ),
            "one block per sample n and input channel c",
            r"\left[\frac{\partial L}{\partial x^{(n,c)}}\right]_{n,c}",
        ),
        (
            stack(
                sum(
                    (correlate(pad(delta[n][o], k - 1), rot180(kern[o][c])) for o in range(c_out)),
                    sp.zeros(h, h),
                )
                for n in range(n_samples)
                for c in range(c_in)
            ),
            "each output channel o sends its gradient back through its own filter K^(o,c)",
            r"\left[\sum_o \operatorname{pad}_{k-1}\big(\delta^{(n,o)}\big) \star "
            r"\operatorname{rot}_{180} K^{(o,c)}\right]_{n,c}",
        ),
        lhs=r"\frac{\partial L}{\partial x}",
    )
    claim_dk = d.chain(
        (
            stack(
                kern[o][c].applyfunc(lambda v: sp.Derivative(L, v))
                for o in range(c_out)
                for c in range(c_in)
            ),
            "one block per filter o and input channel c",
            r"\left[\frac{\partial L}{\partial K^{(o,c)}}\right]_{o,c}",
        ),
        (
            stack(
                sum((correlate(x[n][c], delta[n][o]) for n in range(n_samples)), sp.zeros(k, k))
                for o in range(c_out)
                for c in range(c_in)
            ),
            "the same filter is used by every sample: their correlations add up",
            r"\left[\sum_n x^{(n,c)} \star \delta^{(n,o)}\right]_{o,c}",
        ),
        lhs=r"\frac{\partial L}{\partial K}",
    )
    claim_db = d.chain(
        (
            sp.Matrix([sp.Derivative(L, bo) for bo in b]),
            "one entry per filter",
            r"\left[\frac{\partial L}{\partial b_o}\right]_o",
        ),
        (
            sp.Matrix([sum(sum(delta[n][o]) for n in range(n_samples)) for o in range(c_out)]),
            "b_o is added to every output of channel o, in every sample",
            r"\left[\sum_{n,i,j} \delta^{(n,o)}_{ij}\right]_o",
        ),
        lhs=r"\frac{\partial L}{\partial b}",
    )
    x_syms = [v for n in range(n_samples) for c in range(c_in) for v in x[n][c]]
    k_syms = [v for o in range(c_out) for c in range(c_in) for v in kern[o][c]]
    d_syms = [v for n in range(n_samples) for o in range(c_out) for v in delta[n][o]]
    inputs = x_syms + k_syms + list(b) + d_syms
    n_x, n_k, n_b = len(x_syms), len(k_syms), len(b)

    def build(values):
        layer = numnet.Conv2d(c_in, c_out, k)
        layer.weight.data = values[n_x : n_x + n_k].reshape(c_out, c_in, k, k).copy()
        layer.bias.data = values[n_x + n_k : n_x + n_k + n_b].copy()
        x_num = values[:n_x].reshape(n_samples, c_in, h, h)
        dy = values[n_x + n_k + n_b :].reshape(n_samples, c_out, h - k + 1, h - k + 1)
        return layer, x_num, dy

    claims = {"input": (claim_dx, x_syms), "weight": (claim_dk, k_syms), "bias": (claim_db, b)}
    tie_module(d, inputs, build, "Conv2d", claims)
    return d
