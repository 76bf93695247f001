"""Dense layers: the gradients of ``Y = X W + 1 b`` for a symbolic batch, two layers of
backpropagation, and why stacked linear layers collapse into one.

Matrices are explicit SymPy matrices with 1-based entry names (``x_{12}``) for the checks; each
step is displayed from the matching matrix expression (``X^T δ``), printed by SymPy.
"""

import numpy as np
import sympy as sp

import numnet
from derivations import derivation
from derivations.core import Derivation, prove_equal
from derivations.functions import sigma
from derivations.matrices import gradient, symbol_matrix
from derivations.ties import tie_module


def shown_as(matexpr, env, why):
    """A chain step whose value is ``matexpr`` with ``env`` substituted, displayed as ``matexpr``."""
    return (matexpr.subs(env).doit().as_explicit(), why, sp.latex(matexpr))


def flat(*matrices):
    return [s for m in matrices for s in m]


def _set(layer, w, b):
    layer.weight.data, layer.bias.data = w, b.ravel()


# A batch of N = 2 samples with 3 features through a 3 → 2 layer.
N, I, O = 2, 3, 2
X, W, b, D = (
    sp.MatrixSymbol(s, r, c) for s, r, c in [("X", N, I), ("W", I, O), ("b", 1, O), ("delta", N, O)]
)
Xs, Ws, bs, Ds = (
    symbol_matrix("x", N, I),
    symbol_matrix("w", I, O),
    symbol_matrix("b", 1, O),
    symbol_matrix(r"\delta", N, O),
)
ONES = sp.MatrixSymbol(r"\mathbf{1}", N, 1)  # a column of ones: 1b adds b to every row
ENV = {X: Xs, W: Ws, b: bs, D: Ds, ONES: sp.ones(N, 1)}


@derivation
def dense_layer():
    d = Derivation(
        "dense_layer",
        "Dense layer: ∂L/∂W = Xᵀδ, ∂L/∂b = Σₙ δₙ, ∂L/∂X = δWᵀ",
        "For any loss L, let δ = ∂L/∂Y be the upstream gradient (N × out). Then L changes with "
        "W exactly as the scalar Σ δ_nk y_nk does, so we differentiate that, entry by entry.",
    )
    Y = Xs * Ws + sp.ones(N, 1) * bs
    L = sum(Ds.multiply_elementwise(Y))
    dW = d.chain(
        (gradient(L, Ws), "differentiate L = Σ δ_nk y_nk with respect to each w_ij"),
        shown_as(X.T * D, ENV, "entry (i, j) is Σ_n x_ni δ_nj: a matrix product"),
        lhs=r"\frac{\partial L}{\partial W}",
    )
    db = d.chain(
        (gradient(L, bs), "differentiate with respect to each b_j"),
        shown_as(ONES.T * D, ENV, "entry j is Σ_n δ_nj: the column sums of δ"),
        lhs=r"\frac{\partial L}{\partial b}",
    )
    dX = d.chain(
        (gradient(L, Xs), "differentiate with respect to each x_ni"),
        shown_as(D * W.T, ENV, "entry (n, i) is Σ_k δ_nk w_ik"),
        lhs=r"\frac{\partial L}{\partial X}",
    )
    d.fact(
        (X.T * D).shape == W.shape and (D * W.T).shape == X.shape,
        "shapes: Xᵀδ is (in × N)(N × out) like W, and δWᵀ is (N × out)(out × in) like X",
        tex=r"X^{T}\delta \in \mathbb{R}^{3\times 2} \ni W,\qquad \delta W^{T} \in \mathbb{R}^{2\times 3} \ni X",
    )
    inputs = flat(Xs, Ws, bs, Ds)

    def unpack(v):
        x, w, bias, delta = np.split(v, np.cumsum([N * I, I * O, O]))
        return x.reshape(N, I), w.reshape(I, O), bias, delta.reshape(N, O)

    def build(v):
        x, w, bias, delta = unpack(v)
        layer = numnet.Linear(I, O)
        _set(layer, w, bias)
        return layer, x, delta

    claims = {"weight": (dW, Ws), "bias": (db, bs), "input": (dX, Xs)}
    tie_module(d, inputs, build, "Linear", claims)
    return d


@derivation
def linear_collapse():
    d = Derivation(
        "linear_collapse",
        "Stacked linear layers collapse: W₂(W₁x + b₁) + b₂ = (W₂W₁)x + (W₂b₁ + b₂)",
        "Without a nonlinearity between them, two linear layers are one linear layer (here in "
        "the column convention of the reports, with square 3 × 3 weights). The order of the "
        "product matters: matrices do not commute.",
    )
    W1, W2 = sp.MatrixSymbol("W_1", 3, 3), sp.MatrixSymbol("W_2", 3, 3)
    b1, b2, x = (
        sp.MatrixSymbol("b_1", 3, 1),
        sp.MatrixSymbol("b_2", 3, 1),
        sp.MatrixSymbol("x", 3, 1),
    )
    env = {
        W1: symbol_matrix("u", 3, 3),
        W2: symbol_matrix("v", 3, 3),
        b1: symbol_matrix("c", 3, 1),
        b2: symbol_matrix("e", 3, 1),
        x: symbol_matrix("x", 3, 1),
    }
    d.chain(
        shown_as(W2 * (W1 * x + b1) + b2, env, "two layers, no activation"),
        shown_as(W2 * W1 * x + W2 * b1 + b2, env, "distribute W₂"),
        lhs=r"f(x)",
    )
    d.fact(
        prove_equal((W2 * W1 * x).subs(env).doit(), (W1 * W2 * x).subs(env).doit()) == "failed",
        "common mistake (report 003 §1.3): writing W₁W₂x is wrong; the CAS finds the difference nonzero",
        tex=sp.latex(W2 * W1 * x) + r" \neq " + sp.latex(W1 * W2 * x),
    )
    return d


@derivation
def two_layer_backprop():
    n, i, h = 2, 2, 2
    d = Derivation(
        "two_layer_backprop",
        "Backpropagation through two layers: ∂L/∂W₁ = Xᵀ[(δ₂W₂ᵀ) ⊙ σ'(Z₁)]",
        "Network Z₁ = XW₁ + 1b₁, A₁ = σ(Z₁), Y = A₁W₂ + 1b₂ with the mean squared error "
        "L = (1/N) Σ (Y − T)². Backward: δ₂ = ∂L/∂Y = (2/N)(Y − T), δ₁ = (δ₂W₂ᵀ) ⊙ σ'(Z₁), "
        "∂L/∂W₁ = Xᵀδ₁. SymPy checks the result against differentiating L directly.",
    )
    Xs_, W1s, b1s, W2s, b2s, Ts = (
        symbol_matrix("x", n, i),
        symbol_matrix("u", i, h),
        symbol_matrix("c", 1, h),
        symbol_matrix("v", h, 1),
        symbol_matrix("e", 1, 1),
        symbol_matrix("t", n, 1),
    )
    Z1 = Xs_ * W1s + sp.ones(n, 1) * b1s
    A1 = Z1.applyfunc(sigma)
    Y = A1 * W2s + sp.ones(n, 1) * b2s
    L = sum((Y - Ts).applyfunc(lambda r: r**2)) / n
    Xm, W2m, D2, S1 = (
        sp.MatrixSymbol("X", n, i),
        sp.MatrixSymbol("W_2", h, 1),
        sp.MatrixSymbol(r"\delta_2", n, 1),
        sp.MatrixSymbol(r"\sigma'(Z_{1})", n, h),
    )
    env = {
        Xm: Xs_,
        W2m: W2s,
        D2: 2 * (Y - Ts) / n,
        S1: Z1.applyfunc(lambda z: sigma(z) * (1 - sigma(z))),
    }
    dW1 = d.chain(
        (gradient(L, W1s), "differentiate L directly with respect to each entry of W₁"),
        shown_as(
            Xm.T * sp.HadamardProduct(D2 * W2m.T, S1), env, "backpropagate δ₂ through W₂ and σ"
        ),
        lhs=r"\frac{\partial L}{\partial W_1}",
    )
    inputs = flat(Xs_, W1s, b1s, W2s, b2s, Ts)
    sizes = np.cumsum([n * i, i * h, h, h, 1])

    def run(v):
        x, w1, c, w2, e, t = np.split(v, sizes)
        first, second = numnet.Linear(i, h), numnet.Linear(h, 1)
        _set(first, w1.reshape(i, h), c)
        _set(second, w2.reshape(h, 1), e)
        model = numnet.Sequential(first, numnet.Sigmoid(), second)
        mse = numnet.MSELoss()
        value = mse(model(x.reshape(n, i)), t.reshape(n, 1))
        return model, mse, value

    def backward(v):
        model, mse, _ = run(v)
        model.backward(mse.backward())
        return model[0].weight.grad

    d.tie(
        dW1,
        inputs,
        backward,
        "Sequential(Linear, Sigmoid, Linear) + MSELoss",
        loss=lambda v: run(v)[2],
        wrt=list(W1s),
    )
    return d


@derivation
def column_convention():
    d = Derivation(
        "column_convention",
        "The column convention A = W·X is the transpose of the row convention Y = XW + b",
        "Many courses (and the reports) store samples as columns: X_c = Xᵀ (features × N) and "
        "W_c = Wᵀ (out × in). Transposing Y = XW + 1b gives their forward pass, and transposing "
        "∂L/∂W = Xᵀδ gives their gradient δ_c X_cᵀ with δ_c = δᵀ.",
    )
    Xc, Wc, bc, Dc = (
        sp.MatrixSymbol("X_c", I, N),
        sp.MatrixSymbol("W_c", O, I),
        sp.MatrixSymbol("b_c", O, 1),
        sp.MatrixSymbol(r"\delta_c", O, N),
    )
    env = {**ENV, Xc: Xs.T, Wc: Ws.T, bc: bs.T, Dc: Ds.T}
    d.chain(
        shown_as(sp.Transpose(X * W + ONES * b), env, "transpose the row-convention forward pass"),
        shown_as(W.T * X.T + b.T * ONES.T, env, "(AB)ᵀ = BᵀAᵀ"),
        shown_as(Wc * Xc + bc * ONES.T, env, "rename: W_c = Wᵀ, X_c = Xᵀ, b_c = bᵀ"),
        lhs=r"Y^{T}",
    )
    d.chain(
        shown_as(sp.Transpose(X.T * D), env, "transpose the row-convention gradient"),
        shown_as(D.T * X, env, "(AB)ᵀ = BᵀAᵀ"),
        shown_as(Dc * Xc.T, env, "rename: δ_c = δᵀ, X_c = Xᵀ"),
        lhs=r"\left(\frac{\partial L}{\partial W}\right)^{T} = \frac{\partial L}{\partial W_c}",
    )
    return d
