"""Backpropagation through a convolution: report 000's Question 3 (stride 2, a generic
activation g, corrected), and the general backward pass with stride and padding.

The operators (``rot180``, ``dilate``, ``pad``, ``crop``, ``first``, ``correlate`` written
⋆) are matrix functions of :mod:`derivations.functions`: printed by name, and written out
entry by entry from their definitions when checked.
"""

import numpy as np
import sympy as sp
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

import numnet
from derivations import derivation
from derivations.core import Derivation
from derivations.functions import (
    correlate,
    crop,
    dilate,
    explicit,
    first,
    grad,
    inner,
    leftover,
    outsize,
    pad,
    relu,
    relu_prime,
    rot180,
    same,
    sigma,
    tanh_prime,
    total,
)
from derivations.matrices import symbol_matrix
from derivations.printing import ordered
from derivations.ties import tie_module

EWISE = ElementwiseApplyFunction

# ----------------------------------------------------------------------------------------
# Report 000, Question 3: x (4×4) -> C = x ⋆₂ f -> Y = g(C) -> out = Σ W_ij Y_ij
#                         -> L = ½ (t − out)²
# ----------------------------------------------------------------------------------------
g = sp.Function("g")
xm, fm, wm = sp.MatrixSymbol("x", 4, 4), sp.MatrixSymbol("f", 2, 2), sp.MatrixSymbol("W", 2, 2)
cm, ym = sp.MatrixSymbol("C", 2, 2), sp.MatrixSymbol("Y", 2, 2)
X, F, W = symbol_matrix("x", 4, 4), symbol_matrix("f", 2, 2), symbol_matrix("W", 2, 2)
t = sp.Symbol("t", real=True)
OUT = sp.Symbol(r"\text{out}", real=True)
LOSS = sp.Symbol("L", real=True)
INPUTS = list(X) + list(F) + list(W) + [t]
C_EXPR = list(correlate(X, F, 2).doit())  # [C11, C12, C21, C22], linear in x and f
C_SYM = list(symbol_matrix("C", 2, 2))
# Which pixel multiplies f_ab in window k: the partial derivative ∂C_k/∂f_ab.
PIXEL = [[sp.diff(c, fab) for c in C_EXPR] for fab in F]


class gprime(sp.Function):  # noqa: N801
    """``g'(x)``: the derivative of the generic activation ``g``."""

    def _eval_rewrite_as_numeric(self, x, **kwargs):
        return g_prime(x)

    def _latex(self, printer, exp=None):
        return r"g'\left(%s\right)" % printer._print(self.args[0])


class sigma_d(sp.Function):  # noqa: N801
    """``σ'(x)``, which ``doit`` writes as ``σ(x)(1 − σ(x))``: the form ``sympy.diff`` gives."""

    def doit(self, **hints):
        s_ = sigma(self.args[0].doit(**hints))
        return s_ * (1 - s_)

    def _latex(self, printer, exp=None):
        return r"\sigma'\left(%s\right)" % printer._print(self.args[0])


def g_prime(arg, act=g):
    """``act'`` at ``arg``, as SymPy writes it after the chain rule."""
    xi = sp.Dummy("xi")
    return sp.Subs(sp.Derivative(act(xi), xi), xi, arg).doit()


def loss(act=g):
    """L as a function of every input symbol."""
    out = sum(W[k] * act(C_EXPR[k]) for k in range(4))
    return sp.Rational(1, 2) * (t - out) ** 2


def df_claim(act_prime, act=g):
    """(out − t) · Σ_k W_k · act_prime(C_k) · (pixel under f_ab in window k); with
    ``act_prime = g`` it is the report's version."""
    out = sum(W[k] * act(C_EXPR[k]) for k in range(4))
    rows = [
        (out - t) * sum(W[k] * act_prime(C_EXPR[k]) * PIXEL[i][k] for k in range(4))
        for i in range(4)
    ]
    return sp.Matrix(2, 2, rows)


def forward(d, act, show=True):
    """Define C = x ⋆₂ f, Y = act(C), out = Σ W_ij Y_ij and L = ½(t − out)² in ``d``."""
    for symbol, value in ((xm, X), (fm, F), (wm, W)):
        d.define(symbol, value, show=False)
    d.define(cm, correlate(xm, fm, 2), show)
    d.define(ym, EWISE(act, cm), show)
    d.define(OUT, inner(wm, ym), show)
    d.define(LOSS, sp.Rational(1, 2) * ordered(t, -OUT) ** 2, show)


def df_formula(act_prime, out=OUT):
    """``(out − t) · x ⋆ dilate₂(W ⊙ act'(C))``: the general filter gradient at stride 2."""
    spread = dilate(sp.HadamardProduct(wm, EWISE(act_prime, cm)), 2)
    return sp.MatMul(ordered(out, -t), correlate(xm, spread))


@derivation
def conv_stride2_hand_question():
    d = Derivation(
        "conv_stride2_hand_question",
        "The hand-worked question: a stride-2 convolution, an activation g and a dense output",
        "x is 4×4, f is 2×2, stride 2 and no padding, so C is 2×2; W is the dense layer's "
        "2×2 weight (the question's W1 … W4 in row-major order) and t the target. These are "
        "the question's own names: here the kernel is f, C is the map it produces (not a "
        "number of channels) and W holds the dense weights. g is a SymPy "
        "function with no formula, so every line holds for any differentiable activation. "
        "The filter gradient is the general rule of the convolution backward pass below: "
        "a correlation of x with the dilated ∂L/∂C.",
        at="x 4×4, f 2×2, stride 2 (the question's sizes)",
    )
    forward(d, g)
    d.chain(
        grad(LOSS, ym),
        (sp.MatMul(ordered(OUT, -t), wm), "∂L/∂out = out − t, and out changes with Y_ij by W_ij"),
    )
    d.chain(grad(LOSS, wm), (sp.MatMul(ordered(OUT, -t), ym), "out changes with W_ij by Y_ij"))
    d.chain(
        grad(LOSS, cm),
        (
            sp.MatMul(ordered(OUT, -t), sp.HadamardProduct(wm, EWISE(gprime, cm))),
            "Y = g(C) entry by entry: times g′(C), the derivative",
        ),
    )
    df = sp.MatrixSymbol("df", 2, 2)
    c_names = dict(zip(C_SYM, C_EXPR, strict=True))
    for c, value in c_names.items():
        d.define(c, value, show=False)
    d.define(df, df_claim(gprime).xreplace(dict(zip(C_EXPR, C_SYM, strict=True))), show=False)
    d.chain(
        grad(LOSS, fm),
        (df_formula(gprime), "C = x ⋆₂ f: window (i, j) of x meets f"),
        (df, "the four entries, written out below"),
    )
    report, right = (
        correlate(xm, dilate(sp.HadamardProduct(wm, EWISE(h, cm)), 2)) for h in (g, gprime)
    )
    d.fact(
        sp.Ne(report, right, evaluate=False),
        (
            "a common mistake {cite}`report000`: its dC uses g′, but its df lines write g "
            "(times the same out − t); they agree only where g = g′, e.g. g = exp"
        ),
    )
    return d


def numnet_pipeline(make_activation):
    """``(grad_f, loss)`` callables for a tie: numnet's Conv2d → activation → Flatten → Linear."""

    def run(values, dtype=np.float64):
        values = np.asarray(values, dtype=dtype)
        x, f, w, target = values[:16], values[16:20], values[20:24], values[24]
        conv = numnet.Conv2d(1, 1, 2, stride=2, bias=False).astype(dtype)
        conv.weight.data = f.reshape(1, 1, 2, 2).copy()
        dense = numnet.Linear(4, 1, bias=False).astype(dtype)
        dense.weight.data = w.reshape(4, 1).copy()
        model = numnet.Sequential(conv, make_activation(), numnet.Flatten(), dense)
        out = model(x.reshape(1, 1, 4, 4))
        mse = numnet.MSELoss()  # mean of (out − t)² over one element: L = ½ · MSE
        value = 0.5 * mse(out, np.array([[target]], dtype=dtype))
        model.backward(0.5 * mse.backward())
        return conv.weight.grad.ravel(), value

    def gradient(values, dtype=np.float64):
        return run(values, dtype)[0]

    return gradient, (lambda v: float(run(v)[1]))


@derivation
def conv_stride2_activations():
    d = Derivation(
        "conv_stride2_activations",
        "The hand-worked question with g = σ, tanh and ReLU, checked against numnet",
        "The filter gradient of the question with g′ written out for each activation. "
        "numnet computes it with Conv2d(1, 1, 2, stride=2) → activation → Flatten → "
        "Linear(4, 1) → ½·MSELoss, all backward passes written by hand.",
        at="x 4×4, f 2×2, stride 2 (the question's sizes)",
    )
    for symbol, value in ((xm, X), (fm, F), (wm, W), (cm, correlate(xm, fm, 2))):
        d.define(symbol, value, show=False)
    cases = [
        (sigma, sigma_d, numnet.Sigmoid, "σ′ = σ(1 − σ)"),
        (sp.tanh, tanh_prime, numnet.Tanh, "tanh′ = 1 − tanh²"),
        (relu, relu_prime, numnet.ReLU, "ReLU′ = 1 where C > 0, else 0"),
    ]
    for act, act_prime, module, why in cases:
        name = sp.MatrixSymbol(r"\frac{\partial L_{%s}}{\partial f}" % module.__name__, 2, 2)
        d.define(name, sp.ImmutableMatrix(2, 2, [sp.diff(loss(act), v) for v in F]), show=False)
        claim = d.chain(name, (df_formula(act_prime, _out(act)), why))
        grad_f, value = numnet_pipeline(module)
        d.tie(
            d.unfold(claim),
            INPUTS,
            grad_f,
            f"{module.__name__}: Conv2d.backward (weight.grad)",
            loss=value,
            wrt=list(F),
        )
    return d


def _out(act):
    return inner(wm, EWISE(act, cm))


# ----------------------------------------------------------------------------------------
# The general backward pass, with stride and padding
# ----------------------------------------------------------------------------------------
n, k, s = (sp.Symbol(v, integer=True, positive=True) for v in "nks")
p = sp.Symbol("p", integer=True, nonnegative=True)
b = sp.Symbol("b", real=True)
#: The grid of sizes (n, p, k, s) at which the general formulas are checked exactly.
GRID = {n: (5, 6), p: (0, 1), k: (2, 3), s: (2, 3)}


def general_layer(x, w, delta, padding, stride):
    """``L = Σ δ_ij y_ij`` for ``y = pad_p(x) ⋆_s W + b𝟙``: ``(loss, y)``."""
    y = correlate(pad(x, padding), w, stride) + b * sp.OneMatrix(*delta.shape)
    return inner(delta, y), y


def per_axis(f, *values):
    """``f`` of the values, axis by axis when some value is a (height, width) pair."""
    if not any(isinstance(v, sp.Tuple) for v in values):
        return f(*values)
    pairs = [v if isinstance(v, sp.Tuple) else (v, v) for v in values]
    return sp.Tuple(*(f(*axis) for axis in zip(*pairs, strict=True)))


def input_gradient(delta, w, padding, stride, kernel, rest):
    """``crop_p(pad_{k−1, k−1+r}(dilate_s δ) ⋆ rot180 W)``."""
    before = per_axis(lambda k_: k_ - 1, kernel)
    after = per_axis(lambda k_, r_: k_ - 1 + r_, kernel, rest)
    return crop(correlate(pad(dilate(delta, stride), before, after), rot180(w)), padding)


def kernel_gradient(x, delta, padding, stride, kernel, o):
    """``first_{(o−1)s+k}(pad_p x) ⋆ dilate_s δ``."""
    reach = per_axis(lambda o_, s_, k_: (o_ - 1) * s_ + k_, o, stride, kernel)
    return correlate(first(pad(x, padding), reach), dilate(delta, stride))


class partial(sp.Expr):  # noqa: N801
    """``∂L/∂b`` for a scalar ``b``: the derivative of ``loss`` (named ``name``) by ``var``."""

    is_commutative = True

    def __new__(cls, loss, var, name):
        return sp.Basic.__new__(cls, loss, var, name)

    def doit(self, **hints):
        value = self.args[0].doit()
        return self if value.has(sp.MatrixSymbol) else sp.diff(value, self.args[1])

    def _latex(self, printer, exp=None):
        return r"\frac{\partial %s}{\partial %s}" % (
            printer._print(self.args[2]),
            printer._print(self.args[1]),
        )


@derivation
def conv_backward_general():
    o, r = outsize(n + 2 * p, k, s), leftover(n + 2 * p, k, s)
    x, w = sp.MatrixSymbol("x", n, n), sp.MatrixSymbol("W", k, k)
    delta = sp.MatrixSymbol(r"\delta", o, o)
    L = sp.Symbol("L", real=True)
    y_sym = sp.MatrixSymbol("y", o, o)
    d = Derivation(
        "conv_backward_general",
        "Convolution backward: dilate, pad, rotate, correlate",
        (
            "An n × n input x, a k × k kernel W and a bias b, padding p and stride s give "
            "y, of size o × o with ",
            sp.Eq(o, sp.floor((n + 2 * p - k) / s) + 1, evaluate=False),
            ". δ = ∂L/∂y is the upstream gradient. By the chain rule ∂L/∂θ = Σ δ_ij ∂y_ij/∂θ "
            "for every entry θ of x, of W and for b: the gradients of L are those of "
            "Σ δ_ij y_ij with δ held fixed, so the derivation may take that sum as L. "
            "dilate_s puts s − 1 zeros "
            "between neighbouring entries; pad_{a,b} puts a rows and columns of zeros before "
            "and b after (pad_p = pad_{p,p}); crop_p removes p on every side; first_m keeps "
            "the first m rows and columns; rot180 turns a matrix by a half turn. The windows "
            "reach only the first (o − 1)s + k rows of the padded input: the last ",
            sp.Eq(r, n + 2 * p - k - (o - 1) * s, evaluate=False),
            " rows and columns are never used (r > 0 when s does not divide n + 2p − k). "
            "The first chain works ∂L/∂x out step by step at n = 3, p = 1, k = 2, s = 2; "
            "the last three lines state the three gradients for every size in the grid they were "
            "checked on (shown with each line).",
        ),
        at="each (n, p, k, s) of the grid; the worked instance at n = 3, p = 1, k = 2, s = 2",
    )
    loss_expr, y = general_layer(x, w, delta, p, s)
    d.define(y_sym, y)
    d.define(L, inner(delta, y_sym))
    claims = [
        (
            grad(loss_expr, x, L),
            input_gradient(delta, w, p, s, k, r),
            "pad the dilated δ to the full padded size, correlate with the turned kernel, crop p",
        ),
        (
            grad(loss_expr, w, L),
            kernel_gradient(x, delta, p, s, k, o),
            "only the rows and columns the windows reach meet W",
        ),
        (partial(loss_expr, b, L), total(delta), "b is added to every output"),
    ]
    for lhs, rhs, why in claims:
        d.enumerate(same(lhs, rhs), GRID, why)
    # The worked instance: dilate, pad and rotate as steps (n = 3, p = 1, k = 2, s = 2: r = 1).
    x3, w2, d2 = (
        sp.MatrixSymbol(name, 2 + (name == "x"), 2 + (name == "x"))
        for name in ("x", "W", r"\delta")
    )
    loss3, _ = general_layer(x3, w2, d2, 1, 2)
    spread, turned = explicit(dilate(d2, 2)), explicit(rot180(w2))
    padded = explicit(pad(spread, 1, 2))
    d.chain(
        grad(loss3, x3, L),
        (
            input_gradient(d2, w2, 1, 2, 2, 1),
            "the worked instance: n = 3, p = 1, k = 2, s = 2, where r = 1",
        ),
        (crop(correlate(pad(spread, 1, 2), turned), 1), "dilate δ by 2; turn W by 180°"),
        (crop(correlate(padded, turned), 1), "pad by k − 1 = 1 before, k − 1 + r = 2 after"),
        (explicit(input_gradient(d2, w2, 1, 2, 2, 1)), "correlate, then crop p = 1"),
    )
    # numnet at (n, p, k, s) = (6, 1, 3, 2), where s does not divide n + 2p − k = 5.
    case = {n: 6, p: 1, k: 3, s: 2}
    sizes = {"x": 6, "W": 3, r"\delta": 3}
    syms = {name: symbol_matrix(name, m, m) for name, m in sizes.items()}
    inputs = list(syms["x"]) + list(syms["W"]) + [b] + list(syms[r"\delta"])

    def build(values, dtype=np.float64):
        values = np.asarray(values, dtype=dtype)
        layer = numnet.Conv2d(1, 1, 3, stride=2, padding=1).astype(dtype)
        layer.weight.data = values[36:45].reshape(1, 1, 3, 3).copy()
        layer.bias.data = values[45:46].copy()
        return layer, values[:36].reshape(1, 1, 6, 6), values[46:].reshape(1, 1, 3, 3)

    at_case = [d.unfold(rhs.subs(case)) for _, rhs, _ in claims]
    ties = {
        "input": (at_case[0], syms["x"]),
        "weight": (at_case[1], syms["W"]),
        "bias": (sp.Matrix([at_case[2]]), [b]),
    }
    tie_module(d, inputs, build, "Conv2d(1, 1, 3, stride=2, padding=1) on 6×6", ties)
    return d


@derivation
def conv_backward_channels():
    samples, c_in, c_out, (h, wd), (kh, kw) = 2, 2, 2, (4, 3), (3, 2)
    stride, padding = sp.Tuple(2, 1), sp.Tuple(1, 0)
    o = (outsize(h + 2, kh, 2), outsize(wd, kw, 1))  # (2, 2)
    r = sp.Tuple(leftover(h + 2, kh, 2), leftover(wd, kw, 1))  # (1, 0)
    kernel = sp.Tuple(kh, kw)
    d = Derivation(
        "conv_backward_channels",
        "Convolution backward with channels and a batch: sums over channels and samples",
        "A batch of 2 inputs x^(n,c) with 2 channels c of 4×3, 2 filters of 2 × 3×2 (W^(c′,c) "
        "links input channel c to output channel c′) and a bias each, stride (2, 1) and "
        "padding (1, 0) (height, width): y^(n,c′) = Σ_c pad(x^(n,c)) ⋆ W^(c′,c) + b_c′, and "
        "L = Σ δ^(n,c′) ⊙ y^(n,c′) summed over every entry; in the formulas the two indices "
        "of a superscript are written side by side, as in x^(11). Each input channel feeds every output channel, and every sample uses the same "
        "filters: the single-channel formulas, summed. A pair in a subscript is (height, "
        "width): dilate_{(2, 1)} puts one zero between neighbouring rows and none between "
        "columns, and pad_{(2, 1),(3, 1)} puts 2 rows and 1 column of zeros before (top, left) "
        "and 3 rows and 1 column after (bottom, right).",
        at="N = 2, 2 input and 2 output channels, input 4×3, kernel 3×2, stride (2, 1), "
        "padding (1, 0)",
    )

    def block(name, i, j, rows, cols):
        return sp.MatrixSymbol(r"%s^{(%d%d)}" % (name, i, j), rows, cols)

    xs = [[block("x", a, c, h, wd) for c in (1, 2)] for a in (1, 2)]
    ws = [[block("W", a, c, kh, kw) for c in (1, 2)] for a in (1, 2)]
    ds = [[block(r"\delta", a, c, *o) for c in (1, 2)] for a in (1, 2)]
    bs = sp.symbols("b_1:3", real=True)
    L = sp.Symbol("L", real=True)
    loss_expr = sp.Add(
        *(
            inner(ds[a][q], correlate(pad(xs[a][c], padding), ws[q][c], stride))
            for a in range(samples)
            for q in range(c_out)
            for c in range(c_in)
        ),
        *(bs[q] * total(ds[a][q]) for a in range(samples) for q in range(c_out)),
    )

    def dx(a, c):
        return sp.MatAdd(
            *(input_gradient(ds[a][q], ws[q][c], padding, stride, kernel, r) for q in range(c_out))
        )

    def dw(q, c):
        first_m = sp.Tuple(
            *((o_ - 1) * s_ + k_ for o_, s_, k_ in zip(o, stride, kernel, strict=True))
        )
        return sp.MatAdd(
            *(
                correlate(first(pad(xs[a][c], padding), first_m), dilate(ds[a][q], stride))
                for a in range(samples)
            )
        )

    def db(q):
        return sp.Add(*(total(ds[a][q]) for a in range(samples)))

    d.chain(grad(loss_expr, xs[0][0], L), (dx(0, 0), "input channel 1 feeds both filters"))
    d.chain(grad(loss_expr, ws[0][0], L), (dw(0, 0), "both samples use the same filter"))
    d.chain(partial(loss_expr, bs[0], L), (db(0), "b₁ is added to every output of channel 1"))

    def syms(m):
        return list(explicit(m))

    x_syms = [v for a in range(samples) for c in range(c_in) for v in syms(xs[a][c])]
    w_syms = [v for q in range(c_out) for c in range(c_in) for v in syms(ws[q][c])]
    d_syms = [v for a in range(samples) for q in range(c_out) for v in syms(ds[a][q])]
    inputs = x_syms + w_syms + list(bs) + d_syms
    n_x, n_w = len(x_syms), len(w_syms)
    claim_dx = sp.Matrix.vstack(*(explicit(dx(a, c)) for a in range(samples) for c in range(c_in)))
    claim_dw = sp.Matrix.vstack(*(explicit(dw(q, c)) for q in range(c_out) for c in range(c_in)))
    claim_db = sp.Matrix([db(q).doit() for q in range(c_out)])

    def build(values, dtype=np.float64):
        values = np.asarray(values, dtype=dtype)
        layer = numnet.Conv2d(c_in, c_out, (kh, kw), stride=(2, 1), padding=(1, 0)).astype(dtype)
        layer.weight.data = values[n_x : n_x + n_w].reshape(c_out, c_in, kh, kw).copy()
        layer.bias.data = values[n_x + n_w : n_x + n_w + 2].copy()
        dy = values[n_x + n_w + 2 :].reshape(samples, c_out, 2, 2)
        return layer, values[:n_x].reshape(samples, c_in, h, wd), dy

    claims = {"input": (claim_dx, x_syms), "weight": (claim_dw, w_syms), "bias": (claim_db, bs)}
    tie_module(d, inputs, build, "Conv2d", claims)
    return d
