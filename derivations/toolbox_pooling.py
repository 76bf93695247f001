"""Average pooling and global average pooling: the local derivative for every size, and the
backward pass tied to numnet on a grid of sizes.

An average-pooling window i, j of size k_h × k_w starting at row (i − 1)s_h + 1 and column
(j − 1)s_w + 1 of the (padded) input is y_ij = (1/(k_h k_w)) Σ_a Σ_b x_{(i−1)s_h+a, (j−1)s_w+b}.
Its derivative with respect to one input x_uv is 1/(k_h k_w) if the window holds (u, v) and 0
otherwise, for every size (first chain); by the chain rule the input gradient sums δ_ij times
that over the windows (second chain), which is what numnet's backward spreads.
"""

import numpy as np
import sympy as sp

import numnet
from derivations import derivation
from derivations.core import Derivation
from derivations.indexed import index, size
from derivations.matrices import symbol_matrix
from derivations.printing import product

i, j, a, b_ = (index(name) for name in "ijab")
u, v, h, w_ = (index(name) for name in "uvhw")
kh, kw, sh, sw = (size(name) for name in ("k_h", "k_w", "s_h", "s_w"))
H, W, Ho, Wo = size("H"), size("W"), size("H_o"), size("W_o")
x = sp.IndexedBase("x", real=True)
y = sp.IndexedBase("y", real=True)
delta = sp.IndexedBase(r"\delta", real=True)


class indicator(sp.Function):  # noqa: N801 - printed as 𝟙
    """``𝟙[condition]``: 1 where the condition holds, 0 elsewhere."""

    def _eval_rewrite_as_numeric(self, condition, **kwargs):
        return sp.Piecewise((1, condition), (0, True))

    def doit(self, **hints):
        # Written out, with each bound expanded (``s_h(i − 1)`` as ``i s_h − s_h``, the form in
        # which SymPy states the sum of a Kronecker delta), so that equal conditions match.
        condition = self.args[0].replace(
            lambda e: isinstance(e, sp.core.relational.Relational),
            lambda e: e.func(sp.expand(e.lhs), sp.expand(e.rhs)),
        )
        return sp.Piecewise((1, condition), (0, True))

    def _latex(self, printer, exp=None):
        return r"\mathbb{1}_{%s}" % printer._print(self.args[0])


def _in_window(pos, window, stride, kernel):
    """``(window − 1)·stride + 1 ≤ pos ≤ (window − 1)·stride + kernel``, as SymPy states it."""
    start = stride * (window - 1)
    return sp.And(sp.Ge(kernel, pos - start), sp.Ge(pos - start, 1))


#: The grid of the ties: (H, W), kernel (kh, kw), stride (sh, sw), padding (ph, pw); it holds a
#: stride that does not divide H + 2p − k, padding, a non-square kernel and overlapping windows.
GRID = [
    ((4, 4), (2, 2), (2, 2), (0, 0)),
    ((5, 6), (2, 3), (2, 3), (0, 0)),
    ((6, 5), (3, 3), (2, 2), (1, 1)),
    ((5, 5), (3, 2), (1, 2), (1, 0)),
]


def _ints(values):
    return {k: sp.Integer(v) for k, v in values.items()}


def _pool_claim(slope, size_in, kernel, stride, padding):
    """The input gradient of AvgPool2d at one grid size: the chain rule's sum of δ_ij times the
    derived slope ``slope`` (an expression in i, j, u, v and the sizes) over every window."""
    (hh, ww), (k1, k2), (s1, s2), (p1, p2) = size_in, kernel, stride, padding
    ho, wo = (hh + 2 * p1 - k1) // s1 + 1, (ww + 2 * p2 - k2) // s2 + 1
    dy = symbol_matrix(r"\delta", ho, wo)
    at_size = slope.subs({kh: k1, kw: k2, sh: s1, sw: s2}).doit()
    rows_part, cols_part = at_size.as_independent(v, j, as_Add=False)  # the slope's two factors
    rows_w = {
        (r, wi): rows_part.xreplace(_ints({u: r + 1 + p1, i: wi + 1}))
        for r in range(hh)
        for wi in range(ho)
    }
    cols_w = {
        (c, wj): cols_part.xreplace(_ints({v: c + 1 + p2, j: wj + 1}))
        for c in range(ww)
        for wj in range(wo)
    }
    grad = sp.Matrix(
        hh,
        ww,
        lambda r, c: sum(  # input (r, c) is (u, v) = (r + 1 + p1, c + 1 + p2) of the padded x
            dy[wi, wj] * rows_w[r, wi] * cols_w[c, wj] for wi in range(ho) for wj in range(wo)
        ),
    )
    return grad, dy


@derivation
def avgpool_backward():
    d = Derivation(
        "avgpool_backward",
        "Average pooling's backward pass spreads each gradient evenly over its window",
        (
            "Window (i, j) of the padded input x averages a ",
            kh,
            " × ",
            kw,
            " block whose first row is ",
            (i - 1) * sh + 1,
            " and first column ",
            (j - 1) * sw + 1,
            ". It depends on x_uv with slope ",
            1 / (kh * kw),
            " if it holds (u, v), and not at all otherwise (first chain). With the upstream "
            "gradient δ of the H_o × W_o output, the input gradient adds this slope times δ over "
            "every window that holds (u, v) (second chain): overlapping windows add up, and "
            "what lands on the padding is dropped.",
        ),
        sizes="every kernel, stride and input size",
        ranges={i: (1, Ho), j: (1, Wo)},
    )
    d.define(
        y,
        sp.Lambda(
            (i, j),
            product(
                1 / (kh * kw),
                sp.Sum(x[sh * (i - 1) + a, sw * (j - 1) + b_], (a, 1, kh), (b_, 1, kw)),
            ),
        ),
    )
    slope = d.chain(
        sp.Derivative(y[i, j], x[u, v]),
        (
            product(
                1 / (kh * kw),
                sp.Sum(
                    sp.KroneckerDelta(u, sh * (i - 1) + a)
                    * sp.KroneckerDelta(v, sw * (j - 1) + b_),
                    (a, 1, kh),
                    (b_, 1, kw),
                ),
            ),
            "differentiate each term of the window's sum",
        ),
        (
            product(
                1 / (kh * kw),
                indicator(_in_window(u, i, sh, kh)),
                indicator(_in_window(v, j, sw, kw)),
            ),
            "one term is x_uv if the window holds (u, v), none otherwise",
        ),
    )
    loss = sp.Sum(delta[i, j] * y[i, j], (i, 1, Ho), (j, 1, Wo))
    d.chain(
        sp.Derivative(loss, x[u, v]),
        (
            sp.Sum(delta[i, j] * sp.Derivative(y[i, j], x[u, v]), (i, 1, Ho), (j, 1, Wo)),
            "chain rule: a sum over the windows",
        ),
    )

    for size_in, kernel, stride, padding in GRID:
        claim, dy = _pool_claim(slope, size_in, kernel, stride, padding)
        xs = symbol_matrix("x", *size_in)
        inputs = [*xs, *dy]
        count = len(xs)

        def build(
            values,
            dtype=np.float64,
            size_in=size_in,
            kernel=kernel,
            stride=stride,
            padding=padding,
            shape=dy.shape,
            count=count,
        ):
            values = np.asarray(values, dtype=dtype)
            layer = numnet.AvgPool2d(kernel, stride=stride, padding=padding)
            return (
                layer,
                values[:count].reshape(1, 1, *size_in),
                values[count:].reshape(1, 1, *shape),
            )

        def grad(values, dtype=np.float64, build=build):
            layer, xv, dv = build(values, dtype)
            layer(xv)
            return layer.backward(dv)

        def loss_value(values, build=build):
            layer, xv, dv = build(values)
            return float((layer(xv) * dv).sum())

        d.tie(
            claim,
            inputs,
            grad,
            f"AvgPool2d({kernel}, stride={stride}, padding={padding}) on {size_in}",
            loss=loss_value,
            wrt=list(xs),
        )
    return d


@derivation
def global_avgpool():
    d = Derivation(
        "global_avgpool",
        "Global average pooling: every pixel gets δ/(HW)",
        (
            "Global average pooling (AdaptiveAvgPool2d(1)) replaces each H × W channel by its "
            "mean y, so a CNN head needs one weight per channel and class instead of one per "
            "channel, pixel and class. "
            "Each pixel enters the mean with weight 1/(HW); with the upstream gradient δ of "
            "y, every pixel's gradient is δ/(HW).",
        ),
        sizes="every H and W",
        ranges={u: (1, H), v: (1, W)},
    )
    dy = sp.Symbol(r"\delta", real=True)
    y0 = sp.Symbol("y", real=True)
    d.define(y0, product(1 / (H * W), sp.Sum(x[h, w_], (h, 1, H), (w_, 1, W))))
    claim = d.chain(
        sp.Derivative(dy * y0, x[u, v]),
        (
            product(
                dy / (H * W),
                sp.Sum(sp.KroneckerDelta(h, u) * sp.KroneckerDelta(w_, v), (h, 1, H), (w_, 1, W)),
            ),
            "differentiate each term of the sum",
        ),
        (dy / (H * W), "exactly one term is the pixel itself"),
    )
    shape = (2, 2, 2, 3)  # N, C, H, W: a small tie (each pixel costs finite differences)
    dys = symbol_matrix(r"\delta", shape[0], shape[1])
    xs = symbol_matrix("x", 1, int(np.prod(shape)))
    per_pixel = claim.subs({H: shape[2], W: shape[3]})
    expected = sp.Matrix(
        [
            per_pixel.subs(dy, dys[n, c])
            for n in range(shape[0])
            for c in range(shape[1])
            for _ in range(shape[2] * shape[3])
        ]
    )
    count = xs.cols

    def build(values, dtype=np.float64):
        values = np.asarray(values, dtype=dtype)
        layer = numnet.AdaptiveAvgPool2d(1)
        dv = values[count:].reshape(shape[0], shape[1], 1, 1)
        return layer, values[:count].reshape(shape), dv

    def grad(values, dtype=np.float64):
        layer, xv, dv = build(values, dtype)
        layer(xv)
        return layer.backward(dv)

    def loss_value(values):
        layer, xv, dv = build(values)
        return float((layer(xv) * dv).sum())

    d.tie(
        expected,
        [*xs, *dys],
        grad,
        "AdaptiveAvgPool2d(1).backward on (2, 2, 2, 3)",
        loss=loss_value,
        wrt=list(xs),
    )
    return d
